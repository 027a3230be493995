package main

// gopool runs tasks on goroutines that outlive them. A goroutine starts with a small stack
// and grows it by copying as calls get deeper; a new goroutine per request (serve) and per
// deferred task paid that growth on every request, a tenth of the Go runtime's share of a
// request in the V8 profile (scripts/bench-edge -profile). A goroutine that has finished a
// task waits for the next one with its grown stack. Idle goroutines are as many as were
// ever busy at once, which the isolate's concurrency bounds; the GC shrinks stacks that
// stay mostly unused.
type gopool struct {
	idle chan func() // unbuffered: a send succeeds only when a goroutine is waiting
}

func newGopool() *gopool { return &gopool{idle: make(chan func())} }

// run starts task on an idle goroutine, or on a new one when none is idle. A task that
// panics ends the program, as it would on a goroutine of its own.
func (p *gopool) run(task func()) {
	select {
	case p.idle <- task:
	default:
		go p.loop(task)
	}
}

func (p *gopool) loop(task func()) {
	for {
		task()
		task = nil // let what the task held go before waiting
		task = <-p.idle
	}
}

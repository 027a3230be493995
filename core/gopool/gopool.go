// Package gopool runs tasks on goroutines that outlive them. A goroutine starts with a
// small stack and grows it by copying as calls get deeper; a new goroutine per task paid
// that growth every time (when core still ran each upstream call on a goroutine of its
// own: a third of the router's own time in BenchmarkPassthrough, a tenth of the Go
// runtime's share of a Worker request in scripts/bench-edge -profile). The Worker runs the
// tasks core defers after a response here. A goroutine that has finished a task
// waits for the next one with its grown stack. Idle goroutines are as many as were ever
// busy at once, which the load bounds; the GC shrinks stacks that stay mostly unused.
package gopool

// Pool is a set of reusable goroutines. The zero value is not usable; call New.
type Pool struct {
	idle chan func() // unbuffered: a send succeeds only when a goroutine is waiting
}

func New() *Pool { return &Pool{idle: make(chan func())} }

// Go runs task on an idle goroutine, or on a new one when none is idle. It never blocks,
// so it may be called from a syscall/js callback. A task that panics ends the program, as
// it would on a goroutine of its own.
func (p *Pool) Go(task func()) {
	select {
	case p.idle <- task:
	default:
		go p.loop(task)
	}
}

func (p *Pool) loop(task func()) {
	for {
		task()
		task = nil // let what the task held go before waiting
		task = <-p.idle
	}
}

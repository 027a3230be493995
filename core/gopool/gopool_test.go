package gopool

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestReusesGoroutines(t *testing.T) {
	p := New()
	base := runtime.NumGoroutine()
	const rounds, width = 50, 8
	var total sync.WaitGroup
	for range rounds {
		var wg sync.WaitGroup
		release := make(chan struct{})
		for range width {
			wg.Add(1)
			total.Add(1)
			p.Go(func() {
				defer total.Done()
				wg.Done()
				<-release // all width tasks are busy at once
			})
		}
		wg.Wait()
		close(release)
		total.Wait()
		time.Sleep(5 * time.Millisecond) // let the finished goroutines reach their receive
	}
	// Rounds reuse the goroutines of the rounds before: a goroutine per task would leave
	// rounds × width. (Twice width: a goroutine slow to get back to idle costs one more.)
	if n := runtime.NumGoroutine() - base; n > 2*width {
		t.Errorf("%d pool goroutines after %d rounds of %d concurrent tasks; want at most %d", n, rounds, width, 2*width)
	}
}

func TestRunsEveryTask(t *testing.T) {
	p := New()
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := map[int]bool{}
	for i := range 1000 {
		wg.Add(1)
		p.Go(func() {
			mu.Lock()
			seen[i] = true
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	if len(seen) != 1000 {
		t.Errorf("%d of 1000 tasks ran", len(seen))
	}
}

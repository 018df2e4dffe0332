package keys

import (
	"context"
	"sync"
)

// GoroutineProber returns a RoundProber that evaluates each batch on up to
// workers goroutines. It speeds derivation up where goroutines run in
// parallel (natively); on js/wasm they share one thread, and parallel work
// needs other Web Workers instead.
func GoroutineProber(workers int) RoundProber {
	workers = max(workers, 1)
	return func(ctx context.Context, jobs []RoundJob) ([]bool, error) {
		passes := make([]bool, len(jobs))
		next := make(chan int)
		var wg sync.WaitGroup
		for range min(workers, len(jobs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					passes[i] = MillerRabinRound(jobs[i].Candidate, jobs[i].Base)
				}
			}()
		}
	feed:
		for i := range jobs {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return passes, nil
	}
}

package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"strings"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/keys"
)

// probesName is the global through which web/prober.js offers its probe
// Workers to a derivation. It is absent when probing is off or when the
// Worker could not load prober.js; derivation then computes every round here.
const probesName = "ownkeyProbes"

// probeTimeout is how long a batch waits for the probe Workers before this
// instance computes the rounds itself: a lost Worker slows a derivation
// down, it never stops it.
var probeTimeout = 5 * time.Second

// probes is the derivation's side of the probe Workers: pool is the object
// prober.js installed.
type probes struct {
	pool safejs.Value
	size int // probe Workers in the pool, started or not

	// lost is set when the pool failed or did not answer in time: the rest
	// of the derivation computes every round here rather than wait again.
	lost bool
}

// findProbes returns the probe pool, or ok false when there is none.
func findProbes() (p *probes, ok bool) {
	pool, err := safejs.Global().Get(probesName)
	if err != nil || pool.Type() != safejs.TypeObject {
		return nil, false
	}
	size, err := pool.Get("size")
	if err != nil {
		return nil, false
	}
	n, err := size.Int()
	if err != nil || n < 1 {
		return nil, false
	}
	return &probes{pool: pool, size: n}, true
}

// batch is how many candidates a derivation hands over at a time: one per
// probe Worker and one for this instance.
func (p *probes) batch() int { return p.size + 1 }

// available is the number of probe Workers ready to take a round now.
func (p *probes) available() int {
	if p.lost {
		return 0
	}
	v, err := p.pool.Call("available")
	if err != nil {
		return 0
	}
	n, err := v.Int()
	if err != nil {
		return 0
	}
	return n
}

// rounds is the keys.RoundProber of a derivation in the browser. Job 0 is
// computed here while the probe Workers compute the next ones; jobs beyond
// the Workers ready, if any, are computed here afterwards. Only the results
// up to the first passing round matter to keys.DeriveSpeculative, so the
// rounds after one that passes are reported as failing without waiting for
// them: exactness does not depend on them.
func (p *probes) rounds(ctx context.Context, jobs []keys.RoundJob) ([]bool, error) {
	passes := make([]bool, len(jobs))
	remote := min(len(jobs)-1, p.available())
	var answer <-chan probeAnswer
	if remote > 0 {
		answer = p.send(jobs[1 : 1+remote])
	}

	if keys.MillerRabinRound(jobs[0].Candidate, jobs[0].Base) {
		passes[0] = true
		return passes, nil
	}
	if answer != nil {
		timeout := time.NewTimer(probeTimeout)
		defer timeout.Stop()
		select {
		case a := <-answer:
			if a.err == nil && len(a.passes) == remote {
				copy(passes[1:], a.passes)
				for _, pass := range a.passes {
					if pass {
						return passes, nil
					}
				}
			} else {
				remote = 0 // computed here below instead
				p.lost = true
			}
		case <-timeout.C:
			remote = 0
			p.lost = true
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	for i := 1 + remote; i < len(jobs); i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if keys.MillerRabinRound(jobs[i].Candidate, jobs[i].Base) {
			passes[i] = true
			break
		}
	}
	return passes, nil
}

type probeAnswer struct {
	passes []bool
	err    error
}

// send hands jobs to the pool: run(jobs, settle), jobs a flat array of hex
// candidates and bases. The pool calls settle(true, "0110...") with one
// digit per job, or settle(false, message), exactly once; settle releases
// itself then, so that a batch the derivation stopped waiting for leaks
// nothing once it is answered.
func (p *probes) send(jobs []keys.RoundJob) <-chan probeAnswer {
	answer := make(chan probeAnswer, 1)
	fail := func(err error) <-chan probeAnswer {
		answer <- probeAnswer{err: err}
		return answer
	}

	flat := make([]any, 0, 2*len(jobs))
	for _, j := range jobs {
		flat = append(flat, j.Candidate.Text(16), j.Base.Text(16))
	}
	array, err := newJSArray(flat)
	if err != nil {
		return fail(err)
	}

	var settle safejs.Func
	settle, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		settle.Release()
		answer <- decodeAnswer(args, len(jobs))
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if _, err := p.pool.Call("run", array, settle.Value()); err != nil {
		settle.Release()
		return fail(err)
	}
	return answer
}

func decodeAnswer(args []safejs.Value, n int) probeAnswer {
	if len(args) != 2 {
		return probeAnswer{err: errors.New("wasm: the probe pool answered badly")}
	}
	ok, err := args[0].Bool()
	if err != nil {
		return probeAnswer{err: err}
	}
	text, err := args[1].String()
	if err != nil {
		return probeAnswer{err: err}
	}
	if !ok {
		return probeAnswer{err: errors.New("wasm: the probe Workers failed: " + text)}
	}
	if len(text) != n || strings.Trim(text, "01") != "" {
		return probeAnswer{err: errors.New("wasm: the probe pool answered badly")}
	}
	passes := make([]bool, n)
	for i := range text {
		passes[i] = text[i] == '1'
	}
	return probeAnswer{passes: passes}
}

// newJSArray makes a JavaScript array of strings.
func newJSArray(items []any) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Array")
	if err != nil {
		return safejs.Value{}, err
	}
	array, err := ctor.New()
	if err != nil {
		return safejs.Value{}, err
	}
	if len(items) > 0 {
		if _, err := array.Call("push", items...); err != nil {
			return safejs.Value{}, err
		}
	}
	return array, nil
}

// deriveKey derives with the probe Workers when there are any, and alone
// otherwise; the key is the same either way.
func deriveKey(ctx context.Context, secret []byte, bits int,
	progress func(int)) (*rsa.PrivateKey, error) {
	p, ok := findProbes()
	if !ok {
		return keys.Derive(ctx, secret, bits, progress)
	}
	return keys.DeriveSpeculative(ctx, secret, bits, progress, p.rounds, p.batch())
}

// Command prober is the small WebAssembly module of ownkey's probe Workers
// (web/probe-worker.js): it evaluates full-size Miller-Rabin rounds for a
// derivation running in another Worker (keys.DeriveSpeculative, through mrround), so that
// several candidates are tested at once on several processors. It sees
// prime candidates and bases, never a secret nor a key: the candidates that
// pass become key material only in the deriving instance, which alone knows
// which of them it keeps.
//
// It installs one synchronous function, globalThis.ownkeyRound(candidate,
// base), both lowercase hex, which returns whether the round passes, or
// null for input that is not a candidate and base of a round.
package main

import (
	"math/big"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/keys/mrround"
)

// maxHexDigits bounds a candidate: a 4096-bit key has 2048-bit primes.
const maxHexDigits = 2048 / 4

func main() {
	round, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		passes, ok := evaluate(args)
		if !ok {
			return nil
		}
		return passes
	})
	if err != nil {
		return
	}
	if err := safejs.Global().Set("ownkeyRound", round.Value()); err != nil {
		return
	}
	select {} // serve rounds for as long as the Worker lives
}

// evaluate reads the candidate and the base and computes the round. It
// never panics on bad input: it reports ok false instead.
func evaluate(args []safejs.Value) (passes, ok bool) {
	if len(args) != 2 {
		return false, false
	}
	c, ok := hexArg(args[0])
	if !ok {
		return false, false
	}
	base, ok := hexArg(args[1])
	if !ok {
		return false, false
	}

	if !mrround.Valid(c, base) {
		return false, false
	}
	return mrround.Passes(c, base), true
}

func hexArg(v safejs.Value) (*big.Int, bool) {
	if v.Type() != safejs.TypeString {
		return nil, false
	}
	s, err := v.String()
	if err != nil || len(s) == 0 || len(s) > maxHexDigits {
		return nil, false
	}
	return new(big.Int).SetString(s, 16)
}

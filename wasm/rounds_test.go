package main

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/keys/mrround"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePool installs a probe pool on globalThis.ownkeyProbes that behaves
// as mode says: "good" computes every round (through Go, as prober.wasm
// does), "failing" reports a lost Worker, "short" answers too few rounds,
// "silent" never answers. It returns how many batches were handed over.
func fakePool(t *testing.T, mode string) *int {
	t.Helper()
	batches := new(int)
	round, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		*batches++
		c, _ := args[0].String()
		base, _ := args[1].String()
		cInt, ok1 := new(big.Int).SetString(c, 16)
		baseInt, ok2 := new(big.Int).SetString(base, 16)
		if !ok1 || !ok2 || !mrround.Valid(cInt, baseInt) {
			return nil
		}
		return mrround.Passes(cInt, baseInt)
	})
	require.NoError(t, err)
	t.Cleanup(round.Release)

	function, err := safejs.Global().Get("Function")
	require.NoError(t, err)
	maker, err := function.New("round", "mode", `return {
		size: 2,
		available() { return 2; },
		run(jobs, settle) {
			setTimeout(() => {
				if (mode === 'silent') return;
				if (mode === 'failing') { settle(false, 'a probe Worker crashed'); return; }
				let results = '';
				for (let i = 0; i + 1 < jobs.length; i += 2) {
					results += round(jobs[i], jobs[i + 1]) ? '1' : '0';
				}
				settle(true, mode === 'short' ? results.slice(1) : results);
			}, 1);
		},
	};`)
	require.NoError(t, err)
	pool, err := maker.Invoke(round.Value(), mode)
	require.NoError(t, err)
	require.NoError(t, safejs.Global().Set(probesName, pool))
	t.Cleanup(func() { _ = safejs.Global().Delete(probesName) })
	return batches
}

// Whatever the probe pool does, the keys are the vectors': its answers are
// used when they come, and the rounds are computed here otherwise.
func TestDeriveWithProbesIsExact(t *testing.T) {
	saved := probeTimeout
	probeTimeout = 50 * time.Millisecond
	t.Cleanup(func() { probeTimeout = saved })

	var vectors []testvectors.Derive
	for _, v := range testvectors.Derivations(t) {
		if v.Bits == 2048 && len(vectors) < 2 {
			vectors = append(vectors, v)
		}
	}
	require.Len(t, vectors, 2)

	for _, mode := range []string{"good", "failing", "short", "silent"} {
		for i, v := range vectors {
			t.Run(fmt.Sprintf("%s-vector%d", mode, i), func(t *testing.T) {
				batches := fakePool(t, mode)
				key, err := deriveKey(context.Background(), []byte(v.Secret), v.Bits, nil)
				require.NoError(t, err)
				n, _ := new(big.Int).SetString(v.N, 16)
				assert.Zero(t, n.Cmp(key.N), "n")
				if mode == "good" {
					assert.Positive(t, *batches, "the pool computed rounds")
				}
			})
		}
	}

	t.Run("no pool", func(t *testing.T) {
		_, ok := findProbes()
		assert.False(t, ok)
	})
}

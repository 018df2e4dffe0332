package mrround

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func randomOdd(r *rand.Rand, bits int) *big.Int {
	words := make([]big.Word, (bits+63)/64)
	for i := range words {
		words[i] = big.Word(r.Uint64())
	}
	x := new(big.Int).SetBits(words)
	x.Rsh(x, uint(64*len(words)-bits))
	return x.SetBit(x, bits-1, 1).SetBit(x, 0, 1)
}

// montExp gives math/big's Exp at every size a derivation uses and around
// word boundaries, with bases and exponents of every kind.
func TestMontExpIsExp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		bits := []int{65, 127, 128, 129, 512, 1023, 1024, 1536, 2048}[i%9]
		n := randomOdd(r, bits)
		base := randomOdd(r, 1+r.IntN(bits+70)) // sometimes above n
		e := randomOdd(r, 1+r.IntN(bits))
		if i%10 == 0 {
			base.Sub(n, big.NewInt(1)) // n-1
		}
		if i%15 == 0 {
			e.SetInt64(1)
		}
		want := new(big.Int).Exp(base, e, n)
		require.Zero(t, want.Cmp(montExp(base, e, n)), "case %d: %d bits", i, bits)
	}
}

// Exp of small cases: the answers are known.
func TestMontExpSmall(t *testing.T) {
	require.Equal(t, int64(1), montExp(big.NewInt(2), big.NewInt(10), big.NewInt(1023)).Int64())
	require.Equal(t, int64(0), montExp(big.NewInt(7), big.NewInt(3), big.NewInt(7)).Int64())
	require.Equal(t, int64(1), montExp(big.NewInt(5), big.NewInt(0), big.NewInt(7)).Int64())
}

// Passes agrees with the definition on a prime and a strong pseudoprime.
func TestPasses(t *testing.T) {
	prime, _ := new(big.Int).SetString("170141183460469231731687303715884105727", 10)
	require.True(t, Passes(prime, big.NewInt(3)))
	require.True(t, Passes(big.NewInt(2047), big.NewInt(2)))
	require.False(t, Passes(big.NewInt(2047), big.NewInt(3)))
	require.False(t, Passes(big.NewInt(1000001), big.NewInt(2)))
}

func BenchmarkExp1024(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	n, base, e := randomOdd(r, 1024), randomOdd(r, 1020), randomOdd(r, 1023)
	b.Run("math-big", func(b *testing.B) {
		for b.Loop() {
			new(big.Int).Exp(base, e, n)
		}
	})
	b.Run("mont", func(b *testing.B) {
		for b.Loop() {
			montExp(base, e, n)
		}
	})
}

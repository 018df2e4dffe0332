// Package mrround computes one full-size Miller-Rabin round (format
// document, section 5.1). It is apart from package keys so that the probe
// Workers' WebAssembly module (wasm/prober), which computes only rounds,
// carries math/big and nothing of RSA.
package mrround

import "math/big"

var (
	one = big.NewInt(1)
	two = big.NewInt(2)
)

// Split returns m and a with c - 1 = m * 2^a, m odd, for an odd c > 1.
func Split(c *big.Int) (cMinusOne, m *big.Int, a int) {
	cMinusOne = new(big.Int).Sub(c, one)
	a = int(cMinusOne.TrailingZeroBits())
	return cMinusOne, new(big.Int).Rsh(cMinusOne, uint(a)), a
}

// Passes reports whether the round with this base passes for the odd
// candidate c > 5, with base in [2, c-2].
func Passes(c, base *big.Int) bool {
	cMinusOne, m, a := Split(c)
	return PassesSplit(c, cMinusOne, m, a, base)
}

// PassesSplit is Passes for a candidate already split by Split.
func PassesSplit(c, cMinusOne, m *big.Int, a int, base *big.Int) bool {
	z := new(big.Int).Exp(base, m, c)
	if z.Cmp(one) == 0 || z.Cmp(cMinusOne) == 0 {
		return true
	}
	for j := 1; j < a; j++ {
		z.Mul(z, z).Mod(z, c)
		if z.Cmp(cMinusOne) == 0 {
			return true
		}
		if z.Cmp(one) == 0 {
			return false
		}
	}
	return false
}

// Valid reports whether c and base are inputs Passes accepts: c odd and
// above 5, base in [2, c-2].
func Valid(c, base *big.Int) bool {
	if c.Bit(0) == 0 || c.Cmp(big.NewInt(5)) <= 0 || base.Cmp(two) < 0 {
		return false
	}
	return base.Cmp(new(big.Int).Sub(c, two)) <= 0
}

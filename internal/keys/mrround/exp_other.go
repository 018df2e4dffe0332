//go:build !wasm

package mrround

import "math/big"

// exp is base^e mod n for an odd n: math/big's assembly is faster than
// montExp wherever it has some.
func exp(base, e, n *big.Int) *big.Int { return new(big.Int).Exp(base, e, n) }

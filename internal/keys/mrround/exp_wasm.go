//go:build wasm

package mrround

import "math/big"

// exp is base^e mod n for an odd n: montExp, since math/big has no
// assembly on WebAssembly.
func exp(base, e, n *big.Int) *big.Int { return montExp(base, e, n) }

package keys

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
)

// A derivation takes a fraction of a second natively and several seconds
// under js/wasm, and the vector files name the same few secrets again and
// again. Each (secret, bits) is therefore derived once per test binary and
// shared by every test that needs it. Benchmarks do not use this cache.

type derivation struct {
	key   *rsa.PrivateKey
	drawn int64
	err   error
}

var (
	derivedMu sync.Mutex
	derivedBy = map[string]*derivation{}
)

// derivedKey returns the master key of secret at bits, derived at most once
// per test binary. A failed derivation fails every test that asks for it.
func derivedKey(t testing.TB, secret string, bits int) *rsa.PrivateKey {
	t.Helper()
	return derived(t, secret, bits).key
}

// derived is derivedKey with the number of stream bytes drawn.
func derived(t testing.TB, secret string, bits int) *derivation {
	t.Helper()
	derivedMu.Lock()
	defer derivedMu.Unlock()

	id := fmt.Sprintf("%d:%s", bits, secret)
	d, ok := derivedBy[id]
	if !ok {
		d = new(derivation)
		d.key, d.drawn, d.err = derive(context.Background(), []byte(secret), bits, nil)
		derivedBy[id] = d
	}
	if d.err != nil {
		t.Fatalf("deriving the %d-bit key of secret %s: %v", bits, fingerprint([]byte(secret)), d.err)
	}
	return d
}

// fingerprint names secret bytes in failure messages without showing them:
// the first bytes of their SHA-256.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%s (%d bytes)", hex.EncodeToString(sum[:6]), len(b))
}

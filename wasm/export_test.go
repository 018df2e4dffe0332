package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run under js/wasm (see RULES.md for the command); the browser
// tests in tests/browser cover the same functions in Chromium.

func init() {
	// Node 20 has no Promise.withResolvers; browsers that run ownkey do.
	function, err := safejs.Global().Get("Function")
	if err != nil {
		panic(err)
	}
	polyfill, err := function.New(`if (!Promise.withResolvers) {
		Promise.withResolvers = () => { let resolve, reject;
			const promise = new Promise((a, b) => { resolve = a; reject = b; });
			return { promise, resolve, reject }; }; }`)
	if err != nil {
		panic(err)
	}
	if _, err := polyfill.Invoke(); err != nil {
		panic(err)
	}
}

// await waits for a Promise and returns its value, or the message of the
// Error it rejected with.
func await(t *testing.T, promise any) (value safejs.Value, rejection string) {
	t.Helper()
	p, ok := promise.(safejs.Value)
	require.True(t, ok, "a handler must return a Promise")
	type settled struct {
		value safejs.Value
		err   string
	}
	done := make(chan settled, 1)
	onResolve, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		done <- settled{value: args[0]}
		return nil
	})
	require.NoError(t, err)
	defer onResolve.Release()
	onReject, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		message, _ := args[0].Get("message")
		text, _ := message.String()
		done <- settled{err: text}
		return nil
	})
	require.NoError(t, err)
	defer onReject.Release()
	_, err = p.Call("then", onResolve.Value(), onReject.Value())
	require.NoError(t, err)
	s := <-done
	return s.value, s.err
}

func call(h handler, args ...any) any {
	values := make([]safejs.Value, len(args))
	for i, a := range args {
		if v, ok := a.(safejs.Value); ok {
			values[i] = v
			continue
		}
		v, err := safejs.ValueOf(a)
		if err != nil {
			panic(err)
		}
		values[i] = v
	}
	return h.jsFunc()(safejs.Undefined(), values)
}

func TestPanicsRejectAndTheNextCallWorks(t *testing.T) {
	panicking := now(func([]safejs.Value) (any, error) {
		var m map[string]int
		m["boom"]++ // a nil map: a real runtime panic
		return nil, nil
	})
	_, rejection := await(t, call(panicking))
	assert.True(t, strings.HasPrefix(rejection, "wasm: internal error (the page keeps working): "),
		rejection)

	failing := now(func([]safejs.Value) (any, error) { return nil, errors.New("wasm: no") })
	_, rejection = await(t, call(failing))
	assert.Equal(t, "wasm: no", rejection)

	asyncPanic := later(func([]safejs.Value) (func() (any, error), error) {
		return func() (any, error) { panic("in the work goroutine") }, nil
	})
	_, rejection = await(t, call(asyncPanic))
	assert.Contains(t, rejection, "internal error")

	value, rejection := await(t, call(now(newProjectKey)))
	require.Empty(t, rejection)
	handle, err := value.Int()
	require.NoError(t, err)
	forgotten, rejection := await(t, call(now(forget), handle))
	require.Empty(t, rejection)
	ok, _ := forgotten.Bool()
	assert.True(t, ok)
}

func TestFileErrorsCloseTheFile(t *testing.T) {
	value, _ := await(t, call(now(newProjectKey)))
	key, _ := value.Int()
	defer keyring.forget(key)

	value, rejection := await(t, call(now(fileStart), key, "decrypt", -1))
	require.Empty(t, rejection)
	file, _ := value.Int()
	_, rejection = await(t, call(now(fileUpdate), file, "not bytes"))
	assert.Equal(t, "wasm: the chunk must be a Uint8Array, got string", rejection)
	_, rejection = await(t, call(now(fileFinal), file))
	assert.Equal(t, errForgotten.Error(), rejection, "a failed file is closed")

	_, rejection = await(t, call(now(fileStart), key, "decrypt", 15))
	assert.Equal(t, "aescbc: the file is shorter than 16 bytes: not an encrypted file", rejection)
	_, _, streams := keyring.counts()
	assert.Zero(t, streams)
}

func TestDeriveRejectsBadInputBeforeWork(t *testing.T) {
	uint8Array, _ := safejs.Global().Get("Uint8Array")
	empty, _ := uint8Array.New(0)
	_, rejection := await(t, call(later(deriveStart), 1, empty, 2048))
	assert.Equal(t, "keys: the secret is empty; type at least one character", rejection)
	_, rejection = await(t, call(later(deriveStart), 2, "a string", 2048))
	assert.Equal(t, "wasm: the secret must be a Uint8Array, got string", rejection)
	jobs.Lock()
	assert.Empty(t, jobs.cancel)
	jobs.Unlock()
}

func TestParsePublicKeyReencodesAndRefusesPrivateKeys(t *testing.T) {
	vector := testvectors.Derivations(t)[0]
	for _, pasted := range []string{vector.PublicPKCS1, vector.PublicSPKI,
		"\n  " + vector.PublicSPKI + "\n\n"} {
		value, rejection := await(t, call(now(parsePublicKey), pasted))
		require.Empty(t, rejection)
		pemValue, _ := value.Get("publicKeyPem")
		pemText, _ := pemValue.String()
		assert.Equal(t, vector.PublicPKCS1, pemText, "re-encoded as PKCS#1")
		fingerprintValue, _ := value.Get("fingerprint")
		fingerprint, _ := fingerprintValue.String()
		block, _ := pem.Decode([]byte(vector.PublicPKCS1))
		sum := sha256.Sum256(block.Bytes)
		assert.Equal(t, hex.EncodeToString(sum[:]), fingerprint)
		bitsValue, _ := value.Get("bits")
		bits, _ := bitsValue.Int()
		assert.Equal(t, 2048, bits)
	}

	_, rejection := await(t, call(now(parsePublicKey), vector.PrivatePKCS8))
	assert.Equal(t, `keys: malformed key: expected an "RSA PUBLIC KEY" or "PUBLIC KEY" `+
		`block, got a private key ("PRIVATE KEY")`, rejection)
	_, rejection = await(t, call(now(parsePublicKey), "not a key"))
	assert.Equal(t, "keys: malformed key: no PEM block found (expected -----BEGIN ...-----)",
		rejection)
	_, rejection = await(t, call(now(parsePublicKey), 42))
	assert.Equal(t, "wasm: the public key must be a string, got number", rejection)
}

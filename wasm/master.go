package main

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/keys"
)

// maxSecretSize bounds a typed secret, as the command line does.
const maxSecretSize = 1 << 16

// yieldEvery is how long a derivation computes before it hands the event
// loop back to JavaScript for a moment, so that progress is posted and a
// cancel message is received. Each pause costs about a millisecond.
const yieldEvery = 50 * time.Millisecond

// jobs maps the ids of running derivations to their cancel functions.
var jobs = struct {
	sync.Mutex
	cancel map[int]context.CancelFunc
}{cancel: map[int]context.CancelFunc{}}

// deriveStart checks the arguments of derive(jobId, secret, bits,
// onProgress) and returns the derivation, which resolves to the master key's
// handle and public description. secret is the UTF-8 of the secret in a
// Uint8Array; the caller wipes its copy after the call, and this one is
// wiped when the derivation ends. onProgress, if a function, is called with
// the candidates tried so far and the number a derivation of this size
// tries on average.
func deriveStart(args []safejs.Value) (func() (any, error), error) {
	jobID, err := argInt(args, 0, "the job id")
	if err != nil {
		return nil, err
	}
	size, err := byteLength(arg(args, 1), "the secret")
	if err != nil {
		return nil, err
	}
	if size > maxSecretSize {
		return nil, fmt.Errorf("wasm: the secret is longer than %d bytes", maxSecretSize)
	}
	secret, err := argBytesInto(args, 1, "the secret", make([]byte, size))
	if err != nil {
		return nil, err
	}
	bits, err := argInt(args, 2, "the key size")
	if err != nil {
		clear(secret)
		return nil, err
	}
	onProgress := arg(args, 3)
	if t := onProgress.Type(); t != safejs.TypeFunction && t != safejs.TypeUndefined {
		clear(secret)
		return nil, fmt.Errorf("wasm: onProgress must be a function, got %s", t)
	}

	ctx, cancel := context.WithCancel(context.Background())
	jobs.Lock()
	if _, busy := jobs.cancel[jobID]; busy {
		jobs.Unlock()
		cancel()
		clear(secret)
		return nil, fmt.Errorf("wasm: job id %d is already running", jobID)
	}
	jobs.cancel[jobID] = cancel
	jobs.Unlock()

	return func() (any, error) {
		defer func() {
			jobs.Lock()
			delete(jobs.cancel, jobID)
			jobs.Unlock()
			cancel()
			clear(secret)
		}()

		key, err := deriveKey(ctx, secret, bits, yieldingProgress(bits, onProgress))
		if errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("wasm: the derivation was cancelled: %w", err)
		}
		if err != nil {
			return nil, err
		}
		return masterKeyInfo(keyring.add(key))
	}, nil
}

// yieldingProgress returns the progress callback of one derivation. The
// derivation runs on a goroutine, but a js/wasm program is single-threaded:
// JavaScript's event loop only turns when every goroutine waits. So every
// yieldEvery the callback reports progress and sleeps briefly, which returns
// control to JavaScript until the timer fires.
func yieldingProgress(bits int, onProgress safejs.Value) func(int) {
	// A b-bit key needs two b/2-bit primes; an odd candidate of that size
	// is prime with probability about 4/(b ln 2).
	expected := int(float64(bits) * math.Ln2 / 2)
	last := time.Now()
	return func(candidates int) {
		if time.Since(last) < yieldEvery {
			return
		}
		if onProgress.Type() == safejs.TypeFunction {
			// A throwing callback must not stop the derivation.
			_, _ = onProgress.Invoke(candidates, expected)
		}
		time.Sleep(time.Millisecond)
		last = time.Now()
	}
}

// cancelJob is cancel(jobId): it stops a running derivation, which then
// rejects with an AbortError. It resolves to whether the job was running.
func cancelJob(args []safejs.Value) (any, error) {
	jobID, err := argInt(args, 0, "the job id")
	if err != nil {
		return nil, err
	}
	jobs.Lock()
	cancel, ok := jobs.cancel[jobID]
	jobs.Unlock()
	if ok {
		cancel()
	}
	return ok, nil
}

// masterKeyInfo is what JavaScript learns of a master key: its handle, its
// size and its public half. The fingerprint is the SHA-256 of the PKCS#1
// DER of the public key, in lowercase hex.
func masterKeyInfo(handle int) (any, error) {
	key, err := keyring.masterKey(handle)
	if err != nil {
		return nil, err
	}
	fingerprint := sha256.Sum256(keys.PublicKeyDER(&key.PublicKey))
	return map[string]any{
		"handle":       handle,
		"bits":         key.N.BitLen(),
		"publicKeyPem": keys.PublicKeyPEM(&key.PublicKey),
		"fingerprint":  hex.EncodeToString(fingerprint[:]),
	}, nil
}

// publicKey is publicKey(masterKey): the same description derive gave.
func publicKey(args []safejs.Value) (any, error) {
	handle, err := argInt(args, 0, "the master key handle")
	if err != nil {
		return nil, err
	}
	return masterKeyInfo(handle)
}

// createChallenge is createChallenge(masterKey): a fresh random value and
// its signature, both base64, to be stored for the master key check
// (section 8).
func createChallenge(args []safejs.Value) (any, error) {
	key, err := masterKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	challenge, err := keys.NewChallenge(key)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"value":     base64.StdEncoding.EncodeToString(challenge.Value),
		"signature": base64.StdEncoding.EncodeToString(challenge.Signature),
	}, nil
}

// verifyChallenge is verifyChallenge(publicKeyPem, value, signature),
// value and signature in base64. It resolves to false when the signature
// was not made by this key, and rejects only for malformed input.
func verifyChallenge(args []safejs.Value) (any, error) {
	pub, err := publicKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	value, err := argBase64(args, 1, "the challenge value")
	if err != nil {
		return nil, err
	}
	signature, err := argBase64(args, 2, "the challenge signature")
	if err != nil {
		return nil, err
	}

	err = keys.Verify(pub, value, signature)
	if errors.Is(err, keys.ErrChallengeMismatch) {
		return false, nil
	}
	return err == nil, err
}

// unwrapProjectKey is unwrapProjectKey(masterKey, wrapped): it opens a
// project key wrapped to the master key and resolves to its handle.
func unwrapProjectKey(args []safejs.Value) (any, error) {
	key, err := masterKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	wrapped, err := argBase64(args, 1, "the wrapped project key")
	if err != nil {
		return nil, err
	}

	plain, err := keys.Unwrap(key, wrapped)
	if err != nil {
		return nil, err
	}
	if len(plain) != keys.ProjectKeySize {
		// The same error as a failed unwrap, on purpose: a different one
		// would tell an attacker that the padding was valid.
		clear(plain)
		return nil, keys.ErrUnwrap
	}
	return keyring.add(projectKey(plain)), nil
}

// openSecret is openSecret(masterKey, sealed): the text of a secret sealed
// to the master key.
func openSecret(args []safejs.Value) (any, error) {
	key, err := masterKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	sealed, err := argBase64(args, 1, "the sealed secret")
	if err != nil {
		return nil, err
	}
	plain, err := keys.Unwrap(key, sealed)
	if err != nil {
		return nil, err
	}
	// Limitation: the text now lives in a JavaScript string, which cannot
	// be wiped; only this copy is.
	text := string(plain)
	clear(plain)
	return text, nil
}

func masterKeyArg(args []safejs.Value, i int) (*rsa.PrivateKey, error) {
	handle, err := argInt(args, i, "the master key handle")
	if err != nil {
		return nil, err
	}
	return keyring.masterKey(handle)
}

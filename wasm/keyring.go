package main

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"sync"
)

// keyring holds everything JavaScript refers to by handle: master keys,
// project keys and open file streams. Handles are numbers that are never
// reused, so a forgotten handle stays invalid forever.
var keyring = newKeyring()

// errForgotten is the error for a handle that was never issued or was
// forgotten: the page must open the key or the file again.
var errForgotten = errors.New("wasm: that key or file is no longer open " +
	"(it was forgotten or locked); open it again")

type keyringT struct {
	mu    sync.Mutex // derivations run on their own goroutines
	next  int
	items map[int]any // *rsa.PrivateKey, projectKey or *fileStream
}

// projectKey is a 32-byte AES-256 key, a type of its own so that a handle
// to one is never taken for anything else.
type projectKey []byte

func newKeyring() *keyringT { return &keyringT{items: map[int]any{}} }

func (k *keyringT) add(item any) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.next++
	k.items[k.next] = item
	return k.next
}

func lookup[T any](k *keyringT, handle int, what string) (T, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var zero T
	item, ok := k.items[handle]
	if !ok {
		return zero, errForgotten
	}
	t, ok := item.(T)
	if !ok {
		return zero, fmt.Errorf("wasm: handle %d is not a %s", handle, what)
	}
	return t, nil
}

func (k *keyringT) masterKey(handle int) (*rsa.PrivateKey, error) {
	return lookup[*rsa.PrivateKey](k, handle, "master key")
}

func (k *keyringT) projectKey(handle int) (projectKey, error) {
	return lookup[projectKey](k, handle, "project key")
}

func (k *keyringT) stream(handle int) (*fileStream, error) {
	return lookup[*fileStream](k, handle, "file being encrypted or decrypted")
}

// forget drops handle and wipes what it held. It reports whether there was
// anything to forget.
func (k *keyringT) forget(handle int) bool {
	k.mu.Lock()
	item, ok := k.items[handle]
	delete(k.items, handle)
	k.mu.Unlock()
	if ok {
		wipe(item)
	}
	return ok
}

func (k *keyringT) forgetAll() {
	k.mu.Lock()
	items := k.items
	k.items = map[int]any{}
	k.mu.Unlock()
	for _, item := range items {
		wipe(item)
	}
}

// counts reports how many items of each kind are held, for stats.
func (k *keyringT) counts() (masterKeys, projectKeys, streams int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, item := range k.items {
		switch item.(type) {
		case *rsa.PrivateKey:
			masterKeys++
		case projectKey:
			projectKeys++
		case *fileStream:
			streams++
		}
	}
	return
}

// wipe overwrites the secret numbers and bytes of item.
//
// Limitation: this is best effort. crypto/rsa and crypto/aes keep their own
// precomputed copies of a key that cannot be reached from here, and the
// garbage collector may have moved older copies; they stay in the
// instance's memory until it is overwritten or the Worker ends.
func wipe(item any) {
	switch v := item.(type) {
	case *rsa.PrivateKey:
		ints := []*big.Int{v.D, v.Precomputed.Dp, v.Precomputed.Dq, v.Precomputed.Qinv}
		ints = append(ints, v.Primes...)
		for _, n := range ints {
			if n != nil {
				clear(n.Bits())
			}
		}
	case projectKey:
		clear(v)
	case *fileStream:
		v.close()
	}
}

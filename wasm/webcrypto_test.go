package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebCryptoKeyIsNotExtractable imports a project key into Web Crypto
// (Node has crypto.subtle) and checks what the Worker gets: an AES-CBC
// key that cannot be exported, and no key at all for a forgotten handle.
func TestWebCryptoKeyIsNotExtractable(t *testing.T) {
	value, rejection := await(t, call(now(newProjectKey)))
	require.Empty(t, rejection)
	handle, err := value.Int()
	require.NoError(t, err)

	key, rejection := await(t, call(now(importWebCryptoKey), handle))
	require.Empty(t, rejection)
	extractable, err := key.Get("extractable")
	require.NoError(t, err)
	isExtractable, err := extractable.Bool()
	require.NoError(t, err)
	assert.False(t, isExtractable)
	algorithm, _ := key.Get("algorithm")
	name, _ := algorithm.Get("name")
	nameText, _ := name.String()
	assert.Equal(t, "AES-CBC", nameText)
	length, _ := algorithm.Get("length")
	bits, _ := length.Int()
	assert.Equal(t, 256, bits)

	subtle, err := webCryptoSubtle()
	require.NoError(t, err)
	exported, err := subtle.Call("exportKey", "raw", key)
	require.NoError(t, err)
	_, rejection = await(t, exported)
	assert.NotEmpty(t, rejection, "Web Crypto refuses to export the key")

	keyring.forget(handle)
	_, rejection = await(t, call(now(importWebCryptoKey), handle))
	assert.Equal(t, errForgotten.Error(), rejection)
	_, rejection = await(t, call(now(importWebCryptoKey), "1"))
	assert.Equal(t, "wasm: the project key handle must be a number, got string", rejection)
}

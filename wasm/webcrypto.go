package main

import (
	"errors"

	"github.com/hack-pad/safejs"
)

// errNoWebCrypto is the error where the Worker has no crypto.subtle (an
// insecure origin, or an old browser): the pure-Go path is used instead.
var errNoWebCrypto = errors.New("wasm: this browser offers no Web Crypto here; " +
	"files use the built-in AES instead")

// importWebCryptoKey is webCryptoKey(projectKey): it resolves to a
// non-extractable AES-CBC CryptoKey holding the project key, so that the
// Worker can en- and decrypt files through the browser's own AES, which is
// several times faster than Go's in WebAssembly (docs/JS-API.md has the
// figures). The key stays inside the Worker: Web Crypto refuses to export a
// non-extractable key, and no function here hands the CryptoKey out of the
// Worker.
//
// The raw bytes cross into JavaScript for one call only: importKey copies
// its input before it returns (WebCrypto, "importKey", step 2), so the
// Uint8Array is wiped right after the call, success or not.
func importWebCryptoKey(args []safejs.Value) (any, error) {
	key, err := projectKeyArg(args, 0)
	if err != nil {
		return nil, err
	}

	subtle, err := webCryptoSubtle()
	if err != nil {
		return nil, err
	}
	algorithm, err := safejs.ValueOf(map[string]any{"name": "AES-CBC"})
	if err != nil {
		return nil, err
	}
	usages, err := safejs.ValueOf([]any{"encrypt", "decrypt"})
	if err != nil {
		return nil, err
	}
	raw, err := newUint8Array(key)
	if err != nil {
		return nil, err
	}
	imported, err := subtle.Call("importKey", "raw", raw, algorithm, false, usages)
	if _, ferr := raw.Call("fill", 0); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return nil, errors.New("wasm: the browser refused the project key for Web Crypto")
	}
	// A Promise of the CryptoKey: resolving with it adopts its outcome.
	return imported, nil
}

func webCryptoSubtle() (safejs.Value, error) {
	crypto, err := safejs.Global().Get("crypto")
	if err != nil || crypto.Type() != safejs.TypeObject {
		return safejs.Value{}, errNoWebCrypto
	}
	subtle, err := crypto.Get("subtle")
	if err != nil || subtle.Type() != safejs.TypeObject {
		return safejs.Value{}, errNoWebCrypto
	}
	return subtle, nil
}

package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/keys"
)

// newProjectKey is newProjectKey(): a fresh project key from the secure
// random source (section 10), as a handle.
func newProjectKey(args []safejs.Value) (any, error) {
	key, err := keys.NewProjectKey()
	if err != nil {
		return nil, err
	}
	return keyring.add(projectKey(key)), nil
}

// wrapProjectKey is wrapProjectKey(projectKey, publicKeyPem): the project
// key encrypted to that public key, in base64. It is the only way a project
// key leaves the instance, and only to the holder of the private key.
func wrapProjectKey(args []safejs.Value) (any, error) {
	key, err := projectKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	pub, err := publicKeyArg(args, 1)
	if err != nil {
		return nil, err
	}

	wrapped, err := keys.Wrap(pub, key)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(wrapped), nil
}

// parsePublicKey is parsePublicKey(pem): a pasted public key (PKCS#1 or
// SPKI) read as the service and the CLI read it, and given back re-encoded
// as PKCS#1 PEM, with its fingerprint and size. The page sends only the
// re-encoded PEM, so that a private key or any other pasted text is refused
// here, before a request could carry it.
func parsePublicKey(args []safejs.Value) (any, error) {
	pub, err := publicKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	fingerprint := sha256.Sum256(keys.PublicKeyDER(pub))
	return map[string]any{
		"publicKeyPem": keys.PublicKeyPEM(pub),
		"fingerprint":  hex.EncodeToString(fingerprint[:]),
		"bits":         pub.N.BitLen(),
	}, nil
}

// sealSecret is sealSecret(publicKeyPem, text): the UTF-8 of text
// encrypted to that public key, in base64. Text over the key's limit (245
// bytes for RSA-2048) is refused with an error that names it.
func sealSecret(args []safejs.Value) (any, error) {
	pub, err := publicKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	text, err := argString(args, 1, "the text to seal")
	if err != nil {
		return nil, err
	}

	plain := []byte(text)
	defer clear(plain)
	sealed, err := keys.Wrap(pub, plain)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// forget is forget(handle): it drops a master key, a project key or an
// open file and wipes what it held. It resolves to whether the handle was
// open; forgetting twice is not an error.
func forget(args []safejs.Value) (any, error) {
	handle, err := argInt(args, 0, "the handle")
	if err != nil {
		return nil, err
	}
	return keyring.forget(handle), nil
}

// stats is stats(): how many keys, files and derivations the instance
// holds, and the size of its file buffers, so that tests and the page can
// check that everything handed out is given back.
func stats(args []safejs.Value) (any, error) {
	masterKeys, projectKeys, streams := keyring.counts()
	jobs.Lock()
	running := len(jobs.cancel)
	jobs.Unlock()
	return map[string]any{
		"masterKeys":  masterKeys,
		"projectKeys": projectKeys,
		"files":       streams,
		"derivations": running,
		"bufferBytes": cap(buffers.in) + cap(buffers.out),
	}, nil
}

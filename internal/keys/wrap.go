package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
)

// Wrapping (sections 9 and 10): project keys and secrets are encrypted to a
// public key with RSAES-PKCS1-v1_5, the scheme Coretex uses.

// ProjectKeySize is the length of a project key: AES-256.
const ProjectKeySize = 32

// ErrUnwrap is the only error Unwrap returns for data it cannot open. It
// says nothing of why on purpose: telling a bad padding apart from a wrong
// length would hand an attacker a padding oracle.
var ErrUnwrap = errors.New("keys: this key does not open the wrapped data")

// ErrTooLong is wrapped by Wrap's error for plaintext over the limit.
var ErrTooLong = errors.New("keys: too long to wrap")

// MaxWrapSize is the largest plaintext Wrap accepts for pub: its size in
// bytes less 11 (245 bytes for RSA-2048).
func MaxWrapSize(pub *rsa.PublicKey) int {
	return pub.Size() - 11
}

// NewProjectKey returns a fresh AES-256 project key from the secure random
// source.
func NewProjectKey() ([]byte, error) {
	key := make([]byte, ProjectKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("keys: no secure random source: %w", err)
	}
	return key, nil
}

// Wrap encrypts plaintext to pub. Plaintext longer than MaxWrapSize(pub) is
// refused with an error that names the limit.
func Wrap(pub *rsa.PublicKey, plaintext []byte) ([]byte, error) {
	if limit := MaxWrapSize(pub); len(plaintext) > limit {
		return nil, fmt.Errorf("%w: %d bytes, and a %d-bit key wraps at most %d bytes",
			ErrTooLong, len(plaintext), pub.N.BitLen(), limit)
	}
	wrapped, err := rsa.EncryptPKCS1v15(rand.Reader, pub, plaintext)
	if err != nil {
		return nil, fmt.Errorf("keys: wrapping failed: %w", err)
	}
	return wrapped, nil
}

// Unwrap decrypts wrapped with priv. Every failure is ErrUnwrap.
func Unwrap(priv *rsa.PrivateKey, wrapped []byte) ([]byte, error) {
	plaintext, err := rsa.DecryptPKCS1v15(nil, priv, wrapped)
	if err != nil {
		return nil, ErrUnwrap
	}
	return plaintext, nil
}

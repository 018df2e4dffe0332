package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
)

// The master key check (section 8). On first use the page signs a fresh
// random value; on later use the stored signature is verified with the key
// derived again, so a mistyped secret is told apart before any wrapped key
// is opened.

// ChallengeSize is the length in bytes of the random value that is signed.
const ChallengeSize = 32

// ErrChallengeMismatch means the signature was not made by this key: for a
// master key check, the secret was not the one used the first time.
var ErrChallengeMismatch = errors.New("keys: the signature does not match this public key")

// Challenge is the public proof of a master key: a random value and its
// signature. Both are safe to store on a server.
type Challenge struct {
	Value     []byte
	Signature []byte
}

// NewChallenge signs a fresh random value with priv.
func NewChallenge(priv *rsa.PrivateKey) (*Challenge, error) {
	value := make([]byte, ChallengeSize)
	if _, err := rand.Read(value); err != nil {
		return nil, fmt.Errorf("keys: no secure random source: %w", err)
	}
	signature, err := Sign(priv, value)
	if err != nil {
		return nil, err
	}
	return &Challenge{Value: value, Signature: signature}, nil
}

// Sign signs message with RSASSA-PKCS1-v1_5 over SHA-256. The signature is
// deterministic: the same key and message give the same bytes.
func Sign(priv *rsa.PrivateKey, message []byte) ([]byte, error) {
	digest := sha256.Sum256(message)
	signature, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fmt.Errorf("keys: signing failed: %w", err)
	}
	return signature, nil
}

// Verify checks an RSASSA-PKCS1-v1_5 SHA-256 signature of message. Any
// mismatch, whatever its cause, is ErrChallengeMismatch.
func Verify(pub *rsa.PublicKey, message, signature []byte) error {
	digest := sha256.Sum256(message)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], signature); err != nil {
		return ErrChallengeMismatch
	}
	return nil
}

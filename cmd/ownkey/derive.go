package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"

	"github.com/ownkey/ownkey/internal/keys"
)

func init() { commands["derive"] = runDerive }

// maxSecretSize bounds what is read from stdin as a secret.
const maxSecretSize = 1 << 16

func runDerive(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("derive", stderr)
	bits := fs.Int("bits", keys.DefaultBits, "key size: 2048, 3072 or 4096")
	private := fs.Bool("private", false, "print the PKCS#8 private key instead of the public key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	secret, err := readSecret(stdin)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	key, err := deriveKey(ctx, secret, *bits)
	if err != nil {
		return err
	}

	if *private {
		pemText, err := keys.PrivateKeyPEM(key)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, pemText)
		return err
	}
	_, err = io.WriteString(stdout, keys.PublicKeyPEM(&key.PublicKey))
	return err
}

// deriveKey derives the key for secret, with full-size rounds spread over
// the machine's processors.
func deriveKey(ctx context.Context, secret []byte, bits int) (*rsa.PrivateKey, error) {
	workers := runtime.NumCPU()
	if workers < 2 {
		return keys.Derive(ctx, secret, bits, nil)
	}
	return keys.DeriveSpeculative(ctx, secret, bits, nil, keys.GoroutineProber(workers), workers)
}

// readSecret reads the secret from r: its exact bytes, less one trailing
// line break ("\n" or "\r\n") that a shell or an editor adds.
func readSecret(r io.Reader) ([]byte, error) {
	secret, err := io.ReadAll(io.LimitReader(r, maxSecretSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the secret: %w", err)
	}
	if len(secret) > maxSecretSize {
		return nil, fmt.Errorf("the secret is longer than %d bytes", maxSecretSize)
	}
	if bytes.HasSuffix(secret, []byte("\r\n")) {
		secret = secret[:len(secret)-2]
	} else if bytes.HasSuffix(secret, []byte("\n")) {
		secret = secret[:len(secret)-1]
	}
	return secret, nil
}

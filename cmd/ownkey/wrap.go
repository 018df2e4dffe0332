package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/ownkey/ownkey/internal/keys"
)

func init() {
	commands["wrap"] = runWrap
	commands["unwrap"] = runUnwrap
}

const (
	// maxPublicKeyFileSize bounds a public key PEM file; a 4096-bit key's
	// PEM is under a kilobyte.
	maxPublicKeyFileSize = 64 << 10

	// maxWrappedFileSize bounds a wrapped key file: the base64 of at most
	// 512 bytes, for a 4096-bit key.
	maxWrappedFileSize = 4 << 10
)

// runWrap wraps a project key to someone's public key (sections 9 and 10),
// for sharing it with a user or a node, and prints it in base64.
func runWrap(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("wrap", stderr)
	publicKeyFile := fs.String("public-key", "", "PEM file of the recipient's public key (required)")
	keyFile := fs.String("key-file", "", "file holding the project key in base64 (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *publicKeyFile == "" || *keyFile == "" {
		return fmt.Errorf("%w: --public-key and --key-file are required", errUsage)
	}

	pemText, err := readSmallFile(*publicKeyFile, "public key file", maxPublicKeyFileSize)
	if err != nil {
		return err
	}
	pub, err := keys.ParsePublicKey(string(pemText))
	if err != nil {
		return fmt.Errorf("the public key file %s: %w", *publicKeyFile, err)
	}

	projectKey, err := readProjectKey(*keyFile)
	if err != nil {
		return err
	}
	defer clear(projectKey)

	wrapped, err := keys.Wrap(pub, projectKey)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(wrapped))
	return err
}

// runUnwrap opens a project key wrapped to one's own master key: the secret
// comes on stdin, as for derive, and the project key is printed in base64,
// the value a node reads as CTX_PROJECT_KEY_<project id>.
func runUnwrap(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("unwrap", stderr)
	wrappedFile := fs.String("wrapped", "",
		"file holding the wrapped project key in base64 (required)")
	bits := fs.Int("bits", keys.DefaultBits, "size of the master key: 2048, 3072 or 4096")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *wrappedFile == "" {
		return fmt.Errorf("%w: --wrapped is required", errUsage)
	}

	// The file is checked before the secret is read and the key derived,
	// so that a wrong path fails at once.
	text, err := readSmallFile(*wrappedFile, "wrapped key file", maxWrappedFileSize)
	if err != nil {
		return err
	}
	wrapped, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(wrapped) == 0 {
		return fmt.Errorf("the wrapped key file %s does not hold one base64 value", *wrappedFile)
	}

	secret, err := readSecret(stdin)
	if err != nil {
		return err
	}
	defer clear(secret)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	masterKey, err := deriveKey(ctx, secret, *bits)
	if err != nil {
		return err
	}

	// The size of wrapped data is public, so naming a mismatch helps
	// without telling anything about the padding.
	if len(wrapped) != masterKey.Size() {
		return fmt.Errorf("the wrapped key is %d bytes, but a %d-bit master key opens %d-byte "+
			"ones: was it wrapped to a key of another size (--bits)?",
			len(wrapped), *bits, masterKey.Size())
	}
	projectKey, err := keys.Unwrap(masterKey, wrapped)
	if err != nil {
		return err // keys.ErrUnwrap, which says why only as much as is safe
	}
	defer clear(projectKey)

	if len(projectKey) != keys.ProjectKeySize {
		fmt.Fprintf(stderr, "ownkey unwrap: note: the wrapped value is %d bytes, not a %d-byte "+
			"project key; printed anyway\n", len(projectKey), keys.ProjectKeySize)
	}
	_, err = fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(projectKey))
	return err
}

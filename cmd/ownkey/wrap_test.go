package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func wrapVectorsOf(t *testing.T, secret string) []testvectors.Wrap {
	t.Helper()
	var vectors []testvectors.Wrap
	for _, v := range testvectors.Wraps(t) {
		if v.Secret == secret {
			vectors = append(vectors, v)
		}
	}
	require.NotEmpty(t, vectors, "no wrap vectors")
	return vectors
}

// TestUnwrapVectors opens the reference's wrapped values with the secret on
// stdin; each prints the base64 of exactly its plaintext.
func TestUnwrapVectors(t *testing.T) {
	vectors := append(wrapVectorsOf(t, "correct horse battery staple"),
		wrapVectorsOf(t, "three-thousand")[0])
	for i, v := range vectors {
		t.Run(fmt.Sprintf("vector%d-%dbits", i, v.Bits), func(t *testing.T) {
			wrappedPath := writeFile(t, "wrapped", []byte(v.CiphertextB64+"\n"))
			plaintext := testvectors.Hex(t, v.PlaintextHex)

			stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret+"\n"),
				"unwrap", "--wrapped", wrappedPath, "--bits", fmt.Sprint(v.Bits))
			require.Equal(t, 0, status, stderr)
			want := base64.StdEncoding.EncodeToString(plaintext) + "\n"
			sameBytes(t, []byte(want), stdout, "unwrapped")

			if len(plaintext) == 32 {
				assert.Empty(t, stderr)
			} else {
				assert.Equal(t, fmt.Sprintf("ownkey unwrap: note: the wrapped value is %d bytes, "+
					"not a 32-byte project key; printed anyway\n", len(plaintext)), stderr)
			}
		})
	}
}

// TestWrapUnwrapRoundTrip wraps a project key to a vector's public key (in
// both PEM forms) and opens it with the vector's secret.
func TestWrapUnwrapRoundTrip(t *testing.T) {
	v := deriveVector(t, 2048)
	projectKey := testvectors.ChainBytes("project key to share", 32)
	encoded := base64.StdEncoding.EncodeToString(projectKey)
	keyPath := writeFile(t, "project.key", []byte("CTX_PROJECT_KEY_9="+encoded+"\n"))

	var previous []byte
	for _, publicPEM := range []string{v.PublicPKCS1, v.PublicSPKI} {
		publicPath := writeFile(t, "public.pem", []byte(publicPEM))
		wrapped, stderr, status := runCLI(t, nil,
			"wrap", "--public-key", publicPath, "--key-file", keyPath)
		require.Equal(t, 0, status, stderr)
		assert.Empty(t, stderr)
		require.True(t, strings.HasSuffix(string(wrapped), "\n"))
		raw, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSuffix(string(wrapped), "\n"))
		require.NoError(t, err)
		assert.Len(t, raw, 256)
		assert.NotEqual(t, previous, wrapped, "wrapping is randomised")
		previous = wrapped

		wrappedPath := writeFile(t, "wrapped", wrapped)
		stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret+"\r\n"),
			"unwrap", "--wrapped", wrappedPath)
		require.Equal(t, 0, status, stderr)
		assert.Empty(t, stderr)
		sameBytes(t, []byte(encoded+"\n"), stdout, "round trip")
	}
}

func TestUnwrapErrors(t *testing.T) {
	v := wrapVectorsOf(t, "correct horse battery staple")[0]
	wrappedPath := writeFile(t, "wrapped", []byte(v.CiphertextB64))

	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		status int
		stderr string
	}{
		{"wrong secret", "correct horse battery stapler\n", []string{"--wrapped", wrappedPath}, 1,
			"ownkey unwrap: keys: this key does not open the wrapped data\n"},
		{"secret with its line break kept", v.Secret + "\n\n", []string{"--wrapped", wrappedPath}, 1,
			"ownkey unwrap: keys: this key does not open the wrapped data\n"},
		{"wrong size", v.Secret + "\n", []string{"--wrapped", wrappedPath, "--bits", "3072"}, 1,
			"ownkey unwrap: the wrapped key is 256 bytes, but a 3072-bit master key opens 384-byte " +
				"ones: was it wrapped to a key of another size (--bits)?\n"},
		{"unsupported size", v.Secret + "\n", []string{"--wrapped", wrappedPath, "--bits", "1024"}, 1,
			"ownkey unwrap: keys: unsupported key size: 1024 bits; use 2048, 3072 or 4096\n"},
		{"empty secret", "\n", []string{"--wrapped", wrappedPath}, 1,
			"ownkey unwrap: keys: the secret is empty; type at least one character\n"},
		{"no flag", v.Secret, nil, 2, "ownkey unwrap: usage: --wrapped is required\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"unwrap"}, tc.args...)
			stdout, stderr, status := runCLI(t, strings.NewReader(tc.stdin), args...)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.stderr, stderr)
			assert.Empty(t, stdout)
		})
	}

	for name, content := range map[string]string{
		"not base64": "this is not base64",
		"empty":      "\n",
		"two values": v.CiphertextB64 + "\n" + v.CiphertextB64,
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "wrapped", []byte(content))
			stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret), "unwrap", "--wrapped", path)
			assert.Equal(t, 1, status)
			assert.Equal(t, "ownkey unwrap: the wrapped key file "+path+
				" does not hold one base64 value\n", stderr)
			assert.Empty(t, stdout)
		})
	}

	missing := t.TempDir() + "/absent"
	stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret), "unwrap", "--wrapped", missing)
	assert.Equal(t, 1, status)
	assert.Equal(t, "ownkey unwrap: the wrapped key file "+missing+" does not exist\n", stderr)
	assert.Empty(t, stdout)
}

func TestWrapErrors(t *testing.T) {
	v := deriveVector(t, 2048)
	keyPath := keyFile(t, testvectors.ChainBytes("wrap errors", 32))
	publicPath := writeFile(t, "public.pem", []byte(v.PublicPKCS1))
	privatePath := writeFile(t, "private.pem", []byte(v.PrivatePKCS8))
	shortKeyPath := keyFile(t, testvectors.ChainBytes("wrap errors", 16))
	missing := t.TempDir() + "/absent.pem"

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"private key given", []string{"--public-key", privatePath, "--key-file", keyPath}, 1,
			"ownkey wrap: the public key file " + privatePath + `: keys: malformed key: expected an ` +
				`"RSA PUBLIC KEY" or "PUBLIC KEY" block, got a private key ("PRIVATE KEY")` + "\n"},
		{"key file given as public key", []string{"--public-key", keyPath, "--key-file", keyPath}, 1,
			"ownkey wrap: the public key file " + keyPath + ": keys: malformed key: no PEM block " +
				"found (expected -----BEGIN ...-----)\n"},
		{"missing public key", []string{"--public-key", missing, "--key-file", keyPath}, 1,
			"ownkey wrap: the public key file " + missing + " does not exist\n"},
		{"short project key", []string{"--public-key", publicPath, "--key-file", shortKeyPath}, 1,
			"ownkey wrap: the key file " + shortKeyPath +
				" holds a 16-byte key; a project key is 32 bytes\n"},
		{"no key file", []string{"--public-key", publicPath}, 2,
			"ownkey wrap: usage: --public-key and --key-file are required\n"},
		{"no public key", []string{"--key-file", keyPath}, 2,
			"ownkey wrap: usage: --public-key and --key-file are required\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"wrap"}, tc.args...)
			stdout, stderr, status := runCLI(t, nil, args...)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.stderr, stderr)
			assert.Empty(t, stdout)
		})
	}
}

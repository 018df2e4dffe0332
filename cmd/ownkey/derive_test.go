package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func deriveVector(t *testing.T, bits int) testvectors.Derive {
	t.Helper()
	for _, v := range testvectors.Derivations(t) {
		if v.Bits == bits {
			return v
		}
	}
	t.Fatalf("no %d-bit vector", bits)
	return testvectors.Derive{}
}

func TestDerivePublic(t *testing.T) {
	v := deriveVector(t, 2048)
	for _, stdin := range []string{v.Secret, v.Secret + "\n", v.Secret + "\r\n"} {
		stdout, stderr, status := runCLI(t, strings.NewReader(stdin), "derive")
		require.Equal(t, 0, status, stderr)
		assert.Empty(t, stderr)
		assert.Equal(t, v.PublicPKCS1, string(stdout))
	}
}

func TestDerivePrivate(t *testing.T) {
	v := deriveVector(t, 2048)
	stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret+"\n"), "derive", "--private")
	require.Equal(t, 0, status, stderr)
	assert.Empty(t, stderr)
	// Compared but never printed.
	assert.True(t, v.PrivatePKCS8 == string(stdout), "the PKCS#8 PEM differs: got %s",
		fingerprint(stdout))
}

func TestDerive3072(t *testing.T) {
	v := deriveVector(t, 3072)
	stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret+"\n"), "derive", "--bits", "3072")
	require.Equal(t, 0, status, stderr)
	assert.Equal(t, v.PublicPKCS1, string(stdout))
}

// TestDeriveOneLineBreak: only one trailing line break is taken off; the
// secret "x\n" typed with a line break after it stays "x\n".
func TestDeriveOneLineBreak(t *testing.T) {
	v := deriveVector(t, 2048)
	want, err := keys.Derive(context.Background(), []byte(v.Secret+"\n"), 2048, nil)
	require.NoError(t, err)

	stdout, stderr, status := runCLI(t, strings.NewReader(v.Secret+"\n\n"), "derive")
	require.Equal(t, 0, status, stderr)
	assert.Equal(t, keys.PublicKeyPEM(&want.PublicKey), string(stdout))
	assert.NotEqual(t, v.PublicPKCS1, string(stdout))
}

func TestReadSecret(t *testing.T) {
	for in, want := range map[string]string{
		"a":         "a",
		"a\n":       "a",
		"a\r\n":     "a",
		"a\n\n":     "a\n",
		"a\r\n\r\n": "a\r\n",
		"a\n\r\n":   "a\n",
		"a\r":       "a\r",
		"a\n\r":     "a\n\r",
		" a \t\n":   " a \t",
		"\n":        "",
		"\r\n":      "",
		"":          "",
		"é\u0301\n": "é\u0301",
	} {
		got, err := readSecret(strings.NewReader(in))
		require.NoError(t, err)
		assert.True(t, want == string(got), "readSecret(%q) = %q, want %q", in, got, want)
	}

	_, err := readSecret(bytes.NewReader(make([]byte, maxSecretSize+1)))
	assert.EqualError(t, err, "the secret is longer than 65536 bytes")
	got, err := readSecret(bytes.NewReader(make([]byte, maxSecretSize)))
	require.NoError(t, err)
	assert.Len(t, got, maxSecretSize)
}

func TestDeriveErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		status int
		stderr string
	}{
		{"empty secret", "", nil, 1,
			"ownkey derive: keys: the secret is empty; type at least one character\n"},
		{"only a line break", "\n", nil, 1,
			"ownkey derive: keys: the secret is empty; type at least one character\n"},
		{"1024 bits", "a\n", []string{"--bits", "1024"}, 1,
			"ownkey derive: keys: unsupported key size: 1024 bits; use 2048, 3072 or 4096\n"},
		{"8192 bits", "a\n", []string{"--bits", "8192"}, 1,
			"ownkey derive: keys: unsupported key size: 8192 bits; use 2048, 3072 or 4096\n"},
		{"stray argument", "a\n", []string{"secret"}, 2,
			"ownkey derive: usage: 1 unexpected argument(s) after the flags; secrets and keys " +
				"are read from stdin or files, never from arguments\n" + deriveFlags},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"derive"}, tc.args...)
			stdout, stderr, status := runCLI(t, strings.NewReader(tc.stdin), args...)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.stderr, stderr)
			assert.Empty(t, stdout)
		})
	}

	stdout, stderr, status := runCLI(t, nil, "derive", "--bits", "many")
	assert.Equal(t, 2, status)
	assert.Equal(t, "ownkey derive: usage: invalid value \"many\" for flag -bits: parse error\n"+
		deriveFlags, stderr)
	assert.Empty(t, stdout)
}

// deriveFlags is how a usage error of derive ends: its flags, as -h lists
// them.
const deriveFlags = `Usage of ownkey derive:
  -bits int
    	key size: 2048, 3072 or 4096 (default 2048)
  -private
    	print the PKCS#8 private key instead of the public key
`

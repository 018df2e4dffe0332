// Package testvectors loads the golden values of the Coretex reference and
// Project Wycheproof's cases from tests/testdata, for the tests of every
// other package. It is used only by tests.
package testvectors

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Dir is the absolute path of tests/testdata.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tests", "testdata")
}

// Load decodes tests/testdata/name (for example "vectors/derive.json") into v.
func Load(t testing.TB, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(Dir(), name))
	if err != nil {
		t.Fatalf("reading test data: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

// Hex decodes a hex string from a vector file.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test data: %v", err)
	}
	return b
}

// Derive is one entry of vectors/derive.json.
type Derive struct {
	Secret           string `json:"secret"`
	SecretHex        string `json:"secret_utf8_hex"`
	Bits             int    `json:"bits"`
	StreamBytesDrawn int64  `json:"stream_bytes_drawn"`
	N                string `json:"n"`
	E                int    `json:"e"`
	D                string `json:"d"`
	P                string `json:"p"`
	Q                string `json:"q"`
	DP               string `json:"dp"`
	DQ               string `json:"dq"`
	QInv             string `json:"qinv"`
	PublicPKCS1      string `json:"public_pem_pkcs1"`
	PublicSPKI       string `json:"public_pem_spki"`
	PrivatePKCS8     string `json:"private_pem_pkcs8"`
}

// Sign is one entry of vectors/sign.json.
type Sign struct {
	Secret       string `json:"secret"`
	Bits         int    `json:"bits"`
	MessageHex   string `json:"message_hex"`
	SignatureHex string `json:"signature_hex"`
}

// Wrap is one entry of vectors/wrap.json.
type Wrap struct {
	Secret        string `json:"secret"`
	Bits          int    `json:"bits"`
	CiphertextB64 string `json:"ciphertext_b64"`
	PlaintextHex  string `json:"plaintext_hex"`
}

// AESCBC is one entry of vectors/aescbc.json. Short plaintexts are given in
// hex; long ones only by PlaintextPattern (see ChainBytes) and their hash.
type AESCBC struct {
	KeyHex             string `json:"key_hex"`
	IVHex              string `json:"iv_hex"`
	PlaintextLen       int    `json:"plaintext_len"`
	PlaintextSHA256    string `json:"plaintext_sha256"`
	PlaintextPattern   string `json:"plaintext_pattern"`
	PlaintextHex       string `json:"plaintext_hex"`
	FilePaddedSHA256   string `json:"file_padded_sha256"`
	FilePaddedHex      string `json:"file_padded_hex"`
	FileUnpaddedSHA256 string `json:"file_unpadded_sha256"`
	FileUnpaddedHex    string `json:"file_unpadded_hex"`
}

// Derivations loads vectors/derive.json.
func Derivations(t testing.TB) []Derive { return loadAll[Derive](t, "vectors/derive.json") }

// Signatures loads vectors/sign.json.
func Signatures(t testing.TB) []Sign { return loadAll[Sign](t, "vectors/sign.json") }

// Wraps loads vectors/wrap.json.
func Wraps(t testing.TB) []Wrap { return loadAll[Wrap](t, "vectors/wrap.json") }

// AESCBCs loads vectors/aescbc.json.
func AESCBCs(t testing.TB) []AESCBC { return loadAll[AESCBC](t, "vectors/aescbc.json") }

// loadAll loads a vector file, which must hold at least one entry: a file
// that decodes to nothing would let every loop over it pass vacuously.
func loadAll[V any](t testing.TB, name string) []V {
	t.Helper()
	var vectors []V
	Load(t, name, &vectors)
	if len(vectors) == 0 {
		t.Fatalf("%s holds no vectors", name)
	}
	return vectors
}

// ChainBytes returns the first n bytes of the "sha256 chain from 'name'"
// pattern: SHA-256(name), SHA-256 of that, and so on.
func ChainBytes(name string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	block := sha256.Sum256([]byte(name))
	for len(out) < n {
		out = append(out, block[:]...)
		block = sha256.Sum256(block[:])
	}
	return out[:n]
}

// Plaintext returns the plaintext of an AES-CBC vector, from its hex or its
// pattern.
func (v AESCBC) Plaintext(t testing.TB) []byte {
	t.Helper()
	if v.PlaintextHex != "" || v.PlaintextLen == 0 {
		return Hex(t, v.PlaintextHex)
	}
	name, ok := strings.CutPrefix(v.PlaintextPattern, "sha256 chain from '")
	if !ok || !strings.HasSuffix(name, "'") {
		t.Fatalf("unknown plaintext pattern %q", v.PlaintextPattern)
	}
	return ChainBytes(strings.TrimSuffix(name, "'"), v.PlaintextLen)
}

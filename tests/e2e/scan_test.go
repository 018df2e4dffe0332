package e2e

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
	"github.com/stretchr/testify/require"
)

// plaintextWindow is the run of file bytes that counts as a leak.
const plaintextWindow = 32

// needle is something that must never cross the wire. Its name says what
// it is ("project key (base64)"), never what it holds.
type needle struct {
	name  string
	bytes []byte
}

// scanner looks for needles and for any 32-byte run of a file's plaintext.
type scanner struct {
	needles []needle
	// plaintext is indexed by its 16-byte blocks at offsets that are
	// multiples of 16: any 32-byte run of it holds one of them whole.
	plaintext []byte
	blocks    map[[16]byte][]int
}

func newScanner() *scanner { return &scanner{blocks: map[[16]byte][]int{}} }

func (s *scanner) add(name string, b []byte) {
	if len(b) == 0 {
		panic("scanner: an empty needle would match everything")
	}
	s.needles = append(s.needles, needle{name, b})
}

// addText adds a typed secret as it would travel: raw, and in base64.
func (s *scanner) addText(name, text string) {
	s.add(name, []byte(text))
	s.addEncodings(name, []byte(text), false)
}

// addEncodings adds base64 (standard, URL-safe, both padded and not) and,
// when withHex, lower- and upper-case hex of b.
func (s *scanner) addEncodings(name string, b []byte, withHex bool) {
	for _, enc := range []struct {
		label string
		e     *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding},
		{"base64, unpadded", base64.RawStdEncoding}, {"base64url, unpadded", base64.RawURLEncoding}} {
		s.add(name+" ("+enc.label+")", []byte(enc.e.EncodeToString(b)))
	}
	if withHex {
		s.add(name+" (hex)", []byte(hex.EncodeToString(b)))
		s.add(name+" (HEX)", []byte(strings.ToUpper(hex.EncodeToString(b))))
	}
}

// addProjectKey adds a 32-byte project key: raw, base64 and hex.
func (s *scanner) addProjectKey(name string, key []byte) {
	s.add(name+" (raw)", key)
	s.addEncodings(name, key, true)
}

// addPrivateKey adds a private key in every form it could leak in: PEM
// (PKCS#8 and PKCS#1), DER, the DER in base64, and d, p and q in hex.
func (s *scanner) addPrivateKey(t *testing.T, name string, priv *rsa.PrivateKey) {
	t.Helper()
	pkcs8PEM, err := keys.PrivateKeyPEM(priv)
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(pkcs8PEM))
	require.NotNil(t, block)
	pkcs1 := x509.MarshalPKCS1PrivateKey(priv)
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1})

	s.add(name+" (PKCS#8 PEM)", []byte(pkcs8PEM))
	s.add(name+" (PKCS#1 PEM)", pkcs1PEM)
	// The PEM's body lines, in case it travels re-wrapped or escaped.
	s.add(name+" (PKCS#8 PEM line)", []byte(strings.Split(pkcs8PEM, "\n")[3]))
	s.add(name+" (PKCS#8 DER)", block.Bytes)
	s.add(name+" (PKCS#1 DER)", pkcs1)
	s.addEncodings(name+" PKCS#8 DER", block.Bytes, false)
	s.addEncodings(name+" PKCS#1 DER", pkcs1, false)
	for part, n := range map[string][]byte{"d": priv.D.Bytes(), "p": priv.Primes[0].Bytes(),
		"q": priv.Primes[1].Bytes()} {
		s.add(name+" "+part+" (raw)", n)
		s.add(name+" "+part+" (hex)", []byte(hex.EncodeToString(n)))
		s.add(name+" "+part+" (HEX)", []byte(strings.ToUpper(hex.EncodeToString(n))))
		s.addEncodings(name+" "+part, n, false)
	}
}

// addPlaintext indexes a file's plaintext for the 32-byte window check.
func (s *scanner) addPlaintext(plaintext []byte) {
	s.plaintext = plaintext
	for off := 0; off+16 <= len(plaintext); off += 16 {
		var block [16]byte
		copy(block[:], plaintext[off:])
		s.blocks[block] = append(s.blocks[block], off)
	}
}

// scan names every needle found in body, and a plaintext run if there is
// one. where says which request it was; nothing of the body is returned.
func (s *scanner) scan(where string, body []byte) []string {
	var found []string
	for _, n := range s.needles {
		if bytes.Contains(body, n.bytes) {
			found = append(found, fmt.Sprintf("%s carries %s", where, n.name))
		}
	}
	if at, ok := s.plaintextRun(body); ok {
		found = append(found, fmt.Sprintf("%s carries %d+ bytes of the file's plaintext at "+
			"byte %d", where, plaintextWindow, at))
	}
	return found
}

// plaintextRun finds a run of at least 32 bytes that body shares with the
// plaintext, and returns where it starts in body.
func (s *scanner) plaintextRun(body []byte) (int, bool) {
	if len(s.blocks) == 0 {
		return 0, false
	}
	var block [16]byte
	for i := 0; i+16 <= len(body); i++ {
		copy(block[:], body[i:i+16])
		for _, off := range s.blocks[block] {
			// Grow the match both ways and measure it.
			start, pstart := i, off
			for start > 0 && pstart > 0 && body[start-1] == s.plaintext[pstart-1] {
				start--
				pstart--
			}
			end, pend := i+16, off+16
			for end < len(body) && pend < len(s.plaintext) && body[end] == s.plaintext[pend] {
				end++
				pend++
			}
			if end-start >= plaintextWindow {
				return start, true
			}
		}
	}
	return 0, false
}

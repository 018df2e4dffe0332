package keys

import (
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Encodings of section 7. Public keys go out as PKCS#1 ("RSA PUBLIC KEY"),
// as Coretex uploads them, or as SubjectPublicKeyInfo ("PUBLIC KEY"); both
// are accepted coming in. Private keys go out only as unencrypted PKCS#8,
// for nodes, and only from the command line.
//
// The DER is written and read by hand (der.go) rather than with crypto/x509:
// x509 brings certificates, elliptic curves and the net package with it, a
// third of the WebAssembly module, for three small structures. The
// encodings are byte for byte those of crypto/x509, which the tests check
// against the vectors.

// PublicKeyDER is the PKCS#1 DER of pub, the bytes a key's fingerprint is
// taken over.
func PublicKeyDER(pub *rsa.PublicKey) []byte {
	return derElement(nil, tagSequence, derInteger(pub.N), derInteger(big.NewInt(int64(pub.E))))
}

// ErrMalformedKey is wrapped by every error about a PEM that is not a usable
// RSA key.
var ErrMalformedKey = errors.New("keys: malformed key")

// Smallest and largest public keys accepted from others, in bits.
const (
	minPublicBits = 2048
	maxPublicBits = 4096
)

// PublicKeyPEM encodes pub as a PKCS#1 "RSA PUBLIC KEY" PEM block.
func PublicKeyPEM(pub *rsa.PublicKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: PublicKeyDER(pub)}))
}

// PublicKeySPKIPEM encodes pub as a SubjectPublicKeyInfo "PUBLIC KEY" block.
func PublicKeySPKIPEM(pub *rsa.PublicKey) string {
	pkcs1 := PublicKeyDER(pub)
	bits := derElement(nil, tagBitString, []byte{0}, pkcs1) // no unused bits
	der := derElement(nil, tagSequence, rsaAlgorithm(), bits)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PrivateKeyPEM encodes priv as an unencrypted PKCS#8 "PRIVATE KEY" block.
// The result is secret: it is meant for a node's own configuration and
// must never be logged or sent anywhere.
func PrivateKeyPEM(priv *rsa.PrivateKey) (string, error) {
	if len(priv.Primes) != 2 {
		return "", errors.New("keys: cannot encode the private key: it does not have two primes")
	}
	priv.Precompute()
	pkcs1 := derElement(nil, tagSequence, derInteger(big.NewInt(0)), // version: two primes
		derInteger(priv.N), derInteger(big.NewInt(int64(priv.E))), derInteger(priv.D),
		derInteger(priv.Primes[0]), derInteger(priv.Primes[1]),
		derInteger(priv.Precomputed.Dp), derInteger(priv.Precomputed.Dq),
		derInteger(priv.Precomputed.Qinv))
	der := derElement(nil, tagSequence, derInteger(big.NewInt(0)), rsaAlgorithm(),
		derElement(nil, tagOctetString, pkcs1))
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// ParsePublicKey reads one PEM block holding an RSA public key of 2048 to
// 4096 bits, as PKCS#1 or SubjectPublicKeyInfo. Blank space around the block
// is allowed; anything else around it is not.
func ParsePublicKey(text string) (*rsa.PublicKey, error) {
	block, err := singlePEMBlock(text)
	if err != nil {
		return nil, err
	}

	var pub *rsa.PublicKey
	switch block.Type {
	case "RSA PUBLIC KEY":
		pub, err = parsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: the RSA PUBLIC KEY block is not valid PKCS#1", ErrMalformedKey)
		}
	case "PUBLIC KEY":
		badSPKI := fmt.Errorf("%w: the PUBLIC KEY block is not valid SubjectPublicKeyInfo",
			ErrMalformedKey)
		spki := readWhole(block.Bytes, tagSequence)
		isRSA, nullParams := readAlgorithm(spki)
		bits := spki.next(tagBitString)
		if spki.err != nil {
			return nil, badSPKI
		}
		if !isRSA {
			return nil, fmt.Errorf("%w: the public key is not an RSA key", ErrMalformedKey)
		}
		if !nullParams || len(bits) == 0 || bits[0] != 0 {
			return nil, badSPKI
		}
		if pub, err = parsePKCS1PublicKey(bits[1:]); err != nil {
			return nil, badSPKI
		}
	default:
		return nil, fmt.Errorf("%w: expected an \"RSA PUBLIC KEY\" or \"PUBLIC KEY\" block, got %s",
			ErrMalformedKey, describeBlock(block.Type))
	}

	if err := checkKeySize(pub, "public"); err != nil {
		return nil, err
	}
	return pub, nil
}

// checkKeySize refuses keys that no Coretex derivation makes: a size outside
// 2048 to 4096 bits, or a public exponent other than 65537.
func checkKeySize(pub *rsa.PublicKey, kind string) error {
	if size := pub.N.BitLen(); size < minPublicBits || size > maxPublicBits {
		return fmt.Errorf("%w: a %d-bit %s key; expected %d to %d bits",
			ErrMalformedKey, size, kind, minPublicBits, maxPublicBits)
	}
	if pub.E != publicExponent {
		return fmt.Errorf("%w: public exponent %d; expected %d",
			ErrMalformedKey, pub.E, publicExponent)
	}
	return nil
}

// describeBlock names a PEM block type for an error message. Types that
// people commonly paste by mistake are named; any other label is not quoted,
// so that an error never repeats text from the input.
func describeBlock(blockType string) string {
	switch blockType {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
		"ENCRYPTED PRIVATE KEY":
		return fmt.Sprintf("a private key (%q)", blockType)
	case "RSA PUBLIC KEY", "PUBLIC KEY":
		return fmt.Sprintf("a public key (%q)", blockType)
	case "CERTIFICATE", "CERTIFICATE REQUEST":
		return fmt.Sprintf("a certificate (%q)", blockType)
	}
	return "another kind of block"
}

// ParsePrivateKey reads an unencrypted PKCS#8 "PRIVATE KEY" block holding an
// RSA key of 2048 to 4096 bits with e = 65537, as nodes keep it. Errors never
// quote the input.
func ParsePrivateKey(text string) (*rsa.PrivateKey, error) {
	block, err := singlePEMBlock(text)
	if err != nil {
		return nil, err
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: expected a \"PRIVATE KEY\" block (PKCS#8), got %s",
			ErrMalformedKey, describeBlock(block.Type))
	}
	badPKCS8 := fmt.Errorf("%w: the PRIVATE KEY block is not valid PKCS#8", ErrMalformedKey)
	info := readWhole(block.Bytes, tagSequence)
	version := info.smallInteger()
	isRSA, nullParams := readAlgorithm(info)
	pkcs1 := info.next(tagOctetString)
	if info.err != nil || version != 0 {
		return nil, badPKCS8
	}
	if !isRSA {
		return nil, fmt.Errorf("%w: the private key is not an RSA key", ErrMalformedKey)
	}
	priv, err := parsePKCS1PrivateKey(pkcs1)
	if err != nil || !nullParams {
		return nil, badPKCS8
	}
	if err := checkKeySize(&priv.PublicKey, "private"); err != nil {
		return nil, err
	}
	return priv, nil
}

func singlePEMBlock(text string) (*pem.Block, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found (expected -----BEGIN ...-----)", ErrMalformedKey)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: PEM headers (encrypted keys) are not supported", ErrMalformedKey)
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("%w: unexpected data after the PEM block", ErrMalformedKey)
	}
	return block, nil
}

// parsePKCS1PublicKey reads RSAPublicKey DER with nothing after it. The
// size and exponent are checked by the caller.
func parsePKCS1PublicKey(der []byte) (*rsa.PublicKey, error) {
	r := readWhole(der, tagSequence)
	n := r.integer()
	e := r.smallInteger()
	if r.err != nil {
		return nil, r.err
	}
	if n.Sign() <= 0 || e <= 0 {
		return nil, errors.New("keys: not an RSA public key")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// parsePKCS1PrivateKey reads a two-prime RSAPrivateKey and validates it as
// crypto/x509 does: the key must be consistent, or it is refused.
func parsePKCS1PrivateKey(der []byte) (*rsa.PrivateKey, error) {
	r := readWhole(der, tagSequence)
	version := r.smallInteger()
	n, e, d := r.integer(), r.smallInteger(), r.integer()
	p, q := r.integer(), r.integer()
	dp, dq, qinv := r.integer(), r.integer(), r.integer()
	if r.err != nil {
		return nil, r.err
	}
	if version != 0 {
		return nil, errors.New("keys: not a two-prime RSA private key")
	}
	for _, x := range []*big.Int{n, d, p, q, dp, dq, qinv} {
		if x.Sign() <= 0 {
			return nil, errors.New("keys: the private key holds a zero value")
		}
	}

	priv := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: n, E: e},
		D:         d,
		Primes:    []*big.Int{p, q},
	}
	priv.Precomputed.Dp, priv.Precomputed.Dq, priv.Precomputed.Qinv = dp, dq, qinv
	priv.Precompute()
	if err := priv.Validate(); err != nil {
		return nil, err
	}
	return priv, nil
}

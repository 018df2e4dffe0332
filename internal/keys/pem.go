package keys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Encodings of section 7. Public keys go out as PKCS#1 ("RSA PUBLIC KEY"),
// as Coretex uploads them, or as SubjectPublicKeyInfo ("PUBLIC KEY"); both
// are accepted coming in. Private keys go out only as unencrypted PKCS#8,
// for nodes, and only from the command line.

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
	der := x509.MarshalPKCS1PublicKey(pub)
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der}))
}

// PublicKeySPKIPEM encodes pub as a SubjectPublicKeyInfo "PUBLIC KEY" block.
func PublicKeySPKIPEM(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic("keys: internal error: cannot encode an RSA public key: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PrivateKeyPEM encodes priv as an unencrypted PKCS#8 "PRIVATE KEY" block.
// The result is secret: it is meant for a node's own configuration and
// must never be logged or sent anywhere.
func PrivateKeyPEM(priv *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("keys: cannot encode the private key: %w", err)
	}
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
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: the RSA PUBLIC KEY block is not valid PKCS#1", ErrMalformedKey)
		}
	case "PUBLIC KEY":
		parsed, perr := x509.ParsePKIXPublicKey(block.Bytes)
		if perr != nil {
			return nil, fmt.Errorf("%w: the PUBLIC KEY block is not valid SubjectPublicKeyInfo", ErrMalformedKey)
		}
		var ok bool
		if pub, ok = parsed.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("%w: the public key is not an RSA key", ErrMalformedKey)
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
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: the PRIVATE KEY block is not valid PKCS#8", ErrMalformedKey)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the private key is not an RSA key", ErrMalformedKey)
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

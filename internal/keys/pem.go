package keys

import (
	"crypto/rsa"
	"encoding/asn1"
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
// The DER is written and read here with encoding/asn1 rather than
// crypto/x509: x509 brings certificates, elliptic curves and the net
// package with it, a third of the WebAssembly module, for three small
// structures. The encodings are byte for byte those of crypto/x509, which
// the tests check against the vectors.

// oidRSAEncryption is rsaEncryption (PKCS#1, RFC 8017 appendix A.1), the
// algorithm of RSA keys in SubjectPublicKeyInfo and PKCS#8.
var oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// algorithmIdentifier is AlgorithmIdentifier (RFC 5280, section 4.1.1.2).
type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// rsaAlgorithm is rsaEncryption with the NULL parameters RFC 8017 requires.
var rsaAlgorithm = algorithmIdentifier{Algorithm: oidRSAEncryption,
	Parameters: asn1.NullRawValue}

// subjectPublicKeyInfo is SubjectPublicKeyInfo (RFC 5280, section 4.1).
type subjectPublicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// pkcs1PublicKey is RSAPublicKey (RFC 8017, appendix A.1.1).
type pkcs1PublicKey struct {
	N *big.Int
	E int
}

// pkcs1PrivateKey is a two-prime RSAPrivateKey (RFC 8017, appendix A.1.2).
type pkcs1PrivateKey struct {
	Version int
	N       *big.Int
	E       int
	D       *big.Int
	P, Q    *big.Int
	Dp, Dq  *big.Int
	Qinv    *big.Int
}

// pkcs8 is PrivateKeyInfo (RFC 5208, section 5) without attributes.
type pkcs8 struct {
	Version    int
	Algorithm  algorithmIdentifier
	PrivateKey []byte
}

// PublicKeyDER is the PKCS#1 DER of pub, the bytes a key's fingerprint is
// taken over.
func PublicKeyDER(pub *rsa.PublicKey) []byte {
	der, err := asn1.Marshal(pkcs1PublicKey{N: pub.N, E: pub.E})
	if err != nil {
		panic("keys: internal error: cannot encode an RSA public key: " + err.Error())
	}
	return der
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
	der, err := asn1.Marshal(subjectPublicKeyInfo{
		Algorithm: rsaAlgorithm,
		PublicKey: asn1.BitString{Bytes: pkcs1, BitLength: 8 * len(pkcs1)},
	})
	if err != nil {
		panic("keys: internal error: cannot encode an RSA public key: " + err.Error())
	}
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
	pkcs1, err := asn1.Marshal(pkcs1PrivateKey{
		N: priv.N, E: priv.E, D: priv.D, P: priv.Primes[0], Q: priv.Primes[1],
		Dp: priv.Precomputed.Dp, Dq: priv.Precomputed.Dq, Qinv: priv.Precomputed.Qinv,
	})
	if err != nil {
		return "", fmt.Errorf("keys: cannot encode the private key: %w", err)
	}
	der, err := asn1.Marshal(pkcs8{Algorithm: rsaAlgorithm, PrivateKey: pkcs1})
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
		pub, err = parsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: the RSA PUBLIC KEY block is not valid PKCS#1", ErrMalformedKey)
		}
	case "PUBLIC KEY":
		badSPKI := fmt.Errorf("%w: the PUBLIC KEY block is not valid SubjectPublicKeyInfo",
			ErrMalformedKey)
		var info subjectPublicKeyInfo
		if rest, err := asn1.Unmarshal(block.Bytes, &info); err != nil || len(rest) != 0 {
			return nil, badSPKI
		}
		if !info.Algorithm.Algorithm.Equal(oidRSAEncryption) {
			return nil, fmt.Errorf("%w: the public key is not an RSA key", ErrMalformedKey)
		}
		if !isNull(info.Algorithm.Parameters) || info.PublicKey.BitLength%8 != 0 {
			return nil, badSPKI
		}
		if pub, err = parsePKCS1PublicKey(info.PublicKey.Bytes); err != nil {
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
	var info pkcs8
	if rest, err := asn1.Unmarshal(block.Bytes, &info); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: the PRIVATE KEY block is not valid PKCS#8", ErrMalformedKey)
	}
	if !info.Algorithm.Algorithm.Equal(oidRSAEncryption) {
		return nil, fmt.Errorf("%w: the private key is not an RSA key", ErrMalformedKey)
	}
	priv, err := parsePKCS1PrivateKey(info.PrivateKey)
	if err != nil || !isNull(info.Algorithm.Parameters) {
		return nil, fmt.Errorf("%w: the PRIVATE KEY block is not valid PKCS#8", ErrMalformedKey)
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
	var key pkcs1PublicKey
	rest, err := asn1.Unmarshal(der, &key)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 || key.N.Sign() <= 0 || key.E <= 0 || key.E >= 1<<31 {
		return nil, errors.New("keys: not an RSA public key")
	}
	return &rsa.PublicKey{N: key.N, E: key.E}, nil
}

// parsePKCS1PrivateKey reads a two-prime RSAPrivateKey and validates it as
// crypto/x509 does: the key must be consistent, or it is refused.
func parsePKCS1PrivateKey(der []byte) (*rsa.PrivateKey, error) {
	var key pkcs1PrivateKey
	rest, err := asn1.Unmarshal(der, &key)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 || key.Version != 0 {
		return nil, errors.New("keys: not a two-prime RSA private key")
	}
	for _, x := range []*big.Int{key.N, key.D, key.P, key.Q, key.Dp, key.Dq, key.Qinv} {
		if x.Sign() <= 0 {
			return nil, errors.New("keys: the private key holds a zero or negative value")
		}
	}

	priv := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: key.N, E: key.E},
		D:         key.D,
		Primes:    []*big.Int{key.P, key.Q},
	}
	priv.Precomputed.Dp, priv.Precomputed.Dq = key.Dp, key.Dq
	priv.Precomputed.Qinv = key.Qinv
	priv.Precompute()
	if err := priv.Validate(); err != nil {
		return nil, err
	}
	return priv, nil
}

// isNull reports whether the algorithm parameters are ASN.1 NULL.
func isNull(v asn1.RawValue) bool {
	return v.Class == asn1.ClassUniversal && v.Tag == asn1.TagNull && len(v.Bytes) == 0
}

package main

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/keys"
)

// Argument readers. Their errors name the argument and what was expected,
// never its value, which may be secret.

func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}

func argString(args []safejs.Value, i int, name string) (string, error) {
	v := arg(args, i)
	if v.Type() != safejs.TypeString {
		return "", fmt.Errorf("wasm: %s must be a string, got %s", name, v.Type())
	}
	return v.String()
}

func argInt(args []safejs.Value, i int, name string) (int, error) {
	v := arg(args, i)
	if v.Type() != safejs.TypeNumber {
		return 0, fmt.Errorf("wasm: %s must be a number, got %s", name, v.Type())
	}
	f, err := v.Float()
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("wasm: %s must be a whole number", name)
	}
	return int(f), nil
}

// argBase64 decodes a standard, padded base64 string (section 7).
func argBase64(args []safejs.Value, i int, name string) ([]byte, error) {
	text, err := argString(args, i, name)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("wasm: %s is not valid base64; paste it again, whole", name)
	}
	return b, nil
}

// argBytesInto copies a Uint8Array argument into buf, which must be large
// enough, and returns the filled part. This is the one copy of input bytes
// into the instance.
func argBytesInto(args []safejs.Value, i int, name string, buf []byte) ([]byte, error) {
	v := arg(args, i)
	n, err := byteLength(v, name)
	if err != nil {
		return nil, err
	}
	if n > len(buf) {
		return nil, fmt.Errorf("wasm: %s is %d bytes, over the limit of %d", name, n, len(buf))
	}
	copied, err := safejs.CopyBytesToGo(buf[:n], v)
	if err != nil {
		return nil, fmt.Errorf("wasm: %s must be a Uint8Array", name)
	}
	return buf[:copied], nil
}

func byteLength(v safejs.Value, name string) (int, error) {
	if v.Type() != safejs.TypeObject {
		return 0, fmt.Errorf("wasm: %s must be a Uint8Array, got %s", name, v.Type())
	}
	lengthValue, err := v.Get("byteLength")
	if err != nil || lengthValue.Type() != safejs.TypeNumber {
		return 0, fmt.Errorf("wasm: %s must be a Uint8Array", name)
	}
	return lengthValue.Int()
}

// newUint8Array copies b out into a fresh Uint8Array: the one copy of
// output bytes out of the instance. The Worker transfers its buffer to the
// page, so it is not copied again.
func newUint8Array(b []byte) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return safejs.Value{}, err
	}
	array, err := ctor.New(len(b))
	if err != nil {
		return safejs.Value{}, err
	}
	if _, err := safejs.CopyBytesToJS(array, b); err != nil {
		return safejs.Value{}, err
	}
	return array, nil
}

// projectKeyArg reads a project key handle and returns the key it names.
func projectKeyArg(args []safejs.Value, i int) (projectKey, error) {
	handle, err := argInt(args, i, "the project key handle")
	if err != nil {
		return nil, err
	}
	return keyring.projectKey(handle)
}

// publicKeyArg reads a public key PEM (PKCS#1 or SPKI) and parses it.
func publicKeyArg(args []safejs.Value, i int) (*rsa.PublicKey, error) {
	pemText, err := argString(args, i, "the public key")
	if err != nil {
		return nil, err
	}
	return keys.ParsePublicKey(pemText)
}

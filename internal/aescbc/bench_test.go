package aescbc

import (
	"bytes"
	"io"
	"testing"
)

// benchSize is the file size of the benchmarks: large enough that the
// per-call cost vanishes and the figure is the streaming throughput.
//
//	go test -run '^$' -bench . -benchtime 3x ./internal/aescbc
const benchSize = 64 << 20

func BenchmarkEncrypt(b *testing.B) {
	plaintext := make([]byte, benchSize)
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := Encrypt(io.Discard, bytes.NewReader(plaintext), testKey); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	e, err := newEncrypterIV(testKey, testIV)
	if err != nil {
		b.Fatal(err)
	}
	file := e.Final(e.Update(make([]byte, 0, benchSize+2*BlockSize), make([]byte, benchSize)))
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := Decrypt(io.Discard, bytes.NewReader(file), testKey); err != nil {
			b.Fatal(err)
		}
	}
}

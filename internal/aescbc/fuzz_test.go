package aescbc

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
)

// Run one target for a while with, for example:
//
//	go test -run '^$' -fuzz '^FuzzDecrypter$' -fuzztime 10s ./internal/aescbc

// inSteps feeds input to update in pieces whose sizes cycle through steps
// (each byte plus one); no steps means one piece.
func inSteps(update func(dst, src []byte) []byte, input, steps []byte) []byte {
	var out []byte
	for i := 0; len(input) > 0; i++ {
		k := len(input)
		if len(steps) > 0 {
			k = min(int(steps[i%len(steps)])+1, len(input))
		}
		out = update(out, input[:k])
		input = input[k:]
	}
	return out
}

// fuzzSeedFiles adds the vector files and Wycheproof's AES-256 files.
func fuzzSeedFiles(f *testing.F, add func(file []byte)) {
	var vectors []testvectors.AESCBC
	testvectors.Load(f, "vectors/aescbc.json", &vectors)
	for _, v := range vectors {
		for _, text := range []string{v.FilePaddedHex, v.FileUnpaddedHex} {
			if file, err := hex.DecodeString(text); err == nil && text != "" {
				add(file)
			}
		}
	}
	for _, tc := range wycheproofAES256(f) {
		add(append(testvectors.Hex(f, tc.IV), testvectors.Hex(f, tc.Ct)...))
	}
	for _, size := range []int{0, 1, 15, 16, 17, 31, 32, 33, 48} {
		add(testvectors.ChainBytes("seed", size))
	}
}

// FuzzDecrypter reads any file under a fixed key, in any pieces. It must
// never panic; a malformed length fails Final with the error ValidLength
// names; otherwise the pieces make no difference, the output is the raw
// decryption less at most one block of padding, and Decrypt agrees.
func FuzzDecrypter(f *testing.F) {
	fuzzSeedFiles(f, func(file []byte) {
		f.Add(file, []byte{})
		f.Add(file, []byte{0, 6, 15, 16})
	})

	f.Fuzz(func(t *testing.T, file, steps []byte) {
		whole, err := NewDecrypter(testKey)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := whole.Final(whole.Update(nil, file))

		chunked, err := NewDecrypter(testKey)
		if err != nil {
			t.Fatal(err)
		}
		got, gotErr := chunked.Final(inSteps(chunked.Update, file, steps))

		var streamed bytes.Buffer
		_, streamErr := Decrypt(&streamed, bytes.NewReader(file), testKey)

		if lengthErr := ValidLength(int64(len(file))); lengthErr != nil {
			if wantErr != lengthErr || gotErr != lengthErr || streamErr != lengthErr {
				t.Fatalf("a %d-byte file: errors %v, %v, %v; want %v",
					len(file), wantErr, gotErr, streamErr, lengthErr)
			}
			return
		}
		if wantErr != nil || gotErr != nil || streamErr != nil {
			t.Fatalf("a %d-byte file: errors %v, %v, %v", len(file), wantErr, gotErr, streamErr)
		}

		if !bytes.Equal(want, got) || !bytes.Equal(want, streamed.Bytes()) {
			t.Fatalf("a %d-byte file opens to %d bytes at once, %d in pieces, %d streamed",
				len(file), len(want), len(got), streamed.Len())
		}
		ciphertext := len(file) - BlockSize
		if len(want) > ciphertext || len(want) < ciphertext-BlockSize {
			t.Fatalf("a %d-byte file opens to %d bytes", len(file), len(want))
		}
		raw := rawCBCDecrypt(t, testKey, file[:BlockSize], file[BlockSize:])
		if !bytes.Equal(raw[:len(want)], want) {
			t.Fatalf("the output is not the raw decryption")
		}
		if len(want) < ciphertext && paddingLen(raw[ciphertext-BlockSize:]) != ciphertext-len(want) {
			t.Fatalf("%d bytes removed that are not valid padding", ciphertext-len(want))
		}
	})
}

// FuzzRoundTrip writes any plaintext in any pieces and reads it back in
// other pieces.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{}, []byte{}, []byte{})
	f.Add([]byte("attack at dawn"), []byte{0}, []byte{15})
	f.Add(testvectors.ChainBytes("fuzz", 16), []byte{15, 16}, []byte{})
	f.Add(testvectors.ChainBytes("fuzz", 100), []byte{2, 30}, []byte{16, 0})
	fuzzSeedFiles(f, func(file []byte) { f.Add(file, []byte{5}, []byte{9}) })

	f.Fuzz(func(t *testing.T, plaintext, encryptSteps, decryptSteps []byte) {
		whole, err := newEncrypterIV(testKey, testIV)
		if err != nil {
			t.Fatal(err)
		}
		want := whole.Final(whole.Update(nil, plaintext))

		e, err := newEncrypterIV(testKey, testIV)
		if err != nil {
			t.Fatal(err)
		}
		file := e.Final(inSteps(e.Update, plaintext, encryptSteps))
		if !bytes.Equal(want, file) {
			t.Fatalf("%d bytes written in pieces give another file", len(plaintext))
		}
		if len(file) != paddedSize(len(plaintext)) || ValidLength(int64(len(file))) != nil {
			t.Fatalf("%d bytes give a %d-byte file", len(plaintext), len(file))
		}

		d, err := NewDecrypter(testKey)
		if err != nil {
			t.Fatal(err)
		}
		opened, err := d.Final(inSteps(d.Update, file, decryptSteps))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plaintext, opened) {
			t.Fatalf("round trip: got %s, want %s", fingerprint(opened), fingerprint(plaintext))
		}
	})
}

package browser

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// paths are the two AES paths of the Worker; every file test runs on both.
var paths = []string{"webcrypto", "go"}

// TestAESCBCVectorsOnBothPaths decrypts every aescbc.json file, padded and
// unpadded, and encrypts every plaintext, through the Web Crypto path and
// the pure-Go path, from Blobs and from streams cut at awkward sizes.
func TestAESCBCVectorsOnBothPaths(t *testing.T) {
	vectors := testvectors.AESCBCs(t)
	p := openPage(t)
	p.installHelpers()
	master := p.unlockVectorMaster()

	type input struct {
		Name     string `json:"name"`
		Plain    string `json:"plain"`
		Padded   string `json:"padded"`
		Unpadded string `json:"unpadded,omitempty"`
	}
	var inputs []input
	plains := map[string][]byte{}
	keyOf := map[string][]byte{}
	for i, v := range vectors {
		key := testvectors.Hex(t, v.KeyHex)
		iv := testvectors.Hex(t, v.IVHex)
		plain := v.Plaintext(t)
		require.Equal(t, v.PlaintextSHA256, fingerprint(plain))
		padded := cbcFile(t, key, iv, plain, true)
		require.Equal(t, v.FilePaddedSHA256, fingerprint(padded), "vector %d, padded", i)
		name := fmt.Sprintf("v%d", i)
		in := input{Name: name, Plain: b64(plain), Padded: b64(padded)}
		if v.FileUnpaddedSHA256 != "" {
			unpadded := cbcFile(t, key, iv, plain, false)
			require.Equal(t, v.FileUnpaddedSHA256, fingerprint(unpadded), "vector %d, unpadded", i)
			in.Unpadded = b64(unpadded)
		}
		p.giveKey(master, name, key)
		inputs = append(inputs, in)
		plains[name], keyOf[name] = plain, key
	}
	data, err := json.Marshal(inputs)
	require.NoError(t, err)

	type result struct {
		Name, Path                                   string
		Padded, PaddedStream, Unpadded, Unpadded2    string
		Encrypted, EncryptedIV, Streamed, StreamedIV string
	}
	results := eval[[]result](p, fmt.Sprintf(`(async (inputs) => {
  const out = [];
  const sizes = [1, 7, 16, 100, 4099, 65536];
  for (const path of ['webcrypto', 'go']) {
    for (const v of inputs) {
      const key = T.keys[v.name];
      const plain = T.bytes(v.plain), padded = T.bytes(v.padded);
      const r = { name: v.name, path };
      r.padded = await T.sha(await T.o.decryptFile(key, new Blob([padded]), { aes: path }));
      r.paddedStream = (await T.drain(await T.o.decryptFile(key, T.chunked(padded, sizes),
        { aes: path, output: 'stream' }))).sha;
      if (v.unpadded) {
        const unpadded = T.bytes(v.unpadded);
        r.unpadded = await T.sha(await T.o.decryptFile(key, new Blob([unpadded]), { aes: path }));
        r.unpadded2 = (await T.drain(await T.o.decryptFile(key, T.chunked(unpadded, [5, 16, 32]),
          { aes: path, output: 'stream' }))).sha;
      }
      const enc = new Uint8Array(await (await T.o.encryptFile(key, new Blob([plain]),
        { aes: path })).arrayBuffer());
      r.encrypted = await T.sha(enc);
      r.encryptedIV = T.hex(enc.subarray(0, 16));
      const streamed = await T.drain(await T.o.encryptFile(key, T.chunked(plain, sizes),
        { aes: path, output: 'stream' }));
      r.streamed = streamed.sha;
      r.streamedIV = streamed.iv;
      out.push(r);
    }
  }
  return out;
})(%s)`, data))

	require.Len(t, results, len(paths)*len(vectors))
	byName := map[string]testvectors.AESCBC{}
	for i, v := range vectors {
		byName[fmt.Sprintf("v%d", i)] = v
	}
	for _, r := range results {
		v := byName[r.Name]
		what := fmt.Sprintf("%s path, %d-byte vector", r.Path, v.PlaintextLen)
		assert.Equal(t, v.PlaintextSHA256, r.Padded, "%s: decrypt the padded file", what)
		assert.Equal(t, v.PlaintextSHA256, r.PaddedStream, "%s: decrypt it as a stream", what)
		if v.FileUnpaddedSHA256 != "" {
			assert.Equal(t, v.PlaintextSHA256, r.Unpadded, "%s: decrypt the unpadded file", what)
			assert.Equal(t, v.PlaintextSHA256, r.Unpadded2, "%s: the unpadded stream", what)
		}
		key, plain := keyOf[r.Name], plains[r.Name]
		assert.Equal(t, encryptedSHA(t, key, plain, r.EncryptedIV), r.Encrypted,
			"%s: encrypt", what)
		assert.Equal(t, encryptedSHA(t, key, plain, r.StreamedIV), r.Streamed,
			"%s: encrypt a stream", what)
		assert.NotEqual(t, r.EncryptedIV, r.StreamedIV, "%s: a fresh IV for every file", what)
	}
	stats := eval[map[string]float64](p, `T.o.stats()`)
	assert.Zero(t, stats["files"], "no file left open")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// cbcFile is the file of plain under key and iv, padded or (Coretex's
// writer for whole blocks) not, made with the standard library alone.
func cbcFile(t *testing.T, key, iv, plain []byte, pad bool) []byte {
	t.Helper()
	data := append([]byte(nil), plain...)
	if pad {
		n := aes.BlockSize - len(plain)%aes.BlockSize
		for range n {
			data = append(data, byte(n))
		}
	}
	require.Zero(t, len(data)%aes.BlockSize)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := append(append([]byte(nil), iv...), make([]byte, len(data))...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out[aes.BlockSize:], data)
	return out
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestLargeFilesStreamToDiskWithCLI moves a 300 MB file each way between
// the page and the CLI on the Web Crypto path, and 20 MB on the pure-Go
// path: the page reads the File from disk, streams it through the Worker
// and saves the stream to disk with saveFile's streamed download, without
// ever holding the file.
func TestLargeFilesStreamToDiskWithCLI(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	master := p.unlockVectorMaster()
	dir := t.TempDir()

	for _, c := range []struct {
		path string
		size int
	}{{"webcrypto", 300<<20 + 5}, {"go", 20<<20 + 3}} {
		t.Run(c.path, func(t *testing.T) {
			p.t = t
			key := make([]byte, 32)
			_, err := rand.Read(key)
			require.NoError(t, err)
			keyFile := writeKeyFile(t, key)
			p.giveKey(master, c.path, key)
			plainPath, plainSHA := writeChainFile(t, dir, c.path+"-plain.bin", c.size)
			encSize := int64(16 + (c.size/16+1)*16)

			// Page to CLI: a File in, a stream out, saved as a download.
			p.pickFile("pick-"+c.path, plainPath)
			saved := eval[map[string]any](p, fmt.Sprintf(`(async () => {
  const file = T.picked(%[1]q);
  let progress = null;
  const stream = await T.o.encryptFile(T.keys[%[2]q], file, { aes: %[2]q, output: 'stream',
    onProgress: (p) => { progress = p; } });
  const saved = await T.o.saveFile(stream, %[3]q, { method: 'download' });
  return { ...saved, done: progress.done, total: progress.total };
})()`, "pick-"+c.path, c.path, c.path+".enc"))
			assert.Equal(t, "download", saved["method"])
			assert.EqualValues(t, encSize, saved["bytes"])
			assert.EqualValues(t, c.size, saved["done"], "progress reaches the whole file")
			assert.EqualValues(t, c.size, saved["total"])
			encrypted := p.waitForDownload(c.path+".enc", encSize)
			decrypted := filepath.Join(dir, c.path+"-cli.bin")
			cliFile(t, encrypted, decrypted, "decrypt", "--key-file", keyFile)
			assert.Equal(t, plainSHA, fileSHA(t, decrypted), "the CLI decrypts the page's file")

			// CLI to page: a stream in (the File's), a stream out.
			cliEnc := filepath.Join(dir, c.path+"-cli.enc")
			cliFile(t, plainPath, cliEnc, "encrypt", "--key-file", keyFile)
			p.pickFile("pick-enc-"+c.path, cliEnc)
			saved = eval[map[string]any](p, fmt.Sprintf(`(async () => {
  const stream = await T.o.decryptFile(T.keys[%[2]q], T.picked(%[1]q).stream(),
    { aes: %[2]q, output: 'stream' });
  return T.o.saveFile(stream, %[3]q, { method: 'download' });
})()`, "pick-enc-"+c.path, c.path, c.path+".dec"))
			assert.EqualValues(t, c.size, saved["bytes"])
			fromPage := p.waitForDownload(c.path+".dec", int64(c.size))
			assert.Equal(t, plainSHA, fileSHA(t, fromPage), "the page decrypts the CLI's file")
			for _, f := range []string{encrypted, decrypted, cliEnc, fromPage} {
				os.Remove(f)
			}
		})
	}
	p.t = t
	stats := eval[map[string]float64](p, `T.o.stats()`)
	assert.Zero(t, stats["files"], "no file left open")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

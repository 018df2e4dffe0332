package browser

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/keys"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/require"
)

// helpersScript installs window.T in a page: the ownkey module and small
// tools the file tests share. Nothing it returns is secret: outputs come
// back as SHA-256 fingerprints, and IVs, which are public.
const helpersScript = `(async () => {
  const o = await import('./ownkey.js');
  const hex = (bytes) => Array.from(new Uint8Array(bytes),
    (b) => b.toString(16).padStart(2, '0')).join('');
  const T = {
    o, hex, keys: {},
    bytes: (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
    sha: async (blobOrBytes) => hex(await crypto.subtle.digest('SHA-256',
      blobOrBytes instanceof Blob ? await blobOrBytes.arrayBuffer() : blobOrBytes)),
    // pattern is byte i of a long test file: cheap to make and to check.
    pattern: (i) => (Math.imul(i >>> 8, 0x9e3779b1) >>> 24) ^ (i & 0xff),
    // generated is a ReadableStream of size pattern bytes in chunks of chunk.
    generated: (size, chunk = 1 << 20) => {
      let offset = 0;
      return new ReadableStream({
        pull(c) {
          if (offset >= size) { c.close(); return; }
          const n = Math.min(chunk, size - offset);
          const out = new Uint8Array(n);
          for (let i = 0; i < n; i++) { out[i] = T.pattern(offset + i); }
          offset += n;
          c.enqueue(out);
        },
      }, { highWaterMark: 0 });
    },
    // chunked is a ReadableStream of bytes cut into pieces of the sizes given, in turn.
    chunked: (bytes, sizes) => {
      let offset = 0, turn = 0;
      return new ReadableStream({
        pull(c) {
          if (offset >= bytes.length) { c.close(); return; }
          const n = sizes[turn++ % sizes.length];
          c.enqueue(bytes.slice(offset, offset + n));
          offset += n;
        },
      });
    },
    // drain reads a stream to its end and returns {bytes, sha, iv} or
    // {error: {name, message}, bytes}.
    drain: async (stream, { keep = true, check } = {}) => {
      const reader = stream.getReader();
      const parts = [];
      let bytes = 0, iv = null;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) { break; }
          if (check) { await check(value, bytes); }
          if (iv === null && value.length >= 16 && bytes === 0) {
            iv = hex(value.subarray(0, 16));
          }
          bytes += value.length;
          if (keep) { parts.push(value); }
        }
      } catch (err) {
        return { error: { name: err.name, message: err.message }, bytes };
      }
      const out = { bytes, iv };
      if (keep) { out.sha = await T.sha(new Blob(parts)); }
      return out;
    },
    picked: (id) => document.getElementById(id).files[0],
  };
  window.T = T;
  return true;
})()`

// installHelpers puts window.T in the page.
func (p *page) installHelpers() {
	p.t.Helper()
	eval[bool](p, helpersScript)
}

// vectorMaster is the master key of the first derive.json vector: its
// public key wraps project keys for the page, and its private key lets the
// test open keys the page made.
type vectorMaster struct {
	public  *rsa.PublicKey
	private *rsa.PrivateKey
}

// unlockVectorMaster derives the vector's master key in the page as
// window.T.master, and returns both halves from the vector.
func (p *page) unlockVectorMaster() vectorMaster {
	p.t.Helper()
	vector := testvectors.Derivations(p.t)[0]
	pub, err := keys.ParsePublicKey(vector.PublicPKCS1)
	require.NoError(p.t, err)
	priv, err := keys.ParsePrivateKey(vector.PrivatePKCS8)
	require.NoError(p.t, err)
	pem := eval[string](p, fmt.Sprintf(`(async () => {
  T.master = await T.o.deriveMasterKey(%q);
  return T.master.publicKeyPem; })()`, vector.Secret))
	require.Equal(p.t, vector.PublicPKCS1, pem)
	return vectorMaster{public: pub, private: priv}
}

// giveKey hands a project key to the page as window.T.keys[name], wrapped
// to the vector master key, as Coretex would.
func (p *page) giveKey(m vectorMaster, name string, key []byte) {
	p.t.Helper()
	wrapped, err := keys.Wrap(m.public, key)
	require.NoError(p.t, err)
	eval[bool](p, fmt.Sprintf(`(async () => {
  T.keys[%q] = await T.master.unwrapProjectKey(%q); return true; })()`,
		name, base64.StdEncoding.EncodeToString(wrapped)))
}

// takeKey opens a project key made in the page (window.T.keys[name]) by
// wrapping it to the vector master key, whose private half the test has.
func (p *page) takeKey(m vectorMaster, name string) []byte {
	p.t.Helper()
	wrapped := eval[string](p, fmt.Sprintf(`T.o.wrapProjectKey(T.keys[%q], %q)`,
		name, keys.PublicKeyPEM(m.public)))
	raw, err := base64.StdEncoding.DecodeString(wrapped)
	require.NoError(p.t, err)
	key, err := keys.Unwrap(m.private, raw)
	require.NoError(p.t, err)
	return key
}

// pickFile puts the file at path into a file input of the page with that
// id, so that the page holds it as a File backed by the disk.
func (p *page) pickFile(id, path string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { if (!document.getElementById(%[1]q)) {
  const input = document.createElement('input'); input.type = 'file'; input.id = %[1]q;
  document.body.appendChild(input); } return true; })()`, id))
	p.do(chromedp.SetUploadFiles(chromedp.CSS("#"+id), []string{path}))
}

// waitForDownload waits until the browser has saved name, size bytes long.
func (p *page) waitForDownload(name string, size int64) string {
	p.t.Helper()
	path := filepath.Join(p.downloadDir, name)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if info, err := os.Stat(path); err == nil && info.Size() == size {
			return path
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(p.downloadDir)
	var names []string
	for _, e := range entries {
		info, _ := e.Info()
		names = append(names, fmt.Sprintf("%s (%d bytes)", e.Name(), info.Size()))
	}
	p.t.Fatalf("the browser did not save %s of %d bytes (the directory holds %v)", name, size, names)
	return ""
}

// cliFile runs dist/ownkey with stdin and stdout connected to files.
func cliFile(t *testing.T, in, out string, args ...string) {
	t.Helper()
	stdin, err := os.Open(in)
	require.NoError(t, err)
	defer stdin.Close()
	stdout, err := os.Create(out)
	require.NoError(t, err)
	defer stdout.Close()
	cmd := exec.Command(filepath.Join(distDir(), "ownkey"), args...)
	cmd.Stdin, cmd.Stdout = stdin, stdout
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ownkey %s: %v\n%s", args[0], err, stderr.String())
	}
}

// writeChainFile writes n bytes of the "sha256 chain from name" pattern
// to a file and returns its path and fingerprint.
func writeChainFile(t *testing.T, dir, name string, n int) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 1<<20)
	h := sha256.New()
	block := sha256.Sum256([]byte(name))
	for written := 0; written < n; {
		k := min(len(block), n-written)
		w.Write(block[:k])
		h.Write(block[:k])
		written += k
		block = sha256.Sum256(block[:])
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	return path, hex.EncodeToString(h.Sum(nil))
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

// encryptedSHA is the fingerprint of the file that encrypts plain under
// key with iv (hex): what a correct encrypter must have written, computed
// here with the standard library alone.
func encryptedSHA(t *testing.T, key, plain []byte, ivHex string) string {
	t.Helper()
	iv, err := hex.DecodeString(ivHex)
	require.NoError(t, err)
	require.Len(t, iv, aes.BlockSize)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := append(append([]byte(nil), iv...), make([]byte, len(padded))...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out[aes.BlockSize:], padded)
	return fingerprint(out)
}

// rendererRSS is the largest resident set, in bytes, of the browser's
// renderer processes: a tab's memory as the system sees it, JavaScript
// heaps, Workers and WebAssembly memory together.
func rendererRSS(browserPID int) int64 {
	var largest int64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !descends(pid, browserPID) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if !strings.Contains(string(cmdline), "--type=renderer") {
			continue
		}
		status, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(
					strings.TrimSpace(rest), "kB")), 10, 64)
				largest = max(largest, kb<<10)
			}
		}
	}
	return largest
}

func descends(pid, ancestor int) bool {
	for i := 0; i < 8 && pid > 1; i++ {
		if pid == ancestor {
			return true
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut after ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 {
			return false
		}
		pid, _ = strconv.Atoi(fields[1])
	}
	return pid == ancestor
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

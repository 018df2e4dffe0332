package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keyFile writes projectKey in base64, as Coretex hands it to a node.
func keyFile(t *testing.T, projectKey []byte) string {
	t.Helper()
	return writeFile(t, "project.key", []byte(base64.StdEncoding.EncodeToString(projectKey)+"\n"))
}

// vectorFile rebuilds a vector's padded file with the standard library and
// checks it against the vector's hash before a test relies on it.
func vectorFile(t *testing.T, v testvectors.AESCBC) (key, plaintext, file []byte) {
	t.Helper()
	key = testvectors.Hex(t, v.KeyHex)
	iv := testvectors.Hex(t, v.IVHex)
	plaintext = v.Plaintext(t)

	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	padded := append(bytes.Clone(plaintext), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	file = append(bytes.Clone(iv), make([]byte, len(padded))...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(file[aes.BlockSize:], padded)

	sum := sha256.Sum256(file)
	require.Equal(t, v.FilePaddedSHA256, hex.EncodeToString(sum[:]), "rebuilt vector file")
	return key, plaintext, file
}

func TestDecryptVectors(t *testing.T) {
	for _, v := range testvectors.AESCBCs(t) {
		t.Run(fmt.Sprint(v.PlaintextLen), func(t *testing.T) {
			key, plaintext, file := vectorFile(t, v)
			keyPath := keyFile(t, key)

			stdout, stderr, status := runCLI(t, bytes.NewReader(file), "decrypt", "--key-file", keyPath)
			require.Equal(t, 0, status, stderr)
			assert.Empty(t, stderr)
			sameBytes(t, plaintext, stdout, "decrypted vector")

			// Coretex's own writer leaves whole-block plaintexts unpadded.
			if v.FileUnpaddedHex != "" {
				unpadded := testvectors.Hex(t, v.FileUnpaddedHex)
				stdout, stderr, status := runCLI(t, bytes.NewReader(unpadded),
					"decrypt", "--key-file", keyPath)
				require.Equal(t, 0, status, stderr)
				sameBytes(t, plaintext, stdout, "decrypted unpadded vector")
			}
		})
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	v := testvectors.AESCBCs(t)[0]
	keyPath := keyFile(t, testvectors.Hex(t, v.KeyHex))

	for _, size := range []int{0, 1, 15, 16, 17, 1000, 1<<20 + 3} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			plaintext := testvectors.ChainBytes("cli round trip", size)
			file, stderr, status := runCLI(t, bytes.NewReader(plaintext), "encrypt", "--key-file", keyPath)
			require.Equal(t, 0, status, stderr)
			assert.Empty(t, stderr)
			assert.Len(t, file, 16+(size/16+1)*16)

			stdout, stderr, status := runCLI(t, bytes.NewReader(file), "decrypt", "--key-file", keyPath)
			require.Equal(t, 0, status, stderr)
			sameBytes(t, plaintext, stdout, "round trip")
		})
	}
}

func TestEncryptFreshIV(t *testing.T) {
	keyPath := keyFile(t, testvectors.ChainBytes("fresh iv", 32))
	first, _, status := runCLI(t, strings.NewReader("same"), "encrypt", "--key-file", keyPath)
	require.Equal(t, 0, status)
	second, _, status := runCLI(t, strings.NewReader("same"), "encrypt", "--key-file", keyPath)
	require.Equal(t, 0, status)
	assert.NotEqual(t, first[:16], second[:16])
}

// TestKeyFileForms: the key file holds the base64 key with blank space
// around it, or one CTX_PROJECT_KEY_<id>= line.
func TestKeyFileForms(t *testing.T) {
	v := testvectors.AESCBCs(t)[2]
	key, plaintext, file := vectorFile(t, v)
	encoded := base64.StdEncoding.EncodeToString(key)

	for name, content := range map[string]string{
		"bare":          encoded,
		"line":          encoded + "\n",
		"crlf":          encoded + "\r\n",
		"blank around":  "\n\n  \t" + encoded + "  \n\n",
		"variable":      "CTX_PROJECT_KEY_42=" + encoded + "\n",
		"variable uuid": "CTX_PROJECT_KEY_0f6e-91=" + encoded,
		"variable crlf": "  CTX_PROJECT_KEY_7=" + encoded + "\r\n",
		"export":        "export CTX_PROJECT_KEY_x=" + encoded + "\n",
		"export tab":    "export\t CTX_PROJECT_KEY_x=" + encoded,
		"quoted":        `CTX_PROJECT_KEY_x="` + encoded + `"`,
		"single quoted": `export CTX_PROJECT_KEY_x='` + encoded + `'`,
	} {
		t.Run(name, func(t *testing.T) {
			keyPath := writeFile(t, "key", []byte(content))
			stdout, stderr, status := runCLI(t, bytes.NewReader(file), "decrypt", "--key-file", keyPath)
			require.Equal(t, 0, status, stderr)
			sameBytes(t, plaintext, stdout, "decrypted with the %s key file", name)
		})
	}
}

func TestKeyFileErrors(t *testing.T) {
	key := testvectors.ChainBytes("key file errors", 32)
	encoded := base64.StdEncoding.EncodeToString(key)
	file := append(make([]byte, 16), make([]byte, 16)...)
	dir := t.TempDir()
	missing := filepath.Join(dir, "absent.key")

	for _, tc := range []struct {
		name    string
		content string // the file is not written when empty and name is "missing"
		want    string
	}{
		{"missing", "", "the key file " + missing + " does not exist"},
		{"empty", "", "is empty; expected the project key in base64"},
		{"blank", " \n\t\n", "is empty; expected the project key in base64"},
		{"not base64", "not-base64!", "is not standard base64; expected the project key in " +
			"base64, or one CTX_PROJECT_KEY_<id>=<base64> line"},
		{"not base64, words", "not base64!!", "is not standard base64: it has a space inside"},
		{"words", "the key is " + encoded, "is not standard base64: it has a space inside"},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(
			base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 16))),
			"is not standard base64"},
		{"no padding", strings.TrimRight(encoded, "="), "is not standard base64"},
		{"hex", hex.EncodeToString(key), "holds a 48-byte key; a project key is 32 bytes"},
		{"31 bytes", base64.StdEncoding.EncodeToString(key[:31]),
			"holds a 31-byte key; a project key is 32 bytes"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(key, 1)),
			"holds a 33-byte key; a project key is 32 bytes"},
		{"two lines", encoded + "\n" + encoded + "\n", "holds 2 lines; expected the project " +
			"key in base64, or one CTX_PROJECT_KEY_<id>=<base64> line"},
		{"another variable", "CTX_SECRET_1=" + encoded,
			"sets a variable other than CTX_PROJECT_KEY_<id>"},
		{"no project id", "CTX_PROJECT_KEY_=" + encoded,
			"has no project id after CTX_PROJECT_KEY_; expected one " +
				"CTX_PROJECT_KEY_<id>=<base64> line"},
		{"export, no project id", "export CTX_PROJECT_KEY_=" + encoded,
			"has no project id after CTX_PROJECT_KEY_"},
		{"no value", "CTX_PROJECT_KEY_x=", "has no value after CTX_PROJECT_KEY_<id>="},
		{"no equals", "CTX_PROJECT_KEY_x", "names CTX_PROJECT_KEY_ without '='"},
		{"space in name", "CTX_PROJECT_KEY_x =" + encoded,
			"has a space in the variable's name"},
		{"too large", strings.Repeat("A", 5000), "is larger than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := missing
			if tc.name != "missing" {
				path = writeFile(t, "key", []byte(tc.content))
			}
			for _, command := range []string{"encrypt", "decrypt"} {
				stdout, stderr, status := runCLI(t, bytes.NewReader(file), command, "--key-file", path)
				assert.Equal(t, 1, status)
				assert.Empty(t, stdout)
				assert.True(t, strings.HasPrefix(stderr, "ownkey "+command+": "), stderr)
				assert.Contains(t, stderr, tc.want)
				assert.False(t, strings.Contains(stderr, encoded[:8]), "the error quotes the key")
				assert.False(t, strings.Contains(stderr, "base64!"), "the error quotes the key file")
			}
		})
	}

	for _, command := range []string{"encrypt", "decrypt"} {
		stdout, stderr, status := runCLI(t, bytes.NewReader(file), command)
		assert.Equal(t, 2, status)
		assert.Equal(t, "ownkey "+command+": usage: --key-file is required\n", stderr)
		assert.Empty(t, stdout)
	}
}

// badFiles are encrypted files of a malformed length, each with the error
// that refuses it: nothing of them may reach stdout.
func badFiles(t *testing.T) map[string]struct {
	file []byte
	want string
} {
	t.Helper()
	v := testvectors.AESCBCs(t)[len(testvectors.AESCBCs(t))-1] // the 1 MiB vector
	_, _, file := vectorFile(t, v)
	const tooShort = "aescbc: the file is shorter than 16 bytes: not an encrypted file"
	const notWhole = "aescbc: the file is truncated or damaged: its length after the 16-byte IV " +
		"is not a multiple of 16"
	return map[string]struct {
		file []byte
		want string
	}{
		"empty":          {nil, tooShort},
		"15 bytes":       {file[:15], tooShort},
		"17 bytes":       {file[:17], notWhole},
		"cut by one":     {file[:len(file)-1], notWhole},
		"cut at 300 KiB": {file[:300<<10+5], notWhole},
	}
}

func TestDecryptBadLengthInProcess(t *testing.T) {
	key := testvectors.Hex(t, testvectors.AESCBCs(t)[len(testvectors.AESCBCs(t))-1].KeyHex)
	keyPath := keyFile(t, key)
	for name, tc := range badFiles(t) {
		t.Run(name, func(t *testing.T) {
			spoolDir := t.TempDir()
			t.Setenv("TMPDIR", spoolDir)

			stdout, stderr, status := runCLI(t, bytes.NewReader(tc.file), "decrypt", "--key-file", keyPath)
			assert.Equal(t, 1, status)
			assert.Equal(t, "ownkey decrypt: "+tc.want+"\n", stderr)
			assert.Empty(t, stdout, "plaintext of a bad file reached stdout")
			assertEmptyDir(t, spoolDir)

			// Stdin as a regular file is measured, not copied.
			input := writeFile(t, "input", tc.file)
			f, err := os.Open(input)
			require.NoError(t, err)
			defer f.Close()
			stdout, stderr, status = runCLI(t, f, "decrypt", "--key-file", keyPath)
			assert.Equal(t, 1, status)
			assert.Equal(t, "ownkey decrypt: "+tc.want+"\n", stderr)
			assert.Empty(t, stdout, "plaintext of a bad file reached stdout")
		})
	}
}

// TestDecryptFileAtOffset: a regular file on stdin is measured from where
// it stands, as when a script has already read a header from it.
func TestDecryptFileAtOffset(t *testing.T) {
	v := testvectors.AESCBCs(t)[8]
	key, plaintext, file := vectorFile(t, v)
	header := []byte("a header of 19 byte")
	input := writeFile(t, "input", append(bytes.Clone(header), file...))

	f, err := os.Open(input)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Seek(int64(len(header)), io.SeekStart)
	require.NoError(t, err)

	stdout, stderr, status := runCLI(t, f, "decrypt", "--key-file", keyFile(t, key))
	require.Equal(t, 0, status, stderr)
	sameBytes(t, plaintext, stdout, "decrypted from an offset")
}

// TestDecryptBinary runs the built command with stdin a regular file and
// with stdin a pipe: a good file opens, a bad one exits 1 with an error and
// not one byte on stdout, and no temporary copy is left behind.
func TestDecryptBinary(t *testing.T) {
	vectors := testvectors.AESCBCs(t)
	key, plaintext, file := vectorFile(t, vectors[len(vectors)-1])
	keyPath := keyFile(t, key)

	cases := badFiles(t)
	cases["good"] = struct {
		file []byte
		want string
	}{file, ""}

	for name, tc := range cases {
		input := writeFile(t, "input", tc.file)
		for _, mode := range []string{"file", "pipe"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				spoolDir := t.TempDir()
				var stdin io.Reader = bytes.NewReader(tc.file)
				if mode == "file" {
					f, err := os.Open(input)
					require.NoError(t, err)
					defer f.Close()
					stdin = f
					// A regular file is measured in place: with no
					// usable temporary directory it still works.
					spoolDir = filepath.Join(spoolDir, "absent")
				}

				stdout, stderr, status := runBinary(t, stdin, []string{"TMPDIR=" + spoolDir},
					"decrypt", "--key-file", keyPath)
				if mode == "pipe" {
					assertEmptyDir(t, spoolDir)
				}
				if tc.want == "" {
					require.Equal(t, 0, status, stderr)
					assert.Empty(t, stderr)
					sameBytes(t, plaintext, stdout, "decrypted through the binary")
					return
				}
				assert.Equal(t, 1, status)
				assert.Equal(t, "ownkey decrypt: "+tc.want+"\n", stderr)
				assert.Empty(t, stdout, "plaintext of a bad file reached stdout")
			})
		}
	}
}

func TestEncryptBinary(t *testing.T) {
	key := testvectors.ChainBytes("binary encrypt", 32)
	keyPath := keyFile(t, key)
	plaintext := testvectors.ChainBytes("binary plaintext", 300<<10+7)

	file, stderr, status := runBinary(t, bytes.NewReader(plaintext), nil,
		"encrypt", "--key-file", keyPath)
	require.Equal(t, 0, status, stderr)
	require.Len(t, file, 16+(len(plaintext)/16+1)*16)

	stdout, stderr, status := runBinary(t, bytes.NewReader(file), nil,
		"decrypt", "--key-file", keyPath)
	require.Equal(t, 0, status, stderr)
	sameBytes(t, plaintext, stdout, "binary round trip")
}

// TestDecryptNoSpool: when stdin is a pipe and no temporary copy can be
// made, decrypt says so and writes nothing.
func TestDecryptNoSpool(t *testing.T) {
	key := testvectors.ChainBytes("no spool", 32)
	plaintext := []byte("a short plaintext")
	file, _, status := runCLI(t, bytes.NewReader(plaintext), "encrypt", "--key-file", keyFile(t, key))
	require.Equal(t, 0, status)

	absent := filepath.Join(t.TempDir(), "absent")
	stdout, stderr, status := runBinary(t, bytes.NewReader(file), []string{"TMPDIR=" + absent},
		"decrypt", "--key-file", keyFile(t, key))
	assert.Equal(t, 1, status)
	assert.True(t, strings.HasPrefix(stderr,
		"ownkey decrypt: making a temporary copy of the input: "), stderr)
	assert.Empty(t, stdout)
}

// TestDecryptSpoolRemovedOnSignal: SIGINT or SIGTERM while a piped input is
// being copied removes the copy, and the exit status says which signal.
func TestDecryptSpoolRemovedOnSignal(t *testing.T) {
	keyPath := keyFile(t, testvectors.ChainBytes("signal spool", 32))
	for _, c := range []struct {
		signal os.Signal
		status int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		t.Run(c.signal.String(), func(t *testing.T) {
			spoolDir := t.TempDir()
			cmd := exec.Command(ownkeyBinary(t), "decrypt", "--key-file", keyPath)
			cmd.Env = append(os.Environ(), "TMPDIR="+spoolDir)
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			defer stdin.Close()

			// Feed ciphertext-sized data, without closing the pipe, until
			// the copy is on disk and growing.
			chunk := make([]byte, 64<<10)
			deadline := time.Now().Add(10 * time.Second)
			for spooled(t, spoolDir) < int64(len(chunk)) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no ownkey-decrypt-* copy appeared in %s; stderr: %s",
						spoolDir, stderr.String())
				}
				_, err := stdin.Write(chunk)
				require.NoError(t, err)
				time.Sleep(10 * time.Millisecond)
			}

			require.NoError(t, cmd.Process.Signal(c.signal))
			err = cmd.Wait()
			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr)
			assert.Equal(t, c.status, exitErr.ExitCode(), "stderr: %s", stderr.String())
			assertEmptyDir(t, spoolDir)
		})
	}
}

// spooled returns the size of the ownkey-decrypt-* file in dir, 0 if none.
func spooled(t *testing.T, dir string) int64 {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "ownkey-decrypt-*"))
	require.NoError(t, err)
	var size int64
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil {
			size += info.Size()
		}
	}
	return size
}

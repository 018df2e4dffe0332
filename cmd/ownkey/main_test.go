package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The commands are tested in-process through run, with buffers for the
// standard streams, and, where it matters what stdin is (a regular file or
// a pipe), through the built binary.

// runCLI runs ownkey in-process and returns its stdout, stderr and status.
func runCLI(t *testing.T, stdin io.Reader, args ...string) (
	stdout []byte, stderr string, status int) {
	t.Helper()
	if stdin == nil {
		stdin = bytes.NewReader(nil)
	}
	var out, errOut bytes.Buffer
	status = run(args, stdin, &out, &errOut)
	return out.Bytes(), errOut.String(), status
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
	binaryDir  string
)

func TestMain(m *testing.M) {
	status := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(status)
}

// ownkeyBinary builds the command once per test run and returns its path.
// A build failure fails the test: the binary cases must not be skipped.
func ownkeyBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			binaryErr = fmt.Errorf("no go tool to build ownkey with: %w", err)
			return
		}
		binaryDir, err = os.MkdirTemp("", "ownkey-cli-test-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(binaryDir, "ownkey")
		build := exec.Command(goTool, "build", "-o", binaryPath, ".")
		if output, err := build.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, output)
		}
	})
	require.NoError(t, binaryErr)
	return binaryPath
}

// runBinary runs the built ownkey with stdin (an *os.File is handed over as
// is, anything else arrives through a pipe) and the environment variables
// env added, and returns its stdout, stderr and exit status.
func runBinary(t *testing.T, stdin io.Reader, env []string, args ...string) ([]byte, string, int) {
	t.Helper()
	cmd := exec.Command(ownkeyBinary(t), args...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut

	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return out.Bytes(), errOut.String(), exitErr.ExitCode()
	}
	require.NoError(t, err)
	return out.Bytes(), errOut.String(), 0
}

// writeFile writes content to a new file in a test directory.
func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, content, 0o600))
	return path
}

// fingerprint names key or plaintext bytes in failure messages without
// showing them.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%x (%d bytes)", sum[:6], len(b))
}

// sameBytes compares secret or plaintext bytes without printing them.
func sameBytes(t *testing.T, want, got []byte, format string, args ...any) {
	t.Helper()
	if !bytes.Equal(want, got) {
		t.Errorf("%s: got %s, want %s", fmt.Sprintf(format, args...),
			fingerprint(got), fingerprint(want))
	}
}

// assertEmptyDir fails unless dir holds nothing: no spool file left behind.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	if len(entries) != 0 {
		t.Errorf("%s still holds %d entries, the first %q", dir, len(entries), entries[0].Name())
	}
}

// TestBadFlagOnce: a bad flag value is reported once, followed by the
// command's flags, and the status is 2.
func TestBadFlagOnce(t *testing.T) {
	stdout, stderr, status := runCLI(t, strings.NewReader("secret"), "derive", "--bits", "abc")
	require.Equal(t, 2, status)
	require.Empty(t, stdout)
	require.Equal(t, 1, strings.Count(stderr, `invalid value "abc" for flag -bits`), stderr)
	require.True(t, strings.HasPrefix(stderr,
		"ownkey derive: usage: invalid value \"abc\" for flag -bits: parse error\n"+
			"Usage of ownkey derive:\n  -bits int\n"), stderr)
	require.NotContains(t, stderr, "secret")

	_, stderr, status = runCLI(t, nil, "encrypt", "--key-file", "k", "extra")
	require.Equal(t, 2, status)
	require.True(t, strings.HasPrefix(stderr, "ownkey encrypt: usage: 1 unexpected argument(s) "+
		"after the flags; secrets and keys are read from stdin or files, never from arguments\n"+
		"Usage of ownkey encrypt:\n  -key-file string\n"), stderr)
	require.NotContains(t, stderr, "extra", "the error quotes an argument")

	_, stderr, status = runCLI(t, nil, "derive", "-h")
	require.Equal(t, 0, status)
	require.True(t, strings.HasPrefix(stderr, "Usage of ownkey derive:\n"), stderr)
}

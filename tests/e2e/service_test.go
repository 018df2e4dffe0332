package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Service starts the service under test and returns the base URL that
// serves both the page and /api/ (same origin), and a function that stops
// it. Another deployment (workerd, say) is another Service.
type Service func(t *testing.T) (baseURL string, stop func())

// repoRoot is the checkout this file is in.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func distDir() string { return filepath.Join(repoRoot(), "dist") }

// binary is dist/ownkey, which build.sh writes beside the page.
func binary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(distDir(), "ownkey")
	for _, name := range []string{"ownkey", "index.html", "page.js", "app.js", "service.js",
		"audit.js", "ownkey.js", "worker.js", "ownkey.wasm", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(distDir(), name)); err != nil {
			t.Fatalf("dist/%s is missing: run ./build.sh first", name)
		}
	}
	return path
}

// LocalService runs `dist/ownkey serve` on a free loopback port with a
// fresh data directory, and stops it by its PID.
func LocalService(t *testing.T) (string, func()) {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--web", distDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ownkey serve: %v", err)
	}
	exited := make(chan struct{})
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}

	address := make(chan string, 1)
	go func() {
		// The request log goes on being read so that the service never
		// blocks on a full pipe; it holds no bodies, headers or queries.
		lines := bufio.NewScanner(stderr)
		sent := false
		for lines.Scan() {
			line := lines.Text()
			if _, rest, ok := strings.Cut(line, "listening on "); ok && !sent {
				address <- strings.Fields(rest)[0]
				sent = true
			}
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case base := <-address:
		return base, stop
	case <-exited:
		t.Fatal("ownkey serve exited before it listened")
	case <-time.After(30 * time.Second):
		stop()
		t.Fatal("ownkey serve did not listen within 30 s")
	}
	return "", nil
}

// runBinary runs dist/ownkey with stdin and returns stdout, stderr and an
// error for a non-zero exit.
func runBinary(t *testing.T, stdin string, args ...string) ([]byte, string, error) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		err = fmt.Errorf("ownkey %s exited with %d", args[0], exit.ExitCode())
	}
	return []byte(stdout.String()), stderr.String(), err
}

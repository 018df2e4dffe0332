package workerd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/store/sqlstore"
)

// testMaxUpload is the Worker's upload limit in these tests (the harness's
// OWNKEY_MAX_UPLOAD): room for files of several R2 parts, and still cheap
// for the oversized-upload test, which the Worker refuses before reading.
const testMaxUpload = 32 << 20

var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

// worker is the Worker under test, shared by every test of the package.
var worker struct {
	url        string // the Worker's root, no trailing slash
	controlURL string
	harness    *exec.Cmd
	stdin      io.WriteCloser
	log        *bytes.Buffer // the harness's and workerd's stderr
	startErr   error
}

func TestMain(m *testing.M) {
	worker.startErr = start()
	code := m.Run()
	if worker.harness != nil {
		stop()
	}
	os.Exit(code)
}

// start builds the Worker and starts the harness, waiting for its ready
// line. An error is kept for the tests to report: they fail, not skip.
func start() error {
	if _, err := os.Stat(filepath.Join(repoRoot, "worker", "node_modules", "miniflare",
		"package.json")); err != nil {
		return fmt.Errorf("wrangler's packages are not installed: run (cd worker && npm ci)")
	}
	build := exec.Command(filepath.Join(repoRoot, "worker", "build.sh"))
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("worker/build.sh: %v\n%s", err, out)
	}

	cmd := exec.Command("node", "harness.mjs")
	cmd.Dir = filepath.Join(repoRoot, "worker")
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("OWNKEY_MAX_UPLOAD=%d", testMaxUpload),
		"WRANGLER_SEND_METRICS=false",
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"MINIFLARE_DISABLE_TELEMETRY=true")
	// Its own process group, so that stop can end workerd with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	worker.log = &bytes.Buffer{}
	cmd.Stderr = &lockedWriter{w: worker.log}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting node: %w", err)
	}
	worker.harness, worker.stdin = cmd, stdin

	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			line := scanner.Text()
			if strings.HasPrefix(line, "ready ") {
				ready <- line
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		if !ok {
			stop()
			return fmt.Errorf("the harness ended before it was ready:\n%s", worker.log)
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			stop()
			return fmt.Errorf("the harness said %q", line)
		}
		worker.url, worker.controlURL = fields[1], fields[2]
		return nil
	case <-time.After(60 * time.Second):
		stop()
		return fmt.Errorf("the harness was not ready after 60s:\n%s", worker.log)
	}
}

// stop closes the harness's stdin, which makes it dispose of Miniflare and
// workerd, and ends the process group if it has not gone within 10s.
func stop() {
	worker.stdin.Close()
	done := make(chan struct{})
	go func() {
		worker.harness.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-worker.harness.Process.Pid, syscall.SIGKILL)
		<-done
	}
	worker.harness = nil
}

// needWorker fails the test if the Worker did not start.
func needWorker(t *testing.T) {
	t.Helper()
	if worker.startErr != nil {
		t.Fatalf("the Worker in workerd did not start: %v", worker.startErr)
	}
}

// reset empties D1 (every table of sqlstore's schema, children first) and
// the R2 bucket.
func reset(t *testing.T) {
	t.Helper()
	needWorker(t)
	tables, err := json.Marshal(sqlstore.Tables())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(worker.controlURL+"/reset", "application/json",
		bytes.NewReader(tables))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("resetting the Worker's stores: %d %s", resp.StatusCode, body)
	}
}

// object is an object in the Worker's R2 bucket. A multipart object's
// ETag ends in -N, N its number of parts.
type object struct {
	Key  string
	Size int64
	ETag string
}

// bucketObjects lists the objects in the Worker's R2 bucket.
func bucketObjects(t *testing.T) map[string]object {
	t.Helper()
	resp, err := http.Get(worker.controlURL + "/objects")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []object
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("listing the bucket: %v", err)
	}
	objects := make(map[string]object, len(list))
	for _, o := range list {
		objects[o.Key] = o
	}
	return objects
}

// lockedWriter lets the harness's output be read while it is written.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// harnessLog is what the harness and workerd printed so far.
func harnessLog() string {
	l, ok := worker.harness.Stderr.(*lockedWriter)
	if !ok {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

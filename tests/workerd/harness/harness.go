// Package harness starts ownkey's Worker in local workerd for tests: it
// builds the Worker (worker/build.sh) and runs worker/harness.mjs, which
// drives Miniflare over an in-memory D1 database and R2 bucket, bound to
// 127.0.0.1 with Miniflare's Request.cf fetch, telemetry and wrangler's
// metrics off. Any package's tests can use it: tests/workerd runs the API
// suite through it, and a browser test can run its flow against it.
package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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
	"time"
)

// RepoRoot is the checkout this package is in.
var RepoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}()

// Options says how to start the Worker.
type Options struct {
	// MaxUpload is the Worker's OWNKEY_MAX_UPLOAD in bytes; 0 leaves it
	// unset, so the Worker uses its default (the Free plan's body limit).
	MaxUpload int64

	// Site, if set, serves the page that ./build.sh left in dist/ as the
	// Worker's static assets, with /api/* going to the Worker, as
	// wrangler.jsonc deploys it.
	Site bool
}

// Worker is a running Worker.
type Worker struct {
	// URL is the Worker's root, http://127.0.0.1:PORT, no trailing slash.
	URL string

	controlURL string
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	log        *lockedBuffer
	done       chan struct{}
}

// The Worker is built once per test process, into a directory of its own:
// test packages run in parallel, and must not rebuild one another's Worker
// under a running workerd. It is removed when the last Worker stops.
var built struct {
	sync.Mutex
	dir     string // "" until built
	site    bool   // dir/site holds the page
	running int
}

// build builds the Worker (and copies the page, if site) unless this
// process has, and returns the directory. built is locked.
func build(site bool) (string, error) {
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "ownkey-worker-")
		if err != nil {
			return "", err
		}
		cmd := exec.Command(filepath.Join(RepoRoot, "worker", "build.sh"), "--out", dir)
		cmd.Dir = RepoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("harness: worker/build.sh: %v\n%s", err, out)
		}
		built.dir = dir
	}
	if site && !built.site {
		if err := copySite(filepath.Join(built.dir, "site")); err != nil {
			return "", err
		}
		built.site = true
	}
	return built.dir, nil
}

// copySite copies the page that ./build.sh left in dist/: it is not built
// here, since other tests read dist/ at the same time.
func copySite(site string) error {
	dist := filepath.Join(RepoRoot, "dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		return errors.New("harness: dist/index.html is missing: run ./build.sh first")
	}
	if err := os.MkdirAll(site, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dist)
	if err != nil {
		return err
	}
	for _, entry := range entries {
		name := entry.Name()
		ext := filepath.Ext(name)
		if !entry.Type().IsRegular() || ext != ".html" && ext != ".js" && ext != ".wasm" {
			continue // the CLI binary is no asset
		}
		data, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(site, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Start builds the Worker and starts it, returning once it accepts
// requests. It fails, rather than skips, when Node or wrangler's packages
// are missing.
func Start(opts Options) (*Worker, error) {
	if _, err := os.Stat(filepath.Join(RepoRoot, "worker", "node_modules", "miniflare",
		"package.json")); err != nil {
		return nil, errors.New("harness: wrangler's packages are not installed: " +
			"run (cd worker && npm ci)")
	}
	built.Lock()
	defer built.Unlock()
	w, err := start(opts)
	if err != nil {
		if built.running == 0 && built.dir != "" {
			os.RemoveAll(built.dir)
			built.dir, built.site = "", false
		}
		return nil, err
	}
	built.running++
	return w, nil
}

// start is Start with built locked.
func start(opts Options) (*Worker, error) {
	dir, err := build(opts.Site)
	if err != nil {
		return nil, err
	}

	args := []string{"harness.mjs", "--build", dir}
	if opts.Site {
		args = append(args, "--site", filepath.Join(dir, "site"))
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = filepath.Join(RepoRoot, "worker")
	cmd.Env = append(os.Environ(),
		"OWNKEY_MAX_UPLOAD=",
		"WRANGLER_SEND_METRICS=false",
		"CLOUDFLARE_CF_FETCH_ENABLED=false")
	if opts.MaxUpload > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("OWNKEY_MAX_UPLOAD=%d", opts.MaxUpload))
	}
	// Its own process group, so that Stop can end workerd with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w := &Worker{cmd: cmd, stdin: stdin, log: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = w.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("harness: starting node: %w", err)
	}

	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if line := scanner.Text(); strings.HasPrefix(line, "ready ") {
				ready <- line
			}
		}
		cmd.Wait()
		close(w.done)
	}()
	select {
	case line := <-ready:
		fields := strings.Fields(line)
		if len(fields) != 3 {
			w.end()
			return nil, fmt.Errorf("harness: the harness said %q", line)
		}
		w.URL, w.controlURL = fields[1], fields[2]
		return w, nil
	case <-w.done:
		return nil, fmt.Errorf("harness: node ended before the Worker was ready:\n%s", w.Log())
	case <-time.After(60 * time.Second):
		w.end()
		return nil, fmt.Errorf("harness: the Worker was not ready after 60s:\n%s", w.Log())
	}
}

// Stop closes the harness's stdin, which makes it dispose of workerd, and
// ends its process group if it has not gone within 10s. The last Worker to
// stop removes the build.
func (w *Worker) Stop() {
	w.end()
	built.Lock()
	defer built.Unlock()
	built.running--
	if built.running == 0 {
		os.RemoveAll(built.dir)
		built.dir, built.site = "", false
	}
}

func (w *Worker) end() {
	w.stdin.Close()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.done
	}
}

// Pid is the harness's process ID; workerd runs below it.
func (w *Worker) Pid() int { return w.cmd.Process.Pid }

// Log is what the harness and workerd printed so far: warnings and the
// service's internal errors, never bodies or tokens.
func (w *Worker) Log() string { return w.log.String() }

// Reset empties the D1 tables (children first) and the R2 bucket.
func (w *Worker) Reset(tables []string) error {
	body, err := json.Marshal(tables)
	if err != nil {
		return err
	}
	resp, err := http.Post(w.controlURL+"/reset", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("harness: resetting the Worker's stores: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		text, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("harness: resetting the Worker's stores: %d %s", resp.StatusCode,
			text)
	}
	return nil
}

// Object is an object in the Worker's R2 bucket. A multipart object's
// ETag ends in -N, N its number of parts.
type Object struct {
	Key  string
	Size int64
	ETag string
}

// Objects lists the Worker's R2 bucket by key.
func (w *Worker) Objects() (map[string]Object, error) {
	resp, err := http.Get(w.controlURL + "/objects")
	if err != nil {
		return nil, fmt.Errorf("harness: listing the bucket: %w", err)
	}
	defer resp.Body.Close()
	var list []Object
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("harness: listing the bucket: %w", err)
	}
	objects := make(map[string]Object, len(list))
	for _, o := range list {
		objects[o.Key] = o
	}
	return objects, nil
}

// lockedBuffer lets the harness's output be read while it is written.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

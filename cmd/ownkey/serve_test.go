package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/service"
	"github.com/ownkey/ownkey/internal/store/fileblob"
	"github.com/ownkey/ownkey/internal/store/sqlitestore"
	"github.com/stretchr/testify/require"
)

func TestServeRefusesPublicAddresses(t *testing.T) {
	web := t.TempDir()
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.0.2.1:8080",
		"example.com:8080"} {
		_, stderr, status := runCLI(t, nil, "serve", "--addr", addr, "--web", web,
			"--data", t.TempDir())
		require.Equal(t, 2, status, addr)
		require.Equal(t, "ownkey serve: usage: refusing to listen on \""+addr+"\": it is not a "+
			"loopback address, so other machines could reach the service; pass --public if "+
			"that is what you want\n", stderr)
	}

	_, stderr, status := runCLI(t, nil, "serve", "--addr", "127.0.0.1", "--web", web)
	require.Equal(t, 2, status)
	require.Equal(t, "ownkey serve: usage: --addr \"127.0.0.1\": expected HOST:PORT, such as "+
		"127.0.0.1:8080\n", stderr)

	_, stderr, status = runCLI(t, nil, "serve", "--max-upload", "5GB", "--web", web)
	require.Equal(t, 2, status)
	require.Equal(t, "ownkey serve: usage: --max-upload: \"5GB\" is not a size; expected a "+
		"positive whole number of bytes, optionally with KiB, MiB, GiB or TiB, such as 5GiB\n",
		stderr)

	missing := filepath.Join(web, "missing")
	_, stderr, status = runCLI(t, nil, "serve", "--addr", "127.0.0.1:0", "--web", missing)
	require.Equal(t, 1, status)
	require.Equal(t, "ownkey serve: the page's files are not in \""+missing+"\": build them "+
		"first, or pass --web DIR\n", stderr)
}

func TestParseSize(t *testing.T) {
	for text, want := range map[string]int64{
		"5GiB": 5 << 30, "512MiB": 512 << 20, "1048576": 1 << 20, "16B": 16, "2TiB": 2 << 40,
		"3KiB": 3 << 10,
	} {
		got, err := parseSize(text)
		require.NoError(t, err, text)
		require.Equal(t, want, got, text)
	}
	for _, text := range []string{"", "0", "-1", "5GB", "1.5GiB", "GiB", "99999999999TiB"} {
		_, err := parseSize(text)
		require.Error(t, err, text)
	}
}

// TestServeSite checks the static files next to the API: the page's
// WebAssembly goes out as application/wasm, and /api/ is the JSON API.
func TestServeSite(t *testing.T) {
	web := t.TempDir()
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	require.NoError(t, os.WriteFile(filepath.Join(web, "ownkey.wasm"), wasm, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html>"),
		0o600))

	dir := t.TempDir()
	rows, err := sqlitestore.Open(context.Background(), dir)
	require.NoError(t, err)
	defer rows.DB().Close()
	blobs, err := fileblob.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	api, err := service.New(service.Config{Rows: rows, Blobs: blobs})
	require.NoError(t, err)
	server := httptest.NewServer(siteHandler(api, web))
	defer server.Close()

	get := func(path string) (*http.Response, string) {
		resp, err := http.Get(server.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}
	resp, body := get("/ownkey.wasm")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
	require.Equal(t, string(wasm), body)
	resp, body = get("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "<!doctype html>", body)
	resp, body = get("/api/me")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, `{"error":"missing API token: send the header Authorization: Bearer <token>"}`+
		"\n", body)
}

// TestServeOnlyPageFiles checks that --web serves the page's kinds of file
// and 404s the rest: build.sh puts the native binary in dist/.
func TestServeOnlyPageFiles(t *testing.T) {
	web := t.TempDir()
	for name, content := range map[string]string{
		"index.html": "<!doctype html>", "page.js": "export {};", "style.css": "p{}",
		"ownkey": "\x7fELF native binary", "notes.txt": "notes", ".env.json": "{}",
		"icons/index.html": "<p>icons</p>",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(web, name)), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(web, name), []byte(content), 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(web, "empty"), 0o700))
	server := httptest.NewServer(siteHandler(http.NotFoundHandler(), web))
	defer server.Close()

	for path, want := range map[string]int{
		"/": 200, "/index.html": 301, "/page.js": 200, "/style.css": 200, "/icons/": 200,
		"/ownkey": 404, "/notes.txt": 404, "/.env.json": 404, "/empty/": 404,
		"/missing.js": 404, "/icons": 404,
	} {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		resp, err := client.Get(server.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, want, resp.StatusCode, "GET %s", path)
		require.NotContains(t, string(body), "ELF", "GET %s", path)
	}
}

// TestServeSecurityHeaders checks the headers on a page file, an API
// answer and a 404.
func TestServeSecurityHeaders(t *testing.T) {
	web := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html>"),
		0o600))
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	server := httptest.NewServer(siteHandler(api, web))
	defer server.Close()

	for path, status := range map[string]int{"/": 200, "/api/x": 418, "/ownkey": 404} {
		resp, err := http.Get(server.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, status, resp.StatusCode, "GET %s", path)
		require.Equal(t, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "+
			"worker-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "+
			"img-src 'self' data: blob:; frame-src 'self' blob:; object-src 'none'; "+
			"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
			resp.Header.Get("Content-Security-Policy"), "GET %s", path)
		require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), "GET %s", path)
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "GET %s", path)
		require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), "GET %s", path)
	}
}

// TestServeBusyPort checks that a port already taken leaves no data
// directory behind.
func TestServeBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	dataDir := filepath.Join(t.TempDir(), "data")

	_, stderr, status := runCLI(t, nil, "serve", "--addr", busy.Addr().String(),
		"--data", dataDir, "--web", t.TempDir())
	require.Equal(t, 1, status, stderr)
	require.Contains(t, stderr, "cannot listen on "+busy.Addr().String())
	_, err = os.Stat(dataDir)
	require.True(t, os.IsNotExist(err), "the data directory was created: %v", err)
}

// serveProcess is a running "ownkey serve" binary.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

// startServe starts the built binary on a free 127.0.0.1 port and waits
// until it listens.
func startServe(t *testing.T, dataDir, webDir string) *serveProcess {
	t.Helper()
	cmd := exec.Command(ownkeyBinary(t), "serve", "--addr", "127.0.0.1:0", "--data", dataDir,
		"--web", webDir, "--max-upload", "1GiB")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &serveProcess{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})

	listening := make(chan string, 1)
	go func() {
		defer close(p.done)
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			line := scanner.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				listening <- strings.Fields(rest)[0]
			}
		}
		cmd.Wait()
	}()
	select {
	case base := <-listening:
		require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), base)
		p.base = base
	case <-p.done:
		t.Fatalf("ownkey serve exited before listening:\n%s", p.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("ownkey serve did not listen within 30s:\n%s", p.logText())
	}
	return p
}

func (p *serveProcess) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// TestServeCrash kills the real server with SIGKILL in the middle of a large
// streamed upload and starts it again on the same data directory: every
// earlier upload is intact, the interrupted one left no row, no blob and no
// temporary file, and no row names a missing blob.
func TestServeCrash(t *testing.T) {
	dataDir, webDir := t.TempDir(), t.TempDir()
	blobDir := filepath.Join(dataDir, "blobs")
	server := startServe(t, dataDir, webDir)
	owner := newTestOwner(t, server.base, "alice")

	uploaded := map[string][]byte{}
	for i, size := range []int{16, 4096 + 16, 3 << 20} {
		file := make([]byte, size)
		rand.Read(file)
		id := apiUpload(t, server.base, owner.token, owner.projectID,
			"file "+string(rune('a'+i))+".bin", file)
		uploaded[id] = file
	}

	// A 512 MiB upload, fed through a pipe, killed once the server is
	// writing its temporary file.
	const bigSize = 512 << 20
	body, feed := io.Pipe()
	req, err := http.NewRequest("POST", server.base+"/api/projects/"+owner.projectID+
		"/files?name=big.bin", body)
	require.NoError(t, err)
	req.ContentLength = bigSize
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+owner.token)
	uploadDone := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		uploadDone <- err
	}()
	chunk := make([]byte, 1<<20)
	var sent int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := feed.Write(chunk)
		require.NoError(t, err)
		sent += int64(len(chunk))
		if sent >= 8<<20 && tempFiles(t, blobDir) > 0 {
			break
		}
		require.Less(t, sent, int64(bigSize), "the server never started a temporary file")
		require.True(t, time.Now().Before(deadline), "the upload stalled")
	}
	require.NoError(t, syscall.Kill(server.cmd.Process.Pid, syscall.SIGKILL))
	<-server.done
	feed.CloseWithError(io.ErrClosedPipe)
	require.Error(t, <-uploadDone, "the killed upload must not succeed")
	require.Equal(t, 1, tempFiles(t, blobDir), "the kill left no temporary file to clean up")

	// A blob whose row was never written, as a kill between the two would
	// leave, is swept at start too.
	var orphan [16]byte
	rand.Read(orphan[:])
	require.NoError(t, os.WriteFile(filepath.Join(blobDir, hex.EncodeToString(orphan[:])),
		make([]byte, 32), 0o600))

	server = startServe(t, dataDir, webDir)
	var list struct{ Files []struct{ ID, Name string } }
	apiCall(t, server.base, "GET", "/api/projects/"+owner.projectID+"/files", owner.token, nil,
		http.StatusOK, &list)
	var listed []string
	for _, f := range list.Files {
		listed = append(listed, f.ID)
		require.NotEqual(t, "big.bin", f.Name)
	}
	require.ElementsMatch(t, mapKeys(uploaded), listed)
	for id, file := range uploaded {
		sameBytes(t, file, apiDownload(t, server.base, owner.token, owner.projectID, id),
			"file %s after the crash", id)
	}
	require.Equal(t, 0, tempFiles(t, blobDir))

	// Stop the server cleanly and compare rows with blobs directly.
	require.NoError(t, server.cmd.Process.Signal(syscall.SIGTERM))
	<-server.done
	require.True(t, server.cmd.ProcessState.Success(), "serve exited badly:\n%s", server.logText())
	rows, err := sqlitestore.Open(context.Background(), dataDir)
	require.NoError(t, err)
	defer rows.DB().Close()
	fileIDs, err := rows.FileIDs(context.Background())
	require.NoError(t, err)
	blobs, err := fileblob.Open(blobDir)
	require.NoError(t, err)
	blobKeys, err := blobs.Keys()
	require.NoError(t, err)
	slices.Sort(blobKeys)
	require.Equal(t, fileIDs, blobKeys, "every row has its blob and every blob its row")

	// The log names requests, never tokens.
	logText := server.logText()
	require.Contains(t, logText, "GET /api/projects/"+owner.projectID+"/files 200")
	require.Contains(t, logText, "removed blob "+hex.EncodeToString(orphan[:]))
	require.NotContains(t, logText, owner.token)
	require.NotContains(t, logText, "oku_")
}

// tempFiles counts the blob store's temporary files.
func tempFiles(t *testing.T, blobDir string) int {
	t.Helper()
	entries, err := os.ReadDir(blobDir)
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			n++
		}
	}
	return n
}

func mapKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestPolicyFitsThePage checks index.html against what the policy allows:
// scripts only from files (no inline <script>, no on* handler attributes,
// no javascript: URLs), since script-src has no 'unsafe-inline'.
func TestPolicyFitsThePage(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "index.html"))
	require.NoError(t, err)
	html := strings.ToLower(string(page))

	scripts := regexp.MustCompile(`<script\b[^>]*>`).FindAllString(html, -1)
	require.NotEmpty(t, scripts, "index.html loads no script")
	for _, tag := range scripts {
		require.Contains(t, tag, " src=", "inline script in index.html: %s", tag)
	}
	require.Empty(t, regexp.MustCompile(`<[a-z][^>]*\son[a-z]+\s*=`).FindAllString(html, -1),
		"index.html has inline event handlers")
	require.NotContains(t, html, "javascript:")
	require.Contains(t, contentSecurityPolicy, "script-src 'self' 'wasm-unsafe-eval';")
}

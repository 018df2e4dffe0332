package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ownkey/ownkey/internal/service"
	"github.com/ownkey/ownkey/internal/store/fileblob"
	"github.com/ownkey/ownkey/internal/store/sqlitestore"
	"github.com/ownkey/ownkey/internal/store/sqlstore"
)

func init() { commands["serve"] = runServe }

// runServe serves the page's static files and the JSON API (docs/API.md)
// from one data directory: ownkey.db for the rows, blobs/ for the encrypted
// files. It prints "listening on http://ADDR" once it accepts connections.
func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (loopback unless --public)")
	dataDir := fs.String("data", "ownkey-data",
		"data directory: the database and the encrypted files")
	webDir := fs.String("web", "dist", "directory of the page's static files")
	maxUpload := fs.String("max-upload", "5GiB",
		"largest encrypted file accepted (B, KiB, MiB, GiB, TiB)")
	public := fs.Bool("public", false, "allow listening on an address other machines can reach")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	limit, err := parseSize(*maxUpload)
	if err != nil {
		return fmt.Errorf("%w: --max-upload: %v", errUsage, err)
	}
	if err := checkLoopback(*addr, *public); err != nil {
		return err
	}
	if info, err := os.Stat(*webDir); err != nil || !info.IsDir() {
		return fmt.Errorf("the page's files are not in %q: build them first, or pass --web DIR",
			*webDir)
	}

	// The port is taken before anything is written, so a busy port leaves
	// no data directory behind.
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	defer listener.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := log.New(stderr, "ownkey serve: ", log.LstdFlags)

	rows, err := sqlitestore.Open(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer rows.DB().Close()
	blobs, err := fileblob.Open(filepath.Join(*dataDir, "blobs"))
	if err != nil {
		return err
	}
	if err := sweepOrphanBlobs(ctx, rows, blobs, logger); err != nil {
		return err
	}
	api, err := service.New(service.Config{Rows: rows, Blobs: blobs, MaxUpload: limit,
		Logf: logger.Printf})
	if err != nil {
		return err
	}

	server := &http.Server{
		Handler:           logRequests(siteHandler(api, *webDir), logger),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          logger,
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	logger.Printf("listening on http://%s (data in %s, page from %s)",
		listener.Addr(), *dataDir, *webDir)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// checkLoopback refuses an address that other machines can reach unless
// the user asked for it with --public.
func checkLoopback(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: --addr %q: expected HOST:PORT, such as 127.0.0.1:8080",
			errUsage, addr)
	}
	if public {
		return nil
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%w: refusing to listen on %q: it is not a loopback address, so other "+
		"machines could reach the service; pass --public if that is what you want",
		errUsage, addr)
}

// parseSize reads a byte count such as 5GiB, 512MiB or 1048576.
func parseSize(text string) (int64, error) {
	units := []struct {
		suffix string
		scale  int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	number, scale := text, int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(text, u.suffix); ok {
			number, scale = rest, u.scale
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(number), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/scale {
		return 0, fmt.Errorf("%q is not a size; expected a positive whole number of bytes, "+
			"optionally with KiB, MiB, GiB or TiB, such as 5GiB", text)
	}
	return n * scale, nil
}

// sweepOrphanBlobs removes blobs that no file row names: an upload whose
// blob was stored but whose row was not, because the process stopped in
// between.
func sweepOrphanBlobs(ctx context.Context, rows *sqlstore.Store, blobs *fileblob.Store,
	logger *log.Logger) error {
	keys, err := blobs.Keys()
	if err != nil {
		return err
	}
	for _, key := range keys {
		named, err := rows.HasFile(ctx, key)
		if err != nil {
			return err
		}
		if !named {
			if err := blobs.Delete(ctx, key); err != nil {
				return err
			}
			logger.Printf("removed blob %s of an upload that never completed", key)
		}
	}
	return nil
}

// contentSecurityPolicy is what the page may load and run: its own files
// only, WebAssembly compiled in its Workers ('wasm-unsafe-eval'), the
// inline <style> of index.html, blob: URLs for downloads and no framing by
// other sites. The page has no inline script, so script-src needs no
// 'unsafe-inline'.
const contentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self'; " +
	"connect-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; " +
	"frame-src 'self' blob:; " +
	"object-src 'none'; " +
	"base-uri 'none'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'"

// pageExtensions are the kinds of file the page is made of; --web may hold
// others (build.sh puts the native ownkey binary in dist/), which are not
// served.
var pageExtensions = map[string]bool{
	".html": true, ".js": true, ".wasm": true, ".css": true,
	".svg": true, ".png": true, ".ico": true, ".json": true,
}

// siteHandler serves the API under /api/ and the page's files elsewhere,
// every response with the security headers.
func siteHandler(api http.Handler, webDir string) http.Handler {
	files := http.FileServer(http.Dir(webDir))
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !isPageFile(webDir, r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		// Browsers compile WebAssembly as it streams in only when it
		// is served with its own type.
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	})
	return securityHeaders(mux)
}

// isPageFile reports whether urlPath names one of the page's files: a
// directory's index.html, or a file with one of pageExtensions whose path
// has no hidden (dot) segment.
func isPageFile(webDir, urlPath string) bool {
	for _, segment := range strings.Split(urlPath, "/") {
		if strings.HasPrefix(segment, ".") {
			return false
		}
	}
	if strings.HasSuffix(urlPath, "/") {
		index := filepath.Join(webDir, filepath.FromSlash(path.Clean(urlPath)), "index.html")
		info, err := os.Stat(index)
		return err == nil && info.Mode().IsRegular()
	}
	return pageExtensions[strings.ToLower(path.Ext(urlPath))]
}

// securityHeaders sets the headers that keep the page from being framed,
// sniffed or made to run what it did not ship, on every response.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := w.Header()
		header.Set("Content-Security-Policy", contentSecurityPolicy)
		header.Set("X-Frame-Options", "DENY")
		header.Set("X-Content-Type-Options", "nosniff")
		header.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line per request: method, path, status, bytes sent
// and time taken. It logs neither bodies, nor headers (the token is one),
// nor the query string.
func logRequests(next http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			logger.Printf("%s %s %d %dB %s", r.Method, r.URL.Path, recorder.status,
				recorder.written, time.Since(start).Round(time.Millisecond))
		}()
		next.ServeHTTP(recorder, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written int64
	wrote   bool
}

func (s *statusRecorder) WriteHeader(status int) {
	if !s.wrote {
		s.status, s.wrote = status, true
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(b)
	s.written += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

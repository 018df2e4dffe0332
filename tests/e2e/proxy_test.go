package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// exchange is one request through the recording proxy, bodies whole.
type exchange struct {
	Method   string
	URI      string // path and query, as sent
	Header   http.Header
	Body     []byte
	Status   int
	Response []byte
}

// recorder is a loopback reverse proxy in front of the service that keeps
// every request and response body. CDP gives request bodies of fetch and
// JSON calls, but not the multi-megabyte Blob of a file upload; the proxy
// sees every byte the browser sent, so the audit scans both.
type recorder struct {
	mu        sync.Mutex
	exchanges []exchange
	hold      string // a file name whose upload is never answered
}

// holdUploadsOf makes the proxy keep uploads of a file named name
// unanswered until the browser gives up: a slow network, on demand.
func (r *recorder) holdUploadsOf(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = name
}

func (r *recorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.exchanges...)
}

// startRecorder serves a proxy to base on 127.0.0.1 and returns its URL.
func startRecorder(t *testing.T, base string) (*recorder, string) {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch enc := resp.Header.Get("Content-Encoding"); enc {
		case "", "identity":
		case "gzip":
			if len(body) == 0 { // a 304 or a HEAD: nothing to unpack
				break
			}
			// Some services compress whatever was asked: unpacked here, so
			// that the scan and the browser see the same plain bytes.
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return fmt.Errorf("proxy: a gzip body that does not open: %w", err)
			}
			body, err = io.ReadAll(zr)
			if err != nil {
				return fmt.Errorf("proxy: a gzip body that does not open: %w", err)
			}
			resp.Header.Del("Content-Encoding")
			resp.Header.Del("Content-Length")
			resp.ContentLength = int64(len(body))
		default:
			return fmt.Errorf("proxy: the service answered with Content-Encoding %q", enc)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		sent := resp.Request.Context().Value(sentKey{}).(*exchange)
		sent.Status = resp.StatusCode
		sent.Response = body
		rec.mu.Lock()
		rec.exchanges = append(rec.exchanges, *sent)
		rec.mu.Unlock()
		return nil
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, "proxy: cannot read the body", http.StatusBadGateway)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		ex := &exchange{Method: req.Method, URI: req.URL.RequestURI(),
			Header: req.Header.Clone(), Body: body}
		// Bodies are recorded as plain bytes: the upstream is asked for no
		// compression the scan could not see through (Go's transport asks
		// for gzip itself and undoes it).
		req.Header.Del("Accept-Encoding")

		rec.mu.Lock()
		held := rec.hold != "" && req.URL.Query().Get("name") == rec.hold
		if held {
			rec.exchanges = append(rec.exchanges, *ex) // Status 0: never answered
		}
		rec.mu.Unlock()
		if held {
			<-req.Context().Done()
			return
		}
		proxy.ServeHTTP(w, req.WithContext(withSent(req.Context(), ex)))
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on loopback: %v", err)
	}
	server := &httptest.Server{Listener: listener, Config: &http.Server{Handler: handler}}
	server.Start()
	t.Cleanup(server.Close)
	return rec, server.URL
}

// Package apitest is the service's API test suite, written against a base
// URL only, so the same tests run against any deployment of the handler:
// httptest over SQLite here, and Cloudflare's local workerd over D1 and R2.
//
// Every check asserts a real status and the exact error text; secrets and
// project keys used by the tests are compared by fingerprint, never printed.
package apitest

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
)

// Target is a running service under test.
type Target struct {
	// BaseURL is the service's root, without a trailing slash; the API is
	// under BaseURL + "/api/".
	BaseURL string

	// Reset empties the service: no users, no files.
	Reset func(t *testing.T)

	// MaxUpload is the service's upload limit in bytes. The oversized
	// upload test sends this many bytes and 16 more.
	MaxUpload int64

	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
}

// response is what came back: status, body and headers.
type response struct {
	status int
	body   []byte
	header http.Header
}

// api sends requests to one target on behalf of one test.
type api struct {
	t      *testing.T
	target Target
}

// request is one call to the API.
type request struct {
	method      string
	path        string
	token       string
	contentType string
	body        io.Reader
	length      int64 // -1 for chunked; 0 with a nil body
}

func (a *api) send(req request) response {
	a.t.Helper()
	httpReq, err := http.NewRequest(req.method, a.target.BaseURL+req.path, req.body)
	if err != nil {
		a.t.Fatalf("building %s %s: %v", req.method, req.path, err)
	}
	if req.body != nil {
		httpReq.ContentLength = req.length
	}
	if req.token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.contentType != "" {
		httpReq.Header.Set("Content-Type", req.contentType)
	}
	return a.do(httpReq)
}

// do sends httpReq and reads the whole response.
func (a *api) do(httpReq *http.Request) response {
	a.t.Helper()
	client := a.target.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(httpReq)
	if err != nil {
		a.t.Fatalf("%s %s: %v", httpReq.Method, httpReq.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the response: %v", httpReq.Method, httpReq.URL.Path, err)
	}
	return response{resp.StatusCode, body, resp.Header}
}

// call sends body as JSON (nil sends no body) with the given token.
func (a *api) call(method, path, token string, body any) response {
	a.t.Helper()
	if body == nil {
		return a.send(request{method: method, path: path, token: token})
	}
	encoded, err := json.Marshal(body)
	if err != nil {
		a.t.Fatalf("encoding a request: %v", err)
	}
	return a.raw(method, path, token, "application/json", encoded)
}

// raw sends body as it is, with the given content type.
func (a *api) raw(method, path, token, contentType string, body []byte) response {
	a.t.Helper()
	return a.send(request{method: method, path: path, token: token, contentType: contentType,
		body: bytes.NewReader(body), length: int64(len(body))})
}

// ok checks the status and decodes the JSON body into out (if not nil).
func (a *api) ok(resp response, status int, out any) {
	a.t.Helper()
	if resp.status != status {
		a.t.Fatalf("status %d, want %d; body: %s", resp.status, status, resp.body)
	}
	if out == nil {
		return
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		a.t.Fatalf("Content-Type %q, want JSON", ct)
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		a.t.Fatalf("decoding %s: %v", resp.body, err)
	}
}

// fails checks that resp is the given error status with exactly this text.
func (a *api) fails(resp response, status int, message string) {
	a.t.Helper()
	if resp.status != status {
		a.t.Fatalf("status %d, want %d; body: %s", resp.status, status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		a.t.Fatalf("error Content-Type %q, want JSON; body: %s", ct, resp.body)
	}
	var body map[string]any
	if err := json.Unmarshal(resp.body, &body); err != nil {
		a.t.Fatalf("error body is not JSON: %s", resp.body)
	}
	if len(body) != 1 || body["error"] != message {
		a.t.Fatalf("error body %s,\nwant {\"error\": %q}", resp.body, message)
	}
}

// fingerprint names secret bytes in failure messages without showing them.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%x (%d bytes)", sum[:8], len(b))
}

// sameBytes fails the test when got is not want, naming both by fingerprint.
func sameBytes(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if !bytes.Equal(want, got) {
		t.Fatalf("%s: got %s, want %s", what, fingerprint(got), fingerprint(want))
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func unb64(t *testing.T, text string) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		t.Fatalf("the service sent invalid base64: %v", err)
	}
	return raw
}

// wrap wraps plaintext to pub as the page would.
func wrap(t *testing.T, pub *rsa.PublicKey, plaintext []byte) string {
	t.Helper()
	wrapped, err := keys.Wrap(pub, plaintext)
	if err != nil {
		t.Fatal(err)
	}
	return b64(wrapped)
}

// unwrap opens a base64 wrapped value with priv.
func unwrap(t *testing.T, priv *rsa.PrivateKey, text string) []byte {
	t.Helper()
	plaintext, err := keys.Unwrap(priv, unb64(t, text))
	if err != nil {
		t.Fatal(err)
	}
	return plaintext
}

package workerd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/service/apitest"
	"github.com/ownkey/ownkey/tests/workerd/harness"
)

// TestDefaultUploadLimit pins the one declared difference from `ownkey
// serve`: without OWNKEY_MAX_UPLOAD the Worker accepts files up to
// 100,000,000 bytes, the request body limit of the Free and Pro plans
// (docs/WORKERS.md), where `ownkey serve` accepts 5 GiB. A larger file is
// refused with the API's own 413 before a byte of it is read.
func TestDefaultUploadLimit(t *testing.T) {
	needWorker(t)
	defaults, err := harness.Start(harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer defaults.Stop()

	const limit = 100_000_000
	host := strings.TrimPrefix(defaults.URL, "http://")
	apitest.Seed(t, defaults.URL, func(token, projectID string) {
		for _, c := range []struct {
			size   int64
			status int
			body   string
		}{
			{limit + 16, http.StatusRequestEntityTooLarge, `{"error":"the file is 100000016 ` +
				`bytes; this service accepts at most 100000000 bytes"}` + "\n"},
			// Just under the limit the length passes and the format check
			// answers: the limit is not below 100,000,000.
			{limit - 1, http.StatusBadRequest, `{"error":"the body is not an encrypted ` +
				`file of 99999999 bytes: it must be at least 16 bytes and a multiple of 16"}` +
				"\n"},
		} {
			// Only the headers are sent: the Worker answers from the length
			// alone, and a client still writing 100 MB would see the
			// connection reset instead of the answer.
			conn, err := net.DialTimeout("tcp", host, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "POST /api/projects/%s/files?name=big.bin HTTP/1.1\r\n"+
				"Host: %s\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
				projectID, host, token, c.size)
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				conn.Close()
				t.Fatalf("%d bytes: %v", c.size, err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			conn.Close()
			if resp.StatusCode != c.status || string(got) != c.body {
				t.Fatalf("%d bytes: %d %s, want %d %s", c.size, resp.StatusCode, got, c.status,
					c.body)
			}
		}
	})
}

// TestSiteAndAPI starts the Worker as wrangler.jsonc deploys it, with the
// page as static assets: the page and its module come from the assets,
// /api/ from the Worker, on one origin.
func TestSiteAndAPI(t *testing.T) {
	needWorker(t)
	site, err := harness.Start(harness.Options{Site: true})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Stop()

	for _, c := range []struct {
		path, contentType, contains string
		status                      int
	}{
		{"/", "text/html", "<html", http.StatusOK},
		{"/ownkey.wasm", "application/wasm", "", http.StatusOK},
		{"/ownkey.js", "javascript", "", http.StatusOK},
		{"/api/me", "application/json; charset=utf-8", "missing API token", http.StatusUnauthorized},
		{"/api/nothing", "application/json; charset=utf-8", "no endpoint GET /api/nothing",
			http.StatusNotFound},
	} {
		resp, err := http.Get(site.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status ||
			!strings.Contains(resp.Header.Get("Content-Type"), c.contentType) ||
			!strings.Contains(string(body), c.contains) {
			t.Fatalf("GET %s: %d, Content-Type %q, %d bytes", c.path, resp.StatusCode,
				resp.Header.Get("Content-Type"), len(body))
		}
	}
}

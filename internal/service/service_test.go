// The pure-Go SQLite driver does not build for js/wasm, where the service
// runs over D1 instead; these tests run on the machine.

//go:build !js

package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ownkey/ownkey/internal/service"
	"github.com/ownkey/ownkey/internal/service/apitest"
	"github.com/ownkey/ownkey/internal/store/fileblob"
	"github.com/ownkey/ownkey/internal/store/sqlitestore"
)

// testMaxUpload keeps the oversized-upload test cheap.
const testMaxUpload = 1 << 20

// TestAPI runs the API suite against the handler over SQLite and files,
// served by httptest on 127.0.0.1. Reset swaps in a handler over a fresh
// data directory.
func TestAPI(t *testing.T) {
	var current atomic.Pointer[service.Handler]
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		current.Load().ServeHTTP(w, r)
	}))
	defer server.Close()

	reset := func(t *testing.T) {
		dir := t.TempDir()
		rows, err := sqlitestore.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rows.DB().Close() })
		blobs, err := fileblob.Open(filepath.Join(dir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		h, err := service.New(service.Config{Rows: rows, Blobs: blobs, MaxUpload: testMaxUpload,
			Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		current.Store(h)
	}

	apitest.Run(t, apitest.Target{BaseURL: server.URL, Reset: reset, MaxUpload: testMaxUpload,
		Client: server.Client()})
}

// TestUploadShortBody sends a body that ends before its Content-Length, as
// a dropped connection does: 400, and neither a row nor a blob is left.
func TestUploadShortBody(t *testing.T) {
	dir := t.TempDir()
	rows, err := sqlitestore.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.DB().Close()
	blobs, err := fileblob.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := service.New(service.Config{Rows: rows, Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(h)
	defer server.Close()
	apitest.Seed(t, server.URL, func(token, projectID string) {
		req := httptest.NewRequest("POST", "/api/projects/"+projectID+"/files?name=cut.bin",
			strings.NewReader(strings.Repeat("x", 32)))
		req.ContentLength = 64
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want := `{"error":"the body ended before its Content-Length of 64 bytes; ` +
			`nothing was stored"}` + "\n"
		if rec.Code != http.StatusBadRequest || rec.Body.String() != want {
			t.Fatalf("status %d, body %s", rec.Code, rec.Body)
		}
	})
	ids, err := rows.FileIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blobs.Keys()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 0 || len(keys) != 0 || len(entries) != 0 {
		t.Fatalf("a cut upload left %d rows, %d blobs, %d files", len(ids), len(keys), len(entries))
	}
}

package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

//go:build js && wasm

package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/hack-pad/safejs"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/d1"

	"github.com/ownkey/ownkey/internal/service"
	"github.com/ownkey/ownkey/internal/store/r2blob"
	"github.com/ownkey/ownkey/internal/store/sqlstore"
)

// The names the Worker's environment binds (worker/wrangler.jsonc).
const (
	databaseBinding  = "DB"
	bucketBinding    = "FILES"
	maxUploadVar     = "OWNKEY_MAX_UPLOAD"
	defaultMaxUpload = 100_000_000 // the request body limit of the Free and Pro plans
)

func main() {
	handler, err := newHandler()
	if err != nil {
		// Every request answers the same JSON 500 as a store failure; the
		// cause goes to the Worker's log.
		fmt.Fprintln(os.Stderr, err)
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintln(w, `{"error":"internal error; the request was not completed"}`)
		})
	}
	workers.Serve(chunkedAsUnknown(handler))
}

func newHandler() (http.Handler, error) {
	connector, err := d1.OpenConnector(databaseBinding)
	if err != nil {
		return nil, fmt.Errorf("ownkey-worker: the D1 binding %q: %w", databaseBinding, err)
	}
	rows := sqlstore.New(sql.OpenDB(connector))
	blobs, err := r2blob.New(safejs.Safe(cloudflare.GetBinding(bucketBinding)), 0)
	if err != nil {
		return nil, fmt.Errorf("ownkey-worker: the R2 binding %q: %w", bucketBinding, err)
	}
	maxUpload, err := maxUploadSetting()
	if err != nil {
		return nil, err
	}
	return service.New(service.Config{
		Rows:      rows,
		Blobs:     blobs,
		MaxUpload: maxUpload,
		Logf: func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		},
	})
}

// maxUploadSetting reads OWNKEY_MAX_UPLOAD, a byte count. Unset, it is the
// Free and Pro plans' request body limit: a larger file could not reach the
// Worker anyway.
func maxUploadSetting() (int64, error) {
	value := cloudflare.GetBinding(maxUploadVar)
	if value.IsUndefined() || value.IsNull() {
		return defaultMaxUpload, nil
	}
	text := strings.TrimSpace(value.String())
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("ownkey-worker: %s must be a byte count, got %q", maxUploadVar, text)
	}
	return n, nil
}

// chunkedAsUnknown marks a request body sent without Content-Length as of
// unknown length (-1), as net/http does. The workers package reads a
// missing header as 0, which would turn the API's 411 for a chunked upload
// into a 400.
func chunkedAsUnknown(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Length") == "" && r.Method != http.MethodGet &&
			r.Method != http.MethodHead {
			r.ContentLength = -1
		}
		next.ServeHTTP(w, r)
	})
}

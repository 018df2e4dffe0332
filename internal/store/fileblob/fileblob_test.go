package fileblob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/service"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 1<<20+16)
	rand.Read(blob)
	if err := store.Put(ctx, "00ff", bytes.NewReader(blob), int64(len(blob))); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(ctx, "00ff")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("read back %d bytes (err %v), want the %d written", len(got), err, len(blob))
	}
	if keys, _ := store.Keys(); len(keys) != 1 || keys[0] != "00ff" {
		t.Fatalf("Keys = %v, want [00ff]", keys)
	}

	if err := store.Delete(ctx, "00ff"); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, "00ff"); err != nil {
		t.Fatalf("deleting an absent blob: %v", err)
	}
	if _, err := store.Open(ctx, "00ff"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
	}
	if n := names(t, dir); len(n) != 0 {
		t.Fatalf("the directory still holds %v", n)
	}
}

// TestPutWrongLength: a body shorter or longer than announced stores
// nothing, not even a temporary file.
func TestPutWrongLength(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Put(ctx, "ab", bytes.NewReader(make([]byte, 31)), 32)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a short body: %v, want io.ErrUnexpectedEOF", err)
	}
	err = store.Put(ctx, "ab", bytes.NewReader(make([]byte, 33)), 32)
	if err == nil || !strings.Contains(err.Error(), "runs longer than 32 bytes") {
		t.Fatalf("a long body: %v", err)
	}
	err = store.Put(ctx, "ab", iotestErrReader{}, 32)
	if err == nil {
		t.Fatal("a failing body was stored")
	}
	if n := names(t, dir); len(n) != 0 {
		t.Fatalf("failed writes left %v", n)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestKeysAreHex(t *testing.T) {
	store, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "../x", "AB", ".tmp-1", "a/b"} {
		if err := store.Put(context.Background(), key, strings.NewReader("x"), 1); err == nil {
			t.Fatalf("Put accepted the key %q", key)
		}
		if _, err := store.Open(context.Background(), key); err == nil {
			t.Fatalf("Open accepted the key %q", key)
		}
	}
}

// TestOpenRemovesTemporaryFiles: the leftovers of an interrupted write go
// at the next Open; finished blobs stay.
func TestOpenRemovesTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{".tmp-ab-123": "half", "ab": "whole"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if n := names(t, dir); len(n) != 1 || n[0] != "ab" {
		t.Fatalf("after Open the directory holds %v, want [ab]", n)
	}
}

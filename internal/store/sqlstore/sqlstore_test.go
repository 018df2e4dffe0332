// The pure-Go SQLite driver does not build for js/wasm, where the service
// runs over D1 instead; these tests run on the machine.

//go:build !js

package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/service"
	"github.com/ownkey/ownkey/internal/store/sqlitestore"
	"github.com/ownkey/ownkey/internal/store/sqlstore"
)

// The API suite (internal/service) exercises every query; these tests pin
// what it cannot see: migrations on reopen, conflicts, and Reset.

func TestReopenKeepsRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlitestore.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 12, 4, 15, 4, 5, 0, time.UTC)
	user := service.User{ID: "u1", Username: "alice", TokenHash: []byte{1, 2, 3}, Created: created}
	if err := store.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	store.DB().Close()

	store, err = sqlitestore.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.DB().Close()
	got, err := store.UserByTokenHash(ctx, []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "u1" || got.Username != "alice" || !got.Created.Equal(created) {
		t.Fatalf("after reopening: %+v", got)
	}
	var versions int
	err = store.DB().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&versions)
	if err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Fatalf("%d schema versions recorded, want 1", versions)
	}
}

func TestConflictsAndNotFound(t *testing.T) {
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.DB().Close()

	now := time.Now()
	if err := store.CreateUser(ctx, service.User{ID: "u1", Username: "alice",
		TokenHash: []byte{1}, Created: now}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []service.User{
		{ID: "u2", Username: "alice", TokenHash: []byte{2}, Created: now},
		{ID: "u1", Username: "bob", TokenHash: []byte{3}, Created: now},
		{ID: "u3", Username: "carol", TokenHash: []byte{1}, Created: now},
	} {
		if err := store.CreateUser(ctx, u); !errors.Is(err, service.ErrConflict) {
			t.Fatalf("CreateUser(%+v) = %v, want ErrConflict", u, err)
		}
	}

	mk := service.MasterKey{PublicKeyPEM: "pem", Challenge: []byte{9}, Signature: []byte{8},
		Created: now}
	if err := store.PutMasterKey(ctx, "u1", mk); err != nil {
		t.Fatal(err)
	}
	if err := store.PutMasterKey(ctx, "u1", mk); !errors.Is(err, service.ErrConflict) {
		t.Fatalf("a second master key: %v, want ErrConflict", err)
	}
	if _, err := store.MasterKey(ctx, "u2"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("an absent master key: %v, want ErrNotFound", err)
	}
	if _, err := store.ProjectFor(ctx, "p1", "u1"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("an absent project: %v, want ErrNotFound", err)
	}

	if err := store.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UserByName(ctx, "alice"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("after Reset: %v, want ErrNotFound", err)
	}
}

var _ service.Rows = (*sqlstore.Store)(nil)

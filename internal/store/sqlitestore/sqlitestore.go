// Package sqlitestore opens the service's rows in a SQLite file through the
// pure-Go driver modernc.org/sqlite. The SQL itself lives in package
// sqlstore, which any SQLite driver can run; this package only registers
// the driver and chooses durable settings.
package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/ownkey/ownkey/internal/store/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database's name inside the data directory.
const FileName = "ownkey.db"

// Open opens (creating if needed) the database in dir and brings its schema
// up to date.
func Open(ctx context.Context, dir string) (*sqlstore.Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlitestore: creating the data directory: %w", err)
	}

	// synchronous(FULL) makes every committed row durable before the
	// insert returns, which the upload order (blob first, then row) relies
	// on; WAL lets downloads read while an upload commits.
	query := url.Values{}
	query.Add("_pragma", "foreign_keys(1)")
	query.Add("_pragma", "journal_mode(WAL)")
	query.Add("_pragma", "synchronous(FULL)")
	query.Add("_pragma", "busy_timeout(10000)")
	dsn := "file:" + filepath.Join(dir, FileName) + "?" + query.Encode()

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: opening the database: %w", err)
	}
	// One writer at a time is what SQLite allows anyway; a small pool
	// lets reads go on beside it.
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: opening %s: %w", filepath.Join(dir, FileName), err)
	}
	store, err := sqlstore.Open(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return store, nil
}

// Package sqlstore keeps the service's rows (service.Rows) in any SQLite
// database reached through database/sql: a local file through the pure-Go
// driver (package sqlitestore), or Cloudflare D1 on Workers.
//
// It uses only what both offer: one statement per write and no
// transactions, which D1 lacks. A write is therefore always a single INSERT,
// and a taken unique value is detected with ON CONFLICT DO NOTHING RETURNING
// rather than by reading a driver's error text.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ownkey/ownkey/internal/service"
)

// Store is a service.Rows over a database/sql SQLite database.
type Store struct {
	db *sql.DB
}

var _ service.Rows = (*Store)(nil)

// Open brings db's schema up to date and returns the store over it.
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// New returns the store over db without touching its schema, for a
// database migrated beforehand: a Worker starts once per request, and D1 is
// brought up to date by wrangler (worker/migrations) rather than by two more
// queries on every request.
func New(db *sql.DB) *Store { return &Store{db: db} }

// DB is the database under the store.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) migrate(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied INTEGER NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("sqlstore: creating the migrations table: %w", err)
	}
	var current sqlInt
	err = s.db.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current)
	if err != nil {
		return fmt.Errorf("sqlstore: reading the schema version: %w", err)
	}
	if int(current) > len(migrations)-1 {
		return fmt.Errorf("sqlstore: the database has schema version %d, newer than "+
			"this program knows (%d); run a newer ownkey", current, len(migrations)-1)
	}
	for version := int(current) + 1; version < len(migrations); version++ {
		for _, statement := range migrations[version] {
			if _, err := s.db.ExecContext(ctx, statement); err != nil {
				return fmt.Errorf("sqlstore: migrating to schema version %d: %w", version, err)
			}
		}
		_, err := s.db.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, applied) VALUES (?, ?)
			 ON CONFLICT DO NOTHING`, version, time.Now().Unix())
		if err != nil {
			return fmt.Errorf("sqlstore: recording schema version %d: %w", version, err)
		}
	}
	return nil
}

// Reset deletes every row, for test suites that need an empty service. The
// schema stays.
func (s *Store) Reset(ctx context.Context) error {
	for _, table := range tables {
		if _, err := s.db.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return fmt.Errorf("sqlstore: emptying %s: %w", table, err)
		}
	}
	return nil
}

// HasFile reports whether a file row names id, for sweeping blobs that a
// crash left without a row.
func (s *Store) HasFile(ctx context.Context, id string) (bool, error) {
	var one sqlInt
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM files WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: looking up file %s: %w", id, err)
	}
	return true, nil
}

// FileIDs lists the IDs of every file row.
func (s *Store) FileIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM files ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: listing files: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: listing files: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// insert runs an INSERT ... ON CONFLICT DO NOTHING RETURNING 1 and reports
// service.ErrConflict when it inserted nothing.
func (s *Store) insert(ctx context.Context, what, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query+` ON CONFLICT DO NOTHING RETURNING 1`, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: inserting %s: %w", what, err)
	}
	defer rows.Close()
	inserted := rows.Next()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: inserting %s: %w", what, err)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("sqlstore: inserting %s: %w", what, err)
	}
	if !inserted {
		return service.ErrConflict
	}
	return nil
}

// one maps "no row" to service.ErrNotFound.
func one(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return service.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlstore: reading %s: %w", what, err)
	}
	return nil
}

// sqlInt scans an integer column whether the driver hands it over as an
// int64 or, as D1 does, as a float64.
type sqlInt int64

func (n *sqlInt) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*n = sqlInt(v)
	case float64:
		*n = sqlInt(v)
	default:
		return fmt.Errorf("sqlstore: expected an integer column, got %T", src)
	}
	return nil
}

// unixTime scans a time stored as Unix seconds.
type unixTime struct{ t *time.Time }

func (u unixTime) Scan(src any) error {
	var n sqlInt
	if err := n.Scan(src); err != nil {
		return err
	}
	*u.t = time.Unix(int64(n), 0).UTC()
	return nil
}

// b64 scans binary stored as base64 text.
type b64 struct{ b *[]byte }

func (v b64) Scan(src any) error {
	text, ok := src.(string)
	if !ok {
		raw, isBytes := src.([]byte)
		if !isBytes {
			return fmt.Errorf("sqlstore: expected a text column, got %T", src)
		}
		text = string(raw)
	}
	decoded, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return fmt.Errorf("sqlstore: a stored value is not base64")
	}
	*v.b = decoded
	return nil
}

// fieldsJSON scans sealed fields stored as a JSON object of base64 strings.
type fieldsJSON struct{ f *map[string][]byte }

func (v fieldsJSON) Scan(src any) error {
	var text []byte
	switch s := src.(type) {
	case string:
		text = []byte(s)
	case []byte:
		text = s
	default:
		return fmt.Errorf("sqlstore: expected a text column, got %T", src)
	}
	return json.Unmarshal(text, v.f)
}

func enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func encFields(fields map[string][]byte) (string, error) {
	text, err := json.Marshal(fields)
	return string(text), err
}

// Package fileblob keeps encrypted files as plain files in one directory, one
// file per blob, written so that a crash at any moment leaves either the
// whole blob or none of it.
package fileblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ownkey/ownkey/internal/service"
)

// tempPrefix starts the name of a blob being written. Such files are
// incomplete by definition and removed at Open.
const tempPrefix = ".tmp-"

var keyPattern = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// Store is a service.Blobs over a directory.
type Store struct {
	dir string
}

var _ service.Blobs = (*Store)(nil)

// Open returns the store over dir, creating it if needed, and removes the
// temporary files of writes that a crash interrupted.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fileblob: creating the blob directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fileblob: reading the blob directory: %w", err)
	}
	for _, entry := range entries {
		if strings.HasPrefix(entry.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, entry.Name())); err != nil {
				return nil, fmt.Errorf("fileblob: removing an interrupted upload: %w", err)
			}
		}
	}
	return &Store{dir: dir}, nil
}

// Keys lists the blobs in the store.
func (s *Store) Keys() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("fileblob: reading the blob directory: %w", err)
	}
	var keys []string
	for _, entry := range entries {
		if entry.Type().IsRegular() && keyPattern.MatchString(entry.Name()) {
			keys = append(keys, entry.Name())
		}
	}
	return keys, nil
}

func (s *Store) path(key string) (string, error) {
	if !keyPattern.MatchString(key) {
		return "", fmt.Errorf("fileblob: %q is not a blob key (lowercase hex)", key)
	}
	return filepath.Join(s.dir, key), nil
}

// Put writes exactly size bytes of body under key: to a temporary file
// first, fsynced, then renamed into place and the directory fsynced, so the
// blob is whole and durable when Put returns and absent if it fails. A body
// that ends early fails with io.ErrUnexpectedEOF.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64) error {
	final, err := s.path(key)
	if err != nil {
		return err
	}
	temp, err := os.CreateTemp(s.dir, tempPrefix+key+"-")
	if err != nil {
		return fmt.Errorf("fileblob: creating a temporary file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			temp.Close()
			os.Remove(temp.Name())
		}
	}()

	written, err := io.Copy(temp, io.LimitReader(body, size))
	if err != nil {
		return fmt.Errorf("fileblob: writing blob %s: %w", key, err)
	}
	if written != size {
		return fmt.Errorf("fileblob: blob %s: %w after %d of %d bytes",
			key, io.ErrUnexpectedEOF, written, size)
	}
	var extra [1]byte
	if n, _ := body.Read(extra[:]); n != 0 {
		return fmt.Errorf("fileblob: blob %s runs longer than %d bytes", key, size)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	if err := temp.Sync(); err != nil {
		return fmt.Errorf("fileblob: flushing blob %s: %w", key, err)
	}
	if err := temp.Close(); err != nil {
		return fmt.Errorf("fileblob: closing blob %s: %w", key, err)
	}
	if err := os.Rename(temp.Name(), final); err != nil {
		return fmt.Errorf("fileblob: moving blob %s into place: %w", key, err)
	}
	done = true
	if err := syncDir(s.dir); err != nil {
		os.Remove(final)
		return err
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fileblob: opening the blob directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fileblob: flushing the blob directory: %w", err)
	}
	return nil
}

// Open returns the blob's contents, service.ErrNotFound if there is none.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	path, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, service.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("fileblob: opening blob %s: %w", key, err)
	}
	return f, nil
}

// Delete removes the blob; an absent blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	path, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fileblob: removing blob %s: %w", key, err)
	}
	return nil
}

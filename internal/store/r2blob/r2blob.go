//go:build js && wasm

package r2blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/hack-pad/safejs"

	"github.com/ownkey/ownkey/internal/service"
)

// chunkSize bounds what Go hands to the runtime in one write: the memory an
// upload holds at a time, besides the runtime's own stream buffers.
const chunkSize = 256 << 10

var keyPattern = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// Store is a service.Blobs over an R2 bucket binding.
type Store struct {
	bucket   safejs.Value
	partSize int64
}

var _ service.Blobs = (*Store)(nil)

// New returns the store over bucket, the R2 binding from the Worker's
// environment. partSize is the multipart part size; 0 means
// DefaultPartSize.
func New(bucket safejs.Value, partSize int64) (*Store, error) {
	if bucket.IsUndefined() || bucket.IsNull() {
		return nil, errors.New("r2blob: the R2 bucket binding is missing; bind one in " +
			"wrangler.jsonc (r2_buckets)")
	}
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < minPartSize {
		return nil, fmt.Errorf("r2blob: a part of %d bytes is smaller than R2's 5 MiB", partSize)
	}
	return &Store{bucket: bucket, partSize: partSize}, nil
}

func checkKey(key string) error {
	if !keyPattern.MatchString(key) {
		return fmt.Errorf("r2blob: %q is not a blob key (lowercase hex)", key)
	}
	return nil
}

// Put stores exactly size bytes of body under key: as one put up to the
// part size, as a multipart upload beyond it. A body that ends early fails
// with io.ErrUnexpectedEOF, one that runs long fails too, and neither
// leaves an object.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("r2blob: blob %s has a negative size", key)
	}
	if size <= s.partSize {
		return s.putWhole(ctx, key, body, size)
	}
	return s.putParts(ctx, key, body, size)
}

// putWhole streams body into one R2 put.
func (s *Store) putWhole(ctx context.Context, key string, body io.Reader, size int64) error {
	readable, writer, err := fixedLengthStream(size)
	if err != nil {
		return err
	}
	promise, err := s.bucket.Call("put", key, readable)
	if err != nil {
		return fmt.Errorf("r2blob: storing blob %s: %w", key, err)
	}
	stored := watch(promise)
	if err := feed(ctx, writer, body, size, true); err != nil {
		abort(writer)
		stored.wait()
		return fmt.Errorf("r2blob: blob %s: %w", key, err)
	}
	if err := stored.wait(); err != nil {
		return fmt.Errorf("r2blob: storing blob %s: %w", key, err)
	}
	return nil
}

// putParts streams body into a multipart upload, one part after another,
// and completes it; on any failure the upload is aborted.
func (s *Store) putParts(ctx context.Context, key string, body io.Reader, size int64) error {
	promise, err := s.bucket.Call("createMultipartUpload", key)
	if err != nil {
		return fmt.Errorf("r2blob: starting the upload of blob %s: %w", key, err)
	}
	upload, err := await(promise)
	if err != nil {
		return fmt.Errorf("r2blob: starting the upload of blob %s: %w", key, err)
	}
	if err := s.sendParts(ctx, upload, body, size); err != nil {
		// Limitation: if the Worker is stopped before this abort, the
		// parts stay invisible until R2's lifecycle rule for incomplete
		// multipart uploads removes them (7 days by default).
		if promise, abortErr := upload.Call("abort"); abortErr == nil {
			await(promise)
		}
		return fmt.Errorf("r2blob: blob %s: %w", key, err)
	}
	return nil
}

func (s *Store) sendParts(ctx context.Context, upload safejs.Value, body io.Reader,
	size int64) error {
	arrayClass, err := global("Array")
	if err != nil {
		return err
	}
	parts, err := arrayClass.New()
	if err != nil {
		return err
	}
	for number, offset := 1, int64(0); offset < size; number++ {
		length := min(s.partSize, size-offset)
		last := offset+length == size
		readable, writer, err := fixedLengthStream(length)
		if err != nil {
			return err
		}
		promise, err := upload.Call("uploadPart", number, readable)
		if err != nil {
			return fmt.Errorf("sending part %d: %w", number, err)
		}
		part := make(chan struct {
			value safejs.Value
			err   error
		}, 1)
		go func() {
			value, err := await(promise)
			part <- struct {
				value safejs.Value
				err   error
			}{value, err}
		}()
		if err := feed(ctx, writer, body, length, last); err != nil {
			abort(writer)
			<-part
			return err
		}
		sent := <-part
		if sent.err != nil {
			return fmt.Errorf("sending part %d: %w", number, sent.err)
		}
		if _, err := parts.Call("push", sent.value); err != nil {
			return err
		}
		offset += length
	}
	promise, err := upload.Call("complete", parts)
	if err != nil {
		return fmt.Errorf("completing the upload: %w", err)
	}
	if _, err := await(promise); err != nil {
		return fmt.Errorf("completing the upload: %w", err)
	}
	return nil
}

// fixedLengthStream returns the two ends of a stream of exactly n bytes:
// the readable end for R2, a writer for the writable end.
func fixedLengthStream(n int64) (readable, writer safejs.Value, err error) {
	class, err := global("FixedLengthStream")
	if err != nil {
		return readable, writer, err
	}
	stream, err := class.New(n)
	if err != nil {
		return readable, writer, fmt.Errorf("r2blob: a stream of %d bytes: %w", n, err)
	}
	if readable, err = stream.Get("readable"); err != nil {
		return readable, writer, err
	}
	writable, err := stream.Get("writable")
	if err != nil {
		return readable, writer, err
	}
	writer, err = writable.Call("getWriter")
	return readable, writer, err
}

// feed copies exactly n bytes of body into writer and closes it. When last
// is set, body must end there. Each write waits until the reader took the
// chunk, so no more than one chunk is held at a time.
func feed(ctx context.Context, writer safejs.Value, body io.Reader, n int64,
	last bool) error {
	buf := make([]byte, min(chunkSize, max(n, 1)))
	for sent := int64(0); sent < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := min(int64(len(buf)), n-sent)
		got, readErr := body.Read(buf[:want])
		if got > 0 {
			if err := write(writer, buf[:got]); err != nil {
				return err
			}
			sent += int64(got)
		}
		switch {
		case readErr == io.EOF && sent < n:
			return fmt.Errorf("%w after %d more bytes", io.ErrUnexpectedEOF, sent)
		case readErr != nil && readErr != io.EOF:
			// The request body broke off: the client went away.
			return fmt.Errorf("%w: the upload broke off after %d more bytes",
				io.ErrUnexpectedEOF, sent)
		}
	}
	if last {
		var extra [1]byte
		if got, _ := body.Read(extra[:]); got != 0 {
			return errors.New("the body runs longer than its declared size")
		}
	}
	promise, err := writer.Call("close")
	if err != nil {
		return err
	}
	_, err = await(promise)
	return err
}

func write(writer safejs.Value, chunk []byte) error {
	array, err := newBytes(chunk)
	if err != nil {
		return err
	}
	promise, err := writer.Call("write", array)
	if err != nil {
		return err
	}
	_, err = await(promise)
	return err
}

// abort errors the stream, so that the put or part reading it fails and
// stores nothing.
func abort(writer safejs.Value) {
	if promise, err := writer.Call("abort", "ownkey: upload abandoned"); err == nil {
		await(promise)
	}
}

// Open returns the blob's contents as a stream, service.ErrNotFound if
// there is none.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	promise, err := s.bucket.Call("get", key)
	if err != nil {
		return nil, fmt.Errorf("r2blob: reading blob %s: %w", key, err)
	}
	object, err := await(promise)
	if err != nil {
		return nil, fmt.Errorf("r2blob: reading blob %s: %w", key, err)
	}
	if object.IsNull() || object.IsUndefined() {
		return nil, service.ErrNotFound
	}
	stream, err := object.Get("body")
	if err != nil {
		return nil, err
	}
	reader, err := stream.Call("getReader")
	if err != nil {
		return nil, fmt.Errorf("r2blob: reading blob %s: %w", key, err)
	}
	return &objectReader{key: key, reader: reader}, nil
}

// objectReader reads an R2 object's body, one runtime chunk at a time.
type objectReader struct {
	key    string
	reader safejs.Value
	chunk  []byte // what is left of the last chunk
	done   bool
}

func (r *objectReader) Read(p []byte) (int, error) {
	for len(r.chunk) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.chunk)
	r.chunk = r.chunk[n:]
	return n, nil
}

func (r *objectReader) next() error {
	promise, err := r.reader.Call("read")
	if err != nil {
		return fmt.Errorf("r2blob: reading blob %s: %w", r.key, err)
	}
	result, err := await(promise)
	if err != nil {
		return fmt.Errorf("r2blob: reading blob %s: %w", r.key, err)
	}
	doneValue, err := result.Get("done")
	if err != nil {
		return err
	}
	if r.done, err = doneValue.Bool(); err != nil || r.done {
		return err
	}
	value, err := result.Get("value")
	if err != nil {
		return err
	}
	length, err := value.Length()
	if err != nil {
		return err
	}
	chunk := make([]byte, length)
	if _, err := safejs.CopyBytesToGo(chunk, value); err != nil {
		return fmt.Errorf("r2blob: reading blob %s: %w", r.key, err)
	}
	r.chunk = chunk
	return nil
}

// Close stops reading; an object not read to its end is cancelled.
func (r *objectReader) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	promise, err := r.reader.Call("cancel")
	if err != nil {
		return err
	}
	_, err = await(promise)
	return err
}

// Delete removes the blob; an absent blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	promise, err := s.bucket.Call("delete", key)
	if err != nil {
		return fmt.Errorf("r2blob: removing blob %s: %w", key, err)
	}
	if _, err := await(promise); err != nil {
		return fmt.Errorf("r2blob: removing blob %s: %w", key, err)
	}
	return nil
}

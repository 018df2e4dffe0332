package main

import (
	"fmt"
	"runtime"

	"github.com/hack-pad/safejs"
	"github.com/ownkey/ownkey/internal/aescbc"
)

// MaxChunkSize is the largest chunk fileUpdate accepts. The Worker sends
// 1 MiB chunks; the limit bounds the instance's memory, which never shrinks
// once grown.
const maxChunkSize = 4 << 20

// buffers are the only file buffers of the instance, shared by every file:
// each fileUpdate copies its chunk into in, en- or decrypts into out, and
// copies out into a fresh Uint8Array. Calls never overlap (each runs whole
// on one event), so sharing is safe, and memory stays at two chunks
// whatever the number or size of files.
var buffers struct {
	in, out []byte
}

// collectEvery is how many files start between two garbage collections
// that the instance runs itself. Go's WebAssembly memory never shrinks, and
// in a Worker the collector runs late: JavaScript holds the only thread
// between calls, so the heap, and with it the memory, would keep growing
// over the first thousand files or so before levelling off. Collecting
// every few dozen files keeps it at its size after the first ones, for
// about a millisecond each time.
const collectEvery = 32

// filesStarted counts fileStart calls, for collectEvery.
var filesStarted int

// fileStream is one file being encrypted or decrypted. Exactly one of its
// fields is set until it ends.
type fileStream struct {
	encrypter *aescbc.Encrypter
	decrypter *aescbc.Decrypter
}

func (s *fileStream) close() {
	s.encrypter, s.decrypter = nil, nil
}

// fileStart is fileStart(projectKey, direction, size): it opens a file to
// "encrypt" or "decrypt" under the project key and resolves to its handle.
// size is the length of the input, or -1 if unknown; for decryption a known
// length that cannot be an encrypted file is refused here, before any work.
func fileStart(args []safejs.Value) (any, error) {
	key, err := projectKeyArg(args, 0)
	if err != nil {
		return nil, err
	}
	direction, err := argString(args, 1, "the direction")
	if err != nil {
		return nil, err
	}
	size, err := argInt(args, 2, "the file size")
	if err != nil {
		return nil, err
	}
	filesStarted++
	if filesStarted%collectEvery == 0 {
		runtime.GC()
	}

	stream := &fileStream{}
	switch direction {
	case "encrypt":
		stream.encrypter, err = aescbc.NewEncrypter(key)
	case "decrypt":
		if size >= 0 {
			if err := aescbc.ValidLength(int64(size)); err != nil {
				return nil, err
			}
		}
		stream.decrypter, err = aescbc.NewDecrypter(key)
	default:
		return nil, fmt.Errorf("wasm: the direction must be \"encrypt\" or \"decrypt\"")
	}
	if err != nil {
		return nil, err
	}
	return keyring.add(stream), nil
}

// fileUpdate is fileUpdate(file, chunk): it takes the next chunk of input,
// a Uint8Array of at most 4 MiB, and resolves to the output it completes,
// a new Uint8Array (possibly empty). Decrypted output is not the plaintext
// until fileFinal has resolved. Any failure ends the file.
func fileUpdate(args []safejs.Value) (result any, err error) {
	handle, err := argInt(args, 0, "the file handle")
	if err != nil {
		return nil, err
	}
	stream, err := keyring.stream(handle)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			keyring.forget(handle)
			panic(r)
		}
		if err != nil {
			keyring.forget(handle)
		}
	}()

	size, err := byteLength(arg(args, 1), "the chunk")
	if err != nil {
		return nil, err
	}
	if size > maxChunkSize {
		return nil, fmt.Errorf("wasm: a chunk of %d bytes is over the limit of %d",
			size, maxChunkSize)
	}
	buffers.in = grow(buffers.in, size)
	chunk, err := argBytesInto(args, 1, "the chunk", buffers.in[:size])
	if err != nil {
		return nil, err
	}

	// Output is at most the input plus the IV and one held-back block.
	buffers.out = grow(buffers.out, size+2*aescbc.BlockSize)
	var out []byte
	if stream.encrypter != nil {
		out = stream.encrypter.Update(buffers.out[:0], chunk)
	} else {
		out = stream.decrypter.Update(buffers.out[:0], chunk)
	}
	clear(chunk)
	array, err := newUint8Array(out)
	clear(out)
	return array, err
}

// fileFinal is fileFinal(file): it ends the file and resolves to the last
// output, a new Uint8Array. For decryption, a rejection here means that no
// output of this file may be used: the page throws it all away.
func fileFinal(args []safejs.Value) (any, error) {
	handle, err := argInt(args, 0, "the file handle")
	if err != nil {
		return nil, err
	}
	stream, err := keyring.stream(handle)
	if err != nil {
		return nil, err
	}
	defer keyring.forget(handle)

	buffers.out = grow(buffers.out, 2*aescbc.BlockSize)
	var out []byte
	if stream.encrypter != nil {
		out = stream.encrypter.Final(buffers.out[:0])
	} else {
		out, err = stream.decrypter.Final(buffers.out[:0])
		if err != nil {
			clear(out)
			return nil, err
		}
	}
	array, err := newUint8Array(out)
	clear(out)
	return array, err
}

// grow returns buf with a capacity of at least n (n <= maxChunkSize plus a
// few blocks), reallocating only when a larger chunk than ever arrives.
func grow(buf []byte, n int) []byte {
	if cap(buf) >= n {
		return buf[:cap(buf)]
	}
	return make([]byte, n)
}

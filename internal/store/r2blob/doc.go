// Package r2blob keeps encrypted files in a Cloudflare R2 bucket
// (service.Blobs), for the service on Workers.
//
// Bodies are streamed both ways and never held whole: an upload is fed,
// chunk by chunk, into a FixedLengthStream that R2 reads as it arrives (R2
// needs each body's length up front), and a download is read chunk by
// chunk from the object's stream. A file larger than one part goes up as an
// R2 multipart upload, one part at a time, and appears only when the upload
// completes; a single put appears only when its last byte is in. Either way
// a failed upload leaves no object under the key.
//
// The store builds for js/wasm only: it drives the Workers runtime through
// safejs. Its tests run under Node against a bucket written in JavaScript:
//
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test ./internal/store/r2blob
package r2blob

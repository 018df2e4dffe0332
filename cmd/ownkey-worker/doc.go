// Command ownkey-worker is ownkey's service on Cloudflare Workers: the same
// handler as `ownkey serve` (internal/service), over D1 for the rows and R2
// for the encrypted files. It builds for js/wasm only, and is started by the
// glue that worker/build.sh generates (see docs/WORKERS.md):
//
//	GOOS=js GOARCH=wasm go build -o worker/build/app.wasm ./cmd/ownkey-worker
//
// The Workers runtime starts a fresh instance of this program for every
// request, so main builds the handler, serves that one request and ends.
// The schema is not migrated here: `wrangler d1 migrations apply` does it
// before the Worker serves (worker/migrations).
package main

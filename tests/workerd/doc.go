// Package workerd tests ownkey's service as a Cloudflare Worker: the Worker
// (worker/build.sh) runs in local workerd through Miniflare
// (worker/harness.mjs), over an in-memory D1 database and R2 bucket, and
// the same API suite as the embedded store (internal/service/apitest) runs
// against it, with the checks only a Worker needs: multipart files, cut
// uploads, and sockets that stay on loopback.
//
// It needs Node.js and the pinned wrangler packages: run
// `(cd worker && npm ci)` first. A missing piece fails the tests; nothing
// is skipped.
package workerd

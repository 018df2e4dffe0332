package e2e

import (
	"testing"

	"github.com/ownkey/ownkey/tests/workerd/harness"
)

// TestTwoUsersAndANodeOnWorkerd runs the same flow against the service as a
// Cloudflare Worker in local workerd, over D1 and R2, with the page served
// as the Worker's static assets, as worker/wrangler.jsonc deploys it.
func TestTwoUsersAndANodeOnWorkerd(t *testing.T) {
	runFlow(t, WorkerdService)
}

// WorkerdService starts the Worker (tests/workerd/harness), with its
// default upload limit, and stops it by its harness's PID.
func WorkerdService(t *testing.T) (string, func()) {
	t.Helper()
	worker, err := harness.Start(harness.Options{Site: true})
	if err != nil {
		t.Fatalf("the Worker in workerd did not start: %v", err)
	}
	return worker.URL, worker.Stop
}

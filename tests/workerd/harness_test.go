package workerd

import (
	"os"
	"testing"

	"github.com/ownkey/ownkey/internal/store/sqlstore"
	"github.com/ownkey/ownkey/tests/workerd/harness"
)

// testMaxUpload is the Worker's upload limit in these tests
// (OWNKEY_MAX_UPLOAD): room for files of several R2 parts, and still cheap
// for the oversized-upload test, which the Worker refuses before reading.
const testMaxUpload = 32 << 20

var repoRoot = harness.RepoRoot

// worker is the Worker under test, shared by the tests of the package;
// startErr says why it is missing.
var (
	worker   *harness.Worker
	startErr error
)

func TestMain(m *testing.M) {
	worker, startErr = harness.Start(harness.Options{MaxUpload: testMaxUpload})
	code := m.Run()
	if worker != nil {
		worker.Stop()
	}
	os.Exit(code)
}

// needWorker fails the test if the Worker did not start.
func needWorker(t *testing.T) {
	t.Helper()
	if startErr != nil {
		t.Fatalf("the Worker in workerd did not start: %v", startErr)
	}
}

// reset empties D1 (every table of sqlstore's schema) and the R2 bucket.
func reset(t *testing.T) {
	t.Helper()
	needWorker(t)
	if err := worker.Reset(sqlstore.Tables()); err != nil {
		t.Fatal(err)
	}
}

// bucketObjects lists the objects in the Worker's R2 bucket.
func bucketObjects(t *testing.T) map[string]harness.Object {
	t.Helper()
	objects, err := worker.Objects()
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

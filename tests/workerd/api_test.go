package workerd

import (
	"net/http"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/service/apitest"
)

// TestAPI runs the service's API suite against the Worker in workerd, as
// internal/service's TestAPI runs it against SQLite and files.
func TestAPI(t *testing.T) {
	needWorker(t)
	apitest.Run(t, apitest.Target{BaseURL: worker.URL, Reset: reset, MaxUpload: testMaxUpload,
		Client: &http.Client{Timeout: 2 * time.Minute}})
}

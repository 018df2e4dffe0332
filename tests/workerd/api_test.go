package workerd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/service/apitest"
)

// TestAPI runs the service's API suite against the Worker in workerd, as
// internal/service's TestAPI runs it against SQLite and files. The one
// difference is in the client, not in the answers: see headersOnly.
func TestAPI(t *testing.T) {
	needWorker(t)
	client := &http.Client{
		Timeout:   2 * time.Minute,
		Transport: headersOnly{limit: testMaxUpload, base: http.DefaultTransport},
	}
	apitest.Run(t, apitest.Target{BaseURL: worker.URL, Reset: reset, MaxUpload: testMaxUpload,
		Client: client})
}

// headersOnly sends a request whose body is over the Worker's upload limit
// as its headers alone, and reads the answer. workerd sends the Worker's
// 413, which comes before a byte of the body is read, and then resets the
// connection while a client is still writing the body, so a plain client
// sees that reset instead of the 413, at random (net/http's server reads on
// a little and closes cleanly). `Expect: 100-continue` does not help:
// workerd never sends 100 Continue, and Go's client then races the close.
// If the Worker waited for the body, this would time out and fail.
type headersOnly struct {
	base  http.RoundTripper
	limit int64
}

func (h headersOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.ContentLength <= h.limit {
		return h.base.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	conn, err := net.DialTimeout("tcp", req.URL.Host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))

	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n",
		req.Method, req.URL.RequestURI(), req.URL.Host, req.ContentLength)
	if err := req.Header.Write(&head); err != nil {
		return nil, err
	}
	head.WriteString("\r\n")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

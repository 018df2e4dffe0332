package workerd

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/service/apitest"
	"github.com/ownkey/ownkey/internal/store/r2blob"
)

// fingerprint names file contents in failure messages without showing them.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%x (%d bytes)", sum[:8], len(b))
}

// TestFilesAcrossParts sends files around the R2 part size through the
// Worker, one put up to a part and a multipart upload beyond it, and reads
// each back byte-exact.
func TestFilesAcrossParts(t *testing.T) {
	reset(t)
	part := r2blob.DefaultPartSize
	uploads := []struct {
		size  int64
		parts int // 0: one put
	}{
		{part, 0},          // the largest single put
		{part + 16, 2},     // the last part of 16 bytes
		{2*part + 4096, 3}, // three parts
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	apitest.Seed(t, worker.URL, func(token, projectID string) {
		for _, upload := range uploads {
			size := upload.size
			contents := make([]byte, size)
			rand.Read(contents)
			name := fmt.Sprintf("big-%d.bin", size)

			req, err := http.NewRequest("POST", worker.URL+"/api/projects/"+projectID+
				"/files?name="+url.QueryEscape(name), bytes.NewReader(contents))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/octet-stream")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("uploading %d bytes: %d %s\n%s", size, resp.StatusCode, body,
					worker.Log())
			}
			var created struct {
				ID   string
				Size int64
			}
			if err := json.Unmarshal(body, &created); err != nil || created.Size != size {
				t.Fatalf("uploading %d bytes answered %s", size, body)
			}

			req, err = http.NewRequest("GET", worker.URL+"/api/projects/"+projectID+
				"/files/"+created.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err = client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("downloading %d bytes: %v", size, err)
			}
			if resp.StatusCode != http.StatusOK ||
				resp.Header.Get("Content-Length") != strconv.FormatInt(size, 10) {
				t.Fatalf("downloading %d bytes: status %d, Content-Length %q", size,
					resp.StatusCode, resp.Header.Get("Content-Length"))
			}
			if !bytes.Equal(got, contents) {
				t.Fatalf("%s came back as %s, want %s", name, fingerprint(got),
					fingerprint(contents))
			}

			// R2 names a multipart object's number of parts in its ETag.
			stored := bucketObjects(t)[created.ID]
			wantSuffix := ""
			if upload.parts > 0 {
				wantSuffix = "-" + strconv.Itoa(upload.parts)
			}
			if stored.Size != size || !strings.HasSuffix(stored.ETag, wantSuffix) ||
				upload.parts == 0 && strings.Contains(stored.ETag, "-") {
				t.Fatalf("%s is stored as %+v; want %d bytes in %d parts", name, stored, size,
					upload.parts)
			}
		}
	})
	if objects := bucketObjects(t); len(objects) != len(uploads) {
		t.Fatalf("the bucket holds %d objects after %d uploads", len(objects), len(uploads))
	}
}

// TestCutUpload breaks off uploads halfway, as a dropped connection does,
// one below and one above the part size: neither leaves a file row or an
// object in the bucket.
func TestCutUpload(t *testing.T) {
	reset(t)
	host := worker.URL[len("http://"):]
	for _, size := range []int64{64 << 10, r2blob.DefaultPartSize + 1<<20} {
		apitest.Seed(t, worker.URL, func(token, projectID string) {
			conn, err := net.DialTimeout("tcp", host, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "POST /api/projects/%s/files?name=cut.bin HTTP/1.1\r\n"+
				"Host: %s\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
				projectID, host, token, size)
			half := make([]byte, size/2)
			rand.Read(half)
			if _, err := conn.Write(half); err != nil {
				t.Fatal(err)
			}
			// Give the Worker time to start storing what came, then drop
			// the connection.
			time.Sleep(time.Second)
			conn.Close()
			time.Sleep(2 * time.Second)

			req, err := http.NewRequest("GET", worker.URL+"/api/projects/"+projectID+"/files",
				nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != `{"files":[]}`+"\n" {
				t.Fatalf("after a cut upload of %d bytes the files are: %d %s", size,
					resp.StatusCode, body)
			}
		})
		if objects := bucketObjects(t); len(objects) != 0 {
			t.Fatalf("a cut upload of %d bytes left %d objects in the bucket", size,
				len(objects))
		}
		reset(t)
	}
}

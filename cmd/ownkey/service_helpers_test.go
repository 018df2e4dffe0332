package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
	"github.com/ownkey/ownkey/internal/service"
	"github.com/ownkey/ownkey/internal/store/fileblob"
	"github.com/ownkey/ownkey/internal/store/sqlitestore"
	"github.com/stretchr/testify/require"
)

// Helpers for the serve and node tests: a service to talk to, and the calls
// the page would make.

// startTestService runs the API over a fresh data directory on 127.0.0.1
// and returns its base URL.
func startTestService(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rows, err := sqlitestore.Open(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { rows.DB().Close() })
	blobs, err := fileblob.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	api, err := service.New(service.Config{Rows: rows, Blobs: blobs, Logf: t.Logf})
	require.NoError(t, err)
	server := httptest.NewServer(api)
	t.Cleanup(server.Close)
	return server.URL
}

// apiCall sends body as JSON (nil for none), requires the status, and
// decodes the answer into out (if not nil).
func apiCall(t *testing.T, base, method, path, token string, body any, status int, out any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		require.NoError(t, err)
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequest(method, base+path, reader)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	apiDo(t, req, status, out)
}

func apiDo(t *testing.T, req *http.Request, status int, out any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, status, resp.StatusCode, "%s %s answered %s", req.Method, req.URL.Path, answer)
	if out != nil {
		require.NoError(t, json.Unmarshal(answer, out))
	}
}

// apiUpload uploads an encrypted file and returns its ID.
func apiUpload(t *testing.T, base, token, projectID, name string, file []byte) string {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/projects/"+projectID+"/files?name="+
		url.QueryEscape(name), bytes.NewReader(file))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	var created struct{ ID string }
	apiDo(t, req, http.StatusCreated, &created)
	return created.ID
}

// apiDownload returns a file's bytes as stored.
func apiDownload(t *testing.T, base, token, projectID, fileID string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/projects/"+projectID+"/files/"+fileID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	file, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return file
}

// testOwner is a user with a master key and one project, as the page
// leaves them after the first unlock and "new project".
type testOwner struct {
	token      string
	masterKey  *rsa.PrivateKey
	projectID  string
	projectKey []byte
}

func newTestOwner(t *testing.T, base, username string) testOwner {
	t.Helper()
	var signup struct{ Token string }
	apiCall(t, base, "POST", "/api/signup", "", map[string]string{"username": username},
		http.StatusCreated, &signup)
	masterKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	challenge, err := keys.NewChallenge(masterKey)
	require.NoError(t, err)
	apiCall(t, base, "PUT", "/api/me/master-key", signup.Token, map[string]string{
		"publicKey": keys.PublicKeyPEM(&masterKey.PublicKey),
		"value":     base64.StdEncoding.EncodeToString(challenge.Value),
		"signature": base64.StdEncoding.EncodeToString(challenge.Signature),
	}, http.StatusCreated, nil)

	projectKey, err := keys.NewProjectKey()
	require.NoError(t, err)
	wrapped, err := keys.Wrap(&masterKey.PublicKey, projectKey)
	require.NoError(t, err)
	var project struct{ ID string }
	apiCall(t, base, "POST", "/api/projects", signup.Token, map[string]string{
		"name": "models", "wrappedKey": base64.StdEncoding.EncodeToString(wrapped),
	}, http.StatusCreated, &project)
	return testOwner{signup.Token, masterKey, project.ID, projectKey}
}

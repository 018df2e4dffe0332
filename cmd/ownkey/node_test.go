package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/aescbc"
	"github.com/ownkey/ownkey/internal/keys"
	"github.com/stretchr/testify/require"
)

// TestNode registers a node by the key its secret derives, gives it a
// project key and a secret wrapped to that key (as the page would), and
// runs the built ownkey as the node: "ownkey node" prints the project key
// and the secret's fields, "ownkey node download" decrypts a file
// byte-exact.
func TestNode(t *testing.T) {
	base := startTestService(t)
	owner := newTestOwner(t, base, "alice")

	nodeSecret := "node secret, typed once on the node\n"
	nodeKey, err := keys.Derive(context.Background(), []byte(strings.TrimSuffix(nodeSecret, "\n")),
		keys.DefaultBits, nil)
	require.NoError(t, err)
	var node struct{ ID, Token string }
	apiCall(t, base, "POST", "/api/nodes", owner.token, map[string]string{
		"name": "trainer", "publicKey": keys.PublicKeyPEM(&nodeKey.PublicKey),
	}, http.StatusCreated, &node)
	tokenFile := writeFile(t, "node.token", []byte(node.Token+"\n"))

	wrappedForNode, err := keys.Wrap(&nodeKey.PublicKey, owner.projectKey)
	require.NoError(t, err)
	apiCall(t, base, "POST", "/api/nodes/"+node.ID+"/projects", owner.token, map[string]string{
		"projectId": owner.projectID, "wrappedKey": base64.StdEncoding.EncodeToString(wrappedForNode),
	}, http.StatusCreated, nil)

	fields := map[string]string{"user": "admin", "password": "pa ss=wörd"}
	toOwner, toNode := map[string]string{}, map[string]string{}
	for name, value := range fields {
		w, err := keys.Wrap(&owner.masterKey.PublicKey, []byte(value))
		require.NoError(t, err)
		toOwner[name] = base64.StdEncoding.EncodeToString(w)
		w, err = keys.Wrap(&nodeKey.PublicKey, []byte(value))
		require.NoError(t, err)
		toNode[name] = base64.StdEncoding.EncodeToString(w)
	}
	var secret struct{ ID string }
	apiCall(t, base, "POST", "/api/secrets", owner.token, map[string]any{
		"name": "warehouse", "type": "database", "fields": toOwner,
	}, http.StatusCreated, &secret)
	apiCall(t, base, "POST", "/api/nodes/"+node.ID+"/secrets", owner.token, map[string]any{
		"secretId": secret.ID, "fields": toNode,
	}, http.StatusCreated, nil)

	plaintext := make([]byte, 300<<10+5)
	rand.Read(plaintext)
	var encrypted bytes.Buffer
	_, err = aescbc.Encrypt(&encrypted, bytes.NewReader(plaintext), owner.projectKey)
	require.NoError(t, err)
	fileID := apiUpload(t, base, owner.token, owner.projectID, "weights.bin", encrypted.Bytes())

	// The environment, in the order documented: projects, then secrets
	// by name with their fields sorted.
	stdout, stderr, status := runBinary(t, strings.NewReader(nodeSecret), nil,
		"node", "--server", base, "--token-file", tokenFile)
	require.Equal(t, 0, status, "stderr: %s", stderr)
	want := "CTX_PROJECT_KEY_" + owner.projectID + "=" +
		base64.StdEncoding.EncodeToString(owner.projectKey) + "\n" +
		"CTX_SECRET_warehouse_password=pa ss=wörd\n" +
		"CTX_SECRET_warehouse_user=admin\n"
	sameBytes(t, []byte(want), stdout, "ownkey node's output")
	lines := strings.Split(strings.TrimSuffix(string(stdout), "\n"), "\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[0], "CTX_PROJECT_KEY_"+owner.projectID+"="))

	// The download lands byte-exact, with nothing else left beside it.
	outDir := t.TempDir()
	out := filepath.Join(outDir, "weights.bin")
	_, stderr, status = runBinary(t, strings.NewReader(nodeSecret), nil,
		"node", "download", "--server", base, "--token-file", tokenFile,
		"--project", owner.projectID, "--file", fileID, "-o", out)
	require.Equal(t, 0, status, "stderr: %s", stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	sameBytes(t, plaintext, got, "the downloaded file")
	entries, err := os.ReadDir(outDir)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// Failures leave no output file and print no key.
	failDir := t.TempDir()
	failOut := filepath.Join(failDir, "missing.bin")
	stdout, stderr, status = runCLI(t, strings.NewReader(nodeSecret), "node", "download",
		"--server", base, "--token-file", tokenFile, "--project", owner.projectID,
		"--file", strings.Repeat("0", 32), "-o", failOut)
	require.Equal(t, 1, status)
	require.Equal(t, "ownkey node: the service answered 404: no such file in this project\n", stderr)
	require.Empty(t, stdout)
	assertEmptyDir(t, failDir)

	stdout, stderr, status = runCLI(t, strings.NewReader(nodeSecret), "node", "download",
		"--server", base, "--token-file", tokenFile, "--project", strings.Repeat("0", 32),
		"--file", fileID, "-o", failOut)
	require.Equal(t, 1, status)
	require.Equal(t, "ownkey node: this node was not given project "+strings.Repeat("0", 32)+"\n",
		stderr)
	assertEmptyDir(t, failDir)

	stdout, stderr, status = runCLI(t, strings.NewReader("not the node's secret"), "node",
		"--server", base, "--token-file", tokenFile)
	require.Equal(t, 1, status)
	require.Equal(t, "ownkey node: the secret on stdin does not derive the key this node "+
		"registered; check the secret and --bits\n", stderr)
	require.Empty(t, stdout)

	badToken := writeFile(t, "bad.token", []byte("okn_"+strings.Repeat("A", 43)))
	stdout, stderr, status = runCLI(t, strings.NewReader(nodeSecret), "node",
		"--server", base, "--token-file", badToken)
	require.Equal(t, 1, status)
	require.Equal(t, "ownkey node: the service answered 401: the API token is not valid; "+
		"sign up again or use the token you were given\n", stderr)
	require.Empty(t, stdout)

	_, stderr, status = runCLI(t, strings.NewReader(nodeSecret), "node", "--token-file", tokenFile)
	require.Equal(t, 2, status)
	require.Equal(t, "ownkey node: usage: --server and --token-file are required\n", stderr)
}

// TestNodeDownloadSignal: SIGINT or SIGTERM in the middle of "ownkey node
// download" removes the partial output, which holds plaintext, and leaves
// no OUT.
func TestNodeDownloadSignal(t *testing.T) {
	nodeSecret := "node secret for the signal test"
	nodeKey, err := keys.Derive(context.Background(), []byte(nodeSecret), keys.DefaultBits, nil)
	require.NoError(t, err)
	projectKey := bytes.Repeat([]byte{7}, aescbc.KeySize)
	wrapped, err := keys.Wrap(&nodeKey.PublicKey, projectKey)
	require.NoError(t, err)
	const projectID, fileID = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"

	// A service that sends the first 64 KiB of a 16 MiB file, then waits
	// until the test ends.
	release := make(chan struct{})
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/node":
			json.NewEncoder(w).Encode(map[string]any{
				"id": "n", "name": "n", "publicKey": keys.PublicKeyPEM(&nodeKey.PublicKey),
				"projects": []map[string]string{{"id": projectID, "name": "p",
					"wrappedKey": base64.StdEncoding.EncodeToString(wrapped)}},
			})
		case "/api/projects/" + projectID + "/files/" + fileID:
			w.Header().Set("Content-Length", strconv.Itoa(16+16<<20))
			w.Write(make([]byte, 64<<10))
			w.(http.Flusher).Flush()
			<-release
		default:
			http.NotFound(w, r)
		}
	}))
	defer service.Close()
	defer close(release)
	tokenFile := writeFile(t, "node.token", []byte("okn_test\n"))

	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			outDir := t.TempDir()
			out := filepath.Join(outDir, "model.bin")
			cmd := exec.Command(ownkeyBinary(t), "node", "download", "--server", service.URL,
				"--token-file", tokenFile, "--project", projectID, "--file", fileID, "-o", out)
			cmd.Stdin = strings.NewReader(nodeSecret + "\n")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())

			deadline := time.Now().Add(60 * time.Second)
			for {
				entries, err := os.ReadDir(outDir)
				require.NoError(t, err)
				if len(entries) > 0 {
					info, err := entries[0].Info()
					if err == nil && info.Size() > 0 {
						break
					}
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no partial output appeared; stderr: %s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}

			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr, "stderr: %s", stderr.String())
			assertEmptyDir(t, outDir)
		})
	}
}

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/keys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wrongSecretMessage = "This is not the secret you used before"

// TestTwoUsersAndANode runs the whole flow against `ownkey serve`.
func TestTwoUsersAndANode(t *testing.T) {
	runFlow(t, LocalService)
}

// fingerprint names secret bytes in test output: never the bytes.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func randomText(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// person is a user of the flow: the secret they type and the key it derives
// (computed here, only to know what must never be sent).
type person struct {
	username, secret string
	key              *rsa.PrivateKey
}

func newPerson(t *testing.T, username string) person {
	t.Helper()
	secret := randomText("secret of " + username + " ")
	key, err := keys.Derive(context.Background(), []byte(secret), keys.DefaultBits, nil)
	require.NoError(t, err)
	return person{username, secret, key}
}

// runFlow is the whole flow, in real Chromium, against the service that
// start returns; then the audit of every request the browsers made.
func runFlow(t *testing.T, start Service) {
	base, stop := start(t)
	t.Cleanup(stop)
	rec, proxied := startRecorder(t, base)
	browserCtx := startChromium(t)

	alice, bob := newPerson(t, "alice"), newPerson(t, "bob")
	nodeSecret := randomText("node secret ")
	nodeKey, err := keys.Derive(context.Background(), []byte(nodeSecret), keys.DefaultBits, nil)
	require.NoError(t, err)
	password := randomText("pw-")
	dbUser := randomText("svc-")

	plaintext := make([]byte, 3<<20+12345)
	rand.Read(plaintext)
	upload := filepath.Join(t.TempDir(), "weights.bin")
	require.NoError(t, os.WriteFile(upload, plaintext, 0o600))

	a := newTab(t, browserCtx, "alice")
	b := newTab(t, browserCtx, "bob")

	// Alice signs up: the token is shown once and kept for this tab only.
	a.open(proxied + "/index.html")
	require.False(t, a.hidden("#account"), "the page did not find the service")
	require.True(t, a.hidden("#local-tools"))
	a.screenshot("1-signed-out")
	a.setValue("#signup-username", alice.username)
	a.ok("#signup", "account-message")
	token := a.text("#token-value")
	require.True(t, strings.HasPrefix(token, "oku_"), "no token shown")
	stored := evalIn[string](a, `sessionStorage.getItem('ownkey.session') || ''`)
	assert.Contains(t, stored, token, "the token is kept in sessionStorage")
	assert.Empty(t, evalIn[string](a, `localStorage.getItem('ownkey.session') || ''`))
	a.screenshot("2-signed-up")
	a.click("#token-done")
	assert.True(t, a.hidden("#token-once"))
	assert.Empty(t, a.text("#token-value"), "the token is shown only once")

	// First unlock: the master key is registered with the service.
	assert.Contains(t, a.text("#check-note"), "No master key is registered")
	message := unlock(a, alice.secret)
	assert.Contains(t, message, "your master key is registered with the service")
	assert.Equal(t, keys.PublicKeyPEM(&alice.key.PublicKey), evalIn[string](a,
		`document.getElementById('public-key-pem').value`))

	// Bob signs up and registers his master key in his own browser context.
	b.open(proxied + "/index.html")
	b.setValue("#signup-username", alice.username)
	class, text := b.act("#signup", "account-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, `The username "alice" is taken.`, text)
	b.setValue("#signup-username", bob.username)
	b.click("#remember") // Bob keeps his token in this browser, not just the tab
	b.ok("#signup", "account-message")
	assert.Contains(t, evalIn[string](b, `localStorage.getItem('ownkey.session') || ''`),
		`"username":"bob"`)
	assert.Empty(t, evalIn[string](b, `sessionStorage.getItem('ownkey.session') || ''`))
	b.click("#token-done")
	message = unlock(b, bob.secret)
	assert.Contains(t, message, "your master key is registered with the service")

	// Alice creates a project and uploads a file.
	a.setValue("#project-name", "models")
	a.ok("#create-project", "projects-message")
	require.False(t, a.hidden("#project-view"))
	a.do(chromedp.SetUploadFiles(chromedp.CSS("#upload-input"), []string{upload}))
	message = a.ok("#upload-button", "files-message")
	assert.Equal(t, "Uploaded weights.bin: the service holds only its ciphertext.", message)
	a.waitFor(`document.querySelector('button[data-download="weights.bin"]') !== null`)

	// An upload the network holds up can be cancelled; nothing is stored
	// and the page goes on working.
	rec.holdUploadsOf("slow.bin")
	slow := filepath.Join(t.TempDir(), "slow.bin")
	require.NoError(t, os.WriteFile(slow, plaintext[:100_000], 0o600))
	a.do(chromedp.SetUploadFiles(chromedp.CSS("#upload-input"), []string{slow}))
	a.click("#upload-button")
	a.waitFor(`document.getElementById('files-message').textContent
		.startsWith('Uploading slow.bin')`)
	class, text = a.act("#upload-cancel", "files-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, "Cancelled: slow.bin was not stored.", text)
	assert.True(t, a.hidden("#upload-busy"))
	assert.False(t, evalIn[bool](a, `document.getElementById('upload-button').disabled`))

	// A secret, sealed to her key; opened for preview.
	a.setValue("#secret-name", "warehouse")
	a.setValue("#secret-type", "database")
	a.setValue("#secret-fields", "user="+dbUser+"\npassword="+password)
	a.ok("#create-secret", "secrets-message")
	a.ok(`button[data-open-secret="warehouse"]`, "secrets-message")
	shown := evalIn[string](a, `document.querySelector('dd[data-field="password"]').textContent`)
	require.True(t, shown == password, "the preview shows %s, want %s",
		fingerprint([]byte(shown)), fingerprint([]byte(password)))

	// Errors are told in words, from the service and from ownkey.
	a.setValue("#member-username", "carol")
	class, text = a.act("#add-member", "members-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, `Could not add carol: No user is named "carol".`, text)
	a.setValue("#secret-name", "toolong")
	a.setValue("#secret-type", "token")
	a.setValue("#secret-fields", "value="+strings.Repeat("x", 246))
	class, text = a.act("#create-secret", "secrets-message")
	assert.Contains(t, class, "error")
	assert.True(t, strings.HasPrefix(text, `Could not store the secret: The field "value" `+
		"cannot be sealed: ") && strings.Contains(text, "245"), "message: %q", text)
	a.setValue("#node-name", "broken")
	a.setValue("#node-public-key", "not a key")
	class, text = a.act("#register-node", "nodes-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, "That is not a node's public key: Malformed key: no PEM block found "+
		"(expected -----BEGIN ...-----). Nothing was sent. Paste the RSA PUBLIC KEY block "+
		"that `ownkey derive` prints on the node.", text)
	a.screenshot("3-errors")

	// Bob becomes a member.
	a.setValue("#member-username", bob.username)
	message = a.ok("#add-member", "members-message")
	assert.Equal(t, "bob can now open models and its files.", message)
	assert.Equal(t, "You and bob.", a.text("#members-line"))

	// A node: its public key from `ownkey derive` on its own secret.
	nodePEM, stderr, err := runBinary(t, nodeSecret+"\n", "derive")
	require.NoError(t, err, "ownkey derive: %s", stderr)
	require.Equal(t, keys.PublicKeyPEM(&nodeKey.PublicKey), string(nodePEM))
	a.setValue("#node-name", "trainer")
	a.setValue("#node-public-key", string(nodePEM))
	a.ok("#register-node", "nodes-message")
	nodeToken := a.text("#node-token-value")
	require.True(t, strings.HasPrefix(nodeToken, "okn_"), "no node token shown")
	tokenFile := filepath.Join(t.TempDir(), "node.token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(nodeToken+"\n"), 0o600))
	a.screenshot("3-project")
	a.click("#node-token-done")

	// The node gets the project and the secret.
	a.setValue("#project-node-select", a.attr(`#project-node-select option`, "value"))
	message = a.ok("#authorize-project", "project-nodes-message")
	assert.Equal(t, "The node trainer can now open the files of models.", message)
	a.setValue("#secret-node-select", a.attr(`#secret-node-select option`, "value"))
	message = a.ok("#authorize-secret", "secrets-message")
	assert.Equal(t, "The node trainer can now open warehouse.", message)
	a.screenshot("4-shared")

	// IDs, from what the service answered through the proxy.
	projectID, fileID := idsFrom(t, rec)

	// The node's CLI opens both and decrypts the file byte-exact.
	env, stderr, err := runBinary(t, nodeSecret+"\n", "node", "--server", base,
		"--token-file", tokenFile)
	require.NoError(t, err, "ownkey node: %s", stderr)
	lines := strings.Split(strings.TrimSuffix(string(env), "\n"), "\n")
	require.Len(t, lines, 3, "ownkey node printed %d lines", len(lines))
	prefix := "CTX_PROJECT_KEY_" + projectID + "="
	require.True(t, strings.HasPrefix(lines[0], prefix), "the first line is not the project's")
	projectKey, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[0], prefix))
	require.NoError(t, err)
	require.Len(t, projectKey, 32)
	require.True(t, lines[1] == "CTX_SECRET_warehouse_password="+password,
		"the password line is wrong (sha256 %s)", fingerprint([]byte(lines[1])))
	require.True(t, lines[2] == "CTX_SECRET_warehouse_user="+dbUser,
		"the user line is wrong (sha256 %s)", fingerprint([]byte(lines[2])))
	nodeOut := filepath.Join(t.TempDir(), "weights.bin")
	_, stderr, err = runBinary(t, nodeSecret+"\n", "node", "download", "--server", base,
		"--token-file", tokenFile, "--project", projectID, "--file", fileID, "-o", nodeOut)
	require.NoError(t, err, "ownkey node download: %s", stderr)
	sameFile(t, plaintext, nodeOut, "the node's decryption")

	// Bob comes back: the tab signs in again from sessionStorage, and the
	// second unlock, with a wrong secret, is refused before anything opens.
	b.mark()
	b.open(proxied + "/index.html")
	require.Contains(t, b.text("#account-message"), "Signed in again as bob")
	assert.Contains(t, b.text("#check-note"), "Your master key is registered")
	before := len(b.captured())
	message = unlock(b, bob.secret+"x")
	assert.True(t, strings.HasPrefix(message, wrongSecretMessage), "message: %q", message)
	assert.Contains(t, b.attr("#master-message", "class"), "error")
	assert.True(t, b.hidden("#app"), "projects are shown after a wrong secret")
	var during []string
	for _, r := range b.captured()[before:] {
		if path := apiPath(r.URL); path != "" {
			during = append(during, r.Method+" "+path)
		}
	}
	assert.Equal(t, []string{"GET /api/me/master-key"}, during,
		"only the stored proof may be fetched for a wrong secret")
	stats := evalIn[map[string]float64](b, `import('./ownkey.js').then(o => o.stats())`)
	assert.Equal(t, 0.0, stats["masterKeys"], "the wrong secret's key was kept")
	assert.Equal(t, 0.0, stats["projectKeys"], "a project key was unwrapped")
	b.screenshot("5-wrong-secret")

	// The right secret: Bob sees the shared project and downloads the file.
	message = unlock(b, bob.secret)
	assert.Contains(t, message, "this is the secret you used before")
	b.waitFor(`document.querySelector('button[data-open-project="models"]') !== null`)
	b.ok(`button[data-open-project="models"]`, "projects-message")
	assert.Equal(t, "Shared with you by alice.", b.text("#project-subtitle"))
	b.waitFor(`document.querySelector('button[data-download="weights.bin"]') !== null`)
	assert.Equal(t, 1, evalIn[int](b, `document.querySelectorAll('#file-list tr[data-file]')
		.length`), "the cancelled upload was stored")
	message = b.ok(`button[data-download="weights.bin"]`, "files-message")
	assert.Equal(t, "Downloaded and decrypted weights.bin (3.0 MiB).", message)
	sameFile(t, plaintext, b.download("weights.bin", int64(len(plaintext))),
		"bob's download in the page")
	b.screenshot("6-member")
	a.screenshot("7-audit")

	// Alice signs out, which forgets her token and her keys, and signs in
	// again with the token she saved; a wrong token is refused in words.
	a.ok("#signout", "account-message")
	assert.Empty(t, evalIn[string](a, `sessionStorage.getItem('ownkey.session') || ''`))
	assert.True(t, a.hidden("#master") && a.hidden("#app"))
	stats = evalIn[map[string]float64](a, `import('./ownkey.js').then(o => o.stats())`)
	assert.Equal(t, 0.0, stats["masterKeys"]+stats["projectKeys"], "keys kept after sign-out")
	a.setValue("#signin-username", alice.username)
	a.setValue("#signin-token", "oku_"+strings.Repeat("A", 43))
	class, text = a.act("#signin", "account-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, "The API token is not valid; sign up again or use the token you were "+
		"given.", text)
	a.setValue("#signin-token", token)
	assert.Equal(t, "Signed in as alice. Unlock your master key to open your projects.",
		a.ok("#signin", "account-message"))
	assert.False(t, a.hidden("#master"))

	// The audit.
	s := newScanner()
	for _, p := range []person{alice, bob} {
		s.addText(p.username+"'s secret", p.secret)
		s.addPrivateKey(t, p.username+"'s private key", p.key)
	}
	s.addText("the node's secret", nodeSecret)
	s.addPrivateKey(t, "the node's private key", nodeKey)
	s.addText("the secret's password", password)
	s.addText("the secret's user", dbUser)
	s.addProjectKey("the project key", projectKey)
	s.addPlaintext(plaintext)
	audit(t, s, rec, []*tab{a, b}, len(plaintext))

	for _, tb := range []*tab{a, b} {
		assert.Empty(t, tb.consoleKinds(), "%s's page wrote to its console", tb.name)
	}
}

// unlock types a secret into the master key dialog (twice on first use)
// and waits for the outcome.
func unlock(tb *tab, secret string) string {
	tb.t.Helper()
	tb.waitFor(`!document.getElementById('master').hidden && ` +
		`!document.getElementById('derive').disabled`)
	tb.setValue("#secret", secret)
	if evalIn[bool](tb, `!(document.getElementById('secret-again-row') || {hidden: true})
		.hidden`) {
		tb.setValue("#secret-again", secret) // the first unlock asks twice
	}
	_, text := tb.act("#derive", "master-message")
	tb.waitFor(`document.getElementById('derive-busy').hidden`)
	return text
}

func sameFile(t *testing.T, want []byte, path, what string) {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, len(got) == len(want) && fingerprint(got) == fingerprint(want),
		"%s: %d bytes with sha256 %s, want %d bytes with sha256 %s", what,
		len(got), fingerprint(got), len(want), fingerprint(want))
}

// apiPath is the path and query of an /api/ URL, or "" for anything else.
func apiPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(u.Path, "/api/") {
		return ""
	}
	if u.RawQuery != "" {
		return u.EscapedPath() + "?" + u.RawQuery
	}
	return u.EscapedPath()
}

// idsFrom reads the project's and the file's IDs from the service's
// answers to their creation.
func idsFrom(t *testing.T, rec *recorder) (string, string) {
	t.Helper()
	var projectID, fileID string
	for _, ex := range rec.all() {
		var answer struct{ ID string }
		switch {
		case ex.Method == "POST" && ex.URI == "/api/projects" && ex.Status == 201:
			require.NoError(t, json.Unmarshal(ex.Response, &answer))
			projectID = answer.ID
		case ex.Method == "POST" && strings.HasSuffix(strings.Split(ex.URI, "?")[0], "/files") &&
			ex.Status == 201:
			require.NoError(t, json.Unmarshal(ex.Response, &answer))
			fileID = answer.ID
		}
	}
	require.NotEmpty(t, projectID, "no project was created")
	require.NotEmpty(t, fileID, "no file was uploaded")
	return projectID, fileID
}

// audit scans every request both browsers made, as CDP saw it and as the
// recording proxy saw it, and checks the page's own audit panel.
func audit(t *testing.T, s *scanner, rec *recorder, tabs []*tab, fileSize int) {
	t.Helper()
	var leaks []string
	proxied := rec.all()
	for _, ex := range proxied {
		where := ex.Method + " " + ex.URI
		leaks = append(leaks, s.scan(where+" (URL)", []byte(ex.URI))...)
		leaks = append(leaks, s.scan(where+" (headers)", headerBytes(ex.Header))...)
		leaks = append(leaks, s.scan(where+" (request body)", ex.Body)...)
		leaks = append(leaks, s.scan(where+" (response body)", ex.Response)...)
	}

	var fromCDP, cdpUploads []string
	uploads := 0
	for _, tb := range tabs {
		for _, r := range tb.captured() {
			where := tb.name + ": " + r.Method + " " + r.URL
			leaks = append(leaks, s.scan(where+" (URL)", []byte(r.URL))...)
			header, _ := json.Marshal(r.Header)
			leaks = append(leaks, s.scan(where+" (headers)", header)...)
			leaks = append(leaks, s.scan(where+" (body)", r.Body)...)
			path := apiPath(r.URL)
			if path == "" || r.FromSW {
				continue
			}
			fromCDP = append(fromCDP, r.Method+" "+path)
			if r.HasBody && r.BodyFrom == "" {
				// CDP keeps no large Blob body: the proxy must have it whole.
				require.True(t, proxyHasBody(proxied, r.Method, path),
					"%s: CDP gave no body and the proxy has none", where)
				uploads++
			}
			if r.Method == "POST" && strings.HasSuffix(path, "/files?name=weights.bin") {
				ex := proxyExchange(t, proxied, r.Method, path)
				wantSize := (fileSize/16+1)*16 + 16
				require.Len(t, ex.Body, wantSize, "the upload's body, as the proxy saw it")
				if r.BodyFrom != "" {
					require.Len(t, r.Body, wantSize, "the upload's body, as CDP gave it")
					cdpUploads = append(cdpUploads, r.BodyFrom)
				}
			}
		}
	}
	t.Logf("audit: %d requests through the proxy, %d /api/ requests seen by CDP; "+
		"%d bodies only in the proxy; uploads whole in CDP, from: %v", len(proxied),
		len(fromCDP), uploads, cdpUploads)
	assert.Empty(t, leaks, "secret material crossed the wire")

	// Every /api/ request the browsers made went through the proxy, and the
	// proxy saw no other.
	var fromProxy []string
	for _, ex := range proxied {
		if path := apiPath("http://x" + ex.URI); path != "" {
			fromProxy = append(fromProxy, ex.Method+" "+path)
		}
	}
	sort.Strings(fromCDP)
	sort.Strings(fromProxy)
	assert.Equal(t, fromProxy, fromCDP, "the proxy and CDP saw different /api/ requests")

	// Each page's audit panel lists the requests CDP saw from that page
	// (since it was last loaded), with their status.
	for _, tb := range tabs {
		var want []string
		for _, r := range tb.sinceMark() {
			if path := apiPath(r.URL); path != "" && !r.FromSW {
				want = append(want, fmt.Sprintf("%s %s %d", r.Method, path, r.Status))
			}
		}
		got := evalIn[[]string](tb, `[...document.querySelectorAll('#audit-table tbody tr')]
			.map(r => r.dataset.method + ' ' + r.dataset.path + ' ' + r.dataset.status)`)
		sort.Strings(want)
		sort.Strings(got)
		assert.Equal(t, want, got, "%s's audit panel", tb.name)
		kinds := evalIn[string](tb, `document.getElementById('audit-table').textContent`)
		for _, kind := range []string{"public key", "signature", "wrapped key"} {
			assert.Contains(t, kinds, kind, "%s's audit panel names no %s", tb.name, kind)
		}
	}
	assert.Contains(t, evalIn[string](tabs[0], `document.getElementById('audit-table')
		.textContent`), "ciphertext")
	assert.Contains(t, evalIn[string](tabs[0], `document.getElementById('audit-table')
		.textContent`), "sealed field")
}

func headerBytes(h map[string][]string) []byte {
	b, _ := json.Marshal(h)
	return b
}

func proxyHasBody(proxied []exchange, method, path string) bool {
	for _, ex := range proxied {
		if ex.Method == method && apiPath("http://x"+ex.URI) == path && len(ex.Body) > 0 {
			return true
		}
	}
	return false
}

func proxyExchange(t *testing.T, proxied []exchange, method, path string) exchange {
	t.Helper()
	for _, ex := range proxied {
		if ex.Method == method && apiPath("http://x"+ex.URI) == path {
			return ex
		}
	}
	t.Fatalf("the proxy did not see %s %s", method, path)
	return exchange{}
}

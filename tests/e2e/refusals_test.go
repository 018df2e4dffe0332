package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPageRefusesBeforeSending checks, against `ownkey serve`, what the
// page refuses before any request: a first unlock whose two secrets differ
// (nothing is registered) and a secret pasted as an API token; and that a
// fresh load finds the service with GET /api/health.
func TestPageRefusesBeforeSending(t *testing.T) {
	base, stop := LocalService(t)
	t.Cleanup(stop)
	rec, proxied := startRecorder(t, base)
	browserCtx := startChromium(t)
	carol := newPerson(t, "carol")

	a := newTab(t, browserCtx, "carol")
	a.open(proxied + "/index.html")
	// A fresh load finds the service without a refusal in its audit panel.
	assert.Equal(t, []string{"GET /api/health 200"}, evalIn[[]string](a,
		`[...document.querySelectorAll('#audit-table tbody tr')]
		.map(r => r.dataset.method + ' ' + r.dataset.path + ' ' + r.dataset.status)`),
		"a fresh load's audit panel")
	a.setValue("#signup-username", carol.username)
	a.ok("#signup", "account-message")
	token := a.text("#token-value")
	a.click("#token-done")

	// First unlock, two different secrets: refused before any derivation,
	// and nothing is registered.
	a.waitFor(`!document.getElementById('master').hidden && ` +
		`!document.getElementById('derive').disabled`)
	require.False(t, a.hidden("#secret-again-row"), "the first unlock asks only once")
	before := len(a.captured())
	a.setValue("#secret", carol.secret)
	a.setValue("#secret-again", carol.secret+" ")
	class, text := a.act("#derive", "master-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, "The two secrets differ. Nothing was derived or registered: type your "+
		"secret again in both fields.", text)
	assert.Empty(t, apiRequests(a, before), "a mismatch sent requests")
	stats := evalIn[map[string]float64](a, `import('./ownkey.js').then(o => o.stats())`)
	assert.Zero(t, stats["masterKeys"]+stats["derivations"], "a derivation ran")
	assert.Contains(t, a.text("#check-note"), "No master key is registered")

	// The same secret twice registers it.
	message := unlock(a, carol.secret)
	assert.Contains(t, message, "your master key is registered with the service")
	assert.True(t, a.hidden("#secret-again-row"), "asked twice after registering")

	// A secret pasted as the API token is not sent.
	a.ok("#signout", "account-message")
	before = len(a.captured())
	a.setValue("#signin-username", carol.username)
	a.setValue("#signin-token", carol.secret)
	class, text = a.act("#signin", "account-message")
	assert.Contains(t, class, "error")
	assert.Equal(t, `That is not an API token: they start with "oku_" and are 47 `+
		"characters long. Nothing was sent; paste the token you were given.", text)
	assert.Empty(t, apiRequests(a, before), "a malformed token was sent")
	assert.True(t, evalIn[bool](a, `document.getElementById('signin-token').value === ''`),
		"the pasted secret is left in the token field")
	a.setValue("#signin-token", token)
	a.ok("#signin", "account-message")

	s := newScanner()
	s.addText("carol's secret", carol.secret)
	s.addPrivateKey(t, "carol's private key", carol.key)
	var leaks []string
	for _, ex := range rec.all() {
		where := ex.Method + " " + ex.URI
		leaks = append(leaks, s.scan(where+" (URL)", []byte(ex.URI))...)
		leaks = append(leaks, s.scan(where+" (headers)", headerBytes(ex.Header))...)
		leaks = append(leaks, s.scan(where+" (body)", ex.Body)...)
	}
	assert.Empty(t, leaks, "secret material crossed the wire")
	assert.Empty(t, a.consoleKinds(), "the page wrote to its console")
}

// TestNodeKeyIsParsedBeforeSending: a private key (the PKCS#8 of `ownkey
// derive --private`), garbage or bare base64 pasted as a node's public key
// is refused in the page with no POST /api/nodes; a good key is sent as the
// page re-encoded it (PKCS#1), whatever form it was pasted in.
func TestNodeKeyIsParsedBeforeSending(t *testing.T) {
	base, stop := LocalService(t)
	t.Cleanup(stop)
	rec, proxied := startRecorder(t, base)
	browserCtx := startChromium(t)
	dave := newPerson(t, "dave")
	nodeSecret := randomText("node secret ")

	a := newTab(t, browserCtx, "dave")
	a.open(proxied + "/index.html")
	a.setValue("#signup-username", dave.username)
	a.ok("#signup", "account-message")
	a.click("#token-done")
	assert.Contains(t, unlock(a, dave.secret), "your master key is registered")

	privatePEM, stderr, err := runBinary(t, nodeSecret+"\n", "derive", "--private")
	require.NoError(t, err, "ownkey derive --private: %s", stderr)
	require.True(t, strings.HasPrefix(string(privatePEM), "-----BEGIN PRIVATE KEY-----"),
		"derive --private prints no PKCS#8 block")
	cases := []struct {
		name, pasted, want string
		cleared            bool
	}{
		{"a private key", string(privatePEM), "That is not a node's public key: Malformed " +
			`key: expected an "RSA PUBLIC KEY" or "PUBLIC KEY" block, got a private key ` +
			`("PRIVATE KEY"). A private key must stay on its node: it was cleared from ` +
			"this page and nothing was sent. Paste the RSA PUBLIC KEY block that " +
			"`ownkey derive` prints on the node.", true},
		{"garbage", "hello, this is not a key", "That is not a node's public key: Malformed " +
			"key: no PEM block found (expected -----BEGIN ...-----). Nothing was sent. " +
			"Paste the RSA PUBLIC KEY block that `ownkey derive` prints on the node.", false},
		{"bare base64", "MIIBCgKCAQEAq0m5", "That is not a node's public key: Malformed " +
			"key: no PEM block found (expected -----BEGIN ...-----). Nothing was sent. " +
			"Paste the RSA PUBLIC KEY block that `ownkey derive` prints on the node.", false},
	}
	for _, c := range cases {
		before := len(a.captured())
		a.setValue("#node-name", "trainer")
		a.setValue("#node-public-key", c.pasted)
		class, text := a.act("#register-node", "nodes-message")
		assert.Contains(t, class, "error", c.name)
		assert.Equal(t, c.want, text, c.name)
		assert.Empty(t, apiRequests(a, before), "%s: the page sent requests", c.name)
		if c.cleared {
			// A boolean: the key itself must not reach the test output.
			assert.True(t, evalIn[bool](a,
				`document.getElementById('node-public-key').value === ''`),
				"%s: left in the page", c.name)
		}
	}
	for _, ex := range rec.all() {
		assert.False(t, ex.Method == "POST" && ex.URI == "/api/nodes",
			"the proxy saw POST /api/nodes")
	}

	// The node's public key as SPKI is sent re-encoded as PKCS#1.
	pkcs1, stderr, err := runBinary(t, nodeSecret+"\n", "derive")
	require.NoError(t, err, "ownkey derive: %s", stderr)
	nodePublic, err := keys.ParsePublicKey(string(pkcs1))
	require.NoError(t, err)
	spki := keys.PublicKeySPKIPEM(nodePublic)
	a.setValue("#node-name", "trainer")
	a.setValue("#node-public-key", "\n"+spki+"\n")
	assert.True(t, strings.HasPrefix(a.ok("#register-node", "nodes-message"),
		"Registered trainer (key fingerprint "))
	var sent []string
	for _, r := range a.captured() {
		if r.Method == "POST" && apiPath(r.URL) == "/api/nodes" {
			sent = append(sent, string(r.Body))
		}
	}
	require.Len(t, sent, 1, "one POST /api/nodes")
	assert.Contains(t, sent[0], `"publicKey":`+mustJSON(t, string(pkcs1)),
		"the node's key is sent as the page re-encoded it")

	s := newScanner()
	s.addText("dave's secret", dave.secret)
	s.addPrivateKey(t, "dave's private key", dave.key)
	s.addText("the node's private key PEM", strings.TrimSpace(string(privatePEM)))
	var leaks []string
	for _, ex := range rec.all() {
		where := ex.Method + " " + ex.URI
		leaks = append(leaks, s.scan(where+" (body)", ex.Body)...)
		leaks = append(leaks, s.scan(where+" (URL)", []byte(ex.URI))...)
	}
	assert.Empty(t, leaks, "secret material crossed the wire")
	assert.Empty(t, a.consoleKinds(), "the page wrote to its console")
}

// apiRequests lists the /api/ requests the tab made after the first n.
func apiRequests(tb *tab, n int) []string {
	tb.t.Helper()
	var list []string
	for _, r := range tb.captured()[n:] {
		if path := apiPath(r.URL); path != "" {
			list = append(list, r.Method+" "+path)
		}
	}
	return list
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

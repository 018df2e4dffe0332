package apitest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
)

// probe is one request whose target ID can be swapped for one that names
// nothing, to show that "not yours" and "absent" answer alike.
type probe struct {
	who     string
	token   string
	method  string
	path    func(id string) string
	id      string
	body    func(id string) any
	raw     []byte // sent as application/octet-stream instead of body
	message string
}

func testAccess(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a
	t.Helper()

	anyKey := b64(make([]byte, 256))
	projectPath := func(suffix string) func(string) string {
		return func(id string) string { return "/api/projects/" + id + suffix }
	}
	nodePath := func(suffix string) func(string) string {
		return func(id string) string { return "/api/nodes/" + id + suffix }
	}
	probes := []probe{
		{who: "bob", token: w.bob.token, method: "GET", path: projectPath(""),
			id: w.private.id, message: "no such project"},
		{who: "bob", token: w.bob.token, method: "POST", path: projectPath("/members"),
			id: w.private.id, message: "no such project",
			body: func(string) any { return map[string]string{"username": "bob", "wrappedKey": anyKey} }},
		{who: "bob", token: w.bob.token, method: "POST", path: projectPath("/files?name=x.zip"),
			id: w.private.id, raw: make([]byte, 32), message: "no such project"},
		{who: "bob", token: w.bob.token, method: "GET", path: projectPath("/files"),
			id: w.private.id, message: "no such project"},
		{who: "bob", token: w.bob.token, method: "GET",
			path: projectPath("/files/" + w.privateFile.id), id: w.private.id,
			message: "no such project"},
		{who: "alice", token: w.alice.token, method: "GET",
			path: projectPath("/files/" + w.bobsFile.id), id: w.bobs.id,
			message: "no such project"},
		{who: "alice", token: w.alice.token, method: "GET",
			path: func(id string) string { return "/api/projects/" + w.shared.id + "/files/" + id },
			id:   w.privateFile.id, message: "no such file in this project"},
		{who: "the node", token: w.node.token, method: "GET", path: projectPath("/files"),
			id: w.private.id, message: "no such project"},
		{who: "the node", token: w.node.token, method: "GET",
			path: projectPath("/files/" + w.privateFile.id), id: w.private.id,
			message: "no such project"},
		{who: "bob's node", token: w.bobNode.token, method: "GET", path: projectPath("/files"),
			id: w.shared.id, message: "no such project"},
		{who: "bob", token: w.bob.token, method: "GET",
			path: func(id string) string { return "/api/secrets/" + id },
			id:   w.secretID, message: "no such secret"},
		{who: "bob", token: w.bob.token, method: "GET", path: nodePath(""),
			id: w.node.id, message: "no such node"},
		{who: "bob", token: w.bob.token, method: "POST", path: nodePath("/projects"),
			id: w.node.id, message: "no such node",
			body: func(string) any {
				return map[string]string{"projectId": w.bobs.id, "wrappedKey": anyKey}
			}},
		{who: "bob", token: w.bob.token, method: "POST", path: nodePath("/secrets"),
			id: w.node.id, message: "no such node",
			body: func(string) any {
				return map[string]any{"secretId": w.secretID,
					"fields": map[string]string{"host": anyKey, "password": anyKey}}
			}},
		{who: "bob", token: w.bob.token, method: "POST",
			path: func(string) string { return "/api/nodes/" + w.bobNode.id + "/projects" },
			id:   w.private.id, message: "no such project",
			body: func(id string) any {
				return map[string]string{"projectId": id, "wrappedKey": anyKey}
			}},
		{who: "bob", token: w.bob.token, method: "POST",
			path: func(string) string { return "/api/nodes/" + w.bobNode.id + "/secrets" },
			id:   w.secretID, message: "no such secret",
			body: func(id string) any {
				return map[string]any{"secretId": id,
					"fields": map[string]string{"host": anyKey, "password": anyKey}}
			}},
	}

	send := func(p probe, id string) response {
		t.Helper()
		switch {
		case p.raw != nil:
			return a.raw(p.method, p.path(id), p.token, "application/octet-stream", p.raw)
		case p.body != nil:
			return a.call(p.method, p.path(id), p.token, p.body(id))
		}
		return a.call(p.method, p.path(id), p.token, nil)
	}
	for _, p := range probes {
		t.Run(p.who+" "+p.method+" "+p.path(":id"), func(t *testing.T) {
			a := &api{t: t, target: target}
			theirs := send(p, p.id)
			a.fails(theirs, http.StatusNotFound, p.message)
			absent := send(p, absentID())
			a.fails(absent, http.StatusNotFound, p.message)
			if !bytes.Equal(theirs.body, absent.body) {
				t.Fatalf("answers differ: %s vs %s", theirs.body, absent.body)
			}
			// Malformed IDs answer the same as well.
			a.fails(send(p, "not-an-id"), http.StatusNotFound, p.message)
		})
	}

	// Each token speaks for its own account only.
	var me struct{ Username string }
	a.ok(a.call("GET", "/api/me", w.bob.token, nil), http.StatusOK, &me)
	if me.Username != "bob" {
		t.Fatalf("bob's token answers for %q", me.Username)
	}
	var masterKey struct{ PublicKey string }
	a.ok(a.call("GET", "/api/me/master-key", w.bob.token, nil), http.StatusOK, &masterKey)
	if masterKey.PublicKey != keys.PublicKeyPEM(&w.bob.key.PublicKey) {
		t.Fatal("bob's token answers with another master key")
	}
	a.fails(a.call("GET", "/api/me/master-key", w.carol.token, nil), http.StatusNotFound,
		"no master key is registered for this account yet")

	// Lists show only one's own and what was shared.
	var nodes struct{ Nodes []struct{ ID string } }
	a.ok(a.call("GET", "/api/nodes", w.bob.token, nil), http.StatusOK, &nodes)
	if len(nodes.Nodes) != 1 || nodes.Nodes[0].ID != w.bobNode.id {
		t.Fatalf("bob lists nodes %+v, want only his own", nodes.Nodes)
	}
	var view struct {
		Projects, Secrets []struct{ ID string }
	}
	a.ok(a.call("GET", "/api/node", w.bobNode.token, nil), http.StatusOK, &view)
	if len(view.Projects) != 0 || len(view.Secrets) != 0 {
		t.Fatalf("bob's node was given %+v", view)
	}
	var projects struct{ Projects []struct{ ID string } }
	a.ok(a.call("GET", "/api/projects", w.carol.token, nil), http.StatusOK, &projects)
	if len(projects.Projects) != 0 {
		t.Fatalf("carol lists projects %+v", projects.Projects)
	}

	// Nothing the probes sent was stored.
	if files := listFiles(a, w.private.id, w.alice.token); len(files) != 1 {
		t.Fatalf("the private project holds %d files, want 1", len(files))
	}
	var project struct{ Members []struct{ Username string } }
	a.ok(a.call("GET", "/api/projects/"+w.private.id, w.alice.token, nil), http.StatusOK, &project)
	if len(project.Members) != 0 {
		t.Fatalf("the private project has members %+v", project.Members)
	}
}

// endpoint is one route of the API with a body that would be accepted.
type endpoint struct {
	method, path string
	kind         string // "user", "node" or "either"
}

func (w *world) endpoints() []endpoint {
	p := "/api/projects/" + w.shared.id
	n := "/api/nodes/" + w.node.id
	return []endpoint{
		{"GET", "/api/me", "user"},
		{"PUT", "/api/me/master-key", "user"},
		{"GET", "/api/me/master-key", "user"},
		{"GET", "/api/users/alice/public-key", "user"},
		{"POST", "/api/projects", "user"},
		{"GET", "/api/projects", "user"},
		{"GET", p, "user"},
		{"POST", p + "/members", "user"},
		{"POST", p + "/files?name=x.zip", "user"},
		{"GET", p + "/files", "either"},
		{"GET", p + "/files/" + w.sharedFile.id, "either"},
		{"POST", "/api/secrets", "user"},
		{"GET", "/api/secrets", "user"},
		{"GET", "/api/secrets/" + w.secretID, "user"},
		{"POST", "/api/nodes", "user"},
		{"GET", "/api/nodes", "user"},
		{"GET", n, "user"},
		{"POST", n + "/projects", "user"},
		{"POST", n + "/secrets", "user"},
		{"GET", "/api/node", "node"},
	}
}

func testAuthentication(t *testing.T, target Target) {
	w := newWorld(t, target)

	const (
		noToken  = "missing API token: send the header Authorization: Bearer <token>"
		badToken = "the API token is not valid; sign up again or use the token you were given"
		needUser = "this endpoint takes a user's API token, not a node token"
		needNode = "this endpoint takes a node token, not a user's API token"
	)
	unknownUser := "oku_" + strings.Repeat("A", 43)
	unknownNode := "okn_" + strings.Repeat("A", 43)
	for _, e := range w.endpoints() {
		t.Run(e.method+" "+e.path, func(t *testing.T) {
			a := &api{t: t, target: target}
			send := func(header string) response {
				req := request{method: e.method, path: e.path, contentType: "application/json",
					body: strings.NewReader("{}"), length: 2}
				resp := a.sendWith(req, header)
				return resp
			}
			a.fails(send(""), http.StatusUnauthorized, noToken)
			a.fails(send("Basic YWxpY2U6cHc="), http.StatusUnauthorized, noToken)
			a.fails(send("Bearer"), http.StatusUnauthorized, noToken)
			a.fails(send("Bearer nonsense"), http.StatusUnauthorized, badToken)
			a.fails(send("Bearer "+unknownUser), http.StatusUnauthorized, badToken)
			a.fails(send("Bearer "+unknownNode), http.StatusUnauthorized, badToken)
			a.fails(send("Bearer "+w.alice.token+"x"), http.StatusUnauthorized, badToken)
			switch e.kind {
			case "user":
				a.fails(send("Bearer "+w.node.token), http.StatusForbidden, needUser)
			case "node":
				a.fails(send("Bearer "+w.alice.token), http.StatusForbidden, needNode)
			}
		})
	}

	// None of that stored anything.
	a := w.a
	if files := listFiles(a, w.shared.id, w.alice.token); len(files) != 1 {
		t.Fatalf("the shared project holds %d files, want 1", len(files))
	}
}

// sendWith sends req with the given Authorization header, verbatim.
func (a *api) sendWith(req request, authorization string) response {
	a.t.Helper()
	httpReq, err := http.NewRequest(req.method, a.target.BaseURL+req.path, req.body)
	if err != nil {
		a.t.Fatal(err)
	}
	httpReq.ContentLength = req.length
	httpReq.Header.Set("Content-Type", req.contentType)
	if authorization != "" {
		httpReq.Header.Set("Authorization", authorization)
	}
	return a.do(httpReq)
}

func testBadInput(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a

	wrapped := wrap(t, &w.alice.key.PublicKey, w.shared.projectKey)
	valid := `{"name":"new","wrappedKey":"` + wrapped + `"}`
	jsonCases := []struct {
		name        string
		contentType string
		body        string
		status      int
		message     string
	}{
		{"malformed", "application/json", `{"name": "new", `, http.StatusBadRequest,
			"malformed JSON: the body ends in the middle"},
		{"syntax", "application/json", `{"name" "new"}`, http.StatusBadRequest,
			"malformed JSON at byte 9: invalid character '\"' after object key"},
		{"empty", "application/json", ``, http.StatusBadRequest,
			"the body is empty; expected a JSON object"},
		{"array", "application/json", `[1]`, http.StatusBadRequest,
			"expected a JSON object, got array"},
		{"wrong type", "application/json", `{"name": 5}`, http.StatusBadRequest,
			`field "name" must be a string, got number`},
		{"unknown field", "application/json", `{"name":"new","owner":"bob"}`,
			http.StatusBadRequest, `unknown field "owner"`},
		{"trailing data", "application/json", valid + `{}`, http.StatusBadRequest,
			"unexpected data after the JSON object"},
		{"text content type", "text/plain", valid, http.StatusUnsupportedMediaType,
			"send the body as JSON with Content-Type: application/json"},
		{"no content type", "", valid, http.StatusUnsupportedMediaType,
			"send the body as JSON with Content-Type: application/json"},
		{"form", "application/x-www-form-urlencoded", "name=new", http.StatusUnsupportedMediaType,
			"send the body as JSON with Content-Type: application/json"},
		{"oversized", "application/json", `{"name":"` + strings.Repeat("n", 70000) + `"}`,
			http.StatusRequestEntityTooLarge, "the JSON body is larger than 64 KiB"},
		{"bad base64", "application/json", `{"name":"new","wrappedKey":"%%%%"}`,
			http.StatusBadRequest,
			`field "wrappedKey" is not valid base64 (standard alphabet, with padding)`},
		{"base64url", "application/json", `{"name":"new","wrappedKey":"` +
			strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(wrapped), "=") + `"}`,
			http.StatusBadRequest,
			`field "wrappedKey" is not valid base64 (standard alphabet, with padding)`},
		{"missing key", "application/json", `{"name":"new"}`, http.StatusBadRequest,
			`field "wrappedKey" is required`},
		{"duplicate key", "application/json", valid[:len(valid)-1] + `,"name":"other"}`,
			http.StatusBadRequest, `the JSON key "name" appears more than once`},
		{"duplicate key, escaped", "application/json", valid[:len(valid)-1] + `,"n\u0061me":"x"}`,
			http.StatusBadRequest, `the JSON key "name" appears more than once`},
		{"duplicate key, other case", "application/json", valid[:len(valid)-1] + `,"NAME":"x"}`,
			http.StatusBadRequest, `the JSON key "NAME" appears more than once`},
	}
	for _, c := range jsonCases {
		t.Run("project "+c.name, func(t *testing.T) {
			a := &api{t: t, target: target}
			a.fails(a.raw("POST", "/api/projects", w.alice.token, c.contentType, []byte(c.body)),
				c.status, c.message)
		})
	}
	var projects struct{ Projects []struct{ ID string } }
	a.ok(a.call("GET", "/api/projects", w.alice.token, nil), http.StatusOK, &projects)
	if len(projects.Projects) != 2 {
		t.Fatalf("refused projects were stored: alice has %d, want 2", len(projects.Projects))
	}

	// A secret's sealed fields: a repeated name or a value that is not a
	// string is named as fields.<name>.
	sealed := `"` + wrap(t, &w.alice.key.PublicKey, []byte("t0ken")) + `"`
	secretCases := []struct{ fields, message string }{
		{`{"token":` + sealed + `,"token":` + sealed + `}`,
			`the JSON key "fields.token" appears more than once`},
		{`{"token":5}`, `field "fields.token" must be a string, got number`},
		{`{"token":{"v":` + sealed + `}}`, `field "fields.token" must be a string, got object`},
		{`"token"`, `field "fields" must be a JSON object, got string`},
	}
	for _, c := range secretCases {
		a.fails(a.raw("POST", "/api/secrets", w.alice.token, "application/json",
			[]byte(`{"name":"S","type":"token","fields":`+c.fields+`}`)),
			http.StatusBadRequest, c.message)
	}
	a.fails(a.raw("POST", "/api/nodes/"+w.node.id+"/secrets", w.alice.token, "application/json",
		[]byte(`{"secretId":"`+w.secretID+`","fields":{"host":true}}`)),
		http.StatusBadRequest, `field "fields.host" must be a string, got bool`)

	// The master key proof: every part is checked before anything is
	// stored.
	carolKey := testKeys.other
	challenge, err := keys.NewChallenge(carolKey)
	if err != nil {
		t.Fatal(err)
	}
	alicesSignature, err := keys.Sign(w.alice.key, challenge.Value)
	if err != nil {
		t.Fatal(err)
	}
	pemText := keys.PublicKeyPEM(&carolKey.PublicKey)
	privatePEM, err := keys.PrivateKeyPEM(carolKey)
	if err != nil {
		t.Fatal(err)
	}
	masterCases := []struct {
		name    string
		body    map[string]string
		message string
	}{
		{"no PEM", map[string]string{"publicKey": "not a key", "value": b64(challenge.Value),
			"signature": b64(challenge.Signature)},
			keyError("publicKey", "not a key")},
		{"truncated PEM", map[string]string{"publicKey": pemText[:len(pemText)/2],
			"value": b64(challenge.Value), "signature": b64(challenge.Signature)},
			keyError("publicKey", pemText[:len(pemText)/2])},
		{"private key", map[string]string{"publicKey": privatePEM,
			"value": b64(challenge.Value), "signature": b64(challenge.Signature)},
			keyError("publicKey", privatePEM)},
		{"missing key", map[string]string{"value": b64(challenge.Value),
			"signature": b64(challenge.Signature)}, `field "publicKey" is required`},
		{"short value", map[string]string{"publicKey": pemText,
			"value": b64(challenge.Value[:31]), "signature": b64(challenge.Signature)},
			`field "value" must be 32 bytes; got 31`},
		{"bad base64", map[string]string{"publicKey": pemText,
			"value": b64(challenge.Value), "signature": "@@@@"},
			`field "signature" is not valid base64 (standard alphabet, with padding)`},
		{"signature by another key", map[string]string{"publicKey": pemText,
			"value": b64(challenge.Value), "signature": b64(alicesSignature)},
			`field "signature" is not a signature of "value" by this public key ` +
				`(RSASSA-PKCS1-v1_5 with SHA-256)`},
		{"signature of another value", map[string]string{"publicKey": pemText,
			"value": b64(make([]byte, 32)), "signature": b64(challenge.Signature)},
			`field "signature" is not a signature of "value" by this public key ` +
				`(RSASSA-PKCS1-v1_5 with SHA-256)`},
	}
	for _, c := range masterCases {
		t.Run("master key "+c.name, func(t *testing.T) {
			a := &api{t: t, target: target}
			a.fails(a.call("PUT", "/api/me/master-key", w.carol.token, c.body),
				http.StatusBadRequest, c.message)
		})
	}
	a.fails(a.call("GET", "/api/me/master-key", w.carol.token, nil), http.StatusNotFound,
		"no master key is registered for this account yet")

	// Nodes and sign-up take the same care.
	badPKCS1 := "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"
	a.fails(a.call("POST", "/api/nodes", w.alice.token, map[string]string{
		"name": "n", "publicKey": badPKCS1,
	}), http.StatusBadRequest, keyError("publicKey", badPKCS1))
	a.fails(a.raw("POST", "/api/signup", "", "application/json",
		[]byte(`{"username":"eve","admin":true}`)),
		http.StatusBadRequest, `unknown field "admin"`)
	a.fails(a.raw("POST", "/api/signup", "", "application/json", []byte(`{"username":`)),
		http.StatusBadRequest, "malformed JSON: the body ends in the middle")
	var nodes struct{ Nodes []struct{ ID string } }
	a.ok(a.call("GET", "/api/nodes", w.alice.token, nil), http.StatusOK, &nodes)
	if len(nodes.Nodes) != 1 {
		t.Fatalf("a refused node was stored: alice has %d nodes, want 1", len(nodes.Nodes))
	}
	a.fails(a.call("GET", "/api/users/eve/public-key", w.alice.token, nil), http.StatusNotFound,
		`no user is named "eve"`)

	// Routes that do not exist.
	a.fails(a.call("GET", "/api/nope", "", nil), http.StatusNotFound,
		"no endpoint GET /api/nope; see docs/API.md")
	a.fails(a.call("DELETE", "/api/projects/"+w.shared.id, w.alice.token, nil),
		http.StatusNotFound, "no endpoint DELETE /api/projects/"+w.shared.id+"; see docs/API.md")
}

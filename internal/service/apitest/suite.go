package apitest

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
)

// Run runs the whole API suite against target. Each subtest starts from an
// emptied service (target.Reset) and builds its own world.
func Run(t *testing.T, target Target) {
	if target.Reset == nil || target.MaxUpload <= 0 {
		t.Fatal("apitest: a Target needs Reset and MaxUpload")
	}
	t.Run("health", func(t *testing.T) { testHealth(t, target) })
	t.Run("signup", func(t *testing.T) { testSignup(t, target) })
	t.Run("master key", func(t *testing.T) { testMasterKey(t, target) })
	t.Run("projects and members", func(t *testing.T) { testProjects(t, target) })
	t.Run("files", func(t *testing.T) { testFiles(t, target) })
	t.Run("secrets", func(t *testing.T) { testSecrets(t, target) })
	t.Run("nodes", func(t *testing.T) { testNodes(t, target) })
	t.Run("access", func(t *testing.T) { testAccess(t, target) })
	t.Run("authentication", func(t *testing.T) { testAuthentication(t, target) })
	t.Run("bad input", func(t *testing.T) { testBadInput(t, target) })
	t.Run("invisible characters", func(t *testing.T) { testInvisibleNames(t, target) })
}

// testHealth checks the one endpoint that needs no token and no account.
func testHealth(t *testing.T, target Target) {
	target.Reset(t)
	a := &api{t: t, target: target}
	resp := a.call("GET", "/api/health", "", nil)
	a.ok(resp, http.StatusOK, nil)
	if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q, want JSON", ct)
	}
	if string(resp.body) != `{"service":"ownkey"}`+"\n" {
		t.Fatalf("GET /api/health answered %q, want {\"service\":\"ownkey\"}", resp.body)
	}
}

func testSignup(t *testing.T, target Target) {
	if target.Reset != nil {
		target.Reset(t)
	}
	a := &api{t: t, target: target}

	var signup struct{ Username, Token, Created string }
	a.ok(a.call("POST", "/api/signup", "", map[string]string{"username": "dana"}),
		http.StatusCreated, &signup)
	if signup.Username != "dana" || !strings.HasPrefix(signup.Token, "oku_") ||
		len(signup.Token) != 4+43 || signup.Created == "" {
		t.Fatalf("signup answered username %q, a token of %d characters, created %q",
			signup.Username, len(signup.Token), signup.Created)
	}

	var me struct {
		Username     string
		HasMasterKey bool
	}
	a.ok(a.call("GET", "/api/me", signup.Token, nil), http.StatusOK, &me)
	if me.Username != "dana" || me.HasMasterKey {
		t.Fatalf("me = %+v, want dana without a master key", me)
	}

	a.fails(a.call("POST", "/api/signup", "", map[string]string{"username": "dana"}),
		http.StatusConflict, `the username "dana" is taken`)
	for _, bad := range []string{"", "d", "Dana", "-dana", "dana smith", strings.Repeat("d", 33)} {
		a.fails(a.call("POST", "/api/signup", "", map[string]string{"username": bad}),
			http.StatusBadRequest, `field "username" must be 2 to 32 characters: lowercase `+
				`letters, digits, '.', '_' or '-', starting with a letter or digit`)
	}
}

func testMasterKey(t *testing.T, target Target) {
	loadKeys(t)
	if target.Reset != nil {
		target.Reset(t)
	}
	a := &api{t: t, target: target}
	w := &world{a: a}
	alice := w.signup("alice", testKeys.alice)

	a.fails(a.call("GET", "/api/me/master-key", alice.token, nil), http.StatusNotFound,
		"no master key is registered for this account yet")

	challenge, err := keys.NewChallenge(alice.key)
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]string{
		"publicKey": keys.PublicKeySPKIPEM(&alice.key.PublicKey),
		"value":     b64(challenge.Value),
		"signature": b64(challenge.Signature),
	}
	type masterKey struct{ PublicKey, Value, Signature, Created string }
	var created masterKey
	a.ok(a.call("PUT", "/api/me/master-key", alice.token, body), http.StatusCreated, &created)

	// The proof comes back as stored, the key as PKCS#1, and it verifies
	// with the same key at the next unlock.
	var stored masterKey
	a.ok(a.call("GET", "/api/me/master-key", alice.token, nil), http.StatusOK, &stored)
	if stored != created || stored.PublicKey != keys.PublicKeyPEM(&alice.key.PublicKey) {
		t.Fatalf("stored proof %+v differs from the one created %+v", stored, created)
	}
	pub, err := keys.ParsePublicKey(stored.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Verify(pub, unb64(t, stored.Value), unb64(t, stored.Signature)); err != nil {
		t.Fatalf("the stored proof does not verify: %v", err)
	}
	var me struct{ HasMasterKey bool }
	a.ok(a.call("GET", "/api/me", alice.token, nil), http.StatusOK, &me)
	if !me.HasMasterKey {
		t.Fatal("me says there is no master key after it was registered")
	}

	// Sending the same proof again is harmless; another one is refused
	// and the first stays.
	var again masterKey
	a.ok(a.call("PUT", "/api/me/master-key", alice.token, body), http.StatusOK, &again)
	if again != stored {
		t.Fatalf("a repeated registration answered %+v, want %+v", again, stored)
	}
	other, err := keys.NewChallenge(testKeys.other)
	if err != nil {
		t.Fatal(err)
	}
	a.fails(a.call("PUT", "/api/me/master-key", alice.token, map[string]string{
		"publicKey": keys.PublicKeyPEM(&testKeys.other.PublicKey),
		"value":     b64(other.Value),
		"signature": b64(other.Signature),
	}), http.StatusConflict, "a master key is already registered for this account and "+
		"cannot be replaced")
	a.ok(a.call("GET", "/api/me/master-key", alice.token, nil), http.StatusOK, &again)
	if again != stored {
		t.Fatal("a refused registration changed the stored master key")
	}
}

func testProjects(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a

	type projectJSON struct {
		ID, Name, Owner, Role, Created, WrappedKey string
		Members                                    []struct{ Username, Added string }
	}

	// The owner gets the key back wrapped to her master key.
	var got projectJSON
	a.ok(a.call("GET", "/api/projects/"+w.shared.id, w.alice.token, nil), http.StatusOK, &got)
	if got.Name != "shared" || got.Owner != "alice" || got.Role != "owner" ||
		len(got.Members) != 1 || got.Members[0].Username != "bob" {
		t.Fatalf("alice sees %+v", got)
	}
	sameBytes(t, "alice's project key", w.shared.projectKey, unwrap(t, w.alice.key, got.WrappedKey))

	// The teammate lists the project and opens the key wrapped to his.
	var list struct{ Projects []projectJSON }
	a.ok(a.call("GET", "/api/projects", w.bob.token, nil), http.StatusOK, &list)
	var names []string
	for _, p := range list.Projects {
		names = append(names, p.Name+"/"+p.Role)
		if p.WrappedKey != "" {
			t.Fatal("the project list carries wrapped keys")
		}
	}
	if !slices.Equal(names, []string{"bobs/owner", "shared/member"}) {
		t.Fatalf("bob lists %v, want [bobs/owner shared/member]", names)
	}
	a.ok(a.call("GET", "/api/projects/"+w.shared.id, w.bob.token, nil), http.StatusOK, &got)
	if got.Role != "member" || got.Owner != "alice" {
		t.Fatalf("bob sees %+v", got)
	}
	sameBytes(t, "bob's project key", w.shared.projectKey, unwrap(t, w.bob.key, got.WrappedKey))

	a.ok(a.call("GET", "/api/projects", w.alice.token, nil), http.StatusOK, &list)
	if len(list.Projects) != 2 || list.Projects[0].ID != w.private.id ||
		list.Projects[1].ID != w.shared.id {
		t.Fatalf("alice lists %+v", list.Projects)
	}

	// A master key is needed to create a project, and the wrapped key
	// must fit it.
	a.fails(a.call("POST", "/api/projects", w.carol.token, map[string]string{
		"name": "x", "wrappedKey": wrap(t, &w.alice.key.PublicKey, w.shared.projectKey),
	}), http.StatusConflict, "register a master key before creating an encrypted project "+
		"(PUT /api/me/master-key): it is what an encrypted project is encrypted to")
	a.fails(a.call("POST", "/api/projects", w.alice.token, map[string]string{
		"name": "x", "wrappedKey": b64(make([]byte, 255)),
	}), http.StatusBadRequest, `field "wrappedKey" must be 256 bytes, the size of your master `+
		`key (2048 bits); got 255 bytes`)
	a.fails(a.call("POST", "/api/projects", w.alice.token, map[string]string{
		"name": "", "wrappedKey": wrap(t, &w.alice.key.PublicKey, w.shared.projectKey),
	}), http.StatusBadRequest, `field "name" is required`)
	a.fails(a.call("POST", "/api/projects", w.alice.token, map[string]string{
		"name": "a\nb", "wrappedKey": wrap(t, &w.alice.key.PublicKey, w.shared.projectKey),
	}), http.StatusBadRequest, `field "name" contains a control character`)

	// Members: only a teammate with a master key, only by the owner, once.
	members := "/api/projects/" + w.private.id + "/members"
	a.fails(a.call("POST", members, w.alice.token, map[string]string{
		"username": "carol", "wrappedKey": b64(make([]byte, 256)),
	}), http.StatusConflict, `"carol" has no master key yet: they must unlock ownkey once `+
		`before anything can be shared with them`)
	a.fails(a.call("POST", members, w.alice.token, map[string]string{
		"username": "nobody", "wrappedKey": b64(make([]byte, 256)),
	}), http.StatusNotFound, `no user is named "nobody"`)
	a.fails(a.call("POST", members, w.alice.token, map[string]string{
		"username": "alice", "wrappedKey": wrap(t, &w.alice.key.PublicKey, w.private.projectKey),
	}), http.StatusConflict, `"alice" already has access to this project`)
	a.fails(a.call("POST", "/api/projects/"+w.shared.id+"/members", w.alice.token,
		map[string]string{"username": "bob",
			"wrappedKey": wrap(t, &w.bob.key.PublicKey, w.shared.projectKey)}),
		http.StatusConflict, `"bob" already has access to this project`)
	a.fails(a.call("POST", "/api/projects/"+w.shared.id+"/members", w.bob.token,
		map[string]string{"username": "carol", "wrappedKey": b64(make([]byte, 256))}),
		http.StatusForbidden, "only the project's owner can add members")

	// The page wraps to the teammate's key, which the API hands out.
	var teammate struct {
		Username, PublicKey string
		Bits                int
	}
	a.ok(a.call("GET", "/api/users/bob/public-key", w.alice.token, nil), http.StatusOK, &teammate)
	if teammate.PublicKey != keys.PublicKeyPEM(&w.bob.key.PublicKey) || teammate.Bits != 2048 {
		t.Fatalf("bob's public key came back as %+v", teammate)
	}
	a.fails(a.call("GET", "/api/users/carol/public-key", w.alice.token, nil),
		http.StatusConflict, `"carol" has no master key yet: they must unlock ownkey once `+
			`before anything can be shared with them`)
	a.fails(a.call("GET", "/api/users/nobody/public-key", w.alice.token, nil),
		http.StatusNotFound, `no user is named "nobody"`)
	bobPub, err := keys.ParsePublicKey(teammate.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	a.fails(a.call("POST", members, w.alice.token, map[string]string{
		"username": "bob", "wrappedKey": b64(make([]byte, 512)),
	}), http.StatusBadRequest, `field "wrappedKey" must be 256 bytes, the size of the `+
		`teammate's master key (2048 bits); got 512 bytes`)
	var added struct{ Username, Added string }
	a.ok(a.call("POST", members, w.alice.token, map[string]string{
		"username": "bob", "wrappedKey": wrap(t, bobPub, w.private.projectKey),
	}), http.StatusCreated, &added)
	if added.Username != "bob" || added.Added == "" {
		t.Fatalf("adding bob answered %+v", added)
	}
	a.ok(a.call("GET", "/api/projects/"+w.private.id, w.bob.token, nil), http.StatusOK, &got)
	sameBytes(t, "bob's key to the private project", w.private.projectKey,
		unwrap(t, w.bob.key, got.WrappedKey))
}

type fileJSON struct {
	ID, Name, UploadedBy, Uploaded string
	Size                           int64
}

func listFiles(a *api, projectID, token string) []fileJSON {
	a.t.Helper()
	var list struct{ Files []fileJSON }
	a.ok(a.call("GET", "/api/projects/"+projectID+"/files", token, nil), http.StatusOK, &list)
	return list.Files
}

func testFiles(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a

	// The teammate uploads too; both see both files, byte-exact.
	bobsUpload := w.upload(w.bob, w.shared, "bob's notes.zip", 16)
	files := listFiles(a, w.shared.id, w.alice.token)
	if len(files) != 2 ||
		files[0] != (fileJSON{bobsUpload.id, "bob's notes.zip", "bob", files[0].Uploaded, 16}) ||
		files[1] != (fileJSON{w.sharedFile.id, "report.zip", "alice", files[1].Uploaded, 4096}) ||
		files[0].Uploaded == "" {
		t.Fatalf("alice lists %+v", files)
	}
	for _, f := range []file{w.sharedFile, bobsUpload} {
		for _, token := range []string{w.alice.token, w.bob.token, w.node.token} {
			resp := a.call("GET", "/api/projects/"+w.shared.id+"/files/"+f.id, token, nil)
			if resp.status != http.StatusOK ||
				resp.header.Get("Content-Type") != "application/octet-stream" {
				t.Fatalf("download: status %d, Content-Type %q", resp.status,
					resp.header.Get("Content-Type"))
			}
			sameBytes(t, "downloaded "+f.name, f.contents, resp.body)
			if f.id == bobsUpload.id && resp.header.Get("Content-Disposition") !=
				"attachment; filename*=UTF-8''bob%27s%20notes.zip" {
				t.Fatalf("Content-Disposition %q", resp.header.Get("Content-Disposition"))
			}
		}
	}

	// Lengths the file format cannot have are refused, and nothing is
	// stored.
	path := "/api/projects/" + w.shared.id + "/files?name=bad.zip"
	for _, size := range []int{0, 1, 15, 17, 33} {
		a.fails(a.raw("POST", path, w.alice.token, "application/octet-stream", make([]byte, size)),
			http.StatusBadRequest, "the body is not an encrypted file of "+itoa(size)+
				" bytes: it must be at least 16 bytes and a multiple of 16")
	}
	a.fails(a.raw("POST", path, w.alice.token, "text/plain", make([]byte, 32)),
		http.StatusUnsupportedMediaType,
		"send the encrypted file as the body with Content-Type: application/octet-stream")
	a.fails(a.raw("POST", "/api/projects/"+w.shared.id+"/files", w.alice.token,
		"application/octet-stream", make([]byte, 32)),
		http.StatusBadRequest, `query parameter "name" is required`)
	a.fails(a.raw("POST", "/api/projects/"+w.shared.id+"/files?name=a%0Ab", w.alice.token,
		"application/octet-stream", make([]byte, 32)),
		http.StatusBadRequest, `query parameter "name" contains a control character`)
	a.fails(a.send(request{method: "POST", path: path, token: w.alice.token,
		contentType: "application/octet-stream", body: strings.NewReader(strings.Repeat("x", 32)),
		length: -1}),
		http.StatusLengthRequired, "send the file with a Content-Length header, not chunked")

	oversize := target.MaxUpload + 16
	a.fails(a.send(request{method: "POST", path: path, token: w.alice.token,
		contentType: "application/octet-stream", body: &zeros{n: oversize}, length: oversize}),
		http.StatusRequestEntityTooLarge, "the file is "+itoa64(oversize)+" bytes; this "+
			"service accepts at most "+itoa64(target.MaxUpload)+" bytes")

	if after := listFiles(a, w.shared.id, w.alice.token); len(after) != 2 {
		t.Fatalf("refused uploads left %d files, want 2", len(after))
	}
	a.fails(a.call("GET", "/api/projects/"+w.shared.id+"/files/"+absentID(), w.alice.token, nil),
		http.StatusNotFound, "no such file in this project")
}

func testSecrets(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a

	type secretJSON struct {
		ID, Name, Type, Created string
		FieldNames              []string
		Fields                  map[string]string
	}
	var got secretJSON
	a.ok(a.call("GET", "/api/secrets/"+w.secretID, w.alice.token, nil), http.StatusOK, &got)
	if got.Name != "db" || got.Type != "database" ||
		!slices.Equal(got.FieldNames, []string{"host", "password"}) || len(got.Fields) != 2 {
		t.Fatalf("the secret came back as %+v", got)
	}
	for name, value := range w.secretFields {
		sameBytes(t, "field "+name, value, unwrap(t, w.alice.key, got.Fields[name]))
	}

	var list struct{ Secrets []secretJSON }
	a.ok(a.call("GET", "/api/secrets", w.alice.token, nil), http.StatusOK, &list)
	if len(list.Secrets) != 1 || list.Secrets[0].ID != w.secretID ||
		list.Secrets[0].Fields != nil {
		t.Fatalf("alice lists %+v", list.Secrets)
	}
	a.ok(a.call("GET", "/api/secrets", w.bob.token, nil), http.StatusOK, &list)
	if len(list.Secrets) != 0 {
		t.Fatalf("bob lists alice's secrets: %+v", list.Secrets)
	}

	pub := &w.alice.key.PublicKey
	token := map[string]string{"token": wrap(t, pub, []byte("t0ken"))}
	var created secretJSON
	a.ok(a.call("POST", "/api/secrets", w.alice.token, map[string]any{
		"name": "CI_TOKEN", "type": "token", "fields": token,
	}), http.StatusCreated, &created)
	if created.Name != "CI_TOKEN" || created.Fields["token"] != token["token"] {
		t.Fatalf("creating a secret answered %+v", created)
	}

	cases := []struct {
		body    map[string]any
		status  int
		message string
	}{
		{map[string]any{"name": "db", "type": "token", "fields": token},
			http.StatusConflict, `you already have a secret named "db"`},
		{map[string]any{"name": "my secret", "type": "token", "fields": token},
			http.StatusBadRequest, `field "name" must be 1 to 64 letters, digits or '_'`},
		{map[string]any{"name": "x", "type": "Token!", "fields": token},
			http.StatusBadRequest, `field "type" must be a short lowercase word such as ` +
				`"database" or "token" (letters, digits, '_', '-'; at most 32)`},
		{map[string]any{"name": "x", "type": "token", "fields": map[string]string{}},
			http.StatusBadRequest, `field "fields" needs at least one sealed field`},
		{map[string]any{"name": "x", "type": "token",
			"fields": map[string]string{"api_key": token["token"]}},
			http.StatusBadRequest, `the field name "api_key" must be 1 to 64 letters or digits`},
		{map[string]any{"name": "x", "type": "token",
			"fields": map[string]string{"token": b64([]byte("plaintext"))}},
			http.StatusBadRequest, `field "fields.token" must be 256 bytes, the size of your ` +
				`master key (2048 bits); got 9 bytes`},
		{map[string]any{"name": "x", "type": "token",
			"fields": map[string]string{"token": "not base64!"}},
			http.StatusBadRequest, `field "fields.token" is not valid base64 (standard ` +
				`alphabet, with padding)`},
	}
	for _, c := range cases {
		a.fails(a.call("POST", "/api/secrets", w.alice.token, c.body), c.status, c.message)
	}
	a.fails(a.call("POST", "/api/secrets", w.carol.token, map[string]any{
		"name": "x", "type": "token", "fields": token,
	}), http.StatusConflict, "register a master key before creating a secret "+
		"(PUT /api/me/master-key): it is what a secret is encrypted to")

	a.ok(a.call("GET", "/api/secrets", w.alice.token, nil), http.StatusOK, &list)
	if len(list.Secrets) != 2 {
		t.Fatalf("refused secrets were stored: alice has %d, want 2", len(list.Secrets))
	}
}

func testNodes(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a

	// What the node fetches with its own token opens with its own key.
	type grant struct {
		ID, Name, Type, WrappedKey, Granted string
		Fields                              map[string]string
	}
	type nodeJSON struct {
		ID, Name, PublicKey, Token, Created string
		Projects, Secrets                   []grant
	}
	var view nodeJSON
	a.ok(a.call("GET", "/api/node", w.node.token, nil), http.StatusOK, &view)
	if view.ID != w.node.id || view.Name != "builder" || len(view.Projects) != 1 ||
		len(view.Secrets) != 1 || view.Projects[0].ID != w.shared.id ||
		view.Projects[0].Name != "shared" || view.Secrets[0].Name != "db" ||
		view.Secrets[0].Type != "database" ||
		view.PublicKey != keys.PublicKeyPEM(&w.node.key.PublicKey) {
		t.Fatalf("the node sees %+v", view)
	}
	sameBytes(t, "the node's project key", w.shared.projectKey,
		unwrap(t, w.node.key, view.Projects[0].WrappedKey))
	for name, value := range w.secretFields {
		sameBytes(t, "the node's field "+name, value,
			unwrap(t, w.node.key, view.Secrets[0].Fields[name]))
	}
	files := listFiles(a, w.shared.id, w.node.token)
	if len(files) != 1 || files[0].ID != w.sharedFile.id {
		t.Fatalf("the node lists %+v", files)
	}

	// The owner sees the node and its grants, without the sealed values.
	var detail nodeJSON
	a.ok(a.call("GET", "/api/nodes/"+w.node.id, w.alice.token, nil), http.StatusOK, &detail)
	if len(detail.Projects) != 1 || detail.Projects[0].WrappedKey != "" ||
		len(detail.Secrets) != 1 || detail.Secrets[0].Fields != nil || detail.Token != "" {
		t.Fatalf("alice sees her node as %+v", detail)
	}
	var list struct{ Nodes []nodeJSON }
	a.ok(a.call("GET", "/api/nodes", w.alice.token, nil), http.StatusOK, &list)
	if len(list.Nodes) != 1 || list.Nodes[0].ID != w.node.id {
		t.Fatalf("alice lists nodes %+v", list.Nodes)
	}

	// A registration answers the token once, and refuses a bad key.
	var created nodeJSON
	a.ok(a.call("POST", "/api/nodes", w.alice.token, map[string]string{
		"name": "second", "publicKey": keys.PublicKeySPKIPEM(&testKeys.other.PublicKey),
	}), http.StatusCreated, &created)
	if !strings.HasPrefix(created.Token, "okn_") ||
		created.PublicKey != keys.PublicKeyPEM(&testKeys.other.PublicKey) {
		t.Fatalf("registering a node answered a token of %d characters and key %q",
			len(created.Token), created.PublicKey)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	a.fails(a.call("POST", "/api/nodes", w.alice.token, map[string]string{
		"name": "weak", "publicKey": keys.PublicKeyPEM(&small.PublicKey),
	}), http.StatusBadRequest, keyError("publicKey", keys.PublicKeyPEM(&small.PublicKey)))

	// Grants: the right size for the node's key, each once, and a secret's
	// fields complete.
	grants := "/api/nodes/" + w.node.id
	a.fails(a.call("POST", grants+"/projects", w.alice.token, map[string]string{
		"projectId": w.shared.id, "wrappedKey": wrap(t, &w.node.key.PublicKey, w.shared.projectKey),
	}), http.StatusConflict, "this node already has this project's key")
	a.fails(a.call("POST", grants+"/projects", w.alice.token, map[string]string{
		"projectId": w.private.id, "wrappedKey": b64(make([]byte, 128)),
	}), http.StatusBadRequest, `field "wrappedKey" must be 256 bytes, the size of the node's `+
		`key (2048 bits); got 128 bytes`)
	a.fails(a.call("POST", grants+"/secrets", w.alice.token, map[string]any{
		"secretId": w.secretID, "fields": sealFields(t, &w.node.key.PublicKey, w.secretFields),
	}), http.StatusConflict, "this node already has this secret")
	a.fails(a.call("POST", "/api/nodes/"+created.ID+"/secrets", w.alice.token, map[string]any{
		"secretId": w.secretID,
		"fields": sealFields(t, &testKeys.other.PublicKey,
			map[string][]byte{"host": w.secretFields["host"]}),
	}), http.StatusBadRequest, `field "fields" must hold exactly the secret's fields: `+
		`host, password`)

	// The teammate's project can be given to the teammate's own node.
	a.ok(a.call("POST", "/api/nodes/"+w.bobNode.id+"/projects", w.bob.token, map[string]string{
		"projectId": w.shared.id, "wrappedKey": wrap(t, &w.bobNode.key.PublicKey,
			w.shared.projectKey),
	}), http.StatusCreated, nil)
	resp := a.call("GET", "/api/projects/"+w.shared.id+"/files/"+w.sharedFile.id,
		w.bobNode.token, nil)
	sameBytes(t, "bob's node's download", w.sharedFile.contents, resp.body)
}

func itoa(n int) string { return strconv.Itoa(n) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// zeros reads as n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// testInvisibleNames checks that every kind of name refuses bidirectional
// controls and invisible format characters, which could make a listing
// show a name other than the one stored.
func testInvisibleNames(t *testing.T, target Target) {
	w := newWorld(t, target)
	a := w.a
	pub := &w.alice.key.PublicKey
	wrappedKey := wrap(t, pub, w.shared.projectKey)
	sealed := wrap(t, pub, []byte("t0ken"))

	for _, invisible := range []string{"\u202e", "\u200b", "\u2066", "\u2060", "\ufeff"} {
		code := fmt.Sprintf("%U", []rune(invisible)[0])
		a.fails(a.call("POST", "/api/projects", w.alice.token, map[string]string{
			"name": "invoice" + invisible + "fdp.exe", "wrappedKey": wrappedKey,
		}), http.StatusBadRequest,
			`field "name" contains an invisible formatting character (`+code+`)`)
		a.fails(a.call("POST", "/api/nodes", w.alice.token, map[string]string{
			"name": "builder" + invisible, "publicKey": keys.PublicKeyPEM(&testKeys.other.PublicKey),
		}), http.StatusBadRequest,
			`field "name" contains an invisible formatting character (`+code+`)`)
		a.fails(a.raw("POST", "/api/projects/"+w.shared.id+"/files?name="+
			url.QueryEscape("report"+invisible+"fdp.exe"), w.alice.token,
			"application/octet-stream", make([]byte, 32)), http.StatusBadRequest,
			`query parameter "name" contains an invisible formatting character (`+code+`)`)
		a.fails(a.call("POST", "/api/secrets", w.alice.token, map[string]any{
			"name": "CI" + invisible, "type": "token", "fields": map[string]string{"token": sealed},
		}), http.StatusBadRequest, `field "name" must be 1 to 64 letters, digits or '_'`)
		a.fails(a.call("POST", "/api/secrets", w.alice.token, map[string]any{
			"name": "CI", "type": "token", "fields": map[string]string{"tok" + invisible: sealed},
		}), http.StatusBadRequest, fmt.Sprintf("the field name %q must be 1 to 64 letters or "+
			"digits", "tok"+invisible))
		a.fails(a.call("POST", "/api/signup", "", map[string]string{"username": "eve" + invisible}),
			http.StatusBadRequest, `field "username" must be 2 to 32 characters: lowercase `+
				`letters, digits, '.', '_' or '-', starting with a letter or digit`)
	}
}

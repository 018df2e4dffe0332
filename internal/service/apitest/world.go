package apitest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
)

// testKeys are made once per process: generating RSA keys is the slow part
// of setting up a world, and the service treats every key alike.
var (
	testKeysOnce sync.Once
	testKeys     struct{ alice, bob, node, other *rsa.PrivateKey }
)

func loadKeys(t *testing.T) {
	testKeysOnce.Do(func() {
		for _, k := range []**rsa.PrivateKey{&testKeys.alice, &testKeys.bob, &testKeys.node,
			&testKeys.other} {
			priv, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			*k = priv
		}
	})
}

type user struct {
	name  string
	token string
	key   *rsa.PrivateKey
}

type project struct {
	id         string
	projectKey []byte
}

type file struct {
	id       string
	name     string
	contents []byte
}

// world is the state most tests start from:
//
//   - alice and bob have master keys; carol has none;
//   - alice owns "shared" (bob is a member) and "private" (bob is not);
//     bob owns "bobs";
//   - each of the three projects holds one file;
//   - alice has a secret "db" and a node, given "shared" and "db";
//   - bob has a node of his own, given nothing.
type world struct {
	a                     *api
	alice, bob, carol     user
	shared, private, bobs project
	sharedFile            file
	privateFile           file
	bobsFile              file
	secretID              string
	secretFields          map[string][]byte
	node                  node
	bobNode               node
}

type node struct {
	id    string
	token string
	key   *rsa.PrivateKey
}

func newWorld(t *testing.T, target Target) *world {
	t.Helper()
	loadKeys(t)
	if target.Reset != nil {
		target.Reset(t)
	}
	a := &api{t: t, target: target}
	w := &world{a: a}

	w.alice = w.signup("alice", testKeys.alice)
	w.bob = w.signup("bob", testKeys.bob)
	w.carol = w.signup("carol", nil)
	w.registerMasterKey(w.alice)
	w.registerMasterKey(w.bob)

	w.shared = w.createProject(w.alice, "shared")
	w.private = w.createProject(w.alice, "private")
	w.bobs = w.createProject(w.bob, "bobs")
	a.ok(a.call("POST", "/api/projects/"+w.shared.id+"/members", w.alice.token, map[string]string{
		"username":   "bob",
		"wrappedKey": wrap(t, &w.bob.key.PublicKey, w.shared.projectKey),
	}), http.StatusCreated, nil)

	w.sharedFile = w.upload(w.alice, w.shared, "report.zip", 4096)
	w.privateFile = w.upload(w.alice, w.private, "private.zip", 32)
	w.bobsFile = w.upload(w.bob, w.bobs, "bobs.zip", 48)

	w.secretFields = map[string][]byte{"host": []byte("db.internal"),
		"password": []byte("correct horse")}
	var secret struct{ ID string }
	a.ok(a.call("POST", "/api/secrets", w.alice.token, map[string]any{
		"name": "db", "type": "database",
		"fields": sealFields(t, &w.alice.key.PublicKey, w.secretFields),
	}), http.StatusCreated, &secret)
	w.secretID = secret.ID

	w.node = w.registerNode(w.alice, "builder", testKeys.node)
	w.bobNode = w.registerNode(w.bob, "bobs-builder", testKeys.other)
	a.ok(a.call("POST", "/api/nodes/"+w.node.id+"/projects", w.alice.token, map[string]string{
		"projectId":  w.shared.id,
		"wrappedKey": wrap(t, &w.node.key.PublicKey, w.shared.projectKey),
	}), http.StatusCreated, nil)
	a.ok(a.call("POST", "/api/nodes/"+w.node.id+"/secrets", w.alice.token, map[string]any{
		"secretId": w.secretID,
		"fields":   sealFields(t, &w.node.key.PublicKey, w.secretFields),
	}), http.StatusCreated, nil)
	return w
}

func (w *world) signup(name string, key *rsa.PrivateKey) user {
	w.a.t.Helper()
	var resp struct{ Username, Token string }
	w.a.ok(w.a.call("POST", "/api/signup", "", map[string]string{"username": name}),
		http.StatusCreated, &resp)
	return user{name: resp.Username, token: resp.Token, key: key}
}

func (w *world) registerMasterKey(u user) {
	w.a.t.Helper()
	challenge, err := keys.NewChallenge(u.key)
	if err != nil {
		w.a.t.Fatal(err)
	}
	w.a.ok(w.a.call("PUT", "/api/me/master-key", u.token, map[string]string{
		"publicKey": keys.PublicKeyPEM(&u.key.PublicKey),
		"value":     b64(challenge.Value),
		"signature": b64(challenge.Signature),
	}), http.StatusCreated, nil)
}

func (w *world) createProject(owner user, name string) project {
	w.a.t.Helper()
	projectKey, err := keys.NewProjectKey()
	if err != nil {
		w.a.t.Fatal(err)
	}
	var resp struct{ ID string }
	w.a.ok(w.a.call("POST", "/api/projects", owner.token, map[string]string{
		"name": name, "wrappedKey": wrap(w.a.t, &owner.key.PublicKey, projectKey),
	}), http.StatusCreated, &resp)
	return project{id: resp.ID, projectKey: projectKey}
}

// upload stores size random bytes: the service takes any bytes of a valid
// length, and never decrypts.
func (w *world) upload(u user, p project, name string, size int) file {
	w.a.t.Helper()
	contents := make([]byte, size)
	rand.Read(contents)
	var resp struct{ ID string }
	w.a.ok(w.a.raw("POST", "/api/projects/"+p.id+"/files?name="+url.QueryEscape(name), u.token,
		"application/octet-stream", contents), http.StatusCreated, &resp)
	return file{id: resp.ID, name: name, contents: contents}
}

func (w *world) registerNode(owner user, name string, key *rsa.PrivateKey) node {
	w.a.t.Helper()
	var resp struct{ ID, Token string }
	w.a.ok(w.a.call("POST", "/api/nodes", owner.token, map[string]string{
		"name": name, "publicKey": keys.PublicKeyPEM(&key.PublicKey),
	}), http.StatusCreated, &resp)
	return node{id: resp.ID, token: resp.Token, key: key}
}

func sealFields(t *testing.T, pub *rsa.PublicKey, fields map[string][]byte) map[string]string {
	t.Helper()
	sealed := make(map[string]string, len(fields))
	for name, value := range fields {
		sealed[name] = wrap(t, pub, value)
	}
	return sealed
}

// absentID is a well-formed ID that names nothing.
func absentID() string {
	var raw [16]byte
	rand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}

// keyError is the error the API gives for a public key that package keys
// refuses: its reason, after the field's name.
func keyError(field, pemText string) string {
	_, err := keys.ParsePublicKey(pemText)
	if err == nil {
		panic("apitest: keyError called with a valid key")
	}
	return "field \"" + field + "\": " + err.Error()
}

// Seed signs up a user with a master key and one project on the service at
// baseURL, and calls use with the user's token and the project's ID; for
// tests of a single behaviour that need no more of a world.
func Seed(t *testing.T, baseURL string, use func(token, projectID string)) {
	t.Helper()
	loadKeys(t)
	w := &world{a: &api{t: t, target: Target{BaseURL: baseURL}}}
	owner := w.signup("seed", testKeys.alice)
	w.registerMasterKey(owner)
	use(owner.token, w.createProject(owner, "seed").id)
}

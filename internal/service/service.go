// Package service is ownkey's zero-knowledge service as an http.Handler:
// accounts with API tokens, master key proofs, projects and their wrapped
// project keys, teammates, sealed secrets, nodes and encrypted files.
//
// It holds only public material and ciphertext. Every project key and
// secret it stores is wrapped to a public key in the page, every file is
// encrypted before it is uploaded, and the private keys that open them never
// reach it; it checks shapes and sizes, never contents.
//
// The handler keeps no state between requests: everything lives behind Rows
// and Blobs, so the same code serves from one machine (SQLite and files) or
// from Cloudflare Workers (D1 and R2, compiled to js/wasm). The API is
// documented in docs/API.md.
package service

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// DefaultMaxUpload is the largest encrypted file accepted unless Config says
// otherwise: 5 GiB.
const DefaultMaxUpload int64 = 5 << 30

// maxJSONBody bounds every JSON request. The largest legitimate one, a
// secret of 32 fields wrapped to a 4096-bit key, is about 23 KiB.
const maxJSONBody = 64 << 10

// Config is what a Handler is built from.
type Config struct {
	Rows  Rows
	Blobs Blobs

	// MaxUpload is the largest encrypted file accepted, in bytes;
	// 0 means DefaultMaxUpload.
	MaxUpload int64

	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// Logf, if not nil, receives internal errors (store failures). They
	// never carry request bodies or tokens.
	Logf func(format string, args ...any)
}

// Handler serves the JSON API under /api/.
type Handler struct {
	rows      Rows
	blobs     Blobs
	maxUpload int64
	now       func() time.Time
	logf      func(format string, args ...any)
	mux       *http.ServeMux
}

// New returns the API handler for cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Rows == nil || cfg.Blobs == nil {
		return nil, errors.New("service: a row store and a blob store are both required")
	}
	if cfg.MaxUpload < 0 {
		return nil, fmt.Errorf("service: the upload limit %d is negative", cfg.MaxUpload)
	}
	h := &Handler{
		rows:      cfg.Rows,
		blobs:     cfg.Blobs,
		maxUpload: cfg.MaxUpload,
		now:       cfg.Now,
		logf:      cfg.Logf,
		mux:       http.NewServeMux(),
	}
	if h.maxUpload == 0 {
		h.maxUpload = DefaultMaxUpload
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.logf == nil {
		h.logf = func(string, ...any) {}
	}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	h.handle("GET /api/health", h.health, noAuth)
	h.handle("POST /api/signup", h.signup, noAuth)
	h.handle("GET /api/me", h.me, userAuth)
	h.handle("PUT /api/me/master-key", h.putMasterKey, userAuth)
	h.handle("GET /api/me/master-key", h.getMasterKey, userAuth)
	h.handle("GET /api/users/{username}/public-key", h.userPublicKey, userAuth)

	h.handle("POST /api/projects", h.createProject, userAuth)
	h.handle("GET /api/projects", h.listProjects, userAuth)
	h.handle("GET /api/projects/{project}", h.getProject, userAuth)
	h.handle("POST /api/projects/{project}/members", h.addMember, userAuth)
	h.handle("POST /api/projects/{project}/files", h.uploadFile, userAuth)
	h.handle("GET /api/projects/{project}/files", h.listFiles, userOrNodeAuth)
	h.handle("GET /api/projects/{project}/files/{file}", h.downloadFile, userOrNodeAuth)

	h.handle("POST /api/secrets", h.createSecret, userAuth)
	h.handle("GET /api/secrets", h.listSecrets, userAuth)
	h.handle("GET /api/secrets/{secret}", h.getSecret, userAuth)

	h.handle("POST /api/nodes", h.createNode, userAuth)
	h.handle("GET /api/nodes", h.listNodes, userAuth)
	h.handle("GET /api/nodes/{node}", h.getNode, userAuth)
	h.handle("POST /api/nodes/{node}/projects", h.grantProject, userAuth)
	h.handle("POST /api/nodes/{node}/secrets", h.grantSecret, userAuth)
	h.handle("GET /api/node", h.nodeView, nodeAuth)

	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{http.StatusNotFound,
			fmt.Sprintf("no endpoint %s %s; see docs/API.md", r.Method, r.URL.Path)})
	})
}

// ServeHTTP answers one API request. A panic, which would be a bug, becomes a
// 500 with a JSON error rather than a dropped connection.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.logf("service: internal error: panic in %s %s: %v", r.Method, r.URL.Path, v)
			writeError(w, errInternal)
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// health answers that an ownkey service is here, without a token, so the
// page can find the API without an unauthenticated call to /api/me. It
// touches no store: it says the handler runs, not that the stores answer.
func (h *Handler) health(w http.ResponseWriter, r *http.Request, c caller) error {
	writeJSON(w, http.StatusOK, map[string]string{"service": "ownkey"})
	return nil
}

// caller is who a request speaks for: a user or a node, never both.
type caller struct {
	user *User
	node *Node
}

type authMode int

const (
	noAuth authMode = iota
	userAuth
	nodeAuth
	userOrNodeAuth
)

// endpoint serves one route for an authenticated caller.
type endpoint func(w http.ResponseWriter, r *http.Request, c caller) error

func (h *Handler) handle(pattern string, serve endpoint, mode authMode) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var c caller
		if mode != noAuth {
			var err error
			if c, err = h.authenticate(r, mode); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		if err := serve(w, r, c); err != nil {
			h.fail(w, r, err)
		}
	})
}

// fail writes err as the response: an *apiError as it is, anything else as
// a 500 whose cause goes to the log only.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		writeError(w, apiErr)
		return
	}
	h.logf("service: internal error in %s %s: %v", r.Method, r.URL.Path, err)
	writeError(w, errInternal)
}

// timestamp is the current time as stored: UTC, whole seconds.
func (h *Handler) timestamp() time.Time {
	return h.now().UTC().Truncate(time.Second)
}

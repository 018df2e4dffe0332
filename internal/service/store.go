package service

import (
	"context"
	"errors"
	"io"
	"time"
)

// The handler keeps its state behind two small interfaces, so the same code
// runs over SQLite and files on one machine, or over D1 and R2 on Cloudflare
// Workers. Every write is one call that either happens whole or not at all:
// D1 has no transactions, so no call may depend on two statements landing
// together.

// ErrNotFound is returned by a Rows or Blobs lookup that matches nothing.
var ErrNotFound = errors.New("service: not found")

// ErrConflict is returned by a Rows insert whose unique value (a username, a
// master key for a user, a grant) is already taken. Nothing was written.
var ErrConflict = errors.New("service: already exists")

// User is an account. TokenHash is SHA-256 of its 32-byte API token.
type User struct {
	ID        string
	Username  string
	TokenHash []byte
	Created   time.Time
}

// MasterKey is the public proof of a user's master key (docs/FORMAT.md,
// section 8): the public key, a random value and its signature.
type MasterKey struct {
	PublicKeyPEM string
	Challenge    []byte
	Signature    []byte
	Created      time.Time
}

// Project is an encrypted project. OwnerWrappedKey is the project key
// wrapped to the owner's master key; it lives in the project's own row so
// that creating a project is one insert.
type Project struct {
	ID              string
	Name            string
	OwnerID         string
	OwnerWrappedKey []byte
	Created         time.Time
}

// ProjectAccess is a project as one user sees it: their role and the
// project key wrapped to their master key.
type ProjectAccess struct {
	ID         string
	Name       string
	OwnerID    string
	Owner      string // the owner's username
	Role       string // "owner" or "member"
	WrappedKey []byte
	Created    time.Time
}

// Member is a teammate's access to a project.
type Member struct {
	ProjectID  string
	UserID     string
	Username   string // filled in by lookups; ignored by AddMember
	WrappedKey []byte
	Created    time.Time
}

// File is an encrypted file's row. Its bytes are the blob named by ID.
type File struct {
	ID         string
	ProjectID  string
	Name       string
	Size       int64
	UploaderID string
	Uploader   string // the uploader's username, filled in by lookups
	Created    time.Time
}

// Secret is a sealed secret: each field is wrapped to its owner's master key.
type Secret struct {
	ID      string
	OwnerID string
	Name    string
	Type    string
	Fields  map[string][]byte
	Created time.Time
}

// Node is a machine that holds its own secret and opens what it is given.
// TokenHash is SHA-256 of its 32-byte node token.
type Node struct {
	ID           string
	OwnerID      string
	Name         string
	PublicKeyPEM string
	TokenHash    []byte
	Created      time.Time
}

// NodeProject is a project key wrapped to a node's public key.
type NodeProject struct {
	NodeID      string
	ProjectID   string
	ProjectName string // filled in by lookups
	WrappedKey  []byte
	Created     time.Time
}

// NodeSecret is a secret re-sealed to a node's public key.
type NodeSecret struct {
	NodeID     string
	SecretID   string
	SecretName string // filled in by lookups
	SecretType string // filled in by lookups
	Fields     map[string][]byte
	Created    time.Time
}

// Rows stores everything but file contents. Lookups that match nothing
// return ErrNotFound; inserts of a taken unique value return ErrConflict.
type Rows interface {
	CreateUser(ctx context.Context, u User) error
	UserByTokenHash(ctx context.Context, tokenHash []byte) (User, error)
	UserByName(ctx context.Context, username string) (User, error)

	// PutMasterKey records userID's master key; ErrConflict if one is set.
	PutMasterKey(ctx context.Context, userID string, mk MasterKey) error
	MasterKey(ctx context.Context, userID string) (MasterKey, error)

	CreateProject(ctx context.Context, p Project) error
	// ProjectFor is projectID as userID sees it, ErrNotFound if userID
	// neither owns it nor is a member.
	ProjectFor(ctx context.Context, projectID, userID string) (ProjectAccess, error)
	ProjectsFor(ctx context.Context, userID string) ([]ProjectAccess, error)
	AddMember(ctx context.Context, m Member) error
	Members(ctx context.Context, projectID string) ([]Member, error)

	CreateFile(ctx context.Context, f File) error
	Files(ctx context.Context, projectID string) ([]File, error)
	File(ctx context.Context, projectID, fileID string) (File, error)

	// CreateSecret returns ErrConflict when the owner has a secret of
	// that name.
	CreateSecret(ctx context.Context, s Secret) error
	Secrets(ctx context.Context, ownerID string) ([]Secret, error)
	Secret(ctx context.Context, ownerID, secretID string) (Secret, error)

	CreateNode(ctx context.Context, n Node) error
	NodeByTokenHash(ctx context.Context, tokenHash []byte) (Node, error)
	Nodes(ctx context.Context, ownerID string) ([]Node, error)
	Node(ctx context.Context, ownerID, nodeID string) (Node, error)
	GrantProject(ctx context.Context, g NodeProject) error
	NodeProject(ctx context.Context, nodeID, projectID string) (NodeProject, error)
	NodeProjects(ctx context.Context, nodeID string) ([]NodeProject, error)
	GrantSecret(ctx context.Context, g NodeSecret) error
	NodeSecrets(ctx context.Context, nodeID string) ([]NodeSecret, error)
}

// Blobs stores encrypted file contents under keys the handler chooses
// (lowercase hex).
type Blobs interface {
	// Put stores exactly size bytes read from body under key. It returns
	// only once the blob is durable; on any error, including a body that
	// ends early or runs long, nothing is stored under key.
	Put(ctx context.Context, key string, body io.Reader, size int64) error
	// Open returns the blob's contents, ErrNotFound if there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob; deleting an absent blob is not an error.
	Delete(ctx context.Context, key string) error
}

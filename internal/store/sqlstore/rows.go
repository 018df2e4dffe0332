package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ownkey/ownkey/internal/service"
)

// The methods below implement service.Rows; each write is one statement.

// Users and master keys.

func (s *Store) CreateUser(ctx context.Context, u service.User) error {
	return s.insert(ctx, "a user",
		`INSERT INTO users (id, username, token_hash, created) VALUES (?, ?, ?, ?)`,
		u.ID, u.Username, hexOf(u.TokenHash), u.Created.Unix())
}

const userColumns = `id, username, created`

func scanUser(row interface{ Scan(...any) error }, u *service.User) error {
	return row.Scan(&u.ID, &u.Username, unixTime{&u.Created})
}

func (s *Store) UserByTokenHash(ctx context.Context, tokenHash []byte) (service.User, error) {
	var u service.User
	err := scanUser(s.db.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE token_hash = ?`, hexOf(tokenHash)), &u)
	u.TokenHash = tokenHash
	return u, one("a user", err)
}

func (s *Store) UserByName(ctx context.Context, username string) (service.User, error) {
	var u service.User
	err := scanUser(s.db.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE username = ?`, username), &u)
	return u, one("a user", err)
}

func (s *Store) PutMasterKey(ctx context.Context, userID string, mk service.MasterKey) error {
	return s.insert(ctx, "a master key",
		`INSERT INTO master_keys (user_id, public_key, challenge, signature, created)
		 VALUES (?, ?, ?, ?, ?)`,
		userID, mk.PublicKeyPEM, enc(mk.Challenge), enc(mk.Signature), mk.Created.Unix())
}

func (s *Store) MasterKey(ctx context.Context, userID string) (service.MasterKey, error) {
	var mk service.MasterKey
	err := s.db.QueryRowContext(ctx,
		`SELECT public_key, challenge, signature, created FROM master_keys WHERE user_id = ?`,
		userID).Scan(&mk.PublicKeyPEM, b64{&mk.Challenge}, b64{&mk.Signature},
		unixTime{&mk.Created})
	return mk, one("a master key", err)
}

// Projects and members.

func (s *Store) CreateProject(ctx context.Context, p service.Project) error {
	return s.insert(ctx, "a project",
		`INSERT INTO projects (id, name, owner_id, owner_wrapped_key, created)
		 VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.OwnerID, enc(p.OwnerWrappedKey), p.Created.Unix())
}

// projectAccess selects projects as user ?1 sees them: the owner's key from
// the project row, a member's from their members row.
const projectAccess = `
	SELECT p.id, p.name, p.owner_id, u.username, p.created,
		CASE WHEN p.owner_id = ?1 THEN 'owner' ELSE 'member' END,
		CASE WHEN p.owner_id = ?1 THEN p.owner_wrapped_key ELSE m.wrapped_key END
	FROM projects p
	JOIN users u ON u.id = p.owner_id
	LEFT JOIN members m ON m.project_id = p.id AND m.user_id = ?1
	WHERE (p.owner_id = ?1 OR m.user_id IS NOT NULL)`

func scanProject(row interface{ Scan(...any) error }, p *service.ProjectAccess) error {
	return row.Scan(&p.ID, &p.Name, &p.OwnerID, &p.Owner, unixTime{&p.Created}, &p.Role,
		b64{&p.WrappedKey})
}

func (s *Store) ProjectFor(ctx context.Context, projectID, userID string) (
	service.ProjectAccess, error) {
	var p service.ProjectAccess
	err := scanProject(s.db.QueryRowContext(ctx, projectAccess+` AND p.id = ?2`,
		userID, projectID), &p)
	return p, one("a project", err)
}

func (s *Store) ProjectsFor(ctx context.Context, userID string) ([]service.ProjectAccess, error) {
	return list(ctx, s.db, "projects", projectAccess+` ORDER BY p.name, p.id`,
		[]any{userID}, scanProject)
}

func (s *Store) AddMember(ctx context.Context, m service.Member) error {
	return s.insert(ctx, "a member",
		`INSERT INTO members (project_id, user_id, wrapped_key, created) VALUES (?, ?, ?, ?)`,
		m.ProjectID, m.UserID, enc(m.WrappedKey), m.Created.Unix())
}

func (s *Store) Members(ctx context.Context, projectID string) ([]service.Member, error) {
	return list(ctx, s.db, "members",
		`SELECT m.project_id, m.user_id, u.username, m.wrapped_key, m.created
		 FROM members m JOIN users u ON u.id = m.user_id
		 WHERE m.project_id = ? ORDER BY u.username`,
		[]any{projectID},
		func(row interface{ Scan(...any) error }, m *service.Member) error {
			return row.Scan(&m.ProjectID, &m.UserID, &m.Username, b64{&m.WrappedKey},
				unixTime{&m.Created})
		})
}

// Files.

func (s *Store) CreateFile(ctx context.Context, f service.File) error {
	return s.insert(ctx, "a file",
		`INSERT INTO files (id, project_id, name, size, uploader_id, created)
		 VALUES (?, ?, ?, ?, ?, ?)`,
		f.ID, f.ProjectID, f.Name, f.Size, f.UploaderID, f.Created.Unix())
}

const fileColumns = `
	SELECT f.id, f.project_id, f.name, f.size, f.uploader_id, u.username, f.created
	FROM files f JOIN users u ON u.id = f.uploader_id`

func scanFile(row interface{ Scan(...any) error }, f *service.File) error {
	var size sqlInt
	err := row.Scan(&f.ID, &f.ProjectID, &f.Name, &size, &f.UploaderID, &f.Uploader,
		unixTime{&f.Created})
	f.Size = int64(size)
	return err
}

func (s *Store) Files(ctx context.Context, projectID string) ([]service.File, error) {
	return list(ctx, s.db, "files", fileColumns+` WHERE f.project_id = ?
		ORDER BY f.name, f.id`, []any{projectID}, scanFile)
}

func (s *Store) File(ctx context.Context, projectID, fileID string) (service.File, error) {
	var f service.File
	err := scanFile(s.db.QueryRowContext(ctx, fileColumns+
		` WHERE f.project_id = ? AND f.id = ?`, projectID, fileID), &f)
	return f, one("a file", err)
}

// Secrets.

func (s *Store) CreateSecret(ctx context.Context, secret service.Secret) error {
	fields, err := encFields(secret.Fields)
	if err != nil {
		return fmt.Errorf("sqlstore: encoding a secret's fields: %w", err)
	}
	return s.insert(ctx, "a secret",
		`INSERT INTO secrets (id, owner_id, name, type, fields, created)
		 VALUES (?, ?, ?, ?, ?, ?)`,
		secret.ID, secret.OwnerID, secret.Name, secret.Type, fields, secret.Created.Unix())
}

const secretColumns = `SELECT id, owner_id, name, type, fields, created FROM secrets`

func scanSecret(row interface{ Scan(...any) error }, s *service.Secret) error {
	return row.Scan(&s.ID, &s.OwnerID, &s.Name, &s.Type, fieldsJSON{&s.Fields},
		unixTime{&s.Created})
}

func (s *Store) Secrets(ctx context.Context, ownerID string) ([]service.Secret, error) {
	return list(ctx, s.db, "secrets", secretColumns+` WHERE owner_id = ?
		ORDER BY name`, []any{ownerID}, scanSecret)
}

func (s *Store) Secret(ctx context.Context, ownerID, secretID string) (service.Secret, error) {
	var secret service.Secret
	err := scanSecret(s.db.QueryRowContext(ctx, secretColumns+
		` WHERE owner_id = ? AND id = ?`, ownerID, secretID), &secret)
	return secret, one("a secret", err)
}

// Nodes and what they were given.

func (s *Store) CreateNode(ctx context.Context, n service.Node) error {
	return s.insert(ctx, "a node",
		`INSERT INTO nodes (id, owner_id, name, public_key, token_hash, created)
		 VALUES (?, ?, ?, ?, ?, ?)`,
		n.ID, n.OwnerID, n.Name, n.PublicKeyPEM, hexOf(n.TokenHash), n.Created.Unix())
}

const nodeColumns = `SELECT id, owner_id, name, public_key, created FROM nodes`

func scanNode(row interface{ Scan(...any) error }, n *service.Node) error {
	return row.Scan(&n.ID, &n.OwnerID, &n.Name, &n.PublicKeyPEM, unixTime{&n.Created})
}

func (s *Store) NodeByTokenHash(ctx context.Context, tokenHash []byte) (service.Node, error) {
	var n service.Node
	err := scanNode(s.db.QueryRowContext(ctx, nodeColumns+` WHERE token_hash = ?`,
		hexOf(tokenHash)), &n)
	n.TokenHash = tokenHash
	return n, one("a node", err)
}

func (s *Store) Nodes(ctx context.Context, ownerID string) ([]service.Node, error) {
	return list(ctx, s.db, "nodes", nodeColumns+` WHERE owner_id = ? ORDER BY name, id`,
		[]any{ownerID}, scanNode)
}

func (s *Store) Node(ctx context.Context, ownerID, nodeID string) (service.Node, error) {
	var n service.Node
	err := scanNode(s.db.QueryRowContext(ctx, nodeColumns+` WHERE owner_id = ? AND id = ?`,
		ownerID, nodeID), &n)
	return n, one("a node", err)
}

func (s *Store) GrantProject(ctx context.Context, g service.NodeProject) error {
	return s.insert(ctx, "a node's project key",
		`INSERT INTO node_projects (node_id, project_id, wrapped_key, created)
		 VALUES (?, ?, ?, ?)`,
		g.NodeID, g.ProjectID, enc(g.WrappedKey), g.Created.Unix())
}

const nodeProjectColumns = `
	SELECT g.node_id, g.project_id, p.name, g.wrapped_key, g.created
	FROM node_projects g JOIN projects p ON p.id = g.project_id`

func scanNodeProject(row interface{ Scan(...any) error }, g *service.NodeProject) error {
	return row.Scan(&g.NodeID, &g.ProjectID, &g.ProjectName, b64{&g.WrappedKey},
		unixTime{&g.Created})
}

func (s *Store) NodeProject(ctx context.Context, nodeID, projectID string) (
	service.NodeProject, error) {
	var g service.NodeProject
	err := scanNodeProject(s.db.QueryRowContext(ctx, nodeProjectColumns+
		` WHERE g.node_id = ? AND g.project_id = ?`, nodeID, projectID), &g)
	return g, one("a node's project key", err)
}

func (s *Store) NodeProjects(ctx context.Context, nodeID string) ([]service.NodeProject, error) {
	return list(ctx, s.db, "a node's projects", nodeProjectColumns+
		` WHERE g.node_id = ? ORDER BY p.name, g.project_id`, []any{nodeID}, scanNodeProject)
}

func (s *Store) GrantSecret(ctx context.Context, g service.NodeSecret) error {
	fields, err := encFields(g.Fields)
	if err != nil {
		return fmt.Errorf("sqlstore: encoding a secret's fields: %w", err)
	}
	return s.insert(ctx, "a node's secret",
		`INSERT INTO node_secrets (node_id, secret_id, fields, created) VALUES (?, ?, ?, ?)`,
		g.NodeID, g.SecretID, fields, g.Created.Unix())
}

func (s *Store) NodeSecrets(ctx context.Context, nodeID string) ([]service.NodeSecret, error) {
	return list(ctx, s.db, "a node's secrets",
		`SELECT g.node_id, g.secret_id, s.name, s.type, g.fields, g.created
		 FROM node_secrets g JOIN secrets s ON s.id = g.secret_id
		 WHERE g.node_id = ? ORDER BY s.name`,
		[]any{nodeID},
		func(row interface{ Scan(...any) error }, g *service.NodeSecret) error {
			return row.Scan(&g.NodeID, &g.SecretID, &g.SecretName, &g.SecretType,
				fieldsJSON{&g.Fields}, unixTime{&g.Created})
		})
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, db *sql.DB, what, query string, args []any,
	scan func(interface{ Scan(...any) error }, *T) error) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: listing %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var item T
		if err := scan(rows, &item); err != nil {
			return nil, fmt.Errorf("sqlstore: listing %s: %w", what, err)
		}
		out = append(out, item)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: listing %s: %w", what, err)
	}
	return out, nil
}

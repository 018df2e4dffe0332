package sqlstore

// migrations are the schema, one step per version, applied in order and
// recorded in schema_migrations. Each statement is idempotent (IF NOT
// EXISTS), because D1 has no transactions: a step cut short is simply run
// again at the next start.
//
// Binary values are stored as text (hex for token hashes, base64 for wrapped
// keys and signatures) and times as Unix seconds, which every SQLite driver,
// D1's included, moves without conversion.
var migrations = [][]string{
	1: {
		`CREATE TABLE IF NOT EXISTS users (
			id         TEXT PRIMARY KEY,
			username   TEXT NOT NULL UNIQUE,
			token_hash TEXT NOT NULL UNIQUE,
			created    INTEGER NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS master_keys (
			user_id    TEXT PRIMARY KEY REFERENCES users(id),
			public_key TEXT NOT NULL,
			challenge  TEXT NOT NULL,
			signature  TEXT NOT NULL,
			created    INTEGER NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS projects (
			id                TEXT PRIMARY KEY,
			name              TEXT NOT NULL,
			owner_id          TEXT NOT NULL REFERENCES users(id),
			owner_wrapped_key TEXT NOT NULL,
			created           INTEGER NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS projects_by_owner ON projects(owner_id)`,
		`CREATE TABLE IF NOT EXISTS members (
			project_id  TEXT NOT NULL REFERENCES projects(id),
			user_id     TEXT NOT NULL REFERENCES users(id),
			wrapped_key TEXT NOT NULL,
			created     INTEGER NOT NULL,
			PRIMARY KEY (project_id, user_id)
		)`,
		`CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id)`,
		`CREATE TABLE IF NOT EXISTS files (
			id          TEXT PRIMARY KEY,
			project_id  TEXT NOT NULL REFERENCES projects(id),
			name        TEXT NOT NULL,
			size        INTEGER NOT NULL,
			uploader_id TEXT NOT NULL REFERENCES users(id),
			created     INTEGER NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS files_by_project ON files(project_id)`,
		`CREATE TABLE IF NOT EXISTS secrets (
			id       TEXT PRIMARY KEY,
			owner_id TEXT NOT NULL REFERENCES users(id),
			name     TEXT NOT NULL,
			type     TEXT NOT NULL,
			fields   TEXT NOT NULL,
			created  INTEGER NOT NULL,
			UNIQUE (owner_id, name)
		)`,
		`CREATE TABLE IF NOT EXISTS nodes (
			id         TEXT PRIMARY KEY,
			owner_id   TEXT NOT NULL REFERENCES users(id),
			name       TEXT NOT NULL,
			public_key TEXT NOT NULL,
			token_hash TEXT NOT NULL UNIQUE,
			created    INTEGER NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS nodes_by_owner ON nodes(owner_id)`,
		`CREATE TABLE IF NOT EXISTS node_projects (
			node_id     TEXT NOT NULL REFERENCES nodes(id),
			project_id  TEXT NOT NULL REFERENCES projects(id),
			wrapped_key TEXT NOT NULL,
			created     INTEGER NOT NULL,
			PRIMARY KEY (node_id, project_id)
		)`,
		`CREATE TABLE IF NOT EXISTS node_secrets (
			node_id   TEXT NOT NULL REFERENCES nodes(id),
			secret_id TEXT NOT NULL REFERENCES secrets(id),
			fields    TEXT NOT NULL,
			created   INTEGER NOT NULL,
			PRIMARY KEY (node_id, secret_id)
		)`,
	},
}

// tables lists every table in the order Reset empties them (children
// first, for the foreign keys).
var tables = []string{
	"node_secrets", "node_projects", "nodes", "secrets", "files", "members", "projects",
	"master_keys", "users",
}

// Migrations returns the schema's statements, one list per version starting
// at version 1, for stores that apply them outside the program: D1 is
// migrated by wrangler before a Worker serves (worker/migrations).
func Migrations() [][]string {
	out := make([][]string, 0, len(migrations)-1)
	for _, statements := range migrations[1:] {
		out = append(out, append([]string(nil), statements...))
	}
	return out
}

// Tables lists every table in the order Reset empties them (children
// first), for test harnesses that empty a database they reach another way.
func Tables() []string { return append([]string(nil), tables...) }

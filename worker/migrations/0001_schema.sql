-- ownkey's schema, version 1: generated from internal/store/sqlstore by
-- `go test ./tests/workerd -run TestMigrations -update`.
-- Do not edit; change sqlstore's migrations and generate it again.

CREATE TABLE IF NOT EXISTS users (
	id         TEXT PRIMARY KEY,
	username   TEXT NOT NULL UNIQUE,
	token_hash TEXT NOT NULL UNIQUE,
	created    INTEGER NOT NULL
)
;

CREATE TABLE IF NOT EXISTS master_keys (
	user_id    TEXT PRIMARY KEY REFERENCES users(id),
	public_key TEXT NOT NULL,
	challenge  TEXT NOT NULL,
	signature  TEXT NOT NULL,
	created    INTEGER NOT NULL
)
;

CREATE TABLE IF NOT EXISTS projects (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	owner_id          TEXT NOT NULL REFERENCES users(id),
	owner_wrapped_key TEXT NOT NULL,
	created           INTEGER NOT NULL
)
;

CREATE INDEX IF NOT EXISTS projects_by_owner ON projects(owner_id)
;

CREATE TABLE IF NOT EXISTS members (
	project_id  TEXT NOT NULL REFERENCES projects(id),
	user_id     TEXT NOT NULL REFERENCES users(id),
	wrapped_key TEXT NOT NULL,
	created     INTEGER NOT NULL,
	PRIMARY KEY (project_id, user_id)
)
;

CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id)
;

CREATE TABLE IF NOT EXISTS files (
	id          TEXT PRIMARY KEY,
	project_id  TEXT NOT NULL REFERENCES projects(id),
	name        TEXT NOT NULL,
	size        INTEGER NOT NULL,
	uploader_id TEXT NOT NULL REFERENCES users(id),
	created     INTEGER NOT NULL
)
;

CREATE INDEX IF NOT EXISTS files_by_project ON files(project_id)
;

CREATE TABLE IF NOT EXISTS secrets (
	id       TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL REFERENCES users(id),
	name     TEXT NOT NULL,
	type     TEXT NOT NULL,
	fields   TEXT NOT NULL,
	created  INTEGER NOT NULL,
	UNIQUE (owner_id, name)
)
;

CREATE TABLE IF NOT EXISTS nodes (
	id         TEXT PRIMARY KEY,
	owner_id   TEXT NOT NULL REFERENCES users(id),
	name       TEXT NOT NULL,
	public_key TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created    INTEGER NOT NULL
)
;

CREATE INDEX IF NOT EXISTS nodes_by_owner ON nodes(owner_id)
;

CREATE TABLE IF NOT EXISTS node_projects (
	node_id     TEXT NOT NULL REFERENCES nodes(id),
	project_id  TEXT NOT NULL REFERENCES projects(id),
	wrapped_key TEXT NOT NULL,
	created     INTEGER NOT NULL,
	PRIMARY KEY (node_id, project_id)
)
;

CREATE TABLE IF NOT EXISTS node_secrets (
	node_id   TEXT NOT NULL REFERENCES nodes(id),
	secret_id TEXT NOT NULL REFERENCES secrets(id),
	fields    TEXT NOT NULL,
	created   INTEGER NOT NULL,
	PRIMARY KEY (node_id, secret_id)
)
;

package workerd

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/store/sqlstore"
)

var update = flag.Bool("update", false, "rewrite worker/migrations from internal/store/sqlstore")

// migrationFile is the D1 migration for one schema version, as wrangler
// names them.
func migrationFile(version int) string {
	return filepath.Join(repoRoot, "worker", "migrations",
		strings.Replace("000V_schema.sql", "V", string(rune('0'+version)), 1))
}

// renderMigration writes one version's statements as a D1 migration file.
func renderMigration(version int, statements []string) string {
	var b strings.Builder
	b.WriteString("-- ownkey's schema, version " + string(rune('0'+version)) +
		": generated from internal/store/sqlstore by\n")
	b.WriteString("-- `go test ./tests/workerd -run TestMigrations -update`.\n")
	b.WriteString("-- Do not edit; change sqlstore's migrations and generate it again.\n")
	for _, statement := range statements {
		b.WriteString("\n")
		for _, line := range strings.Split(statement, "\n") {
			// sqlstore indents with tabs inside a Go string; D1 does not
			// mind, but the file reads better flush left.
			b.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "\t"), "\t") + "\n")
		}
		b.WriteString(";\n")
	}
	return b.String()
}

// TestMigrationsMatchSchema checks that worker/migrations, which wrangler
// applies to D1, holds exactly the schema of the embedded store.
func TestMigrationsMatchSchema(t *testing.T) {
	versions := sqlstore.Migrations()
	if len(versions) > 9 {
		t.Fatalf("%d schema versions: migrationFile names only 1 to 9", len(versions))
	}
	for i, statements := range versions {
		version := i + 1
		want := renderMigration(version, statements)
		path := migrationFile(version)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; generate it with go test ./tests/workerd -run TestMigrations -update", err)
		}
		if string(got) != want {
			t.Fatalf("%s differs from sqlstore's schema version %d; generate it again with "+
				"go test ./tests/workerd -run TestMigrations -update", path, version)
		}
	}
	entries, err := os.ReadDir(filepath.Join(repoRoot, "worker", "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(versions) {
		t.Fatalf("worker/migrations holds %d files for %d schema versions", len(entries),
			len(versions))
	}
}

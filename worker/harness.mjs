// harness.mjs runs the built Worker (build/) in local workerd through
// Miniflare, with an in-memory D1 database migrated from migrations/ and an
// in-memory R2 bucket, for the Go tests in tests/workerd. Nothing leaves
// loopback: both servers bind to 127.0.0.1, Miniflare's Request.cf fetch
// and telemetry are off, and the Worker has no outbound route.
//
//   node harness.mjs [--build DIR] [--site DIR]
//
// --build is where worker/build.sh --out put the Worker (default build/),
// --site a directory of the page to serve as static assets.
//
// It prints one line, `ready WORKER_URL CONTROL_URL`, once both accept
// requests. The control server, for tests only:
//
//   POST /reset   body: JSON list of tables, children first: empties them
//                 and the bucket
//   GET  /objects the bucket's objects, as a JSON list of {key, size, etag}
//                 (a multipart object's etag ends in -PARTS)
//
// It stops, ending workerd, when its stdin closes or on SIGTERM/SIGINT.
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";

const here = dirname(fileURLToPath(import.meta.url));
const loopback = "127.0.0.1";

const args = process.argv.slice(2);
let site;
let build = join(here, "build");
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--site" && i + 1 < args.length) {
    site = args[++i];
  } else if (args[i] === "--build" && i + 1 < args.length) {
    build = args[++i];
  } else {
    console.error(
      `harness: unknown argument ${args[i]}; usage: node harness.mjs [--build DIR] [--site DIR]`,
    );
    process.exit(2);
  }
}

// The same bindings and variables as wrangler.jsonc, with the upload limit
// the tests choose; unset, the Worker uses its default.
const maxUpload = process.env.OWNKEY_MAX_UPLOAD ?? "";

const options = {
  host: loopback,
  port: 0,
  cf: false,
  telemetry: { enabled: false },
  log: new Log(LogLevel.WARN),
  modules: true,
  scriptPath: join(build, "worker.mjs"),
  modulesRoot: build,
  modulesRules: [
    { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2026-04-01",
  d1Databases: { DB: "ownkey-test" },
  r2Buckets: { FILES: "ownkey-files-test" },
  bindings: maxUpload === "" ? {} : { OWNKEY_MAX_UPLOAD: maxUpload },
};
if (site !== undefined) {
  options.assets = {
    directory: site,
    routerConfig: {
      has_user_worker: true,
      invoke_user_worker_ahead_of_assets: false,
      static_routing: { user_worker: ["/api/*"] },
    },
  };
}

const mf = new Miniflare(options);
const workerURL = await mf.ready;

const db = await mf.getD1Database("DB");
const bucket = await mf.getR2Bucket("FILES");

// migrate applies migrations/*.sql in order, as `wrangler d1 migrations
// apply` does: the statements of one file in one batch.
async function migrate() {
  const dir = join(here, "migrations");
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".sql")).sort()) {
    const text = readFileSync(join(dir, name), "utf8")
      .split("\n")
      .filter((line) => !line.startsWith("--"))
      .join("\n");
    const statements = text
      .split(";")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    await db.batch(statements.map((s) => db.prepare(s)));
  }
}
await migrate();

async function allObjects() {
  const objects = [];
  let cursor;
  do {
    const page = await bucket.list({ cursor });
    objects.push(...page.objects.map((o) => ({ key: o.key, size: o.size, etag: o.etag })));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return objects;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const control = createServer(async (req, res) => {
  try {
    if (req.method === "POST" && req.url === "/reset") {
      const tables = JSON.parse(await readBody(req));
      if (!Array.isArray(tables) || !tables.every((t) => /^[a-z_]+$/.test(t))) {
        throw new Error("the body must be a JSON list of table names");
      }
      await db.batch(tables.map((t) => db.prepare(`DELETE FROM ${t}`)));
      const keys = (await allObjects()).map((o) => o.key);
      if (keys.length > 0) await bucket.delete(keys);
      res.writeHead(204).end();
      return;
    }
    if (req.method === "GET" && req.url === "/objects") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(await allObjects()));
      return;
    }
    res.writeHead(404).end(`harness: no control endpoint ${req.method} ${req.url}\n`);
  } catch (err) {
    res.writeHead(500).end(`harness: ${err.message}\n`);
  }
});
await new Promise((resolve) => control.listen(0, loopback, resolve));
const controlURL = `http://${loopback}:${control.address().port}`;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  control.close();
  await mf.dispose();
  process.exit(0);
}
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

const base = workerURL.href.replace(/\/$/, "");
console.log(`ready ${base} ${controlURL}`);

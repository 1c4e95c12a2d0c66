import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as jirad from "../../src";

test("socket path: JIRAD_SOCKET, then XDG_RUNTIME_DIR, then a directory of the user's own", () => {
  assert.equal(jirad.socketPath({ JIRAD_SOCKET: "/x/s", XDG_RUNTIME_DIR: "/run/u" }), "/x/s");
  assert.equal(jirad.socketPath({ XDG_RUNTIME_DIR: "/run/u", HOME: "/h" }), "/run/u/jirad/jirad.sock");
  assert.equal(jirad.socketPath({ HOME: "/h" }, "linux"), "/h/.cache/jirad/jirad.sock");
  assert.equal(jirad.socketPath({ HOME: "/h", XDG_CACHE_HOME: "/c" }, "linux"), "/c/jirad/jirad.sock");
  assert.equal(jirad.socketPath({ HOME: "/h", TMPDIR: "/t" }, "linux"), "/h/.cache/jirad/jirad.sock");
  assert.equal(jirad.socketPath({ HOME: "/h", TMPDIR: "/var/f/T/" }, "darwin"), "/var/f/T/jirad/jirad.sock");
  assert.equal(jirad.socketPath({}), `/tmp/jirad-${os.userInfo().uid}/jirad.sock`);
});

const root = process.geteuid?.() === 0;
const OTHER = 65534;

test("a symlinked socket directory is refused, and nothing is started there", async () => {
  const dir = tmpdir();
  fs.mkdirSync(path.join(dir, "real"), { mode: 0o700 });
  fs.symlinkSync(path.join(dir, "real"), path.join(dir, "link"));
  await assert.rejects(jirad.connect({ socket: path.join(dir, "link", "jirad.sock"), jiradBin: "/nonexistent/jirad" }),
    (e: Error) => e instanceof jirad.UnsafeSocket && /is a symbolic link/.test(e.message));
  assert.deepEqual(fs.readdirSync(path.join(dir, "real")), []);
});

test("a socket directory others can write is refused", async () => {
  const dir = path.join(tmpdir(), "shared");
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o777);
  await assert.rejects(jirad.connect({ socket: path.join(dir, "jirad.sock"), jiradBin: "/nonexistent/jirad" }),
    (e: Error) => e instanceof jirad.UnsafeSocket && /writable by everyone \(mode 0777\).*chmod 700/.test(e.message));
  fs.chmodSync(dir, 0o770);
  assert.throws(() => jirad.checkSocketDir(path.join(dir, "jirad.sock")), /writable by its group/);
});

test("a socket directory in a parent others can change is refused", () => {
  const parent = path.join(tmpdir(), "p");
  fs.mkdirSync(path.join(parent, "jirad"), { recursive: true, mode: 0o700 });
  fs.chmodSync(parent, 0o777);
  assert.throws(() => jirad.checkSocketDir(path.join(parent, "jirad", "jirad.sock")), /another user can change/);
  fs.chmodSync(parent, 0o1777); // sticky, like /tmp
  assert.equal(jirad.checkSocketDir(path.join(parent, "jirad", "jirad.sock")), true);
});

test("a socket directory of another user is refused", { skip: !root && "needs root" }, () => {
  const dir = path.join(tmpdir(), "squat");
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, OTHER, OTHER);
  assert.throws(() => jirad.checkSocketDir(path.join(dir, "jirad.sock")),
    (e: Error) => e instanceof jirad.UnsafeSocket && new RegExp(`belongs to uid ${OTHER}, not to you`).test(e.message));
});

test("a socket file of another user is refused after connecting, with nothing sent", { skip: !root && "needs root" }, async () => {
  // Node cannot ask the kernel who listens (no SO_PEERCRED): the socket file's owner stands in.
  const sock = path.join(tmpdir(), "jirad.sock");
  let received = 0;
  const server = net.createServer((c) => c.on("data", (d) => { received += d.length; }));
  await new Promise<void>((r) => server.listen(sock, r));
  fs.lchownSync(sock, OTHER, OTHER);
  await assert.rejects(jirad.connect({ socket: sock, jiradBin: "/nonexistent/jirad" }),
    (e: Error) => e instanceof jirad.UnsafeSocket && new RegExp(`a socket of uid ${OTHER}`).test(e.message));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(received, 0);
  server.close();
});

test("binary lookup: explicit, JIRAD_BIN, PATH", () => {
  assert.equal(jirad.jiradBinary("/opt/jirad", {}), "/opt/jirad");
  assert.equal(jirad.jiradBinary(undefined, { JIRAD_BIN: "/b/jirad" }), "/b/jirad");
  assert.throws(() => jirad.jiradBinary(undefined, { PATH: "/nonexistent" }), jirad.DaemonNotFound);
});

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "jirad-ts-"));
}

test("connect without spawning reports a missing daemon", async () => {
  await assert.rejects(jirad.connect({ socket: path.join(tmpdir(), "none.sock"), spawn: false }), jirad.DaemonNotFound);
});

test("connect starts jirad serve when nothing listens, and reports a daemon that dies", async () => {
  const dir = tmpdir();
  // A stand-in jirad: fails like a bad config would, or listens where told.
  const stub = path.join(dir, "jirad");
  fs.writeFileSync(stub, `#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.includes("FAIL")) { process.stderr.write("config error: unknown key nope\\n"); process.exit(1); }
const sock = args[args.indexOf("--socket") + 1];
require("net").createServer((c) => c.end()).listen(sock);
setTimeout(() => process.exit(0), 3000);
`, { mode: 0o755 });
  await assert.rejects(jirad.connect({ socket: path.join(dir, "a.sock"), jiradBin: stub, args: ["--config", "FAIL"] }),
    (e: Error) => e instanceof jirad.DaemonNotFound && /unknown key/.test(e.message));
  const sock = path.join(dir, "b.sock");
  const client = await jirad.connect({ socket: sock, jiradBin: stub });
  assert.ok(fs.existsSync(sock));
  client.dispose();
});

test("connect reuses a listening daemon without spawning", async () => {
  const sock = path.join(tmpdir(), "c.sock");
  const server = net.createServer((c) => c.end());
  await new Promise<void>((r) => server.listen(sock, r));
  const client = await jirad.connect({ socket: sock, jiradBin: "/nonexistent/jirad" });
  client.dispose();
  server.close();
});

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as jirad from "../../src";

test("socket path: JIRAD_SOCKET, then XDG_RUNTIME_DIR, then /tmp/jirad-UID", () => {
  assert.equal(jirad.socketPath({ JIRAD_SOCKET: "/x/s", XDG_RUNTIME_DIR: "/run/u" }), "/x/s");
  assert.equal(jirad.socketPath({ XDG_RUNTIME_DIR: "/run/u" }), "/run/u/jirad/jirad.sock");
  assert.equal(jirad.socketPath({}), `/tmp/jirad-${os.userInfo().uid}/jirad.sock`);
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
if (args.includes("FAIL")) { process.stderr.write("config error: unknown key nope\\n"); process.exit(3); }
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

/** The client against the real `jirad serve` and `fake-jira` (JIRAD_BIN, FAKE_JIRA_BIN). */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import * as jirad from "../../src";
import { approve, startEnv, type TestEnv } from "./env";

let env: TestEnv;
let client: jirad.JiradClient;

before(async () => {
  env = await startEnv();
  client = await jirad.connect({ socket: env.socket, spawn: false });
});

after(async () => {
  client?.dispose();
  await env?.stop();
});

// The daemon's normalized issue lifts summary to the top; accept Jira's fields.summary too.
const summaryOf = (issue: jirad.Issue) => issue.summary ?? issue.fields?.summary;
const keysOf = (page: jirad.IssuePage) => page.issues.map((i) => i.key);

async function newIssue(extra: Partial<jirad.IssuesCreateParams> = {}) {
  const summary = `ts client ${randomUUID().slice(0, 8)}`;
  const created = await client.issues.create({ project: env.project, type: "Task", summary, ...extra });
  return { key: created.key, summary };
}

test("initialize reports the server; rpc.discover lists exactly our methods", async () => {
  const init = await client.initialize();
  assert.ok(init.serverInfo.name && init.serverInfo.version && init.protocolVersion);
  const served = (await client.discover()).methods.filter((m) => "result" in m).map((m) => m.name);
  assert.deepEqual(served.sort(), [...jirad.METHOD_NAMES].sort());
});

test("issue lifecycle: create, get, list, update, comment, transition, delete", async () => {
  const { key, summary } = await newIssue({ description: "Made by the *TypeScript* client.", labels: ["ts-test"] });
  assert.ok(key.startsWith(`${env.project}-`));
  assert.equal(summaryOf(await client.issues.get({ key })), summary);
  const page = await client.issues.list({ jql: `project = ${env.project} AND labels = "ts-test"`, all: true });
  assert.ok(keysOf(page).includes(key));
  assert.equal(page.isLast, true);
  await client.issues.update({ key, summary: `${summary} (edited)` });
  assert.equal(summaryOf(await client.issues.get({ key, fresh: true })), `${summary} (edited)`);
  await client.issues.addComment({ key, body: "hello from typescript" });
  assert.match(JSON.stringify(await client.issues.comments({ key })), /hello from typescript/);
  const t: any = await client.issues.transitions({ key });
  const names: string[] = (Array.isArray(t) ? t : t.transitions).map((x: any) => x.name);
  assert.ok(names.length > 0);
  await client.issues.transition({ key, to: names[names.length - 1] });
  await client.issues.delete({ key });
  await assert.rejects(client.issues.get({ key, fresh: true }), jirad.NotFound);
});

test("errors arrive as their classes", async () => {
  await assert.rejects(client.issues.get({ key: `${env.project}-999999` }), (e: unknown) => e instanceof jirad.NotFound && e.kind === "notFound");
  await assert.rejects(client.request("issues/noSuchMethod", {}), jirad.MethodNotFound);
  await assert.rejects(client.request("issues/get", { key: 42 } as any), jirad.InvalidParams);
  await assert.rejects(client.issues.create({ project: env.project, type: "NoSuchIssueType", summary: "x" }), jirad.InvalidFields);
});

test("projects, users, auth and cache answer", async () => {
  assert.match(JSON.stringify(await client.projects.list()), new RegExp(env.project));
  assert.match(JSON.stringify(await client.projects.issueTypes({ project: env.project })), /Task/);
  assert.ok(await client.users.me());
  assert.match(JSON.stringify(await client.auth.profiles()), /"test"/);
  assert.equal(typeof (await client.auth.status({ profile: "test" })), "object");
  assert.equal(typeof (await client.cache.stats()), "object");
});

test("issues/watch delivers issues/didChange events", async () => {
  const { key } = await newIssue();
  const changed = new Promise<jirad.Notifications["issues/didChange"]>((resolve) => {
    const sub = client.on("issues/didChange", (p) => {
      if (JSON.stringify(p.changed).includes(key)) { sub.dispose(); resolve(p); }
    });
  });
  const watch = await client.issues.watch({ jql: `project = ${env.project}`, intervalSeconds: 1 });
  assert.ok(keysOf({ issues: watch.issues, isLast: true }).includes(key));
  const other = await jirad.connect({ socket: env.socket, spawn: false });
  await other.issues.update({ key, summary: "changed elsewhere" });
  other.dispose();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no issues/didChange in 20 s")), 20000).unref());
  const note = await Promise.race([changed, timeout]);
  assert.equal(note.watchId, watch.watchId);
  await client.issues.unwatch({ watchId: watch.watchId });
});

test("a cancelled request leaves the connection usable", async () => {
  const source = new jirad.CancellationTokenSource();
  const pending = client.issues.list({ project: env.project, all: true, fresh: true }, source.token);
  source.cancel();
  try {
    await pending; // the answer may win the race; either outcome is fine
  } catch (e) {
    assert.ok(e instanceof jirad.RequestCancelled, String(e));
  }
  assert.ok(await client.daemon.status());
});

test("spawnStdio runs a private daemon over pipes", async () => {
  const stdio = jirad.spawnStdio({ jiradBin: env.jirad, args: ["--config", env.config], env: { ...process.env, ...env.env } });
  assert.ok((await stdio.initialize()).serverInfo.name);
  assert.ok(await stdio.projects.list());
  await stdio.close();
  assert.equal(stdio.process!.exitCode, 0);
});

test("connect starts the daemon when none listens", async () => {
  const sock = path.join(env.tmp, "spawned.sock");
  const spawned = await jirad.connect({ socket: sock, jiradBin: env.jirad, args: ["--config", env.config], timeoutMs: 20000,
    env: { ...process.env, ...env.env } });
  try {
    assert.ok(await spawned.users.me());
    assert.ok(fs.existsSync(sock));
  } finally {
    spawned.dispose();
    killSpawned(sock);
  }
});

/** End the detached daemon we had started, by its pid, found through its unique socket argument. */
function killSpawned(sock: string) {
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv.includes(sock) && argv.includes("serve")) process.kill(Number(pid), "SIGTERM");
    } catch { /* gone already */ }
  }
}

test("an OAuth profile asks for authorization, then logs in", async () => {
  const key = `${env.project}-1`;
  await assert.rejects(client.issues.get({ key, profile: "oauth" }), (e: unknown) =>
    e instanceof jirad.AuthRequired && e.profile === "oauth" && !!e.authorizationUrl?.startsWith(env.fake.url));
  const start = await client.auth.login({ profile: "oauth" });
  assert.ok(start.authorizationUrl.startsWith(`${env.fake.url}/authorize`));
  const redirect = await approve(start.authorizationUrl);
  assert.ok(redirect.startsWith(env.redirectUri) && redirect.includes("code="));
  await client.auth.complete({ profile: "oauth", redirectUrl: redirect });
  assert.equal((await client.issues.get({ key, profile: "oauth" })).key, key);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseError } from "vscode-jsonrpc";
import * as jirad from "../../src";
import { pair } from "./memory";

function echoServer() {
  return pair((server) => {
    server.onRequest((method, params) => {
      if (method === "issues/get" && (params as any)?.key === "NOPE-1") {
        throw new ResponseError(-32004, "Issue does not exist", { kind: "notFound" });
      }
      if (method.startsWith("nope/")) throw new ResponseError(-32601, `Method not found: ${method}`);
      return { method, params: params ?? null };
    });
    server.onRequest("slow", (_params, token) => new Promise((resolve) => {
      token.onCancellationRequested(() => resolve({ sawCancel: true }));
    }));
  });
}

test("typed methods send one params object by name; no params means none at all", async () => {
  const { client, wire } = echoServer();
  assert.deepEqual(await client.issues.list({ project: "DEMO", orderBy: "created DESC" }),
    { method: "issues/list", params: { project: "DEMO", orderBy: "created DESC" } });
  assert.deepEqual(await client.auth.selectSite({ site: "s", profile: "p" }),
    { method: "auth/selectSite", params: { site: "s", profile: "p" } });
  assert.deepEqual(await client.daemon.status(), { method: "daemon/status", params: null });
  assert.deepEqual(await client.initialize({ profile: "demo" }), {
    method: "initialize", params: { clientInfo: { name: "jirad-typescript", version: "0.1.0" }, profile: "demo" } });
  await client.initialized();
  await client.daemon.stop();
  assert.match(wire(), /\{"jsonrpc":"2.0","method":"initialized"\}/);
  assert.ok(!wire().includes('"params":[null]'));
  client.dispose();
});

test("errors reject with their class", async () => {
  const { client } = echoServer();
  await assert.rejects(client.issues.get({ key: "NOPE-1" }), (e: unknown) =>
    e instanceof jirad.NotFound && e.kind === "notFound" && e.message === "Issue does not exist");
  await assert.rejects(client.request("nope/none"), jirad.MethodNotFound);
  client.dispose();
});

test("notifications reach typed listeners until disposed", async () => {
  const { client, server } = echoServer();
  const seen: string[] = [];
  const sub = client.on("issues/didChange", (p) => seen.push(p.watchId));
  const urls: string[] = [];
  client.on("auth/authorizationRequired", (p) => urls.push(p.authorizationUrl));
  await server.sendNotification("issues/didChange", { watchId: "w1", added: [], changed: ["DEMO-1"], removed: [] });
  await server.sendNotification("auth/authorizationRequired", { profile: "p", authorizationUrl: "http://127.0.0.1/x" });
  await client.daemon.status(); // a round trip: the notifications were read before the answer
  sub.dispose();
  await server.sendNotification("issues/didChange", { watchId: "w2", added: [], changed: [], removed: [] });
  await client.daemon.status();
  assert.deepEqual(seen, ["w1"]);
  assert.deepEqual(urls, ["http://127.0.0.1/x"]);
  client.dispose();
});

test("a CancellationToken sends $/cancelRequest for that request", async () => {
  const { client, wire } = echoServer();
  const source = new jirad.CancellationTokenSource();
  const pending = client.request("slow", {}, source.token);
  await client.daemon.status();
  source.cancel();
  // The stand-in answers once it sees the cancel, proving it arrived.
  assert.deepEqual(await pending, { sawCancel: true });
  assert.match(wire(), /"method":"\$\/cancelRequest","params":\{"id":0\}/);
  client.dispose();
});

test("a daemon that goes away rejects waiting calls with ConnectionClosed", async () => {
  const { client, hangUp } = echoServer();
  let closed = false;
  client.onClose(() => { closed = true; });
  const pending = client.request("slow", {});
  await client.daemon.status();
  hangUp();
  await assert.rejects(pending, jirad.ConnectionClosed);
  assert.ok(closed);
  await assert.rejects(client.users.me(), jirad.ConnectionClosed);
});

test("typed methods refuse a key the method does not take, naming the closest, and send nothing", async () => {
  const { client, wire } = echoServer();
  const cases: Array<[Promise<unknown>, string, string]> = [
    [client.issues.update({ key: "DEMO-1", sumary: "x" } as never), "sumary", "summary"],
    [client.issues.list({ projct: "OPS" } as never), "projct", "project"],
    [client.issues.delete({ key: "DEMO-1", deleteSubtask: true } as never), "deleteSubtask", "deleteSubtasks"],
    [client.issues.create({ project: "DEMO", type: "Task", summary: "x", descripton: "lost" } as never), "descripton", "description"],
  ];
  for (const [call, field, meant] of cases) {
    await assert.rejects(call, (e: unknown) => {
      assert.ok(e instanceof jirad.InvalidParams);
      assert.equal(e.message, `Invalid params: unknown field \`${field}\`; did you mean \`${meant}\`?`);
      assert.deepEqual([e.code, e.kind, e.path, e.field, e.didYouMean], [-32602, "invalidParams", `$.${field}`, field, meant]);
      return true;
    });
  }
  await assert.rejects(client.cache.stats({ profile: "p" } as never), jirad.InvalidParams);
  assert.ok(!wire().includes("issues/"), "nothing was sent");
  assert.deepEqual(await client.issues.update({ key: "DEMO-1", summary: "x" }),
    { method: "issues/update", params: { key: "DEMO-1", summary: "x" } });
  client.dispose();
});

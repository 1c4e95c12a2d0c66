/** The client and protocol/openrpc.json agree: requests, notifications, error kinds. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { CLIENT_NOTIFICATIONS, ERROR_KINDS, METHOD_NAMES, PARAM_NAMES, SERVER_NOTIFICATIONS } from "../../src";
import { REPO } from "./env";

interface Doc {
  methods: Array<{ name: string; result?: unknown }>;
  "x-notifications"?: Array<{ name: string }>;
  "x-error-kinds": Array<{ kind: string }>;
}
const doc = (): Doc => JSON.parse(fs.readFileSync(path.join(REPO, "protocol/openrpc.json"), "utf8"));
const sorted = (xs: Iterable<string>) => [...xs].sort();

test("requests in openrpc.json match the typed method table", () => {
  // OpenRPC: a method without `result` is a notification.
  const served = new Set(doc().methods.filter((m) => "result" in m).map((m) => m.name));
  const ours = new Set<string>(METHOD_NAMES);
  assert.deepEqual(sorted([...served].filter((m) => !ours.has(m))), [], "served by the daemon, missing in the client");
  assert.deepEqual(sorted([...ours].filter((m) => !served.has(m))), [], "in the client, not served by the daemon");
});

test("client notifications match", () => {
  assert.deepEqual(sorted(doc().methods.filter((m) => !("result" in m)).map((m) => m.name)), sorted(CLIENT_NOTIFICATIONS));
});

test("every server notification is known to the client", () => {
  const known = new Set<string>(SERVER_NOTIFICATIONS);
  assert.deepEqual((doc()["x-notifications"] ?? []).map((n) => n.name).filter((n) => !known.has(n)), []);
});

test("error kinds match", () => {
  assert.deepEqual(sorted(doc()["x-error-kinds"].map((k) => k.kind)), sorted(Object.keys(ERROR_KINDS)));
});

test("the typed methods take exactly the params of openrpc.json", () => {
  const methods = JSON.parse(fs.readFileSync(path.join(REPO, "protocol/openrpc.json"), "utf8")).methods as
    Array<{ name: string; result?: unknown; params: Array<{ name: string }> }>;
  for (const m of methods.filter((m) => "result" in m)) {
    assert.deepEqual(sorted(PARAM_NAMES[m.name as keyof typeof PARAM_NAMES] ?? []), sorted(m.params.map((p) => p.name)), m.name);
  }
});

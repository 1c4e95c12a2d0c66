import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { METHOD_NAMES } from "../../src";
import { REPO } from "./env";

test("the typed method table matches protocol/openrpc.json", () => {
  const doc = JSON.parse(fs.readFileSync(path.join(REPO, "protocol/openrpc.json"), "utf8"));
  // rpc.discover is implicit in OpenRPC: a document may or may not list itself.
  const served = new Set<string>(doc.methods.map((m: { name: string }) => m.name));
  served.delete("rpc.discover");
  const ours = new Set<string>(METHOD_NAMES);
  ours.delete("rpc.discover");
  assert.deepEqual([...served].filter((m) => !ours.has(m)).sort(), [], "served by the daemon, missing in the client");
  assert.deepEqual([...ours].filter((m) => !served.has(m)).sort(), [], "in the client, not served by the daemon");
});

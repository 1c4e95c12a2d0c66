import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseError } from "vscode-jsonrpc";
import * as jirad from "../../src";

const kinds: Array<[string, Function]> = [
  ["authRequired", jirad.AuthRequired], ["authFailed", jirad.AuthFailed], ["forbidden", jirad.Forbidden],
  ["notFound", jirad.NotFound], ["invalidFields", jirad.InvalidFields], ["rateLimited", jirad.RateLimited],
  ["upstreamUnavailable", jirad.UpstreamUnavailable], ["conflict", jirad.Conflict],
  ["siteAmbiguous", jirad.SiteAmbiguous], ["configError", jirad.ConfigError],
  ["upstreamRemoved", jirad.UpstreamRemoved], ["lossyUpdate", jirad.LossyUpdate],
  ["limitExceeded", jirad.LimitExceeded],
];

test("every data.kind maps to its class, whatever the code", () => {
  assert.deepEqual(Object.keys(jirad.ERROR_KINDS).sort(), kinds.map(([k]) => k).sort());
  for (const [kind, cls] of kinds) {
    const e = jirad.fromError({ code: -32601, message: "m", data: { kind } });
    assert.equal(e.constructor, cls, kind);
    assert.ok(e instanceof jirad.JiradError);
    assert.equal(e.kind, kind);
    assert.equal(e.code, -32601);
    assert.equal(e.name, (cls as any).name);
  }
});

test("errors expose their data", () => {
  const auth = jirad.fromError({ code: 1, message: "log in", data: { kind: "authRequired", profile: "w", authorizationUrl: "http://127.0.0.1/a" } });
  assert.ok(auth instanceof jirad.AuthRequired);
  assert.equal(auth.authorizationUrl, "http://127.0.0.1/a");
  assert.equal(auth.profile, "w");
  const rl = jirad.fromError({ code: 2, message: "slow", data: { kind: "rateLimited", retryAfterMs: 1500, reason: "jira-burst-based" } }) as jirad.RateLimited;
  assert.equal(rl.retryAfterMs, 1500);
  assert.equal(rl.reason, "jira-burst-based");
  const inv = jirad.fromError({ code: 3, message: "bad", data: { kind: "invalidFields", errors: { summary: "required" } } }) as jirad.InvalidFields;
  assert.deepEqual(inv.errors, { summary: "required" });
  assert.deepEqual(inv.errorMessages, []);
  const sa = jirad.fromError({ code: 4, message: "which", data: { kind: "siteAmbiguous", sites: [1, 2] } }) as jirad.SiteAmbiguous;
  assert.deepEqual(sa.sites, [1, 2]);
});

test("standard codes map when there is no kind; unknown kinds stay visible", () => {
  const cases: Array<[number, Function]> = [
    [-32700, jirad.ParseError], [-32600, jirad.InvalidRequest], [-32601, jirad.MethodNotFound],
    [-32602, jirad.InvalidParams], [-32603, jirad.InternalError], [-32800, jirad.RequestCancelled], [-5, jirad.JiradError],
  ];
  for (const [code, cls] of cases) assert.equal(jirad.fromError({ code, message: "x" }).constructor, cls);
  const novel = jirad.fromError({ code: 1, message: "x", data: { kind: "brandNew" } });
  assert.equal(novel.constructor, jirad.JiradError);
  assert.equal(novel.kind, "brandNew");
});

test("vscode-jsonrpc rejections become JiradErrors", () => {
  assert.ok(jirad.mapRejection(new ResponseError(-32602, "bad", { kind: "notFound" })) instanceof jirad.NotFound);
  assert.ok(jirad.mapRejection(new ResponseError(-32097, "disposed")) instanceof jirad.ConnectionClosed);
  const other = new TypeError("x");
  assert.equal(jirad.mapRejection(other), other);
});

test("invalidParams carries the path and the key meant", () => {
  const e = jirad.fromError({
    code: -32602, message: "Invalid params: unknown field `sumary`; did you mean `summary`?",
    data: { kind: "invalidParams", path: "$.sumary", field: "sumary", didYouMean: "summary", expected: ["key", "summary"] },
  });
  assert.ok(e instanceof jirad.InvalidParams);
  const p = e as jirad.InvalidParams;
  assert.deepEqual([p.kind, p.path, p.field, p.didYouMean], ["invalidParams", "$.sumary", "sumary", "summary"]);
});

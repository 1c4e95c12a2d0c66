// `jirad mcp` driven by the MCP Inspector in CLI mode (@modelcontextprotocol/inspector 0.17.5),
// against `jirad demo`: the default listing (no administration, every tool annotated), a get,
// a read-only session refusing a write with the fake unchanged, issues as resources.
// Run by scripts/test-clients.sh; uses $JIRAD_BIN (default: the repo's target/debug/jirad).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, jirad, startDemo } from '../demo.mjs';

const inspector = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin',
  'mcp-inspector');

let demo, servers;

before(async () => {
  demo = await startDemo();
  servers = join(demo.dir, 'servers.json');
  writeFileSync(servers, JSON.stringify({ mcpServers: {
    jirad: { command: jirad, args: demo.args },
    readonly: { command: jirad, args: [...demo.args, '--read-only'] },
  } }));
});

after(() => demo?.stop());

/** Runs the Inspector's CLI against server `name`; returns {status, json, stderr}. */
function inspect(name, ...args) {
  const r = spawnSync(inspector, ['--cli', '--config', servers, '--server', name, ...args],
    { encoding: 'utf8', timeout: 60_000 });
  let json = null;
  try { json = JSON.parse(r.stdout); } catch { /* a failure prints no JSON */ }
  return { status: r.status, json, stderr: r.stderr };
}

test('the default listing has no administration and every tool is annotated', () => {
  const { status, json, stderr } = inspect('jirad', '--method', 'tools/list');
  assert.equal(status, 0, stderr);
  const names = json.tools.map((t) => t.name);
  assert.ok(names.includes('issues_get') && names.includes('issues_delete'), names.join());
  for (const admin of ADMIN) assert.ok(!names.includes(admin), admin);
  for (const t of json.tools) {
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
      assert.equal(typeof t.annotations[hint], 'boolean', `${t.name} ${hint}`);
    }
    assert.equal(t.outputSchema.type, 'object', t.name);
  }
  // No schema keyword the Inspector's validator does not know.
  assert.ok(!stderr.includes('unknown format'), stderr);
});

test('a get answers with structured content and compact text', () => {
  const { status, json, stderr } = inspect('jirad', '--method', 'tools/call',
    '--tool-name', 'issues_get', '--tool-arg', 'key=DEMO-1');
  assert.equal(status, 0, stderr);
  assert.equal(json.structuredContent.key, 'DEMO-1');
  assert.match(json.content[0].text, /^DEMO-1 \| /);
});

test('a read-only session refuses a write and the fake is unchanged', () => {
  const before = inspect('readonly', '--method', 'tools/call', '--tool-name', 'issues_get',
    '--tool-arg', 'key=DEMO-8');
  const write = inspect('readonly', '--method', 'tools/call', '--tool-name', 'issues_update',
    '--tool-arg', 'key=DEMO-8', 'summary=changed');
  assert.notEqual(write.status, 0);
  assert.match(write.stderr, /read-only/);
  const after = inspect('readonly', '--method', 'tools/call', '--tool-name', 'issues_get',
    '--tool-arg', 'key=DEMO-8');
  assert.equal(after.json.structuredContent.summary, before.json.structuredContent.summary);
});

test('issues are resources', () => {
  const templates = inspect('jirad', '--method', 'resources/templates/list');
  assert.equal(templates.status, 0, templates.stderr);
  assert.equal(templates.json.resourceTemplates[0].uriTemplate, 'jira://issue/{key}');
  const read = inspect('jirad', '--method', 'resources/read', '--uri', 'jira://issue/DEMO-1');
  assert.equal(read.status, 0, read.stderr);
  assert.match(read.json.contents[0].text, /^DEMO-1 \| /);
});

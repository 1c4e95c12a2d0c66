// `jirad mcp` driven by the MCP Inspector in CLI mode (@modelcontextprotocol/inspector 0.17.5),
// against `jirad demo`: the default listing (no administration, every tool annotated), a get,
// a read-only session refusing a write with the fake unchanged, issues as resources.
// Run by scripts/test-clients.sh; uses $JIRAD_BIN (default: the repo's target/debug/jirad).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const jirad = process.env.JIRAD_BIN || join(repo, 'target', 'debug', 'jirad');
const inspector = join(here, '..', 'node_modules', '.bin', 'mcp-inspector');
const ADMIN = ['auth_login', 'auth_complete', 'auth_logout', 'auth_selectSite', 'cache_clear'];

let dir, demo, servers;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jirad-inspector-'));
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('JIRAD_')) delete env[k];
  for (const name of ['config', 'state', 'run']) mkdirSync(join(dir, name), { mode: 0o700 });
  Object.assign(env, {
    XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  });
  const socket = join(dir, 'jirad.sock');
  demo = spawn(jirad, ['demo', '--socket', socket], { env, stdio: 'ignore' });
  while (!existsSync(socket)) {
    assert.equal(demo.exitCode, null, 'jirad demo exited');
    await new Promise((r) => setTimeout(r, 20));
  }
  // An empty config of our own, so no user config on this machine changes what is offered.
  const config = join(dir, 'empty.toml');
  writeFileSync(config, '');
  chmodSync(config, 0o600);
  const base = ['mcp', '--socket', socket, '--no-spawn', '--config', config];
  servers = join(dir, 'servers.json');
  writeFileSync(servers, JSON.stringify({ mcpServers: {
    jirad: { command: jirad, args: base },
    readonly: { command: jirad, args: [...base, '--read-only'] },
  } }));
});

after(() => {
  demo?.kill();
  rmSync(dir, { recursive: true, force: true });
});

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

// `jirad demo` in a private temp dir for the Node tests, and what they share.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const jirad = process.env.JIRAD_BIN || join(repo, 'target', 'debug', 'jirad');
export const ADMIN = ['auth_login', 'auth_complete', 'auth_logout', 'auth_selectSite', 'cache_clear'];

/** Starts `jirad demo --socket S`; returns {dir, socket, args (of `jirad mcp`), stop()}. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'jirad-mcp-node-'));
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('JIRAD_')) delete env[k];
  for (const name of ['config', 'state', 'run']) mkdirSync(join(dir, name), { mode: 0o700 });
  Object.assign(env, {
    XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  });
  const socket = join(dir, 'jirad.sock');
  const demo = spawn(jirad, ['demo', '--socket', socket], { env, stdio: 'ignore' });
  while (!existsSync(socket)) {
    assert.equal(demo.exitCode, null, 'jirad demo exited');
    await new Promise((r) => setTimeout(r, 20));
  }
  // An empty config of our own, so no user config on this machine changes what is offered.
  const config = join(dir, 'empty.toml');
  writeFileSync(config, '');
  chmodSync(config, 0o600);
  return {
    dir,
    socket,
    args: ['mcp', '--socket', socket, '--no-spawn', '--config', config],
    stop() {
      demo.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

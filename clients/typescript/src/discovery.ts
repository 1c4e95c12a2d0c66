/**
 * Finding the daemon: its socket path (as the daemon computes it), checking the rendezvous, and
 * starting the daemon when absent.
 *
 * Before connecting, the socket's directory must be the user's own: not a symlink, owned by this
 * user, writable by nobody else, inside a parent nobody else can swap it out of; after connecting,
 * the socket file must be a socket owned by this user. Node has no API for a Unix socket's peer
 * credentials (`SO_PEERCRED`), so unlike the Rust and Python clients this one cannot ask the
 * kernel who listens: it relies on the filesystem, which only this user (or root) can change once
 * the directory checks pass. Otherwise `UnsafeSocket` is thrown and nothing is sent.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DaemonNotFound, UnsafeSocket } from "./errors";

type Env = Record<string, string | undefined>;

/** `jirad serve`'s exit status when another daemon already serves the socket. */
export const ALREADY_RUNNING = 3;

/**
 * `$JIRAD_SOCKET`, else `$XDG_RUNTIME_DIR/jirad/jirad.sock`; without `XDG_RUNTIME_DIR` a directory
 * other users cannot create first: `$TMPDIR/jirad/` on macOS, else `$XDG_CACHE_HOME/jirad/`, else
 * `~/.cache/jirad/`; `/tmp/jirad-$UID/` only without HOME.
 */
export function socketPath(env: Env = process.env, platform: string = process.platform): string {
  if (env.JIRAD_SOCKET) return env.JIRAD_SOCKET;
  let base: string;
  if (env.XDG_RUNTIME_DIR) base = path.join(env.XDG_RUNTIME_DIR, "jirad");
  else if (platform === "darwin" && env.TMPDIR) base = path.join(env.TMPDIR, "jirad");
  else if (env.XDG_CACHE_HOME) base = path.join(env.XDG_CACHE_HOME, "jirad");
  else if (env.HOME) base = path.join(env.HOME, ".cache", "jirad");
  else base = `/tmp/jirad-${euid()}`;
  return path.join(base, "jirad.sock");
}

function euid(): number {
  return process.geteuid ? process.geteuid() : os.userInfo().uid;
}

const octal = (m: number) => m.toString(8).padStart(4, "0");

/**
 * Checks the directory of the socket at `socket`: false when it does not exist (yet), true when it
 * is safe; throws `UnsafeSocket` otherwise. Named pipes (Windows) are not checked here.
 */
export function checkSocketDir(socket: string): boolean {
  if (process.platform === "win32") return true;
  const dir = path.dirname(socket);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  if (st.isSymbolicLink()) {
    throw new UnsafeSocket(`the socket directory ${dir} is a symbolic link (to ${fs.readlinkSync(dir)}): ` +
      "jirad never follows one there, since whoever controls the link can swap it later. Remove the " +
      "link and let jirad create the directory, or use the real directory's path");
  }
  if (!st.isDirectory()) throw new UnsafeSocket(`${dir} is not a directory; remove it or pick another socket path`);
  const me = euid();
  if (st.uid !== me) {
    throw new UnsafeSocket(`the socket directory ${dir} belongs to uid ${st.uid}, not to you (uid ${me}): ` +
      "another user may be posing as jirad there. Remove it (ask an administrator if you cannot) or use " +
      "a directory of your own (JIRAD_SOCKET, or set XDG_RUNTIME_DIR)");
  }
  const mode = st.mode & 0o7777;
  if (mode & 0o022) {
    const who = mode & 0o002 ? "everyone" : "its group";
    throw new UnsafeSocket(`the socket directory ${dir} is writable by ${who} (mode ${octal(mode)}): another ` +
      `user could replace the socket. Run \`chmod 700 ${dir}\` or use a directory only you can write`);
  }
  const parent = fs.statSync(path.join(dir, ".."));
  const pmode = parent.mode & 0o7777;
  if ((parent.uid !== me && parent.uid !== 0) || (pmode & 0o022 && !(pmode & 0o1000))) {
    throw new UnsafeSocket(`the socket directory ${dir} is inside a directory that another user can change ` +
      `(owner uid ${parent.uid}, mode ${octal(pmode)}): they could swap the socket directory for their own. ` +
      "Use a socket path under a directory only you (or root) can write");
  }
  return true;
}

/**
 * After connecting: the socket file must be a socket owned by this user (the closest Node gets to
 * asking who listens). Throws `UnsafeSocket` otherwise.
 */
export function checkSocket(socket: string): void {
  if (process.platform === "win32") return;
  const st = fs.lstatSync(socket);
  const me = euid();
  if (!st.isSocket() || st.uid !== me) {
    throw new UnsafeSocket(`${socket} is ${st.isSocket() ? `a socket of uid ${st.uid}` : "not a socket"}, ` +
      `not your jirad's (uid ${me}); nothing was sent to it. Remove it or use another socket path`);
  }
}

/** The `jirad` executable: the argument, else `$JIRAD_BIN`, else `jirad` on `PATH`. */
export function jiradBinary(explicit?: string, env: Env = process.env): string {
  if (explicit) return explicit;
  if (env.JIRAD_BIN) return env.JIRAD_BIN;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "jirad");
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new DaemonNotFound("jirad is not on PATH; set JIRAD_BIN or pass jiradBin");
}

/**
 * A connected socket, or `undefined` when nothing listens at `socket`. Throws `UnsafeSocket` when
 * the rendezvous fails the checks.
 */
export function tryConnect(socket: string): Promise<net.Socket | undefined> {
  if (!checkSocketDir(socket)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socket);
    s.once("connect", () => {
      s.removeAllListeners("error");
      try {
        checkSocket(socket);
      } catch (e) {
        s.destroy();
        reject(e);
        return;
      }
      resolve(s);
    });
    s.once("error", (e: NodeJS.ErrnoException) => {
      s.destroy();
      if (e.code === "ENOENT" || e.code === "ECONNREFUSED") resolve(undefined);
      else reject(e);
    });
  });
}

export interface SpawnOptions {
  spawn?: boolean;
  jiradBin?: string;
  /** Extra arguments for a spawned `jirad serve`, e.g. `["--config", file]`. */
  args?: string[];
  timeoutMs?: number;
  /** Environment for a spawned daemon (default: ours). */
  env?: NodeJS.ProcessEnv;
}

/** Connect to `socket`; if nothing listens and spawning is allowed, start `jirad serve` and retry. */
export async function connectOrSpawn(socket: string, opts: SpawnOptions = {}): Promise<net.Socket> {
  const first = await tryConnect(socket);
  if (first) return first;
  if (opts.spawn === false) throw new DaemonNotFound(`no jirad listening on ${socket}`);
  // stderr goes to an unlinked temp file, not a pipe: the detached daemon may write to it long
  // after we are gone, and we can quote it if the daemon dies at start (a bad config, say).
  const logPath = path.join(os.tmpdir(), `jirad-spawn-${process.pid}-${Date.now()}.log`);
  const logFd = fs.openSync(logPath, "w+", 0o600);
  fs.unlinkSync(logPath);
  let exit: number | null | undefined;
  let spawnError: Error | undefined;
  try {
    const child = spawn(jiradBinary(opts.jiradBin), ["serve", "--socket", socket, ...(opts.args ?? [])], {
      detached: true, // its own session: the daemon outlives us
      stdio: ["ignore", "ignore", logFd],
      env: opts.env ?? process.env,
    });
    child.on("exit", (code) => { exit = code; });
    child.on("error", (e) => { spawnError = e; });
    child.unref(); // our process may exit without waiting for the daemon
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    let delay = 20;
    for (;;) {
      const s = await tryConnect(socket);
      if (s) return s;
      if (spawnError) throw new DaemonNotFound(`cannot start jirad: ${spawnError.message}`);
      // Exit 3: another jirad already serves the socket (it won the race to start and may
      // not listen yet): keep trying.
      if (exit !== undefined && exit !== 0 && exit !== ALREADY_RUNNING) {
        throw new DaemonNotFound(`jirad serve exited with ${exit}: ${readTail(logFd)}`);
      }
      if (Date.now() > deadline) throw new DaemonNotFound(`jirad serve did not listen on ${socket} in time`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 200);
    }
  } finally {
    fs.closeSync(logFd);
  }
}

function readTail(fd: number): string {
  const size = fs.fstatSync(fd).size;
  const length = Math.min(size, 2000);
  const buf = Buffer.alloc(length);
  fs.readSync(fd, buf, 0, length, size - length);
  return buf.toString("utf8").trim();
}

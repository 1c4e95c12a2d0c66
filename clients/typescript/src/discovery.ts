/** Finding the daemon: its socket path (as the daemon computes it) and starting it when absent. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DaemonNotFound } from "./errors";

type Env = Record<string, string | undefined>;

/** `jirad serve`'s exit status when another daemon already serves the socket. */
export const ALREADY_RUNNING = 3;

/** `$JIRAD_SOCKET`, else `$XDG_RUNTIME_DIR/jirad/jirad.sock`, else `/tmp/jirad-$UID/jirad.sock`. */
export function socketPath(env: Env = process.env): string {
  if (env.JIRAD_SOCKET) return env.JIRAD_SOCKET;
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, "jirad", "jirad.sock");
  return `/tmp/jirad-${os.userInfo().uid}/jirad.sock`;
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

/** A connected socket, or `undefined` when nothing listens at `socket`. */
export function tryConnect(socket: string): Promise<net.Socket | undefined> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socket);
    s.once("connect", () => { s.removeAllListeners("error"); resolve(s); });
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

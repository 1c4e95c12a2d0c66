/** The client: a vscode-jsonrpc MessageConnection plus the typed API built from `Methods`. */
import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import {
  CancellationToken,
  createMessageConnection,
  Disposable,
  Emitter,
  Event,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import { connectOrSpawn, jiradBinary, socketPath, type SpawnOptions } from "./discovery";
import { ConnectionClosed, InvalidParams, mapRejection, type ErrorData } from "./errors";
import { METHOD_NAMES, PARAM_NAMES, type InitializeParams, type MethodName, type Methods, type Notifications } from "./protocol";

/** A typed method: params are optional when every field is. */
export type MethodFn<M extends MethodName> = undefined extends Methods[M][0]
  ? (params?: Methods[M][0], token?: CancellationToken) => Promise<Methods[M][1]>
  : (params: Methods[M][0], token?: CancellationToken) => Promise<Methods[M][1]>;

type Namespace<M> = M extends `${infer N}/${string}` ? N : never;
/** `issues/get` becomes `client.issues.get`, and so on for every namespaced method. */
export type Api = {
  [N in Namespace<MethodName>]: {
    [M in MethodName as M extends `${N}/${infer F}` ? F : never]: MethodFn<M>;
  };
};

export interface ConnectOptions extends SpawnOptions {
  /** Socket path; default as the daemon computes it (`$JIRAD_SOCKET`, `$XDG_RUNTIME_DIR`, ...). */
  socket?: string;
}

export interface SpawnStdioOptions {
  jiradBin?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

const PACKAGE_VERSION = "0.1.0";

export class JiradClient implements Disposable {
  readonly auth!: Api["auth"];
  readonly issues!: Api["issues"];
  readonly projects!: Api["projects"];
  readonly users!: Api["users"];
  readonly cache!: Api["cache"];
  readonly daemon!: Api["daemon"];
  /** The `jirad serve --stdio` child, for clients made by `spawnStdio`. */
  process?: ChildProcess;

  private readonly closeEmitter = new Emitter<void>();
  /** Fires once when the connection ends, whoever ended it. */
  readonly onClose: Event<void> = this.closeEmitter.event;
  private closed = false;

  constructor(private readonly connection: MessageConnection, private readonly cleanup?: () => void) {
    const namespaces: Record<string, Record<string, unknown>> = {};
    for (const name of METHOD_NAMES) {
      const [ns, fn] = name.split("/");
      if (!fn) continue;
      (namespaces[ns] ??= {})[fn] = (params?: object, token?: CancellationToken) => {
        const refused = unknownParam(name, params);
        return refused ? Promise.reject(refused) : this.request(name, params as never, token);
      };
    }
    Object.assign(this, namespaces);
    // vscode-jsonrpc leaves requests pending when the peer closes; disposing rejects them.
    connection.onClose(() => this.dispose());
    connection.listen();
  }

  /** Connect to the daemon's socket, starting `jirad serve` when none listens (unless `spawn: false`). */
  static async connect(opts: ConnectOptions = {}): Promise<JiradClient> {
    const socket: Socket = await connectOrSpawn(opts.socket ?? socketPath(), opts);
    const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    return new JiradClient(connection, () => socket.destroy());
  }

  /** Start a private `jirad serve --stdio` and talk to it over its pipes. */
  static spawnStdio(opts: SpawnStdioOptions = {}): JiradClient {
    const child = spawn(jiradBinary(opts.jiradBin), ["serve", "--stdio", ...(opts.args ?? [])], {
      stdio: ["pipe", "pipe", "inherit"],
      env: opts.env ?? process.env,
    });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    // EOF on stdin is how a stdio server is told to exit.
    const client = new JiradClient(connection, () => child.stdin!.end());
    client.process = child;
    return client;
  }

  /** Send any method; typed for the known ones. Cancelling `token` sends `$/cancelRequest`. */
  async request<M extends MethodName>(method: M, params?: Methods[M][0], token?: CancellationToken): Promise<Methods[M][1]>;
  async request(method: string, params?: object, token?: CancellationToken): Promise<unknown>;
  async request(method: string, params?: object, token?: CancellationToken): Promise<unknown> {
    if (this.closed) throw new ConnectionClosed();
    // Only pass what is given: vscode-jsonrpc would send an explicit `undefined` as `[null]`.
    const args: unknown[] = [];
    if (params !== undefined) args.push(params);
    if (token) args.push(token);
    try {
      return await (this.connection.sendRequest as (m: string, ...a: unknown[]) => Promise<unknown>)(method, ...args);
    } catch (e) {
      throw mapRejection(e);
    }
  }

  async notify(method: string, params?: object): Promise<void> {
    await (params === undefined ? this.connection.sendNotification(method) : this.connection.sendNotification(method, params));
  }

  /** Listen to a server notification; dispose the result to stop. */
  on<N extends keyof Notifications>(method: N, handler: (params: Notifications[N]) => void): Disposable;
  on(method: string, handler: (params: unknown) => void): Disposable;
  on(method: string, handler: (params: any) => void): Disposable {
    return this.connection.onNotification(method, handler);
  }

  /** Name this client and pick its default profile (optional for scripts). */
  initialize(params: Partial<InitializeParams> = {}, token?: CancellationToken) {
    return this.request("initialize", { clientInfo: { name: "jirad-typescript", version: PACKAGE_VERSION }, ...params }, token);
  }

  shutdown(token?: CancellationToken) {
    return this.request("shutdown", undefined, token);
  }

  /** Tell the daemon the `initialize` handshake is complete (LSP habit; optional). */
  initialized(): Promise<void> {
    return this.notify("initialized");
  }

  /** After `shutdown`: the daemon closes this connection. */
  exit(): Promise<void> {
    return this.notify("exit");
  }

  /** The daemon's OpenRPC document. */
  discover(token?: CancellationToken) {
    return this.request("rpc.discover", undefined, token);
  }

  /** Close the connection; requests still waiting reject with `ConnectionClosed`. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.dispose();
    this.cleanup?.();
    this.closeEmitter.fire();
    this.closeEmitter.dispose();
  }

  /** Close, and for a spawned stdio daemon wait for it to exit. */
  async close(): Promise<void> {
    this.dispose();
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill(), 5000);
        child.once("exit", () => { clearTimeout(timer); resolve(); });
      });
    }
  }
}

/**
 * A key `method` does not take, refused before anything is sent as the daemon would refuse it:
 * naming the key and the closest one the method takes.
 */
export function unknownParam(method: MethodName, params: unknown): InvalidParams | undefined {
  if (!params || typeof params !== "object" || Array.isArray(params)) return undefined;
  const names = PARAM_NAMES[method];
  const key = Object.keys(params).find((k) => !names.includes(k));
  if (key === undefined) return undefined;
  const fold = (s: string) => s.replace(/[_-]/g, "").toLowerCase();
  const scored = names
    .map((n) => ({ n, d: fold(n) === fold(key) ? 0 : distance(fold(key), fold(n)) }))
    .filter(({ n, d }) => d <= 3 && d * 3 <= Math.max(key.length, n.length))
    .sort((a, b) => a.d - b.d);
  const meant = scored[0]?.n;
  const hint = meant ? `; did you mean \`${meant}\`?` : `; expected one of ${names.map((n) => `\`${n}\``).join(", ")}`;
  const data: ErrorData = { kind: "invalidParams", path: `$.${key}`, field: key, expected: [...names] };
  if (meant) data.didYouMean = meant;
  return new InvalidParams(-32602, `Invalid params: unknown field \`${key}\`${hint}`, data);
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 0; i < a.length; i++) {
    const next = [i + 1];
    for (let j = 0; j < b.length; j++) {
      next.push(Math.min(row[j] + (a[i] === b[j] ? 0 : 1), row[j + 1] + 1, next[j] + 1));
    }
    row = next;
  }
  return row[b.length];
}

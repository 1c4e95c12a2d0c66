/** jirad: a client for the local Jira daemon over JSON-RPC (vscode-jsonrpc). */
export { CancellationToken, CancellationTokenSource, Disposable } from "vscode-jsonrpc";
export { JiradClient, unknownParam, type Api, type ConnectOptions, type MethodFn, type SpawnStdioOptions } from "./client";
export { checkSocket, checkSocketDir, connectOrSpawn, jiradBinary, socketPath, type SpawnOptions } from "./discovery";
export * from "./errors";
export * from "./protocol";

import { JiradClient, type ConnectOptions, type SpawnStdioOptions } from "./client";

/** `const jira = await connect(); await jira.issues.get({ key: "DEMO-1" })`. */
export function connect(opts: ConnectOptions = {}): Promise<JiradClient> {
  return JiradClient.connect(opts);
}

/** A private daemon over stdio: `jirad serve --stdio`. */
export function spawnStdio(opts: SpawnStdioOptions = {}): JiradClient {
  return JiradClient.spawnStdio(opts);
}

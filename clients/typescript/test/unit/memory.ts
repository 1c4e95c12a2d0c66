/** An in-memory daemon stand-in: a vscode-jsonrpc connection on the other end of two pipes. */
import { PassThrough } from "node:stream";
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { JiradClient } from "../../src";

export interface Pair {
  client: JiradClient;
  server: MessageConnection;
  /** Everything the client wrote, as text. */
  wire: () => string;
  /** Ends the server's side, as a daemon that went away. */
  hangUp: () => void;
}

export function pair(setup: (server: MessageConnection) => void): Pair {
  const c2s = new PassThrough();
  const s2c = new PassThrough();
  let written = "";
  c2s.on("data", (d: Buffer) => { written += d.toString(); });
  const server = createMessageConnection(new StreamMessageReader(c2s), new StreamMessageWriter(s2c));
  setup(server);
  server.listen();
  const conn = createMessageConnection(new StreamMessageReader(s2c), new StreamMessageWriter(c2s));
  const client = new JiradClient(conn, () => c2s.end());
  return { client, server, wire: () => written, hangUp: () => { server.dispose(); s2c.end(); } };
}

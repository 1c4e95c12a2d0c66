/**
 * Errors: one class per protocol fault and per application error `data.kind`.
 * Application errors are mapped by `data.kind` only, never by numeric code.
 */
import { ConnectionError, ErrorCodes, ResponseError } from "vscode-jsonrpc";

export interface ErrorData {
  kind?: string;
  [field: string]: unknown;
}

/** A JSON-RPC error answered by the daemon (or a lost connection: code 0). */
export class JiradError extends Error {
  /** The application error kind (`data.kind`), if any. */
  readonly kind: string | undefined;
  constructor(readonly code: number, message: string, readonly data: ErrorData = {}) {
    super(message);
    this.name = new.target.name;
    this.kind = typeof data.kind === "string" ? data.kind : undefined;
  }
}

export class ConnectionClosed extends JiradError {
  constructor(message = "connection to jirad closed") { super(0, message); }
}
export class DaemonNotFound extends JiradError {
  constructor(message: string) { super(0, message); }
}

/**
 * The socket's directory, or the socket in it, is not to be trusted (another user's, a symlink,
 * writable by others): nothing was sent and no daemon was started there. The message says what is
 * wrong and how to fix it.
 */
export class UnsafeSocket extends DaemonNotFound {}

// Protocol faults (standard codes, when the error carries no kind).
export class ParseError extends JiradError {}
export class InvalidRequest extends JiradError {}
export class MethodNotFound extends JiradError {}
/** Code -32602 (`data.kind` `invalidParams`): the params do not fit the method. */
export class InvalidParams extends JiradError {
  /** JSON path of the offending value (`$.sumary`). */
  get path(): string | undefined { return this.data.path as string | undefined; }
  /** The unknown key, for an unknown key. */
  get field(): string | undefined { return this.data.field as string | undefined; }
  /** The closest key the method takes, when one is close. */
  get didYouMean(): string | undefined { return this.data.didYouMean as string | undefined; }
}
export class InternalError extends JiradError {}
/** Code -32800: the request was cancelled, usually through our own CancellationToken. */
export class RequestCancelled extends JiradError {}

// Application errors (by data.kind).
export class AuthRequired extends JiradError {
  get profile(): string | undefined { return this.data.profile as string | undefined; }
  /** Open this in a browser to authorize the profile. */
  get authorizationUrl(): string | undefined { return this.data.authorizationUrl as string | undefined; }
}
export class AuthFailed extends JiradError {}
export class Forbidden extends JiradError {}
export class NotFound extends JiradError {}
export class InvalidFields extends JiradError {
  get errors(): Record<string, string> { return (this.data.errors as Record<string, string>) ?? {}; }
  get errorMessages(): string[] { return (this.data.errorMessages as string[]) ?? []; }
}
export class RateLimited extends JiradError {
  get retryAfterMs(): number | undefined { return this.data.retryAfterMs as number | undefined; }
  get reason(): string | undefined { return this.data.reason as string | undefined; }
}
export class UpstreamUnavailable extends JiradError {}
export class Conflict extends JiradError {}
export class SiteAmbiguous extends JiradError {
  get sites(): unknown[] { return (this.data.sites as unknown[]) ?? []; }
}
export class ConfigError extends JiradError {}
export class UpstreamRemoved extends JiradError {}
/** The edit would lose formatting Markdown cannot express; retry with `force: true`. */
export class LossyUpdate extends JiradError {}
/** A limit of the daemon refused the call; `limit` names the `[limits]` key. */
export class LimitExceeded extends JiradError {
  get limit(): string | undefined { return this.data.limit as string | undefined; }
  get max(): number | undefined { return this.data.max as number | undefined; }
}

type ErrorClass = new (code: number, message: string, data?: ErrorData) => JiradError;

export const ERROR_KINDS: Readonly<Record<string, ErrorClass>> = {
  authRequired: AuthRequired,
  authFailed: AuthFailed,
  forbidden: Forbidden,
  notFound: NotFound,
  invalidFields: InvalidFields,
  rateLimited: RateLimited,
  upstreamUnavailable: UpstreamUnavailable,
  conflict: Conflict,
  siteAmbiguous: SiteAmbiguous,
  configError: ConfigError,
  upstreamRemoved: UpstreamRemoved,
  lossyUpdate: LossyUpdate,
  limitExceeded: LimitExceeded,
};

/** Protocol faults that carry a `data.kind` (only -32602 does). */
const PROTOCOL_KINDS: Readonly<Record<string, ErrorClass>> = { invalidParams: InvalidParams };

const BY_CODE: Readonly<Record<number, ErrorClass>> = {
  [-32700]: ParseError,
  [-32600]: InvalidRequest,
  [-32601]: MethodNotFound,
  [-32602]: InvalidParams,
  [-32603]: InternalError,
  [-32800]: RequestCancelled,
};

/** Build the matching error from a JSON-RPC error object (or vscode-jsonrpc's ResponseError). */
export function fromError(error: { code: number; message: string; data?: unknown }): JiradError {
  const data = error.data && typeof error.data === "object" ? (error.data as ErrorData) : {};
  const kind = typeof data.kind === "string" ? data.kind : undefined;
  const cls = kind
    ? ERROR_KINDS[kind] ?? PROTOCOL_KINDS[kind] ?? JiradError
    : BY_CODE[error.code] ?? JiradError;
  return new cls(error.code, error.message, data);
}

/** Map whatever a request rejected with into a JiradError when it came from the wire. */
export function mapRejection(e: unknown): unknown {
  // vscode-jsonrpc's own codes for a connection that went away before the answer.
  if (e instanceof ResponseError && (e.code === ErrorCodes.PendingResponseRejected
      || e.code === ErrorCodes.ConnectionInactive || e.code === ErrorCodes.MessageWriteError)) {
    return new ConnectionClosed(e.message);
  }
  if (e instanceof ResponseError) return fromError(e);
  if (e instanceof ConnectionError) return new ConnectionClosed(e.message);
  return e;
}

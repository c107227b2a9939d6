/**
 * One error class per failure, each with a stable code (docs/errors.md). Tests assert on codes,
 * never on messages. An `Error` message on the wire carries `[message, code]`; `fromErrorArgs`
 * rebuilds the typed error on the receiving side.
 */
export const ErrorCodes = {
  /** Sending on, or waiting on, a channel that was closed. */
  Closed: "SWARM_ERR_CLOSED",
  /** The reply channel ended before any reply came. */
  NoReply: "SWARM_ERR_NO_REPLY",
  /** The receiver does not implement this verb. */
  NotImplemented: "SWARM_ERR_NOT_IMPLEMENTED",
  /** A reply had a verb or shape the caller did not expect. */
  Protocol: "SWARM_ERR_PROTOCOL",
  /** Bad arguments to a verb or a service. */
  InvalidArgument: "SWARM_ERR_INVALID_ARGUMENT",
  /** A named object (service, container, image, exec) does not exist. */
  NotFound: "SWARM_ERR_NOT_FOUND",
  /** The request conflicts with current state (name in use, container running…). */
  Conflict: "SWARM_ERR_CONFLICT",
  /** A policy refused the request. */
  Forbidden: "SWARM_ERR_FORBIDDEN",
  /** The state already is what was asked (Docker's 304). */
  NotModified: "SWARM_ERR_NOT_MODIFIED",
  /** A backend could not be reached. */
  Unavailable: "SWARM_ERR_UNAVAILABLE",
  /** A limit (size, depth, count) was exceeded. */
  LimitExceeded: "SWARM_ERR_LIMIT_EXCEEDED",
  /** The operation timed out. */
  Timeout: "SWARM_ERR_TIMEOUT",
  /** Any failure without a more precise code. */
  Internal: "SWARM_ERR_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const knownCodes = new Set<string>(Object.values(ErrorCodes));

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && knownCodes.has(code);
}

/** The base class: every error the protocol produces is a SwarmError with a stable `code`. */
export class SwarmError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ClosedError extends SwarmError {
  constructor(message = "channel closed") {
    super(ErrorCodes.Closed, message);
  }
}

export class NoReplyError extends SwarmError {
  constructor(verb: string) {
    super(ErrorCodes.NoReply, `no reply to ${verb}: the reply channel closed`);
  }
}

export class NotImplementedError extends SwarmError {
  constructor(message = "not implemented") {
    super(ErrorCodes.NotImplemented, message);
  }
}

export class ProtocolError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.Protocol, message);
  }
}

export class InvalidArgumentError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.InvalidArgument, message);
  }
}

export class NotFoundError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.NotFound, message);
  }
}

export class ConflictError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.Conflict, message);
  }
}

export class ForbiddenError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.Forbidden, message);
  }
}

export class NotModifiedError extends SwarmError {
  constructor(message = "not modified") {
    super(ErrorCodes.NotModified, message);
  }
}

export class UnavailableError extends SwarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.Unavailable, message, options);
  }
}

export class LimitExceededError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.LimitExceeded, message);
  }
}

export class TimeoutError extends SwarmError {
  constructor(message: string) {
    super(ErrorCodes.Timeout, message);
  }
}

const byCode: Record<ErrorCode, new (message: string) => SwarmError> = {
  [ErrorCodes.Closed]: ClosedError,
  [ErrorCodes.NoReply]: class extends SwarmError {
    constructor(m: string) {
      super(ErrorCodes.NoReply, m);
    }
  },
  [ErrorCodes.NotImplemented]: NotImplementedError,
  [ErrorCodes.Protocol]: ProtocolError,
  [ErrorCodes.InvalidArgument]: InvalidArgumentError,
  [ErrorCodes.NotFound]: NotFoundError,
  [ErrorCodes.Conflict]: ConflictError,
  [ErrorCodes.Forbidden]: ForbiddenError,
  [ErrorCodes.NotModified]: NotModifiedError,
  [ErrorCodes.Unavailable]: UnavailableError,
  [ErrorCodes.LimitExceeded]: LimitExceededError,
  [ErrorCodes.Timeout]: TimeoutError,
  [ErrorCodes.Internal]: class InternalError extends SwarmError {
    constructor(m: string) {
      super(ErrorCodes.Internal, m);
    }
  },
};

/** The args of an `Error` message for any thrown value: `[message, code]`. */
export function toErrorArgs(err: unknown): [string, ErrorCode] {
  if (err instanceof SwarmError) return [err.message, err.code];
  if (err instanceof Error) return [err.message || String(err), ErrorCodes.Internal];
  return [String(err), ErrorCodes.Internal];
}

/** Rebuild a typed error from the args of an `Error` message. An unknown code becomes Internal. */
export function fromErrorArgs(args: readonly string[]): SwarmError {
  const message = args[0] ?? "unknown error";
  const code = isErrorCode(args[1]) ? args[1] : ErrorCodes.Internal;
  return new byCode[code](message);
}

/** The libswarm core protocol: explicit exports only (docs/PROTOCOL.md). */
export { type Attachment, Client, call, firstReply, request } from "./client.ts";
export { type CopyOptions, copy } from "./copy.ts";
export {
  ClosedError,
  ConflictError,
  type ErrorCode,
  ErrorCodes,
  ForbiddenError,
  fromErrorArgs,
  InvalidArgumentError,
  isErrorCode,
  LimitExceededError,
  NoReplyError,
  NotFoundError,
  NotImplementedError,
  NotModifiedError,
  ProtocolError,
  SwarmError,
  TimeoutError,
  toErrorArgs,
  UnavailableError,
} from "./errors.ts";
export { type HandlerFn, type HandlerOptions, handler } from "./handler.ts";
export { type Logger, type LogRecord, recordingLogger, silentLogger } from "./logger.ts";
export { describe, type Message, message, type Receiver, type Sender } from "./message.ts";
export { accepted, type PipeOptions, pipe } from "./pipe.ts";
export { ack, reply, Server } from "./server.ts";
export { Task, type TaskContext, type TaskFn, type TaskOptions, type TaskState, task } from "./task.ts";
export { Tree } from "./tree.ts";
export { type CoreVerb, coreVerbs, isValidVerb, type Verb, Verbs } from "./verbs.ts";

import { type ErrorCode, ErrorCodes } from "../core/errors.ts";

/** The HTTP status the Docker API uses for each protocol error code (docs/errors.md). */
export const httpStatusOf: Record<ErrorCode, number> = {
  [ErrorCodes.InvalidArgument]: 400,
  [ErrorCodes.Forbidden]: 403,
  [ErrorCodes.NotFound]: 404,
  [ErrorCodes.Conflict]: 409,
  [ErrorCodes.NotModified]: 304,
  [ErrorCodes.NotImplemented]: 501,
  [ErrorCodes.Unavailable]: 502,
  [ErrorCodes.Timeout]: 504,
  [ErrorCodes.LimitExceeded]: 413,
  [ErrorCodes.Closed]: 500,
  [ErrorCodes.NoReply]: 500,
  [ErrorCodes.Protocol]: 500,
  [ErrorCodes.Internal]: 500,
};

/** The protocol error code for an HTTP status from a Docker engine (the reverse map, for dockerclient). */
export function errorCodeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCodes.InvalidArgument;
    case 401:
    case 403:
      return ErrorCodes.Forbidden;
    case 404:
      return ErrorCodes.NotFound;
    case 409:
      return ErrorCodes.Conflict;
    case 304:
      return ErrorCodes.NotModified;
    case 501:
      return ErrorCodes.NotImplemented;
    case 502:
    case 503:
      return ErrorCodes.Unavailable;
    case 504:
      return ErrorCodes.Timeout;
    case 413:
      return ErrorCodes.LimitExceeded;
    default:
      return ErrorCodes.Internal;
  }
}

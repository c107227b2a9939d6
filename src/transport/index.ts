/** The libswarm wire transport (docs/transport.md): explicit exports only. */
export { type Address, formatAddress, parseAddress } from "./address.ts";
export {
  ByteStreamRef,
  ChannelRef,
  decodeMessage,
  ExtType,
  encodeMessage,
  type WireMessage,
} from "./codec.ts";
export { type DialOptions, dial, serve, type TransportOptions, type WireListener } from "./connect.ts";
export { Flag, FrameType, GoAwayCode, HEADER_SIZE, INITIAL_WINDOW } from "./frame.ts";
export { type DefaultedLimits, defaultLimits, type WireLimits } from "./limits.ts";
export { memoryConnection } from "./memory.ts";
export { Mux, type MuxOptions } from "./mux.ts";
export type { MuxStream, StreamSink } from "./mux-stream.ts";
export { Redialer, type RedialOptions } from "./redial.ts";
export { type ConnectOptions, connect, RemoteClient } from "./remote-client.ts";
export { parseTransportArgs, type TlsFlags, type TransportArgs } from "./tls-flags.ts";
export { StreamKind, type WireOptions, WireSession } from "./wire.ts";

import { ProtocolError } from "../../core/errors.ts";

/** An error the engine reported inside its output stream. */
export class EngineStreamError extends Error {}

export type OutputStream = "stdout" | "stderr";

/**
 * Split the engine's multiplexed stream (stdcopy: an 8-byte header `[type, 0, 0, 0, size32be]`
 * before each frame) into `[stream, bytes]` pieces. A frame's bytes are yielded as they arrive,
 * so a large frame is not held back; a header split across reads is reassembled.
 */
export async function* demux(src: AsyncIterable<Buffer | string>): AsyncGenerator<[OutputStream, Buffer]> {
  let header = Buffer.alloc(0);
  let left = 0;
  let stream: OutputStream = "stdout";
  let systemError: Buffer[] | undefined;
  for await (const raw of src) {
    let chunk = typeof raw === "string" ? Buffer.from(raw, "latin1") : raw;
    while (chunk.length > 0) {
      if (left === 0) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(0, need)]);
        chunk = chunk.subarray(need);
        if (header.length < 8) break;
        const type = header[0]!;
        left = header.readUInt32BE(4);
        header = Buffer.alloc(0);
        if (type === 3) systemError = [];
        else if (type === 0 || type === 1) stream = "stdout";
        else if (type === 2) stream = "stderr";
        else throw new ProtocolError(`unrecognised stream type ${type} in the engine's output`);
        continue;
      }
      const piece = chunk.subarray(0, left);
      chunk = chunk.subarray(piece.length);
      left -= piece.length;
      if (systemError) systemError.push(piece);
      else yield [stream, piece];
      if (left === 0 && systemError) {
        // The engine reports its own failures inside the stream (stdcopy's "systemerr").
        throw new EngineStreamError(Buffer.concat(systemError).toString("utf8"));
      }
    }
  }
  if (left > 0 || header.length > 0) throw new ProtocolError("the engine's output ended inside a frame");
}

/** A TTY stream is not multiplexed: everything is stdout. */
export async function* raw(src: AsyncIterable<Buffer | string>): AsyncGenerator<[OutputStream, Buffer]> {
  for await (const chunk of src)
    yield ["stdout", typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk];
}

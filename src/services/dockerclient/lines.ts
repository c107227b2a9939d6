/**
 * Newline-delimited documents from an engine stream (events, pull progress), as strings exactly
 * as sent: never parsed and re-encoded, so 64-bit integers such as `timeNano` stay exact. A line
 * split across reads is joined; blank lines are skipped.
 */
export async function* lines(src: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let pending = "";
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of src) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const line = pending.slice(0, nl).replace(/\r$/, "");
      pending = pending.slice(nl + 1);
      if (line.trim() !== "") yield line;
      nl = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield pending;
}

/**
 * Reads a batch's input, a file or stdin, whole but bounded: past `maxBytes` it stops reading and
 * says so (a usage error), so that a disk image, /dev/zero or a line of 100 MB costs at most
 * `maxBytes` of memory, never an out-of-memory crash.
 */
import { createReadStream } from "node:fs";
import { UsageError } from "../errors.js";

export async function readBoundedInput(input: string, stdin: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  const name = input === "-" ? "stdin" : input;
  const stream = input === "-" ? stdin : createReadStream(input);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      total += buffer.length;
      if (total > maxBytes) {
        throw new UsageError(
          `${name} is larger than ${maxBytes / 1024 / 1024} MiB; split the list into several batches`,
        );
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new UsageError(`cannot read ${name}: it is a directory; give a file of targets`);
    throw new UsageError(`cannot read ${name} (${code ?? (error instanceof Error ? error.message : String(error))})`);
  } finally {
    if ("destroy" in stream && typeof stream.destroy === "function" && input !== "-") stream.destroy();
  }
  // Invalid UTF-8 becomes U+FFFD, which the hostname validator then refuses with its line number.
  return new TextDecoder("utf-8").decode(Buffer.concat(chunks));
}

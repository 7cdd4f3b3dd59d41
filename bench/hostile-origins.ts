/**
 * Origins that attack the reader, served from the bench process on loopback: each waits for
 * the request head, then sends bytes made lazily, chunk by chunk, only as fast as the socket
 * drains (so a 1 GB body costs the bench 64 KiB, not 1 GB), and stops when diag520 hangs up.
 */
import { once } from "node:events";
import { createServer, type Socket } from "node:net";

export interface HostileOrigin {
  readonly name: string;
  readonly description: string;
  /** Chunks to send after the request head, made on demand. */
  readonly body: () => Iterator<Buffer>;
  /** Delay between chunks (ms); 0 = as fast as the socket takes them. */
  readonly intervalMs: number;
}

export interface RunningHostileOrigin {
  readonly origin: HostileOrigin;
  readonly port: number;
}

const CHUNK_BYTES = 64 * 1024;
const MIB = 1024 * 1024;

function* repeat(prefix: string, fill: number, total: number, suffix: string): Generator<Buffer> {
  yield Buffer.from(prefix, "latin1");
  const chunk = Buffer.alloc(CHUNK_BYTES, fill);
  for (let sent = 0; sent < total; sent += CHUNK_BYTES) {
    yield sent + CHUNK_BYTES <= total ? chunk : chunk.subarray(0, total - sent);
  }
  if (suffix !== "") yield Buffer.from(suffix, "latin1");
}

function* endlessHeaders(): Generator<Buffer> {
  yield Buffer.from("HTTP/1.1 200 OK\r\n", "latin1");
  for (let batch = 0; ; batch++) {
    const lines: string[] = [];
    for (let i = 0; i < 512; i++) lines.push(`X-Endless-${batch}-${i}: ${"e".repeat(100)}\r\n`);
    yield Buffer.from(lines.join(""), "latin1");
  }
}

function* oneByteAtATime(): Generator<Buffer> {
  const response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nslow\n";
  for (const byte of Buffer.from(response, "latin1")) yield Buffer.of(byte);
}

export const HOSTILE_ORIGINS: readonly HostileOrigin[] = [
  {
    name: "endless-headers",
    description: "header lines forever, never the empty line",
    body: endlessHeaders,
    intervalMs: 0,
  },
  {
    name: "10mb-header-line",
    description: "one 10 MB header field line",
    body: () => repeat("HTTP/1.1 200 OK\r\nX-Huge: ", 0x61, 10 * MIB, "\r\nContent-Length: 0\r\n\r\n"),
    intervalMs: 0,
  },
  {
    name: "1gb-body",
    description: "200 with Content-Length: 1 GiB, body made lazily",
    body: () =>
      repeat(
        `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${1024 * MIB}\r\n\r\n`,
        0x62,
        1024 * MIB,
        "",
      ),
    intervalMs: 0,
  },
  {
    name: "one-byte-a-second",
    description: "a valid response, one byte a second",
    body: oneByteAtATime,
    intervalMs: 1_000,
  },
];

const HEAD_END = Buffer.from("\r\n\r\n");

function serve(socket: Socket, origin: HostileOrigin): void {
  let received = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  socket.on("close", () => clearTimeout(timer));
  const chunks = origin.body();
  const sendNext = (): void => {
    while (!socket.destroyed) {
      const next = chunks.next();
      if (next.done) {
        socket.end();
        return;
      }
      const drained = socket.write(next.value);
      if (origin.intervalMs > 0) {
        timer = setTimeout(sendNext, origin.intervalMs);
        return;
      }
      if (!drained) {
        socket.once("drain", sendNext);
        return;
      }
    }
  };
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    if (!received.includes(HEAD_END)) return;
    socket.off("data", onData);
    socket.resume(); // keep reading (and dropping) whatever else the client sends
    sendNext();
  };
  socket.on("data", onData);
}

export interface HostileLab {
  readonly origins: readonly RunningHostileOrigin[];
  close(): Promise<void>;
}

export async function startHostileOrigins(): Promise<HostileLab> {
  const sockets = new Set<Socket>();
  const servers = HOSTILE_ORIGINS.map((origin) =>
    createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {}); // diag520 hanging up mid-write is the expected end
      socket.on("close", () => sockets.delete(socket));
      serve(socket, origin);
    }),
  );
  const close = async (): Promise<void> => {
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
  };
  try {
    const origins = await Promise.all(
      servers.map(async (server, index): Promise<RunningHostileOrigin> => {
        server.listen(0, "127.0.0.1");
        await once(server, "listening");
        const address = server.address();
        if (address === null || typeof address === "string") throw new Error("a hostile origin has no TCP address");
        return { origin: HOSTILE_ORIGINS[index] as HostileOrigin, port: address.port };
      }),
    );
    return { origins, close };
  } catch (error) {
    await close();
    throw error;
  }
}

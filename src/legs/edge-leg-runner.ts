/**
 * The edge leg: the visitor's request through the public hostname, made by undici as a
 * visitor's client would make it (DESIGN.md "The edge leg"). The leg dials the edge itself
 * (TCP, then TLS with the hostname as SNI, trusting the public roots plus --ca-file) and hands
 * undici the connected socket: so the address can be pinned (--edge-address, as curl's
 * --resolve) while SNI and Host stay the hostname, and each phase is timed as the origin leg's
 * are. The bytes undici reads are also fed to diag520's own bounded reader, so the report keeps
 * the raw head as it came; the body is read to `maxBodyBytes` and no further (a hostile edge
 * cannot grow memory). This module is loaded only when the edge leg runs: undici costs start-up.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { type Stop, startDeadline, stopOf } from "../deadline.js";
import type { ExchangeEnd } from "../http/exchange.js";
import type { HeaderField } from "../http/request.js";
import { serializeRequestHead } from "../http/request.js";
import { ResponseReader } from "../http/response-reader.js";
import { type HeldSocket, notRun, openConnection, type PhaseStartListener } from "./connection-phases.js";
import { EDGE_MAX_HEADER_SIZE } from "./edge-header-size.js";
import type { LegSpec } from "./leg-spec.js";
import type {
  ClientView,
  HttpOutcome,
  LegObservation,
  PhaseRun,
  StructuredFollowUp,
  TcpOutcome,
  TlsOutcome,
} from "./observation.js";
import { loadUndiciVersion } from "./undici-version.js";
import { runPhase } from "./within-deadline.js";

/** The structured form of an error is small; more is not Cloudflare's answer. */
const STRUCTURED_BODY_CAP = 64 * 1024;
/** Fields undici refuses in a request (it owns the connection's framing). */
const CONNECTION_FIELDS = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "expect"]);

type Undici = typeof import("undici");

export async function runEdgeLeg(
  spec: LegSpec,
  signal: AbortSignal,
  onPhaseStart?: PhaseStartListener,
): Promise<LegObservation> {
  const held: HeldSocket = { socket: null };
  const stoppedOr = (because: "earlier_phase_failed" | "not_applicable") => (signal.aborted ? "stopped" : because);
  try {
    const dialed = await dial(spec, signal, held, onPhaseStart);
    if (dialed.socket === null) {
      return {
        spec,
        tcp: dialed.tcp,
        tls: dialed.tls,
        http: notRun(stoppedOr("earlier_phase_failed")),
        structured: null,
      };
    }
    const { tcp, tls, socket } = dialed;
    if (!signal.aborted) onPhaseStart?.(spec.name, "http", spec.deadlines.responseMs);
    const undici = await import("undici");
    const clientName = `undici ${await loadUndiciVersion()}`.trim();
    const http: PhaseRun<HttpOutcome> =
      stopOf(signal) !== null
        ? notRun("stopped")
        : await runPhase("http", spec.deadlines.responseMs, signal, (phaseSignal) =>
            exchangeWithUndici(undici, clientName, spec, socket, phaseSignal),
          );
    held.socket?.destroy();
    held.socket = null;
    const structured =
      http.status === "ran" && wantsStructuredForm(spec, http.outcome)
        ? await fetchStructuredForm(undici, spec, signal)
        : null;
    return { spec, tcp, tls, http, structured };
  } finally {
    held.socket?.destroy();
  }
}

interface Dialed {
  readonly tcp: PhaseRun<TcpOutcome>;
  readonly tls: PhaseRun<TlsOutcome>;
  /** The connected socket (TLS when the spec asks for it), or null when a phase failed. */
  readonly socket: Socket | null;
}

/** TCP then TLS to the edge, as every leg starts; a browser's refusal of the certificate ends the leg. */
async function dial(
  spec: LegSpec,
  signal: AbortSignal,
  held: HeldSocket,
  onPhaseStart?: PhaseStartListener,
): Promise<Dialed> {
  const opened = await openConnection(spec, signal, held, onPhaseStart);
  if (opened.socket === null || opened.tls.status !== "ran" || opened.tls.outcome.kind !== "established") return opened;
  // A visitor's client refuses a certificate it cannot verify: so does this leg (the tls phase says why).
  const { certificate } = opened.tls.outcome;
  if (certificate.trusted !== true || certificate.hostnameMatches !== true) return { ...opened, socket: null };
  return opened;
}

/** The request's fields as undici takes them: Host kept (undici sends it as given), connection fields left to undici. */
function undiciHeaders(fields: readonly HeaderField[]): string[] {
  return fields.filter(([name]) => !CONNECTION_FIELDS.has(name.toLowerCase())).flat();
}

function originOf(spec: LegSpec): string {
  const host = spec.tls?.servername ?? spec.tls?.hostname ?? "edge.invalid";
  const name = host.includes(":") ? `[${host}]` : host;
  return `${spec.tls === null ? "http" : "https"}://${name}:${spec.port}`;
}

/** One request with undici over `socket`; the raw bytes both ways are kept (bounded) beside what undici reports. */
export async function exchangeWithUndici(
  undici: Undici,
  clientName: string,
  spec: LegSpec,
  socket: Socket,
  signal: AbortSignal,
): Promise<HttpOutcome> {
  const started = performance.now();
  const since = () => performance.now() - started;
  const reader = new ResponseReader({
    method: spec.request.method,
    maxHeaderSize: spec.maxHeaderSize,
    maxBodyBytes: spec.maxBodyBytes,
  });
  let firstByteMs: number | null = null;
  let headMs: number | null = null;
  let completeMs: number | null = null;
  // undici reads with socket.read() on 'readable'; a 'data' listener then sees each chunk it reads.
  const onData = (chunk: Buffer) => {
    firstByteMs ??= since();
    if (!reader.finished) reader.push(chunk);
    if (reader.headComplete) headMs ??= since();
  };
  socket.on("data", onData);
  socket.on("end", () => reader.endOfStream());
  const written = captureWrites(socket);

  const client = new undici.Client(originOf(spec), {
    connect: handOver(socket),
    maxHeaderSize: EDGE_MAX_HEADER_SIZE,
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
    // One request per connection, as the leg owns it.
    keepAliveTimeout: 1,
  });
  let statusCode: number | null = null;
  let failure: unknown = null;
  let bodyRead = 0;
  // The deadline ends the exchange whatever undici is doing: the socket is the leg's to close.
  const onAbort = () => socket.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const response = await client.request({
      method: spec.request.method,
      path: spec.request.path,
      headers: undiciHeaders(spec.request.headers),
      signal,
      maxRedirections: 0,
    } as Parameters<typeof client.request>[0]);
    statusCode = response.statusCode;
    headMs ??= since();
    // Read no more than the leg keeps: a hostile edge cannot make this grow.
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      bodyRead += chunk.length;
      if (bodyRead > spec.maxBodyBytes) {
        response.body.destroy();
        break;
      }
    }
    completeMs = since();
  } catch (error) {
    failure = error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    socket.off("data", onData);
    await client.destroy().catch(() => {});
    socket.destroy();
  }
  const stop: Stop | null = stopOf(signal);
  const errorCode = failure === null ? null : codeOf(failure);
  const end: ExchangeEnd = {
    kind:
      failure === null
        ? "complete"
        : stop !== null
          ? "stopped"
          : errorCode === "ECONNRESET" || errorCode === "EPIPE"
            ? "reset"
            : errorCode === "UND_ERR_SOCKET" || errorCode === "UND_ERR_CLOSED"
              ? "closed"
              : "error",
    errorCode: failure === null || stop !== null ? null : errorCode,
    during: "read",
    elapsedMs: since(),
    stop: failure === null ? null : stop,
  };
  const client_: ClientView = {
    name: clientName,
    statusCode,
    errorCode: stop !== null ? null : errorCode,
    errorMessage: failure === null || stop !== null ? null : messageOf(failure),
  };
  const requestHead = written.head() ?? serializeRequestHead(spec.request);
  return {
    requestHead,
    record: reader.record(),
    exchange: { end, firstByteMs, headMs, completeMs },
    client: client_,
  };
}

/** undici's connector for a socket the leg has already connected; the callback must not run synchronously (undici then stalls). */
function handOver(socket: Socket) {
  return (_options: unknown, callback: (error: null, socket: TLSSocket) => void): void => {
    setImmediate(() => callback(null, socket as TLSSocket));
  };
}

/** The request head as undici wrote it (up to its blank line, capped): the bytes the edge got. */
function captureWrites(socket: Socket): { head(): Buffer | null } {
  const chunks: Buffer[] = [];
  let total = 0;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    const [data, encoding] = args;
    if (total < EDGE_MAX_HEADER_SIZE && (typeof data === "string" || Buffer.isBuffer(data))) {
      const bytes =
        typeof data === "string"
          ? Buffer.from(data, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
          : data;
      chunks.push(bytes);
      total += bytes.length;
    }
    return write(...args);
  };
  return {
    head: () => {
      if (chunks.length === 0) return null;
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      return end === -1 ? all : all.subarray(0, end + 4);
    },
  };
}

function codeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An error page the visitor did not ask as JSON: Cloudflare answers its own errors as problem
 * JSON when Accept asks for it (cloudflare-docs `rules/custom-errors`, error responses reference), so a second request may fetch that form.
 */
function wantsStructuredForm(spec: LegSpec, outcome: HttpOutcome): boolean {
  const head = outcome.record.head;
  if (head === null || head.statusCode === null) return false;
  const status = head.statusCode;
  if (status < 500 && status !== 403 && status !== 409) return false;
  const field = (name: string) => head.headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? "";
  if (field("cf-ray") === "") return false;
  if (/json/i.test(field("content-type"))) return false;
  const accept = spec.request.headers.find(([n]) => n.toLowerCase() === "accept")?.[1] ?? "";
  return !/json/i.test(accept);
}

/** The same request, with Accept: application/json, on a connection of its own; no phase timings. */
async function fetchStructuredForm(undici: Undici, spec: LegSpec, signal: AbortSignal): Promise<StructuredFollowUp> {
  const deadline = startDeadline(spec.deadlines.responseMs, [signal], "phase");
  const held: HeldSocket = { socket: null };
  try {
    const dialed = await dial(spec, deadline.signal, held);
    if (dialed.socket === null) return { status: null, contentType: null, body: "", errorCode: "connect_failed" };
    const socket = dialed.socket;
    const client = new undici.Client(originOf(spec), {
      connect: handOver(socket),
      maxHeaderSize: EDGE_MAX_HEADER_SIZE,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    try {
      const asked = spec.request.headers.some(([n]) => n.toLowerCase() === "accept");
      const headers = asked
        ? spec.request.headers.map(
            ([n, v]): HeaderField => (n.toLowerCase() === "accept" ? [n, "application/json"] : [n, v]),
          )
        : [...spec.request.headers, ["Accept", "application/json"] as HeaderField];
      const response = await client.request({
        method: spec.request.method,
        path: spec.request.path,
        headers: undiciHeaders(headers),
        signal: deadline.signal,
      } as Parameters<typeof client.request>[0]);
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const room = STRUCTURED_BODY_CAP - total;
        chunks.push(chunk.subarray(0, Math.max(0, room)));
        total += chunk.length;
        if (total >= STRUCTURED_BODY_CAP) {
          response.body.destroy();
          break;
        }
      }
      const type = response.headers["content-type"];
      return {
        status: response.statusCode,
        contentType: typeof type === "string" ? type : null,
        body: Buffer.concat(chunks).toString("latin1"),
        errorCode: null,
      };
    } catch (error) {
      return { status: null, contentType: null, body: "", errorCode: codeOf(error) ?? "error" };
    } finally {
      await client.destroy().catch(() => {});
    }
  } finally {
    held.socket?.destroy();
    deadline.clear();
  }
}

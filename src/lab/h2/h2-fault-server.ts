/**
 * A raw HTTP/2 origin that misbehaves on purpose: TLS on loopback, ALPN selects `h2`, then it
 * speaks HTTP/2 byte for byte from the lab's frame writer and HPACK encoder, so it can send what
 * no HTTP/2 library would (h2-scenarios.ts). It reads the client's preface and frames, ACKs
 * SETTINGS and PING, and does what the scenario says with each request stream. A client that
 * offers only `http/1.1` (the edge with HTTP/2 to Origin off, or retrying over HTTP/1.1) gets a
 * healthy HTTP/1.1 answer, as the real origins these scenarios stand for would give.
 */
import type { Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { FLAGS } from "../../h2/frame-names.js";
import { FrameScanner, type ScannedFrame } from "../../h2/frame-scanner.js";
import {
  dataFrame,
  goawayFrame,
  headersFrame,
  pingFrame,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
} from "../../h2/frame-writer.js";
import { encodeHeaderBlock } from "../../h2/hpack-encoder.js";
import type { Reply } from "../lab-origins.js";
import { answerWith, type ListeningServer, listenOnLoopback, trackSockets } from "../lab-servers.js";
import { H2_FAULT_SCENARIOS, type H2Action, type H2ScenarioName } from "./h2-scenarios.js";

export interface H2FaultServerOptions {
  readonly key: string;
  /** Leaf + intermediates. */
  readonly cert: string;
  /** Called once the scenario's answer to a request stream is written (tests synchronise on it, never on time). */
  readonly onRequest?: (streamId: number) => void;
  /** What a client that selected http/1.1 gets (default: 200 with a short body). */
  readonly http1Reply?: Reply;
}

const BODY = "ok\n";
const HTTP1_OK: Reply = {
  bytes: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`,
  after: "close",
};

export interface H2FaultServer extends ListeningServer {
  /** TLS connections that selected h2 so far. */
  readonly connections: () => number;
}

export async function startH2FaultServer(name: H2ScenarioName, options: H2FaultServerOptions): Promise<H2FaultServer> {
  let connections = 0;
  let firstRequestSeen = false;
  const server = createTlsServer(
    { key: options.key, cert: options.cert, ALPNProtocols: ["h2", "http/1.1"] },
    (socket) => {
      if (socket.alpnProtocol !== "h2") {
        answerWith(socket, options.http1Reply ?? HTTP1_OK);
        return;
      }
      connections += 1;
      serveConnection(socket, name, options, () => {
        const first = !firstRequestSeen;
        firstRequestSeen = true;
        return first;
      });
    },
  );
  server.on("tlsClientError", () => {});
  const listening = await listenOnLoopback(server, trackSockets(server));
  return { ...listening, connections: () => connections };
}

function serveConnection(
  socket: TLSSocket,
  name: H2ScenarioName,
  options: H2FaultServerOptions,
  isFirstRequest: () => boolean,
): void {
  socket.on("error", () => {});
  const scenario = H2_FAULT_SCENARIOS[name];
  if (scenario.speaks.kind === "http1") {
    const reply = scenario.speaks.reply;
    socket.once("data", () => socket.end(reply, "latin1"));
    return;
  }
  // §3.4: the server's preface is a SETTINGS frame, sent without waiting for the client's.
  socket.write(settingsFrame(scenario.speaks.settings));
  let lastStreamId = 0;
  let openBlock: number | null = null;
  const onFrame = ({ header, payload }: ScannedFrame): void => {
    switch (header.type) {
      case "SETTINGS":
        if ((header.flags & FLAGS.ACK) === 0) socket.write(settingsAckFrame());
        return;
      case "PING":
        if ((header.flags & FLAGS.ACK) === 0 && payload !== null) socket.write(pingFrame(payload, { ack: true }));
        return;
      case "GOAWAY":
        socket.end();
        return;
      case "HEADERS":
        // A new client stream has an odd id above every earlier one (§5.1.1); anything else is trailers.
        if (header.streamId % 2 === 1 && header.streamId > lastStreamId) {
          lastStreamId = header.streamId;
          openBlock = header.streamId;
        }
        break;
      case "CONTINUATION":
        break;
      default:
        return;
    }
    if ((header.flags & FLAGS.END_HEADERS) !== 0 && openBlock === header.streamId) {
      openBlock = null;
      const action = isFirstRequest() ? scenario.firstRequest : scenario.otherRequests;
      act(socket, action, header.streamId);
      options.onRequest?.(header.streamId);
    }
  };
  const scanner = new FrameScanner({ direction: "sent", maxRecords: 0, onFrame });
  socket.on("data", (chunk: Buffer) => {
    scanner.push(chunk);
    if (scanner.notHttp2 !== null) socket.destroy();
  });
}

function act(socket: Socket, action: H2Action, streamId: number): void {
  switch (action.kind) {
    case "respond": {
      const endStreamOnHeaders = action.endStreamOnHeaders === true || action.body === "";
      socket.write(headersFrame(streamId, encodeHeaderBlock(action.fields), { endStream: endStreamOnHeaders }));
      if (!endStreamOnHeaders)
        socket.write(dataFrame(streamId, Buffer.from(action.body, "latin1"), { endStream: true }));
      return;
    }
    case "rst-stream":
      socket.write(rstStreamFrame(streamId, action.errorCode));
      return;
    case "goaway":
      socket.end(goawayFrame(action.lastStreamId === "request" ? streamId : 0, action.errorCode, action.debugData));
      return;
    case "silence":
      return;
  }
}

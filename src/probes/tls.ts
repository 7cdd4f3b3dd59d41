/**
 * Phase 3: the TLS handshake on the TCP socket, offering what the edge offers, then a judgement
 * of the certificate as SSL mode Full (strict) would make it.
 *
 * We dial the origin's IP (the tcp probe did) but send the request's hostname as SNI, as the
 * edge does and as blackbox_exporter's tls prober does: the origin picks its certificate by SNI,
 * so a handshake without it would test a different certificate. An IP-literal hostname sends no
 * SNI at all, since SNI carries DNS names only (RFC 6066 §3).
 */
import { isIP } from "node:net";
import { connect, createSecureContext, rootCertificates, type SecureContext, type TLSSocket } from "node:tls";
import { exceededDeadline } from "../deadline.js";
import { type Finding, finding } from "../findings/catalogue.js";
import type { TlsFacts } from "../report/schema.js";
import { roundMs } from "../text/round-ms.js";
import { classifyHandshakeError, type HandshakeFailure } from "../tls/classify-handshake-error.js";
import {
  EDGE_ALPN_PROTOCOLS,
  EDGE_CIPHER_STRING,
  EDGE_MAX_VERSION,
  EDGE_MIN_VERSION,
  LEGACY_PROTOCOLS,
} from "../tls/edge-tls-profile.js";
import { type CertificateEvaluation, chainFromPeer, evaluateCertificate } from "../tls/evaluate-certificate.js";
import type { PipelineState, Probe, ProbeResult } from "./probe.js";

const secureContexts = new Map<string, SecureContext>();

interface NativeContext {
  addCACert?: (pem: string) => void;
}

/**
 * The public roots plus `extraCaPem`, as the edge's custom origin trust store would be. The
 * `ca` option replaces Node's default roots instead of adding to them, and re-parsing the ~140
 * public roots that way costs ~20 ms of a 60 ms budget. The native context's addCACert (what
 * createSecureContext itself calls for `ca`) adds to a copy of the already parsed roots for ~1 ms;
 * it is not a documented API, so the documented, slower way is the fallback.
 */
function edgeSecureContext(extraCaPem: readonly string[]): SecureContext {
  const key = extraCaPem.join("\n");
  let context = secureContexts.get(key);
  if (!context) {
    const profile = { minVersion: EDGE_MIN_VERSION, maxVersion: EDGE_MAX_VERSION, ciphers: EDGE_CIPHER_STRING };
    context = createSecureContext(profile);
    const native = (context as { context?: NativeContext }).context;
    if (extraCaPem.length > 0) {
      if (typeof native?.addCACert === "function") {
        for (const pem of extraCaPem) native.addCACert(pem);
      } else {
        context = createSecureContext({ ...profile, ca: [...rootCertificates, ...extraCaPem] });
      }
    }
    secureContexts.set(key, context);
  }
  return context;
}

type HandshakeOutcome =
  | { readonly kind: "connected"; readonly socket: TLSSocket }
  | { readonly kind: "failed"; readonly error: unknown; readonly socket: TLSSocket }
  | { readonly kind: "aborted"; readonly socket: TLSSocket | null };

function handshake(state: PipelineState, servername: string | null, signal: AbortSignal): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const tcpSocket = state.socket;
    if (signal.aborted || !tcpSocket) {
      resolve({ kind: "aborted", socket: null });
      return;
    }
    const socket = connect({
      socket: tcpSocket,
      ...(servername !== null ? { servername } : {}),
      secureContext: edgeSecureContext(state.options.extraCaPem),
      ALPNProtocols: [...EDGE_ALPN_PROTOCOLS],
      // Judge the certificate ourselves (evaluate-certificate.ts), so that one run reports every
      // problem; the identity check is ours too, so `authorized` means "the chain verifies".
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const finish = (outcome: HandshakeOutcome): void => {
      signal.removeEventListener("abort", onAbort);
      socket.off("secureConnect", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
      // Later errors belong to the next probe; until it listens they must not crash the process.
      socket.on("error", () => {});
      resolve(outcome);
    };
    const onSecure = (): void => finish({ kind: "connected", socket });
    const onError = (error: unknown): void => {
      socket.destroy();
      finish({ kind: "failed", error, socket });
    };
    // Normally 'error' comes first; a close without one is an EOF during the handshake.
    const onClose = (): void => finish({ kind: "failed", error: { code: "ECONNRESET" }, socket });
    const onAbort = (): void => {
      socket.destroy();
      finish({ kind: "aborted", socket });
    };
    socket.once("secureConnect", onSecure);
    socket.once("error", onError);
    socket.once("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const EDGE_WOULD_525 =
  "In SSL mode Full or Full (strict) the edge would answer 525 (Flexible does not use TLS towards the origin).";

/** What a server's alert usually means when the client is the edge (RFC 8446 §6.2 names). */
const ALERT_HINTS: Readonly<Record<string, string>> = {
  handshake_failure: "usually no cipher suite or TLS version in common with what the edge offers",
  protocol_version: "no TLS version in common: the edge offers TLS 1.0 to 1.3",
  insufficient_security: "the origin wants stronger ciphers than the edge offers",
  unrecognized_name: "the origin has no certificate for the SNI name sent",
  internal_error: "a fault on the origin, often no certificate or key configured for this name",
  certificate_required: "the origin wants a client certificate (Authenticated Origin Pulls set up on the origin only)",
  access_denied: "the origin refuses this client",
};

function handshakeFinding(
  failure: HandshakeFailure,
  servername: string | null,
  evidence: Record<string, string | number | boolean | null>,
): Finding {
  const sni = servername === null ? "without SNI (the hostname is an IP address)" : `with SNI ${servername}`;
  const code = failure.errorCode ?? "no error code";
  switch (failure.kind) {
    case "not_tls":
      return finding(
        "tls.not_tls",
        "error",
        `The port answered with something that is not TLS (${failure.reason ?? code}), most likely plain HTTP: the server on this port is not configured for TLS. ${EDGE_WOULD_525} Either enable TLS on this port or use SSL mode Flexible with port 80.`,
        evidence,
      );
    case "alert": {
      const hint = failure.alert ? ALERT_HINTS[failure.alert] : undefined;
      return finding(
        "tls.handshake_failed",
        "error",
        `The origin aborted the handshake ${sni} with the TLS alert "${failure.alert}"${hint ? `: ${hint}` : ""}. ${EDGE_WOULD_525}`,
        evidence,
      );
    }
    case "no_common_protocol":
      return finding(
        "tls.handshake_failed",
        "error",
        `The origin chose a TLS version or cipher that the edge does not offer (${failure.reason ?? code}); the edge offers TLS 1.0 to 1.3 with its published cipher list. ${EDGE_WOULD_525}`,
        evidence,
      );
    case "reset":
      return finding(
        "tls.handshake_failed",
        "error",
        `The origin reset the connection during the handshake (${code}), after diag520 sent its ClientHello ${sni}: a server that does not speak TLS on this port, a TLS stack that rejects the offer, or a firewall or IPS in between. ${EDGE_WOULD_525}`,
        evidence,
      );
    case "closed":
      return finding(
        "tls.handshake_failed",
        "error",
        `The origin closed the connection during the handshake without a TLS alert, after diag520 sent its ClientHello ${sni}: often no certificate configured for that name, or no SNI support. ${EDGE_WOULD_525}`,
        evidence,
      );
    case "other":
      return finding(
        "tls.handshake_failed",
        "error",
        `The handshake failed ${sni}: ${failure.reason ?? code}. ${EDGE_WOULD_525}`,
        evidence,
      );
  }
}

/** A certificate that OpenSSL accepted but Node cannot take apart is a finding, not a crash. */
function judgeCertificate(socket: TLSSocket, hostname: string, extraCaPem: readonly string[]): CertificateEvaluation {
  const opensslError = socket.authorized ? null : String(socket.authorizationError ?? "") || null;
  try {
    return evaluateCertificate({
      hostname,
      chain: chainFromPeer(socket.getPeerCertificate(true)),
      opensslAuthorized: socket.authorized,
      opensslError,
      extraCaPem,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      chain: [],
      trusted: socket.authorized,
      hostnameMatches: null,
      verifyError: opensslError,
      findings: [
        finding(
          "tls.cert_untrusted",
          socket.authorized ? "warning" : "error",
          `diag520 could not examine the certificate the origin sent: ${message}.`,
          {
            reason: "unparsable",
            error: message,
          },
        ),
      ],
    };
  }
}

async function probeTls(state: PipelineState, signal: AbortSignal): Promise<ProbeResult<"tls">> {
  const hostname = state.request.hostname.replace(/^\[(.*)\]$/, "$1");
  // SNI is the name without a trailing dot (RFC 6066 §3).
  const servername = isIP(hostname) === 0 ? hostname.replace(/\.$/, "") : null;
  const emptyFacts: TlsFacts = {
    servername,
    protocol: null,
    cipher: null,
    alpn: null,
    chain: [],
    trusted: null,
    hostnameMatches: null,
    verifyError: null,
    errorCode: null,
  };
  const tcpSocket = state.socket;
  if (!tcpSocket || tcpSocket.destroyed) {
    return { ok: false, summary: "no open TCP connection to start TLS on", facts: emptyFacts, findings: [] };
  }

  const started = performance.now();
  const outcome = await handshake(state, servername, signal);
  const elapsedMs = roundMs(performance.now() - started);
  // The TCP socket's counters see the raw records (ClientHello out, whatever came back).
  const bytes = { bytesWritten: tcpSocket.bytesWritten, bytesRead: tcpSocket.bytesRead };
  const timeoutMs = exceededDeadline(signal)?.ms ?? state.options.timeoutMs;

  if (outcome.kind === "aborted") {
    if (state.options.signal?.aborted) {
      return { ok: false, summary: "interrupted during the TLS handshake", facts: emptyFacts, findings: [] };
    }
    const evidence = { servername, timedOut: true, elapsedMs, timeoutMs, ...bytes };
    const detail = `The origin accepted the TCP connection but did not complete the TLS handshake within ${timeoutMs} ms${bytes.bytesRead === 0 ? " (not a byte came back after the ClientHello)" : ""}: a hung or overloaded server, or a service on this port that is not TLS and waits for more input. The edge would give up as well (525, or 522 if it times out).`;
    return {
      ok: false,
      summary: `no TLS handshake within ${elapsedMs} ms`,
      facts: { ...emptyFacts, errorCode: "ETIMEDOUT" },
      findings: [finding("tls.handshake_failed", "error", detail, evidence)],
    };
  }

  if (outcome.kind === "failed") {
    const failure = classifyHandshakeError(outcome.error);
    const evidence = {
      servername,
      errorCode: failure.errorCode,
      reason: failure.reason,
      alert: failure.alert,
      timedOut: false,
      elapsedMs,
      ...bytes,
    };
    const what = failure.kind === "not_tls" ? "the port does not speak TLS" : "TLS handshake failed";
    return {
      ok: false,
      summary: `${what} (${failure.alert ?? failure.reason ?? failure.errorCode ?? "connection closed"})`,
      facts: { ...emptyFacts, errorCode: failure.errorCode },
      findings: [handshakeFinding(failure, servername, evidence)],
    };
  }

  const { socket } = outcome;
  state.socket = socket;
  const protocol = socket.getProtocol();
  const cipher = socket.getCipher();
  const alpn = socket.alpnProtocol || null;
  const evaluation = judgeCertificate(socket, hostname, state.options.extraCaPem);
  const findings: Finding[] = [...evaluation.findings];
  if (protocol !== null && LEGACY_PROTOCOLS.has(protocol)) {
    findings.push(
      finding(
        "tls.legacy_protocol",
        "warning",
        `The origin negotiated ${protocol} (with ${cipher.standardName}), deprecated by RFC 8996. The edge still offers TLS 1.0 and 1.1 to origins, so this works today, but browsers and other proxies refuse it: enable TLS 1.2 or 1.3 on the origin.`,
        { protocol, cipher: cipher.standardName },
      ),
    );
  }
  const certificateProblems = evaluation.findings
    .filter((f) => f.severity === "error")
    .map((f) => f.code.replace("tls.cert_", ""));
  // Certificate errors leave ok true: in SSL mode Full the edge talks to this origin anyway.
  return {
    ok: true,
    summary: `${protocol ?? "TLS"} ${cipher.standardName}${alpn ? `, ALPN ${alpn}` : ""}, certificate ${certificateProblems.length > 0 ? certificateProblems.join(", ").replaceAll("_", " ") : "valid"} (${elapsedMs} ms)`,
    facts: {
      servername,
      protocol,
      cipher: cipher.standardName,
      alpn,
      chain: evaluation.chain,
      trusted: evaluation.trusted,
      hostnameMatches: evaluation.hostnameMatches,
      verifyError: evaluation.verifyError,
      errorCode: null,
    },
    findings,
  };
}

export const tlsProbe: Probe<"tls"> = {
  name: "tls",
  notApplicable: (state) =>
    state.request.scheme === "http" ? "the request is plain HTTP: no TLS towards the origin" : null,
  run: probeTls,
};

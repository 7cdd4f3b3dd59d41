/**
 * The cross-leg check: the visitor's request through the edge beside the edge's request made
 * straight to the origin (DESIGN.md "The edge leg"; issue 9). Pure: observations and the
 * per-leg findings in; the cross-leg findings out, and the origin leg's findings as the pair
 * judges them (an error today's edge tolerates becomes a warning, with the evidence).
 * - the edge answers 52x and the origin leg shows a fault → confirmed, in the edge's own word;
 * - the edge answers 52x and the origin answers diag520 well → what only the edge meets;
 * - the edge answers well while the origin leg has an error → tolerated by today's edge, or
 *   served from cache (checks/edge.ts says so), or another origin behind the name;
 * - no origin leg to compare with → the edge leg alone, and what the origin leg would add.
 */
import { type EdgeStatus, type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { EdgeAnswerFacts } from "../http/edge-answer.js";
import { EDGE_MAX_HEADER_SIZE } from "../legs/edge-header-size.js";
import type { LegObservation } from "../legs/observation.js";
import { edgeAnswerOf, edgeEvidence, isEdgeError, isErrorCode1xxx, rayPhrase, searchLogsSentence } from "./edge.js";

const AT: Origin = { leg: "edge", phase: "http" };
const DOCS_IPS = "https://www.cloudflare.com/ips/";
const DOCS_H2 = "https://developers.cloudflare.com/speed/optimization/protocol/http2-to-origin/";
const DOCS_SSL = "https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/";
const DOCS_AOP = "https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/";
const DOCS_HEADERS = "https://developers.cloudflare.com/fundamentals/reference/http-headers/";

/** Certificate findings that only Full (strict) acts on: under Full, the edge validates nothing. */
const STRICT_ONLY = new Set([
  "tls.cert_expired",
  "tls.cert_not_yet_valid",
  "tls.cert_hostname_mismatch",
  "tls.cert_untrusted",
]);

export interface EdgeComparison {
  /** The origin leg's findings as the pair judges them (same order). */
  readonly originFindings: Finding[];
  /** The cross-leg findings. */
  readonly findings: Finding[];
}

/** What only the edge's connection meets, to check, for the status the edge answered. */
export function onlyAtEdgeChecks(status: number): string[] {
  const firewall = `a firewall, WAF, fail2ban or rate limit on the CDN's ranges (${DOCS_IPS}): allow them and exempt them from per-IP limits`;
  const h2 = `HTTP/2 to the origin (the edge offers h2 when the origin does): test with curl --http2 or h2spec, or turn HTTP/2 to Origin off (${DOCS_H2})`;
  const ssl = `the zone's SSL mode: Flexible talks HTTP to port 80, Full and Full (strict) TLS to 443 (${DOCS_SSL})`;
  const aop = `Authenticated Origin Pulls: an origin that demands a client certificate the edge does not present, or the reverse (${DOCS_AOP})`;
  const shaped = `the request the edge shapes: its added headers (X-Forwarded-Proto, CF-Connecting-IP, CDN-Loop), a larger head, Origin and Transform Rules (${DOCS_HEADERS})`;
  if (status === 525 || status === 526) return [ssl, firewall, aop, shaped];
  if (status === 521 || status === 522 || status === 523) return [firewall, ssl, shaped];
  return [firewall, h2, ssl, aop, shaped];
}

export function compareEdge(
  origin: LegObservation | null,
  originFindings: readonly Finding[],
  edge: LegObservation | null,
  originNotRun: string | null,
): EdgeComparison {
  const same: EdgeComparison = { originFindings: [...originFindings], findings: [] };
  if (edge === null) return same;
  const answer = edgeAnswerOf(edge);
  if (origin === null || origin.tcp.status !== "ran") {
    if (answer === null) return same;
    const why = originNotRun === null ? "the origin leg did not run" : originNotRun.replace(/^not run: /, "");
    return {
      ...same,
      findings: [
        finding(
          "edge.alone",
          "info",
          AT,
          `Only the edge was asked (${why}). An origin leg would add the other half: the same request straight to the origin as the edge makes it, phase by phase (TCP, TLS, the raw response), so that a 52x can be told apart as the origin's fault or one only the edge's connection meets (a firewall on the CDN's ranges). Pass --origin <the address in the hostname's proxied DNS record>.`,
          { reason: why },
        ),
      ],
    };
  }
  if (answer === null || answer.cfRay === null || answer.mitigated !== null || isErrorCode1xxx(answer)) return same;
  const evidence = edgeEvidence(edge, answer);
  const errors = originFindings.filter((f) => f.leg === "origin" && f.severity === "error");
  const ray = rayPhrase(answer);
  const logs = searchLogsSentence(answer);

  if (isEdgeError(answer)) {
    const status = answer.status as number;
    const first = errors[0];
    if (first !== undefined) {
      const agree =
        first.edgeStatus === status
          ? `the same ${status} diag520 predicts`
          : `diag520 predicts ${first.edgeStatus ?? "no 52x"} from it`;
      return {
        ...same,
        findings: [
          finding(
            "edge.confirmed",
            "info",
            AT,
            `Confirmed by the edge: it answered ${status} (${ray}) and the origin leg found ${first.code} (${agree}). The fault is the origin's; fix it there.${logs}`,
            { ...evidence, originCode: first.code, originEdgeStatus: first.edgeStatus },
          ),
        ],
      };
    }
    if (origin.http.status !== "ran") return same;
    const originStatus = origin.http.outcome.record.head?.statusCode ?? null;
    const toCheck = onlyAtEdgeChecks(status);
    return {
      ...same,
      findings: [
        finding(
          "edge.only_at_edge",
          "error",
          AT,
          `The edge answered ${status} (${ray}) while the origin answered diag520 ${originStatus ?? "without a status"} at ${origin.spec.address}: something only the edge's connection meets. Check, most likely first: ${toCheck.map((item, i) => `(${i + 1}) ${item}`).join("; ")}.${logs}`,
          { ...evidence, originStatus, originAddress: origin.spec.address, toCheck },
          { title: `The edge answers ${status} while the origin answers diag520`, edgeStatus: status as EdgeStatus },
        ),
      ],
    };
  }

  const status = answer.status ?? 0;
  // The edge streams: a body the origin cuts short reaches the visitor cut short too, under a 200.
  const cut = edge.http.status === "ran" && edgeBodyCut(edge);
  const firstError = errors[0];
  if (cut && firstError !== undefined) {
    return {
      ...same,
      findings: [
        finding(
          "edge.confirmed",
          "info",
          AT,
          `Confirmed by the edge: it answered ${status} (${ray}) and then passed the fault on — the body it sent was cut short too — while the origin leg found ${firstError.code}. The status was already out when the origin fell short, so visitors get a truncated page, not a 52x.${logs}`,
          { ...evidence, originCode: firstError.code, originEdgeStatus: firstError.edgeStatus },
        ),
      ],
    };
  }
  const cached = answer.cacheStatus === "HIT" || answer.cacheStatus === "STALE" || answer.cacheStatus === "UPDATING";
  if (errors.length === 0 || status >= 500 || cached) return same;
  const tolerated = errors.filter((f) => toleratedByEdge(f));
  const others = errors.filter((f) => !toleratedByEdge(f));
  const findings: Finding[] = [];
  const judged = originFindings.map((f) => (tolerated.includes(f) ? asTolerated(f, answer) : f));
  if (tolerated.length > 0) {
    const headerBytes = tolerated
      .map((f) => f.evidence.headerBytes)
      .find((value): value is number => typeof value === "number");
    const what = tolerated.map((f) => f.code).join(", ");
    const header =
      headerBytes === undefined
        ? ""
        : ` The header block of ${headerBytes} bytes is under the edge's 128 KB limit (${EDGE_MAX_HEADER_SIZE} bytes, since Oct 2025), and over the ones other proxies apply.`;
    const strict = tolerated.some((f) => STRICT_ONLY.has(f.code))
      ? " A certificate only Full (strict) rejects passes under Full: the zone's SSL mode is likely Full, which validates nothing (a risk, not a 526)."
      : "";
    findings.push(
      finding(
        "edge.tolerated",
        "warning",
        AT,
        `The edge answered ${status} (${ray}), not from its cache, although the origin leg found ${what}: today's edge tolerates it, so it is a warning, not the cause of a 52x.${header}${strict}`,
        {
          ...evidence,
          originCodes: tolerated.map((f) => f.code),
          headerBytes: headerBytes ?? null,
          edgeLimit: headerBytes === undefined ? null : EDGE_MAX_HEADER_SIZE,
        },
      ),
    );
  }
  if (others.length > 0) {
    findings.push(
      finding(
        "edge.other_origin",
        "warning",
        AT,
        `The edge answered ${status} (${ray}, cf-cache-status ${answer.cacheStatus ?? "none"}) while the origin leg found ${others.map((f) => f.code).join(", ")} at ${origin.spec.address}: the edge reaches an origin that answers. Another origin is behind the name (the DNS record in the CDN points elsewhere than --origin), one member of a pool fails, or the fault comes and goes.${logs}`,
        { ...evidence, originCodes: others.map((f) => f.code), originAddress: origin.spec.address },
      ),
    );
  }
  return { originFindings: judged, findings };
}

function edgeBodyCut(edge: LegObservation): boolean {
  if (edge.http.status !== "ran") return false;
  const { record, exchange } = edge.http.outcome;
  return (
    record.head !== null && !record.bodyComplete && exchange.end.kind !== "complete" && exchange.end.kind !== "stopped"
  );
}

/** An origin-leg error that today's edge lets through: a header block under 128 KB; a certificate only Full (strict) checks. */
function toleratedByEdge(f: Finding): boolean {
  if (f.code === "http.headers_too_large") {
    const bytes = f.evidence.headerBytes;
    return typeof bytes === "number" && bytes <= EDGE_MAX_HEADER_SIZE;
  }
  // Certificates are the SSL mode's business (--ssl-mode, checks/ssl-mode.ts), not the pair's.
  return false;
}

function asTolerated(f: Finding, answer: EdgeAnswerFacts): Finding {
  return {
    ...f,
    severity: "warning",
    edgeStatus: null,
    detail: `${f.detail} Today's edge tolerated it: it answered ${answer.status} (${rayPhrase(answer)}).`,
  };
}

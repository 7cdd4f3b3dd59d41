/**
 * Findings about the edge leg alone: what the edge answered, read as facts (http/edge-answer.ts),
 * with the Ray ID as evidence. Pure. What the answer means beside the origin leg's is
 * compare-edge.ts's business.
 */
import { type EdgeStatus, type EvidenceFor, type Finding, finding, type Origin } from "../findings/catalogue.js";
import { type EdgeAnswerFacts, readEdgeAnswer, withStructuredForm } from "../http/edge-answer.js";
import type { LegObservation } from "../legs/observation.js";
import { formatEndpoint } from "../net/endpoint.js";

const AT: Origin = { leg: "edge", phase: "http" };
const DOCS_5XX = "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/";
const DOCS_1XXX = "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/";
const DOCS_RAY = "https://developers.cloudflare.com/fundamentals/reference/cloudflare-ray-id/";
const DOCS_CACHE = "https://developers.cloudflare.com/cache/concepts/cache-responses/";
const DOCS_CHALLENGE = "https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/";
const EDGE_STATUSES: ReadonlySet<number> = new Set([520, 521, 522, 523, 524, 525, 526, 530]);
const EDGE_ERROR_NAMES: Readonly<Record<number, string>> = {
  520: "the origin's response was empty, unknown or unexpected",
  521: "the origin refused the connection",
  522: "the connection to the origin timed out",
  523: "the origin is unreachable",
  524: "the origin did not answer in time",
  525: "the TLS handshake with the origin failed",
  526: "the origin's certificate is invalid",
  530: "the origin could not be resolved (see the 1xxx code)",
};

/** The edge's answer as facts, with its structured form merged in when a second request fetched it. */
export function edgeAnswerOf(leg: LegObservation): EdgeAnswerFacts | null {
  if (leg.http.status !== "ran") return null;
  const { record } = leg.http.outcome;
  const head = record.head;
  if (head === null) return null;
  const facts = readEdgeAnswer(head.statusCode, head.headers, record.body);
  const json = leg.structured?.body;
  return json ? withStructuredForm(facts, json) : facts;
}

export function edgeEvidence(leg: LegObservation, answer: EdgeAnswerFacts): EvidenceFor<"edge.answered"> {
  return {
    status: answer.status,
    rayId: answer.rayId,
    colo: answer.colo,
    cfRay: answer.cfRay,
    cacheStatus: answer.cacheStatus,
    retryAfter: answer.retryAfter,
    originTimingMs: answer.originTimingMs,
    generatedBy: answer.generatedBy,
    errorFormat: answer.errorFormat,
    errorCode: answer.errorCode,
    errorName: answer.errorName,
    edgeAddress: formatEndpoint(leg.spec.address, leg.spec.port),
    cacheBusted: /[?&]diag520-nocache=/.test(leg.spec.request.path),
  };
}

/** "Ray ID 8f0c2b7e5d4a3c21 (colo LAB)", for sentences. */
export function rayPhrase(answer: EdgeAnswerFacts): string {
  if (answer.rayId === null) return "no Ray ID";
  return `Ray ID ${answer.rayId}${answer.colo === null ? "" : ` (colo ${answer.colo})`}`;
}

export function searchLogsSentence(answer: EdgeAnswerFacts): string {
  return answer.rayId === null
    ? ""
    : ` The edge sends the same ID to the origin as CF-Ray: search the origin's logs for it (${answer.rayId}; $http_cf_ray in nginx, %{CF-Ray}i in Apache) — ${DOCS_RAY}.`;
}

/** true when the edge made an error of its own, by its status and its own word (body or JSON). */
export function isEdgeError(answer: EdgeAnswerFacts): boolean {
  if (answer.status === null || answer.cfRay === null) return false;
  if (answer.errorCode !== null && answer.errorCode >= 1000) return false;
  return EDGE_STATUSES.has(answer.status) && answer.generatedBy !== "origin";
}

export function isErrorCode1xxx(answer: EdgeAnswerFacts): boolean {
  return answer.cfRay !== null && answer.errorCode !== null && answer.errorCode >= 1000 && answer.errorCode < 2000;
}

/** The edge leg's own findings. `compared`: an origin leg's response is there to compare with. */
export function checkEdge(leg: LegObservation, compared: boolean): Finding[] {
  if (leg.spec.name !== "edge") return [];
  const unreachable = unreachableFinding(leg);
  if (unreachable !== null) return [unreachable];
  const answer = edgeAnswerOf(leg);
  if (answer === null) {
    if (leg.http.status !== "ran") return [];
    const { exchange, client } = leg.http.outcome;
    if (exchange.end.kind === "stopped") return [];
    const code = client?.errorCode ?? exchange.end.errorCode;
    return [
      finding(
        "edge.unreachable",
        "warning",
        AT,
        `The edge at ${formatEndpoint(leg.spec.address, leg.spec.port)} sent no valid response head (${code ?? exchange.end.kind}${client?.errorMessage ? `: ${client.errorMessage}` : ""}): nothing can be said of what Cloudflare answers from here.`,
        { address: leg.spec.address, port: leg.spec.port, phase: "http", errorCode: code, reason: "no response head" },
      ),
    ];
  }
  const evidence = edgeEvidence(leg, answer);
  const ray = rayPhrase(answer);
  const logs = searchLogsSentence(answer);
  const status = answer.status ?? 0;
  const structured = leg.structured !== undefined && leg.structured !== null && leg.structured.status !== null;
  const structuredNote = structured
    ? ` A second request with Accept: application/json fetched Cloudflare's structured form of the error${answer.errorName === null ? "" : ` (error_name ${answer.errorName})`}.`
    : "";

  if (answer.cfRay === null) {
    return [
      finding(
        "edge.not_cloudflare",
        "warning",
        AT,
        `The answer through the hostname (${status}) carries no cf-ray header: it did not come through Cloudflare's edge${answer.server === null ? "" : ` (Server: ${answer.server})`}. Either the hostname is not proxied (a grey cloud, another CDN, a proxy in between), or --edge-address points elsewhere; the comparison with the origin leg says nothing about Cloudflare then. (${DOCS_RAY})`,
        { ...evidence, server: answer.server },
      ),
    ];
  }
  if (answer.mitigated !== null) {
    return [
      finding(
        "edge.challenged",
        "warning",
        AT,
        `The edge answered ${status} with cf-mitigated: ${answer.mitigated} (${ray}): a security rule challenged diag520's request, so the edge never asked the origin. This says nothing about the origin; allow the request (a WAF skip rule for the path, or run from a trusted address) to compare. (${DOCS_CHALLENGE})`,
        { ...evidence, mitigated: answer.mitigated },
      ),
    ];
  }
  if (isErrorCode1xxx(answer)) {
    const is530 = status === 530;
    return [
      finding(
        "edge.error_1xxx",
        is530 ? "error" : "warning",
        AT,
        `The edge answered ${status} with error ${answer.errorCode}${answer.errorName === null ? "" : ` (${answer.errorName})`} (${ray}): a 1xxx is the edge's own configuration or DNS error, before any origin is contacted (1016: the origin's DNS name does not resolve; 1033: a Cloudflare Tunnel is down; 1000: the DNS record points at a Cloudflare address). The origin leg cannot see it.${structuredNote} (${DOCS_1XXX})`,
        { ...evidence, structuredForm: structured },
        is530 ? { edgeStatus: 530 } : { noEdgeStatus: true },
      ),
    ];
  }
  const findings: Finding[] = [];
  if (isEdgeError(answer)) {
    const code = answer.errorCode ?? status;
    const what = EDGE_ERROR_NAMES[status] ?? "an error of its own";
    const word =
      answer.errorFormat === null
        ? "its status"
        : {
            problem_json: "its problem JSON",
            html: "its HTML error page",
            html_legacy: "its legacy HTML error page",
            plain: 'its plain "error code" body',
            markdown: "its Markdown error",
          }[answer.errorFormat];
    const retry = answer.retryAfter === null ? "" : ` Retry-After: ${answer.retryAfter}.`;
    const origin =
      answer.originTimingMs === null
        ? ""
        : ` Server-Timing cfOrigin ${answer.originTimingMs} ms (the edge's own measure of the origin).`;
    findings.push(
      finding(
        "edge.error",
        compared ? "info" : "error",
        AT,
        `The edge answered ${status} (${ray}), error ${code} by ${word}: ${what}.${retry}${origin}${structuredNote}${logs} (${DOCS_5XX}error-${status}/)`,
        { ...evidence, structuredForm: structured },
        { title: `The edge answered ${status}: ${what}`, edgeStatus: status as EdgeStatus },
      ),
    );
    return findings;
  }
  if (status >= 500 && answer.generatedBy === "origin") {
    findings.push(
      finding(
        "edge.origin_error_passed",
        "warning",
        AT,
        `The edge passed the origin's own ${status} through (${ray}; no Cloudflare error page or JSON): the origin answered, with an error. Cloudflare replaces an origin's 502 and 504 with its own page and passes 500 and 503 untouched.${logs} (${DOCS_5XX})`,
        evidence,
      ),
    );
    return findings;
  }
  if (answer.cacheStatus === "HIT" || answer.cacheStatus === "STALE" || answer.cacheStatus === "UPDATING") {
    const stale =
      answer.cacheStatus === "STALE" ? " STALE means the edge could not reach the origin and served an old copy." : "";
    findings.push(
      finding(
        "edge.cached",
        "warning",
        AT,
        `The edge answered ${status} from its cache (cf-cache-status ${answer.cacheStatus}, ${ray}): the origin was not asked, so this answer says nothing about it.${stale} ${evidence.cacheBusted ? "The cache-busting query parameter did not help: a Cache Rule ignores the query string." : "Run without --edge-cache so that a unique query parameter reaches the origin."} (${DOCS_CACHE})`,
        evidence,
      ),
    );
    return findings;
  }
  findings.push(
    finding(
      "edge.answered",
      "info",
      AT,
      `The edge answered ${status} (${ray}${answer.cacheStatus === null ? "" : `, cf-cache-status ${answer.cacheStatus}`}${answer.originTimingMs === null ? "" : `, cfOrigin ${answer.originTimingMs} ms`}).${logs}`,
      evidence,
    ),
  );
  return findings;
}

function unreachableFinding(leg: LegObservation): Finding | null {
  const endpoint = formatEndpoint(leg.spec.address, leg.spec.port);
  const base = { address: leg.spec.address, port: leg.spec.port };
  if (leg.tcp.status === "ran" && leg.tcp.outcome.kind !== "connected") {
    const code = leg.tcp.outcome.kind === "failed" ? leg.tcp.outcome.failure.errorCode : "ETIMEDOUT";
    return finding(
      "edge.unreachable",
      "warning",
      { leg: "edge", phase: "tcp" },
      `diag520 could not connect to the edge at ${endpoint} (${code ?? "no error code"}): nothing can be said of what Cloudflare answers from here.`,
      { ...base, phase: "tcp", errorCode: code, reason: "connect failed" },
    );
  }
  if (leg.tls.status === "ran") {
    const outcome = leg.tls.outcome;
    if (outcome.kind !== "established") {
      const code = outcome.kind === "failed" ? outcome.failure.errorCode : "ETIMEDOUT";
      return finding(
        "edge.unreachable",
        "warning",
        { leg: "edge", phase: "tls" },
        `The TLS handshake with the edge at ${endpoint} failed (${code ?? "no error code"}): nothing can be said of what Cloudflare answers from here.`,
        { ...base, phase: "tls", errorCode: code, reason: "TLS handshake failed" },
      );
    }
    if (outcome.certificate.trusted !== true || outcome.certificate.hostnameMatches !== true) {
      const why = outcome.certificate.trusted !== true ? "is not trusted" : "does not name the hostname";
      return finding(
        "edge.unreachable",
        "warning",
        { leg: "edge", phase: "tls" },
        `The edge's certificate at ${endpoint} ${why}, so a visitor's browser would refuse it, and so does the edge leg (--ca-file adds a CA to trust).`,
        { ...base, phase: "tls", errorCode: outcome.certificate.verifyError, reason: `certificate ${why}` },
      );
    }
  }
  return null;
}

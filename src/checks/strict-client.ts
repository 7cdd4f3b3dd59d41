/**
 * The second opinion, in words: for a fault in the origin's response head that the edge tolerates
 * (obs-fold, whitespace before the colon: checks/head-violations.ts), what a strict client did
 * when the same bytes were replayed to it (legs/strict-client-replay.ts). Pure: the replay and the
 * origin leg's findings in, the `http.strict_client` finding out. The edge's tolerance is cited
 * from Pingora's source, as the tolerated-violation details cite it
 * (cloudflare/pingora `pingora-core/src/protocols/http/v1/client.rs`).
 */
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import { type FieldLineProblem, TOLERATED_FIELD_PROBLEMS } from "../http/head-parser.js";
import type { StrictClientReplay } from "../legs/observation.js";

const AT: Origin = { leg: "origin", phase: "http" };
const PINGORA_SOURCE = "cloudflare/pingora, pingora-core/src/protocols/http/v1/client.rs";

const WHAT: Readonly<Partial<Record<FieldLineProblem, string>>> = {
  obs_fold: "a header field continued on a line that starts with whitespace (obs-fold)",
  whitespace_before_colon: "whitespace between a field name and its colon",
};

const FIX: Readonly<Partial<Record<FieldLineProblem, string>>> = {
  obs_fold: "send each field value on one line (RFC 9112 §5.2)",
  whitespace_before_colon: "remove the whitespace before the colon (RFC 9112 §5.1)",
};

/** The origin leg's findings that a strict client may judge differently from the edge: the replay runs for these only. */
export function strictClientSubjects(findings: readonly Finding[]): Finding[] {
  return findings.filter(
    (f) =>
      f.code === "http.invalid_header" &&
      f.leg === "origin" &&
      f.severity === "warning" &&
      toleratedProblem(f.evidence.problem) !== null,
  );
}

export function checkStrictClient(replay: StrictClientReplay | null, subjects: readonly Finding[]): Finding[] {
  if (replay === null || subjects.length === 0) return [];
  // Stopped (its deadline, Ctrl-C) or not set up: nothing was learnt about the origin's bytes.
  if (replay.kind === "stopped" || replay.kind === "failed") return [];
  const problems = [...new Set(subjects.map((f) => toleratedProblem(f.evidence.problem)).filter((p) => p !== null))];
  const what = problems.map((p) => WHAT[p]).join(" and ");
  const fix = problems.map((p) => FIX[p]).join(", and ");
  const replayed = `Replayed byte for byte from a loopback server to ${replay.client}, the origin's response head (${replay.replayedBytes} bytes, as the origin leg read it)`;
  const edge = `The CDN's parser tolerates ${what} in responses (Pingora enables it in httparse; ${PINGORA_SOURCE})`;
  const base = {
    client: replay.client,
    replayedBytes: replay.replayedBytes,
    originCodes: [...new Set(subjects.map((f) => f.code))],
  };
  if (replay.kind === "rejected") {
    const said = replay.errorCode === null ? replay.errorMessage : `${replay.errorCode}: ${replay.errorMessage}`;
    return [
      finding(
        "http.strict_client",
        "warning",
        AT,
        `${replayed} is rejected: ${said}. ${edge}, so visitors through the edge are served; but strict ` +
          "clients such as undici (Node's fetch) reject it: a proxy or client behind Cloudflare's cache that reads " +
          "the origin's response itself (a load balancer, a health check, a service calling the origin) or a direct " +
          `visitor may fail. Fix: ${fix}.`,
        {
          ...base,
          outcome: "rejected",
          errorCode: replay.errorCode,
          errorMessage: replay.errorMessage,
          statusCode: null,
        },
        { title: "A strict HTTP client (undici) rejects the origin's response" },
      ),
    ];
  }
  return [
    finding(
      "http.strict_client",
      "info",
      AT,
      `${replayed} is accepted, with status ${replay.statusCode}. ${edge} too; stricter proxies may still ` +
        "reject it (see http.invalid_header).",
      { ...base, outcome: "accepted", errorCode: null, errorMessage: null, statusCode: replay.statusCode },
      { title: "A strict HTTP client (undici) accepts the origin's response" },
    ),
  ];
}

function toleratedProblem(value: unknown): FieldLineProblem | null {
  return typeof value === "string" && TOLERATED_FIELD_PROBLEMS.has(value as FieldLineProblem)
    ? (value as FieldLineProblem)
    : null;
}

/**
 * Redaction of a diagnosis, once, on typed fields (report/redaction.ts has the mechanisms): the
 * request's header fields; in every leg, the raw request head, the response heads' fields and
 * the raw response head; the evidence keys that the catalogue declares as wire bytes; and the
 * bodies. Nothing else in a report carries bytes from a request or an origin, so nothing else is
 * touched (identifiers, enums and our own sentences stay exact). Pure: the input is not mutated.
 */
import { FINDING_CATALOGUE, type Finding } from "../findings/catalogue.js";
import { type Evidence, type EvidenceValue, isWireKind } from "../findings/evidence.js";
import type { LegName } from "../legs/leg-name.js";
import { Redaction, redactedHeaderNames } from "./redaction.js";
import type { HttpFacts, LegPhaseResult, LegReport, Report, ResponseHead } from "./schema.js";

export type Bodies = Partial<Record<LegName, Buffer>>;

export interface RedactedDiagnosis {
  readonly report: Report;
  readonly bodies: Bodies;
}

/** `extraNames`: header names from --redact, besides the ones always redacted. */
export function redactDiagnosis(report: Report, bodies: Bodies, extraNames: readonly string[]): RedactedDiagnosis {
  const names = redactedHeaderNames(extraNames);
  const redaction = new Redaction(names);
  learnSecrets(redaction, report);

  const legs: Report["legs"] = {};
  for (const [name, leg] of Object.entries(report.legs) as [LegName, LegReport][]) {
    legs[name] = { ...leg, phases: leg.phases.map((phase) => redactPhase(phase, redaction)) };
  }
  const redactedBodies: Bodies = {};
  for (const [name, body] of Object.entries(bodies) as [LegName, Buffer][]) {
    redactedBodies[name] = redaction.redactBody(body);
  }
  const redacted: Report = {
    ...report,
    request: { ...report.request, headers: report.request.headers.map((field) => redaction.redactTuple(field)) },
    legs,
    findings: report.findings.map((item) => redactEvidence(item, redaction)),
  };
  return {
    report: { ...redacted, redacted: names.filter((name) => redaction.hits.has(name)) },
    bodies: redactedBodies,
  };
}

/** Every secret value: what the request carried and what the origin sent back, before any is replaced. */
function learnSecrets(redaction: Redaction, report: Report): void {
  for (const [name, value] of report.request.headers)
    if (redaction.isRedactedName(name)) redaction.addSecret(name, value);
  for (const http of httpFactsOf(report)) {
    redaction.collectFromLines(http.request.raw);
    redaction.collectFromLines(http.response.rawHead);
    for (const head of headsOf(http)) {
      for (const [name, value] of head.headers) if (redaction.isRedactedName(name)) redaction.addSecret(name, value);
    }
  }
}

function httpFactsOf(report: Report): HttpFacts[] {
  return Object.values(report.legs).flatMap((leg) =>
    (leg?.phases ?? []).flatMap((phase) => (phase.name === "http" && phase.facts !== null ? [phase.facts] : [])),
  );
}

function headsOf(http: HttpFacts): ResponseHead[] {
  return [...http.response.interim, ...(http.response.head === null ? [] : [http.response.head])];
}

function redactPhase(phase: LegPhaseResult, redaction: Redaction): LegPhaseResult {
  if (phase.name !== "http" || phase.facts === null) return phase;
  const { request, response } = phase.facts;
  const redactHead = (head: ResponseHead): ResponseHead => ({
    ...head,
    statusLine: redaction.redactValues(head.statusLine),
    headers: head.headers.map((field) => {
      const [name, value] = redaction.redactTuple(field);
      return [name, redaction.redactValues(value)];
    }),
  });
  return {
    ...phase,
    facts: {
      request: { ...request, raw: redaction.redactText(request.raw) },
      response: {
        ...response,
        interim: response.interim.map(redactHead),
        head: response.head === null ? null : redactHead(response.head),
        rawHead: redaction.redactText(response.rawHead),
      },
    },
  };
}

function redactEvidence(item: Finding, redaction: Redaction): Finding {
  const shape: Readonly<Record<string, string>> = FINDING_CATALOGUE[item.code].evidence;
  const evidence: Record<string, EvidenceValue> = {};
  for (const [key, value] of Object.entries(item.evidence)) {
    const kind = shape[key];
    evidence[key] = kind !== undefined && isWireKind(kind as never) ? redactWire(value, redaction) : value;
  }
  return { ...item, evidence: evidence as Evidence };
}

function redactWire(value: EvidenceValue, redaction: Redaction): EvidenceValue {
  if (typeof value === "string") return redaction.redactText(value);
  if (Array.isArray(value))
    return value.map((item) => (typeof item === "string" ? redaction.redactText(item) : item)) as EvidenceValue;
  return value;
}

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
import type {
  H2ExchangeFacts,
  Http2Facts,
  HttpFacts,
  LegPhaseResult,
  LegReport,
  Report,
  ResponseHead,
} from "./schema.js";

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
    // The edge leg's own fields (its answer, as facts) carry no request secrets: only phases are redacted.
    (legs as Record<string, LegReport>)[name] = {
      ...leg,
      phases: leg.phases.map((phase) => redactPhase(phase, redaction)),
    };
  }
  const redactedBodies: Bodies = {};
  for (const [name, body] of Object.entries(bodies) as [LegName, Buffer][]) {
    redactedBodies[name] = redaction.redactBody(body);
  }
  const redacted: Report = {
    ...report,
    request: { ...report.request, headers: report.request.headers.map((field) => redactField(field, redaction)) },
    legs,
    findings: report.findings.map((item) => redactEvidence(item, redaction)),
    // The healthy verdict quotes the origin's status line: it follows the redacted one.
    verdict: { ...report.verdict, summary: requote(report.verdict.summary, originHead(report), redaction) },
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
  for (const http2 of http2FactsOf(report)) {
    for (const [name, value] of http2.request.fields)
      if (redaction.isRedactedName(name)) redaction.addSecret(name, value);
    for (const exchange of exchangesOf(http2)) {
      for (const [name, value] of h2FieldsOf(exchange))
        if (redaction.isRedactedName(name)) redaction.addSecret(name, value);
    }
  }
}

function http2FactsOf(report: Report): Http2Facts[] {
  return Object.values(report.legs).flatMap((leg) =>
    (leg?.phases ?? []).flatMap((phase) => (phase.name === "http2" && phase.facts !== null ? [phase.facts] : [])),
  );
}

function exchangesOf(http2: Http2Facts): H2ExchangeFacts[] {
  return [http2.exchange, ...(http2.retry?.exchange ? [http2.retry.exchange] : [])];
}

/** Every decoded field of an HTTP/2 response: the header block, the trailers, the fields found malformed. */
function h2FieldsOf(exchange: H2ExchangeFacts): Array<readonly [string, string]> {
  return [
    ...(exchange.response?.headers ?? []),
    ...(exchange.response?.trailers ?? []),
    ...exchange.malformedHeaders.map(({ name, value }) => [name, value] as const),
  ];
}

function httpFactsOf(report: Report): HttpFacts[] {
  return Object.values(report.legs).flatMap((leg) =>
    (leg?.phases ?? []).flatMap((phase) => (phase.name === "http" && phase.facts !== null ? [phase.facts] : [])),
  );
}

function headsOf(http: HttpFacts): ResponseHead[] {
  return [...http.response.interim, ...(http.response.head === null ? [] : [http.response.head])];
}

/** By name, then by value: an origin or a user may repeat a secret under another name. */
function redactField(field: readonly [string, string], redaction: Redaction): [string, string] {
  const [name, value] = redaction.redactTuple(field);
  return [name, redaction.redactValues(value)];
}

function redactPhase(phase: LegPhaseResult, redaction: Redaction): LegPhaseResult {
  if (phase.name === "http2" && phase.facts !== null) return { ...phase, facts: redactHttp2(phase.facts, redaction) };
  if (phase.name !== "http" || phase.facts === null) return phase;
  const { request, response } = phase.facts;
  const redactHead = (head: ResponseHead): ResponseHead => ({
    ...head,
    statusLine: redaction.redactValues(head.statusLine),
    reason: head.reason === null ? null : redaction.redactValues(head.reason),
    headers: head.headers.map((field) => redactField(field, redaction)),
  });
  return {
    ...phase,
    // The http summary quotes the status line as received: it follows the redacted one.
    summary: requote(phase.summary, response.head, redaction),
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

function redactHttp2(facts: Http2Facts, redaction: Redaction): Http2Facts {
  const fields = (list: Array<[string, string]>): Array<[string, string]> =>
    list.map((field) => redactField(field, redaction));
  const exchange = (x: H2ExchangeFacts): H2ExchangeFacts => ({
    ...x,
    response:
      x.response === null
        ? null
        : {
            ...x.response,
            headers: fields(x.response.headers),
            trailers: x.response.trailers === null ? null : fields(x.response.trailers),
          },
    malformedHeaders: x.malformedHeaders.map((m) => {
      const [name, value] = redactField([m.name, m.value], redaction);
      return { ...m, name, value };
    }),
    notHttp2: x.notHttp2 === null ? null : { ...x.notHttp2, firstBytes: redaction.redactText(x.notHttp2.firstBytes) },
  });
  return {
    request: { ...facts.request, fields: fields(facts.request.fields) },
    exchange: exchange(facts.exchange),
    retry:
      facts.retry === null
        ? null
        : { ...facts.retry, exchange: facts.retry.exchange === null ? null : exchange(facts.retry.exchange) },
  };
}

function originHead(report: Report): ResponseHead | null {
  const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
  return http?.name === "http" ? (http.facts?.response.head ?? null) : null;
}

/** Our sentence with the status line (or its reason phrase) it quotes redacted; the rest of it untouched. */
function requote(sentence: string, head: ResponseHead | null, redaction: Redaction): string {
  if (head === null) return sentence;
  const quoted = [head.statusLine, ...(head.reason ? [head.reason] : [])].find((text) => sentence.includes(text));
  return quoted === undefined ? sentence : sentence.replace(quoted, redaction.redactValues(quoted));
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

/**
 * What must hold for every run of the origin leg and its checks, whatever the origin sent ("never
 * hang, never crash, never lie"): returns one list of violations so that a failure names them all.
 */
import { setTimeout as delay } from "node:timers/promises";
import { checkLeg } from "../../src/checks/check-leg.js";
import { FINDING_CATALOGUE, type Finding } from "../../src/findings/catalogue.js";
import type { LegObservation } from "../../src/legs/observation.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { legReport } from "../../src/report/leg-report.js";
import { findingSchema, legSchema } from "../../src/report/schema.js";
import { decideVerdict } from "../../src/report/verdict.js";
import { type LegSpecParts, legSpec } from "../support/leg-spec.js";
import { type CaseOrigin, casePath } from "./case-origin.js";

export interface LegOutcome {
  readonly leg: LegObservation | null;
  readonly thrown: unknown;
  readonly elapsedMs: number;
  /** The origin saw the connection closed within the margin after the leg returned. */
  readonly socketClosed: boolean;
}

/** Runs the origin leg for the case registered as `id` (its request path selects it). */
export async function legOnce(
  origin: CaseOrigin,
  id: string,
  deadlineMs: number,
  marginMs: number,
  parts: Partial<LegSpecParts> = {},
): Promise<LegOutcome> {
  const spec = legSpec({
    hostname: "fuzz.test",
    ...parts,
    port: origin.port,
    request: { path: casePath(id) },
    deadlineMs,
  });
  const started = performance.now();
  let leg: LegObservation | null = null;
  let thrown: unknown = null;
  try {
    leg = await runLeg(spec, new AbortController().signal);
  } catch (error) {
    thrown = error;
  }
  const elapsedMs = performance.now() - started;
  const clientPort =
    leg?.tcp.status === "ran" && leg.tcp.outcome.kind === "connected" ? leg.tcp.outcome.localPort : null;
  // The leg owns its socket; the origin's side closing is what shows that the leg closed it.
  const stopWaiting = new AbortController();
  const socketClosed =
    clientPort === null ||
    (await Promise.race([
      origin.closed(clientPort).then(() => true),
      delay(marginMs, false, { signal: stopWaiting.signal }).catch(() => false),
    ]));
  stopWaiting.abort();
  return { leg, thrown, elapsedMs, socketClosed };
}

/** The properties; an empty list means the run was sound. */
export function violations(outcome: LegOutcome, deadlineMs: number, marginMs: number): string[] {
  const found: string[] = [];
  if (outcome.thrown !== null)
    found.push(`the leg threw: ${String((outcome.thrown as Error)?.stack ?? outcome.thrown)}`);
  if (outcome.elapsedMs > deadlineMs + marginMs) {
    found.push(`took ${Math.round(outcome.elapsedMs)} ms, over the ${deadlineMs} ms deadline + ${marginMs} ms`);
  }
  if (!outcome.socketClosed) found.push(`the leg left its socket open (${marginMs} ms after it returned)`);
  const leg = outcome.leg;
  if (leg === null) return found;
  if (leg.http.status !== "ran") return [...found, `the http phase did not run: ${JSON.stringify(leg.tcp)}`];
  const { record, exchange } = leg.http.outcome;

  let findings: Finding[];
  try {
    findings = checkLeg(leg);
  } catch (error) {
    return [...found, `checkLeg threw: ${String((error as Error)?.stack ?? error)}`];
  }
  if (JSON.stringify(checkLeg(leg)) !== JSON.stringify(findings)) found.push("checkLeg is not deterministic");
  const errors = findings.filter((f) => f.severity === "error");
  const report = legReport(leg, findings);
  const verdict = decideVerdict({ findings, origin: report, interruption: null, originNotRun: null });
  if (verdict.ok !== (errors.length === 0)) found.push(`verdict ok=${verdict.ok} with ${errors.length} error findings`);
  // Healthy or explained: a run with no error finding must have read a final response whose body
  // is complete, or say (in a finding) why it stopped reading.
  if (errors.length === 0) {
    if (record.head === null || record.head.statusCode === null) {
      found.push("no error finding, but no final response head was read");
    }
    const explained = findings.some((f) => f.code === "http.body_read_capped" || f.code === "http.body_timeout");
    if (!record.bodyComplete && !explained) found.push("no error finding, but the body is incomplete and unexplained");
  }
  const http = report.phases.find((p) => p.name === "http");
  const end = http?.name === "http" ? http.facts?.response.end : undefined;
  if (errors.length === 0 && findings.length === 0 && end !== "complete") {
    found.push(`a healthy run ended as '${end}' (exchange: ${exchange.end.kind}, reader: ${record.stop})`);
  }
  for (const item of findings) found.push(...findingViolations(item));
  const parsed = legSchema.safeParse(report);
  if (!parsed.success) found.push(`the leg's report does not match the schema: ${parsed.error.message.slice(0, 500)}`);
  if (JSON.stringify(JSON.parse(JSON.stringify(report))) !== JSON.stringify(report)) {
    found.push("the leg's report does not survive a JSON round trip");
  }
  if (typeof http?.summary !== "string" || http.summary === "") found.push("empty http summary");
  return found;
}

function findingViolations(item: Finding): string[] {
  const found: string[] = [];
  if (!(item.code in FINDING_CATALOGUE)) found.push(`unknown finding code ${item.code}`);
  const typed = findingSchema.safeParse(item);
  if (!typed.success)
    found.push(`finding ${item.code} does not match its schema: ${typed.error.message.slice(0, 500)}`);
  if (item.leg !== "origin") found.push(`finding ${item.code} names the leg ${item.leg}`);
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(item));
  } catch (error) {
    return [`finding ${item.code} is not JSON-serialisable: ${String(error)}`];
  }
  if (!deepEqualJson(copy, item)) found.push(`finding ${item.code} changes in a JSON round trip (NaN, undefined…)`);
  for (const [key, value] of Object.entries(item.evidence)) {
    const ok =
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value)) ||
      (Array.isArray(value) &&
        value.every((v) => typeof v === "string" || (typeof v === "number" && Number.isFinite(v))));
    if (!ok) found.push(`finding ${item.code}: evidence ${key} is not a JSON value: ${String(value)}`);
  }
  if (item.detail.length > 20_000) found.push(`finding ${item.code}: a detail of ${item.detail.length} characters`);
  return found;
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => deepEqualJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Runs `task` over `items` with at most `limit` at a time; resolves when all are done. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * What must hold for every run of the http probe, whatever the origin sent ("never hang, never
 * crash, never lie"): returns one list of violations so that a failure names them all.
 */
import net from "node:net";
import { FINDING_CATALOGUE, type Finding } from "../../src/findings/catalogue.js";
import type { DiagnoseOptions } from "../../src/options.js";
import { httpProbe } from "../../src/probes/http.js";
import type { PipelineState, ProbeResult } from "../../src/probes/probe.js";
import { httpFactsSchema } from "../../src/report/schema.js";
import { pipelineState } from "../support/pipeline-state.js";

export interface ProbeOutcome {
  readonly result: ProbeResult<"http"> | null;
  readonly thrown: unknown;
  readonly elapsedMs: number;
  readonly socketClosed: boolean;
}

/** Connects to the origin as the tcp probe does, lets `register` see the client port, then runs the probe. */
export async function probeOnce(
  port: number,
  deadlineMs: number,
  register: (clientPort: number) => void,
  change: Partial<DiagnoseOptions> = {},
): Promise<ProbeOutcome> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  register(socket.localPort ?? -1);
  const state: PipelineState = pipelineState({
    request: { hostname: "fuzz.test", origin: "127.0.0.1", scheme: "http", port },
    options: { timeoutMs: deadlineMs, ...change },
    socket,
  });

  const started = performance.now();
  let result: ProbeResult<"http"> | null = null;
  let thrown: unknown = null;
  try {
    result = await httpProbe.run(state, AbortSignal.timeout(deadlineMs));
  } catch (error) {
    thrown = error;
  }
  const elapsedMs = performance.now() - started;
  const socketClosed = socket.destroyed;
  socket.destroy();
  return { result, thrown, elapsedMs, socketClosed };
}

/** The properties; an empty list means the run was sound. */
export function violations(outcome: ProbeOutcome, deadlineMs: number, marginMs: number): string[] {
  const found: string[] = [];
  if (outcome.thrown !== null)
    found.push(`the probe threw: ${String((outcome.thrown as Error)?.stack ?? outcome.thrown)}`);
  if (outcome.elapsedMs > deadlineMs + marginMs) {
    found.push(`took ${Math.round(outcome.elapsedMs)} ms, over the ${deadlineMs} ms deadline + ${marginMs} ms`);
  }
  if (!outcome.socketClosed) found.push("the probe left its socket open");
  const result = outcome.result;
  if (result === null) return found;

  const errors = result.findings.filter((f) => f.severity === "error");
  if (result.ok !== (errors.length === 0)) found.push(`ok=${result.ok} with ${errors.length} error findings`);
  // Healthy or explained: a run with no error finding must have read a final response whose body
  // is complete, or say (in a finding) why it stopped reading.
  const response = result.facts.response;
  if (errors.length === 0) {
    if (response.head === null || response.head.statusCode === null) {
      found.push("no error finding, but no final response head was read");
    }
    const explained = result.findings.some((f) => f.code === "http.body_read_capped" || f.code === "http.body_timeout");
    if (!response.bodyComplete && !explained)
      found.push("no error finding, but the body is incomplete and unexplained");
  }
  if (errors.length === 0 && result.findings.length === 0 && !(response.end === "complete")) {
    found.push(`a healthy run ended as '${response.end}'`);
  }
  for (const item of result.findings) found.push(...findingViolations(item));
  const facts = httpFactsSchema.safeParse(result.facts);
  if (!facts.success) found.push(`facts do not match the schema: ${facts.error.message.slice(0, 500)}`);
  if (JSON.stringify(JSON.parse(JSON.stringify(result.facts))) !== JSON.stringify(result.facts)) {
    found.push("facts do not survive a JSON round trip");
  }
  if (typeof result.summary !== "string" || result.summary === "") found.push("empty summary");
  return found;
}

function findingViolations(item: Finding): string[] {
  const found: string[] = [];
  if (!(item.code in FINDING_CATALOGUE)) found.push(`unknown finding code ${item.code}`);
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

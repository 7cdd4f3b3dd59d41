/**
 * Real diagnoses, in-process: `diagnose()` against the lab's origins on loopback, with the same
 * request and options the CLI would build from the lab's command line. Report fixtures come from
 * here, never from hand-written JSON (which drifts from what the product really prints).
 */
import { readFileSync } from "node:fs";
import { type Diagnosis, diagnose } from "../../src/diagnose.js";
import type { Lab, RunningOrigin } from "../../src/lab/lab.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "../../src/options.js";

export interface LabDiagnosisOverrides {
  readonly request?: Partial<DiagnoseRequest>;
  readonly options?: Partial<DiagnoseOptions>;
}

/** The request and options the CLI builds for a lab origin's command line (without its extra flags). */
export function labRequest(lab: Lab, running: RunningOrigin, overrides: LabDiagnosisOverrides = {}) {
  const { origin } = running;
  const server = origin.server;
  const request: DiagnoseRequest = {
    hostname: running.hostname,
    displayHostname: running.hostname,
    origin: server.kind === "dns-only" ? server.origin : "127.0.0.1",
    scheme: origin.scheme,
    port: running.port ?? (origin.scheme === "https" ? 443 : 80),
    path: "/",
    method: "GET",
    headers: [],
    userAgent: DEFAULTS.userAgent,
    ...overrides.request,
  };
  const options: DiagnoseOptions = {
    timeoutMs: DEFAULTS.timeoutMs,
    maxTimeMs: null,
    maxHeaderSize: DEFAULTS.maxHeaderSize,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    extraCaPem: origin.scheme === "https" ? [readFileSync(lab.caFile, "utf8")] : [],
    dnsServers: [lab.dnsServer],
    redact: [],
    ...overrides.options,
  };
  return { request, options };
}

/** Diagnoses the lab origin called `name` in-process. */
export function diagnoseLabOrigin(lab: Lab, name: string, overrides: LabDiagnosisOverrides = {}): Promise<Diagnosis> {
  const running = lab.origins.find((candidate) => candidate.origin.name === name);
  if (running === undefined) throw new Error(`no lab origin named ${name} is running`);
  const { request, options } = labRequest(lab, running, overrides);
  return diagnose(request, options);
}

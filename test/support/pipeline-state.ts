/**
 * A PipelineState built by hand, for driving one probe directly (as the pipeline would after
 * the phases before it). Each test passes only what its probe looks at.
 */
import type { Socket } from "node:net";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "../../src/options.js";
import type { PhaseFacts, PipelineState } from "../../src/probes/probe.js";

export interface PipelineStateParts {
  readonly request?: Partial<DiagnoseRequest>;
  readonly options?: Partial<DiagnoseOptions>;
  readonly facts?: Partial<PhaseFacts>;
  readonly socket?: Socket | null;
}

export function pipelineState(parts: PipelineStateParts = {}): PipelineState {
  const hostname = parts.request?.hostname ?? "origin.test";
  return {
    request: {
      hostname,
      displayHostname: hostname,
      origin: null,
      scheme: "https",
      port: 443,
      path: "/",
      method: "GET",
      headers: [],
      userAgent: DEFAULTS.userAgent,
      ...parts.request,
    },
    options: {
      timeoutMs: DEFAULTS.timeoutMs,
      maxTimeMs: null,
      maxHeaderSize: DEFAULTS.maxHeaderSize,
      maxBodyBytes: DEFAULTS.maxBodyBytes,
      extraCaPem: [],
      dnsServers: [],
      ...parts.options,
    },
    facts: { ...parts.facts },
    socket: parts.socket ?? null,
    responseBody: null,
  };
}

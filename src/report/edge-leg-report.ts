/**
 * The edge leg as the report shows it: its phases (as any leg's), and what the edge answered,
 * read as facts (the Ray ID and colo, the cache status, who made the answer), what undici made
 * of it, and the structured form a second request fetched. A leg that did not run says why.
 */
import { edgeAnswerOf } from "../checks/edge.js";
import type { Finding } from "../findings/catalogue.js";
import { CACHE_BUSTER } from "../legs/edge-leg.js";
import type { LegObservation } from "../legs/observation.js";
import type { Scheme } from "../options.js";
import { legReport, notRunLegReport } from "./leg-report.js";
import type { EdgeLegReport, Interruption } from "./schema.js";

export interface EdgeLegContext {
  readonly hostname: string;
  readonly pinned: boolean;
}

export function edgeLegReport(
  leg: LegObservation,
  findings: readonly Finding[],
  interruption: Interruption | null,
  context: EdgeLegContext,
): EdgeLegReport {
  const base = legReport(leg, findings, interruption);
  const client = leg.http.status === "ran" ? (leg.http.outcome.client ?? null) : null;
  const structured = leg.structured ?? null;
  return {
    ...base,
    name: "edge",
    hostname: context.hostname,
    pinned: context.pinned,
    cacheBusted: leg.spec.request.path.includes(`${CACHE_BUSTER}=`),
    path: leg.spec.request.path,
    skipReason: null,
    answer: edgeAnswerOf(leg),
    client: client === null ? null : { ...client },
    structuredForm: structured === null ? null : { ...structured },
  };
}

export function notRunEdgeLegReport(
  target: { readonly port: number; readonly scheme: Scheme; readonly path: string },
  address: string | null,
  reason: string,
  context: EdgeLegContext & { readonly cacheBusted: boolean },
): EdgeLegReport {
  const base = notRunLegReport("edge", target, address, reason);
  return {
    ...base,
    name: "edge",
    phases: base.phases.map((phase) =>
      phase.name === "tls" && target.scheme === "http"
        ? {
            ...phase,
            summary: "the visitor's request is plain HTTP: no TLS",
            skipReason: "the visitor's request is plain HTTP: no TLS",
          }
        : phase,
    ),
    hostname: context.hostname,
    pinned: context.pinned,
    cacheBusted: context.cacheBusted,
    path: target.path,
    skipReason: reason,
    answer: null,
    client: null,
    structuredForm: null,
  };
}

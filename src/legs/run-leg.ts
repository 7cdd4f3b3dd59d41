/**
 * `runLeg(spec, signal)` → observation: the one entry point for every leg, whatever its transport.
 */
import { type PhaseStartListener, runHttp1Leg } from "./http1-leg.js";
import type { LegSpec } from "./leg-spec.js";
import type { LegObservation } from "./observation.js";

export type { PhaseStartListener };

export function runLeg(spec: LegSpec, signal: AbortSignal, onPhaseStart?: PhaseStartListener): Promise<LegObservation> {
  switch (spec.transport) {
    case "http1":
      return runHttp1Leg(spec, signal, onPhaseStart);
    case "undici":
      // Loaded with the leg: undici stays off the start-up path of every run that does not ask the edge.
      return import("./edge-leg-runner.js").then(({ runEdgeLeg }) => runEdgeLeg(spec, signal, onPhaseStart));
  }
}

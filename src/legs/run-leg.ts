/**
 * `runLeg(spec, signal)` → observation: the one entry point for every leg, whatever its transport.
 */
import type { PhaseStartListener } from "./connection-phases.js";
import { runH2Leg } from "./h2-leg.js";
import { runHttp1Leg } from "./http1-leg.js";
import type { H2LegSpec, LegSpec } from "./leg-spec.js";
import type { H2LegObservation, LegObservation } from "./observation.js";

export type { PhaseStartListener };

export function runLeg(spec: LegSpec, signal: AbortSignal, onPhaseStart?: PhaseStartListener): Promise<LegObservation>;
export function runLeg(
  spec: H2LegSpec,
  signal: AbortSignal,
  onPhaseStart?: PhaseStartListener,
): Promise<H2LegObservation>;
export function runLeg(
  spec: LegSpec | H2LegSpec,
  signal: AbortSignal,
  onPhaseStart?: PhaseStartListener,
): Promise<LegObservation | H2LegObservation> {
  switch (spec.transport) {
    case "http1":
      return runHttp1Leg(spec, signal, onPhaseStart);
    case "h2":
      return runH2Leg(spec, signal, onPhaseStart);
    case "undici":
      // Loaded with the leg: undici stays off the start-up path of every run that does not ask the edge.
      return import("./edge-leg-runner.js").then(({ runEdgeLeg }) => runEdgeLeg(spec, signal, onPhaseStart));
  }
}

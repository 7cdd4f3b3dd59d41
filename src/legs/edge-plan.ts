/**
 * Whether the edge leg runs, and where it dials (DESIGN.md "The edge leg"): by default when the
 * hostname resolves into the CDN's published ranges, at the first such address; at a pinned
 * address whatever the DNS says; never when turned off. When it does not run, the reason is
 * said plainly, for the report. It waits only for the hostname's own lookup, never for a leg.
 */
import { findCdnRange } from "../cdn/cloudflare-ranges.js";
import { stopOf } from "../deadline.js";
import type { WireRequest } from "../http/request.js";
import type { DiagnoseOptions, DiagnoseRequest, Scheme } from "../options.js";
import type { ResolutionObservation } from "../resolve/resolve.js";
import { edgeLegSpec } from "./edge-leg.js";
import type { LegSpec } from "./leg-spec.js";

export interface EdgePlanContext {
  readonly hostname: string;
  readonly pinned: boolean;
  readonly cacheBusted: boolean;
}

export type EdgePlan =
  /** No edge leg was asked for at all (batch, serve): the report has no `legs.edge`. */
  | { readonly kind: "none" }
  | { readonly kind: "run"; readonly spec: LegSpec; readonly context: EdgePlanContext }
  | {
      readonly kind: "skip";
      readonly reason: string;
      readonly address: string | null;
      readonly target: { readonly port: number; readonly scheme: Scheme; readonly path: string };
      readonly context: EdgePlanContext;
    };

export async function planEdgeLeg(
  request: DiagnoseRequest,
  options: DiagnoseOptions,
  visitor: WireRequest,
  resolved: Promise<ResolutionObservation>,
  signal: AbortSignal,
): Promise<EdgePlan> {
  const choice = options.edge;
  if (choice === undefined) return { kind: "none" };
  const scheme = choice.scheme;
  const defaultPort = scheme === "https" ? 443 : 80;
  const pinned = choice.address !== null;
  const context: EdgePlanContext = { hostname: request.hostname, pinned, cacheBusted: !choice.keepCache };
  const skip = (reason: string, address: string | null = null, port = defaultPort): EdgePlan => ({
    kind: "skip",
    reason,
    address,
    target: { port, scheme, path: visitor.path },
    context,
  });
  if (choice.mode === "off") return skip("not run: the edge leg was turned off");
  const run = (address: string, port: number): EdgePlan => {
    if (stopOf(signal) !== null) return skip("not run: the run stopped before the edge leg started", address, port);
    const spec = edgeLegSpec(request, options, { address, port, scheme }, visitor, choice.keepCache);
    return { kind: "run", spec, context };
  };
  if (choice.address !== null) return run(choice.address.host, choice.address.port ?? defaultPort);

  const { hostname } = await resolved;
  if (hostname.failure !== null) {
    return skip(`not run: the hostname does not resolve (${hostname.failure.errorCode}), so there is no edge to ask`);
  }
  const cdn = hostname.addresses.filter((address) => findCdnRange(address) !== null);
  if (cdn.length === 0 || cdn.length < hostname.addresses.length) {
    const shown = hostname.addresses.slice(0, 3).join(", ");
    return skip(
      `not run: the hostname resolves to ${shown}, outside the CDN's published ranges (not proxied): there is no Cloudflare edge in its path; pin an edge address to ask one anyway`,
    );
  }
  return run(cdn[0] as string, defaultPort);
}

/**
 * Which address the origin leg may connect to, decided from the answer for the name it connects
 * to alone: none when the name does not resolve, and never one of the CDN's own addresses named
 * by --origin (a loop or a mistake: diag520 must not open connections to the CDN as "the origin").
 */
import { findCdnRange } from "../cdn/cloudflare-ranges.js";
import { type NameAnswer, pickAddress } from "./resolve.js";

export interface OriginGate {
  /** The address picked from the answer, or null when there is none. */
  readonly address: string | null;
  /** Why the origin leg must not run, or null when it may. */
  readonly blockedBy: string | null;
}

export function originGate(target: NameAnswer, originGiven: boolean): OriginGate {
  const address = pickAddress(target.addresses);
  if (address === null) {
    const why = originGiven ? "the origin name does not resolve" : "the hostname does not resolve";
    return { address, blockedBy: `not run: ${why}, so there is no address to connect to` };
  }
  if (originGiven && target.addresses.some((a) => findCdnRange(a) !== null)) {
    return { address, blockedBy: "not run: the origin address lies inside the CDN's own ranges" };
  }
  return { address, blockedBy: null };
}

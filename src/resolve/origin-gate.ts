/**
 * Which address the origin leg may connect to, decided from the answer for the name it connects
 * to alone: none when the name does not resolve, and never one of the CDN's own addresses —
 * named by --origin (a loop or a mistake), or the hostname's own answer when there is no --origin
 * (that is the edge, not the origin: a verdict about it would be about the CDN).
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
  if (!originGiven && findCdnRange(address) !== null) {
    return { address, blockedBy: "not run: the hostname resolves to the CDN's own edge, not to the origin" };
  }
  return { address, blockedBy: null };
}

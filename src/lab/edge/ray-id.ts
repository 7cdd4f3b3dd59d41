/**
 * Ray IDs: 16 lower-case hex digits, then the data centre's code in the `cf-ray` header
 * ("8f0c2b7e5d4a3c21-LAB"). Error pages and JSON bodies show the ID without the colo.
 * (cloudflare-docs `fundamentals/reference/cloudflare-ray-id`.) Random, so not guaranteed
 * unique, as Cloudflare also says of its own.
 */
import { randomBytes } from "node:crypto";

export interface RayId {
  /** "8f0c2b7e5d4a3c21": what pages and JSON bodies show. */
  readonly id: string;
  /** "8f0c2b7e5d4a3c21-LAB": the `cf-ray` header, sent to the origin as `CF-Ray` too. */
  readonly header: string;
}

export function newRayId(colo: string): RayId {
  const id = randomBytes(8).toString("hex");
  return { id, header: `${id}-${colo}` };
}

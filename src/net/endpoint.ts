import { bracketIpv6 } from "./ip-literal.js";

/** "192.0.2.1:443" or "[2001:db8::1]:443" (RFC 3986 §3.2.2). */
export function formatEndpoint(address: string, port: number): string {
  return `${bracketIpv6(address)}:${port}`;
}

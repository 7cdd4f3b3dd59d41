/**
 * How a batch names a target in every output (JUnit names, annotations, metrics labels, the
 * summary table): the request as a URL, and the origin it was sent to. Built from the report's
 * own target fields, which the input validators have already made safe (ASCII hostnames, visible
 * ASCII paths, IP literals or names for origins).
 */
import type { Target } from "../report/schema.js";

export type TargetFields = Pick<Target, "hostname" | "origin" | "scheme" | "port" | "path" | "method">;

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/** `https://example.com/`, `http://example.com:8080/health`, `HEAD https://example.com/` (the method only when not GET). */
export function targetUrl(target: TargetFields): string {
  const port = target.port === DEFAULT_PORT[target.scheme] ? "" : `:${target.port}`;
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  const url = `${target.scheme}://${host}${port}${target.path}`;
  return target.method === "GET" ? url : `${target.method} ${url}`;
}

/** The origin as the input named it, or "" when the hostname's own DNS answer was used. */
export function originLabel(target: Pick<Target, "origin">): string {
  return target.origin ?? "";
}

/** `https://example.com/ via 203.0.113.7`, or `… via its DNS answer`. */
export function describeTarget(target: TargetFields): string {
  return `${targetUrl(target)} via ${target.origin ?? "its DNS answer"}`;
}

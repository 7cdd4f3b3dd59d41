/**
 * Loaded first into every test process and every CLI process a test spawns
 * (`node --import <guardPath> ...`): any attempt to leave loopback fails loudly, before a
 * packet is sent, with `code: "ERR_TEST_NON_LOOPBACK"` and the address in the message.
 * (wrangler's test setup does the same for HTTP; this covers sockets and DNS too.)
 *
 * Patched: `net.Socket#connect` (and so tls, http, undici), `dgram.Socket#send/#connect`,
 * `dns.lookup`/`lookupService` (callback and promise forms), and every `resolve*`/`reverse`
 * of `dns`, `dns.promises` and both `Resolver` classes, which refuse unless every configured
 * DNS server is loopback (c-ares opens its own sockets, so this is the only place to stop it).
 * Allowed: 127.0.0.0/8, ::1, ::ffff:127.x, the unspecified addresses (the kernel sends those
 * to loopback), "localhost", and the exact addresses in DIAG520_TEST_ALLOWED_ADDRESSES
 * (comma-separated, for tests inside a network namespace).
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";
import { formatIp, isLoopback, parseIp } from "../../src/net/ip-literal.js";

export const GUARD_ERROR_CODE = "ERR_TEST_NON_LOOPBACK";

const INSTALLED = Symbol.for("diag520.loopbackGuard");

type AnyFunction = (...args: unknown[]) => unknown;

export function isAllowedAddress(address: string): boolean {
  const ip = parseIp(address);
  if (ip === null) return false;
  if (isLoopback(ip) || ip.value === 0n) return true;
  const canonical = formatIp({ ...ip, zone: null });
  return (process.env.DIAG520_TEST_ALLOWED_ADDRESSES ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .some((entry) => entry !== "" && parseIp(entry) !== null && formatIp(parseIp(entry) ?? ip) === canonical);
}

export function isAllowedHost(host: string): boolean {
  return host.toLowerCase().replace(/\.$/, "") === "localhost" || isAllowedAddress(host);
}

function blocked(what: string, destination: string): Error {
  const error = new Error(
    `loopback guard: ${what} ${destination} blocked: tests must not leave loopback (DIAG520_TEST_ALLOWED_ADDRESSES allows an address)`,
  );
  (error as Error & { code: string }).code = GUARD_ERROR_CODE;
  // Loud even when the caller turns the error into a finding instead of failing.
  process.stderr.write(`${error.message}\n`);
  return error;
}

/** "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53" (the forms `getServers()` returns) → the address. */
function serverAddress(server: string): string {
  if (server.startsWith("[")) return server.slice(1, server.indexOf("]"));
  return server.split(":").length === 2 ? (server.split(":")[0] ?? server) : server;
}

function disallowedServer(servers: readonly string[]): string | undefined {
  return servers.find((server) => !isAllowedAddress(serverAddress(server)));
}

function guardConnect(): void {
  const original = net.Socket.prototype.connect as unknown as AnyFunction;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    checkConnectArguments(args);
    return original.apply(this, args);
  } as typeof net.Socket.prototype.connect;
}

function checkConnectArguments(args: unknown[]): void {
  const first = args[0];
  // net.connect() passes its normalised [options, callback] array (lib/net.js normalizeArgs).
  const options = Array.isArray(first) ? first[0] : first;
  if (typeof options === "string" && !/^\d+$/.test(options)) return; // an IPC path
  const record: Record<string, unknown> =
    typeof options === "object" && options !== null
      ? (options as Record<string, unknown>)
      : { port: options, host: typeof args[1] === "string" ? args[1] : undefined };
  if (typeof record.path === "string") return;
  const host = typeof record.host === "string" && record.host !== "" ? record.host : "localhost";
  if (isAllowedHost(host)) return;
  if (parseIp(host) === null && typeof record.lookup === "function") {
    record.lookup = guardedCustomLookup(record.lookup as AnyFunction);
    return;
  }
  throw blocked("connect to", host);
}

/** A caller's own `lookup` may map a name to loopback: check what it returns instead. */
function guardedCustomLookup(lookup: AnyFunction): AnyFunction {
  return (hostname: unknown, options: unknown, callback: unknown) =>
    lookup(hostname, options, (error: unknown, address: unknown, family: unknown) => {
      const addresses = Array.isArray(address) ? address.map((a: { address: string }) => a.address) : [address];
      const bad = addresses.find((a) => typeof a === "string" && !isAllowedAddress(a));
      if (!error && bad !== undefined) (callback as AnyFunction)(blocked("connect to", String(bad)));
      else (callback as AnyFunction)(error, address, family);
    });
}

function guardDgram(): void {
  const proto = dgram.Socket.prototype as unknown as Record<string, AnyFunction>;
  const originalSend = proto.send as AnyFunction;
  const originalConnect = proto.connect as AnyFunction;
  proto.send = function guardedSend(this: dgram.Socket, ...args: unknown[]) {
    // lib/dgram.js send(buffer, offset, length, port, address, cb) shifts the short form the same way.
    const longForm = Boolean(args[4]) || (Boolean(args[3]) && typeof args[3] !== "function");
    const address = longForm ? args[4] : args[2];
    if (typeof address === "string" && !isAllowedHost(address)) throw blocked("UDP send to", address);
    return originalSend.apply(this, args);
  };
  proto.connect = function guardedDgramConnect(this: dgram.Socket, ...args: unknown[]) {
    const address = args[1];
    if (typeof address === "string" && !isAllowedHost(address)) throw blocked("UDP connect to", address);
    return originalConnect.apply(this, args);
  };
}

function guardLookup(): void {
  const callbackApi = dns as unknown as Record<string, AnyFunction>;
  const promiseApi = dns.promises as unknown as Record<string, AnyFunction>;
  const lookupAllowed = (hostname: unknown): boolean =>
    typeof hostname !== "string" || hostname === "" || parseIp(hostname) !== null || isAllowedHost(hostname);

  for (const [api, sync] of [
    [callbackApi, true],
    [promiseApi, false],
  ] as const) {
    const lookup = api.lookup as AnyFunction;
    const lookupService = api.lookupService as AnyFunction;
    api.lookup = (...args: unknown[]) => {
      if (lookupAllowed(args[0])) return lookup(...args);
      const error = blocked("DNS lookup of", String(args[0]));
      if (sync) throw error;
      return Promise.reject(error);
    };
    api.lookupService = (...args: unknown[]) => {
      if (typeof args[0] === "string" && isAllowedAddress(args[0])) return lookupService(...args);
      const error = blocked("reverse lookup of", String(args[0]));
      if (sync) throw error;
      return Promise.reject(error);
    };
  }
}

const isQueryMethod = (name: string): boolean => name.startsWith("resolve") || name === "reverse";

/** Wraps every query method of `target`, asking `servers(this)` which servers it would use. */
function guardQueries(target: Record<string, unknown>, servers: (self: unknown) => string[], sync: boolean): void {
  for (const name of Object.getOwnPropertyNames(target)) {
    const original = target[name];
    if (!isQueryMethod(name) || typeof original !== "function") continue;
    target[name] = function guardedQuery(this: unknown, ...args: unknown[]) {
      const bad = disallowedServer(servers(this));
      if (bad === undefined) return (original as AnyFunction).apply(this, args);
      const error = blocked(`DNS query (${name} ${String(args[0])}) to server`, bad);
      if (sync) throw error;
      return Promise.reject(error);
    };
  }
}

function guardResolvers(): void {
  const ownServers = (self: unknown): string[] => (self as { getServers(): string[] }).getServers();
  guardQueries(dns.Resolver.prototype as unknown as Record<string, unknown>, ownServers, true);
  guardQueries(dns.promises.Resolver.prototype as unknown as Record<string, unknown>, ownServers, false);
  // dns.resolve4 & co. are bound to a hidden default resolver, not looked up on the prototype.
  guardQueries(dns as unknown as Record<string, unknown>, () => dns.getServers(), true);
  guardQueries(dns.promises as unknown as Record<string, unknown>, () => dns.promises.getServers(), false);
}

function install(): void {
  const registry = globalThis as unknown as Record<symbol, boolean>;
  if (registry[INSTALLED]) return;
  registry[INSTALLED] = true;
  guardConnect();
  guardDgram();
  guardLookup();
  guardResolvers();
  // `import { lookup } from "node:dns/promises"` reads a snapshot: refresh it to the guarded one.
  syncBuiltinESMExports();
}

install();

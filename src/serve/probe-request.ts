/**
 * A `/probe` request's query, validated: `target` (the hostname, as SNI and Host), `origin` (the
 * address or name to connect to) and `module` (how). Each is checked with the CLI's own
 * validators (src/input/), then against the allow lists, before anything is resolved or
 * connected. A bad value is a 400, a value outside the allow lists a 403, each with one line.
 */
import { UsageError } from "../errors.js";
import { parseOrigin } from "../input/arguments.js";
import { parseHostname } from "../input/hostname.js";
import { toOneLine } from "../input/usage-message.js";
import type { DiagnoseRequest } from "../options.js";
import { isOriginAllowed, isTargetAllowed } from "./allowlist.js";
import type { ProbeModule, ServeConfig } from "./config.js";

export type ProbeQuery =
  | { readonly ok: true; readonly module: ProbeModule; readonly request: DiagnoseRequest }
  | { readonly ok: false; readonly status: 400 | 403; readonly reason: string };

/** Values are echoed in reasons: long ones are cut, control characters escaped. */
const SHOWN_LENGTH = 80;

export function parseProbeQuery(params: URLSearchParams, config: ServeConfig): ProbeQuery {
  const bad = (reason: string): ProbeQuery => ({ ok: false, status: 400, reason: oneLine(reason) });
  for (const name of ["target", "origin", "module"]) {
    if (params.getAll(name).length > 1) return bad(`give '${name}' once`);
  }
  const moduleName = params.get("module");
  const names = [...config.modules.keys()];
  let module: ProbeModule | undefined;
  if (moduleName === null || moduleName === "") {
    // One module needs no name; with several, guessing would probe the wrong way.
    if (names.length !== 1) return bad(`the 'module' parameter is missing: one of ${names.join(", ")}`);
    module = config.modules.get(names[0] as string);
  } else {
    module = config.modules.get(moduleName);
    if (module === undefined) return bad(`unknown module '${shown(moduleName)}': the modules are ${names.join(", ")}`);
  }
  if (module === undefined) return bad("no module");

  const target = params.get("target");
  if (target === null || target === "")
    return bad("the 'target' parameter is missing: give the site's hostname, as in target=example.com");
  const origin = params.get("origin");
  if (origin === null || origin === "")
    return bad(
      "the 'origin' parameter is missing: give the origin's address or name (the exporter connects only to origins its configuration allows)",
    );

  let hostname: ReturnType<typeof parseHostname>;
  let originValue: string;
  try {
    hostname = parseHostname(shownOrWhole(target), "target");
    const parsed = parseOrigin(shownOrWhole(origin));
    // The module decides how to probe, port included: a scrape may not pick one.
    if (parsed.port !== null)
      return bad(`invalid origin '${shown(origin)}': give it without a port; the module sets the port`);
    originValue = parsed.host;
  } catch (error) {
    if (error instanceof UsageError) return bad(error.message.replace(/^invalid --origin /, "invalid origin "));
    throw error;
  }
  if (/%/.test(originValue))
    return bad(`invalid origin '${shown(origin)}': a scoped address (with %zone) cannot be probed`);
  const forbidden = (reason: string): ProbeQuery => ({ ok: false, status: 403, reason: oneLine(reason) });
  if (!isTargetAllowed(config.allow, hostname.ascii))
    return forbidden(`target '${shown(hostname.ascii)}' is not in the configuration's allow.targets`);
  if (!isOriginAllowed(config.allow, originValue))
    return forbidden(`origin '${shown(originValue)}' is not in the configuration's allow.origins`);

  return {
    ok: true,
    module,
    request: {
      hostname: hostname.ascii,
      displayHostname: hostname.display,
      origin: originValue,
      scheme: module.scheme,
      port: module.port,
      path: module.path,
      method: module.method,
      headers: module.headers,
      userAgent: module.userAgent,
    },
  };
}

/** A value longer than any hostname (253) is refused on its length, without echoing it whole. */
function shownOrWhole(value: string): string {
  if (value.length > 1024) throw new UsageError(`invalid value '${shown(value)}': longer than 1024 characters`);
  return value;
}

function shown(value: string): string {
  return value.length > SHOWN_LENGTH ? `${value.slice(0, SHOWN_LENGTH)}…` : value;
}

function oneLine(reason: string): string {
  const line = toOneLine(reason);
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

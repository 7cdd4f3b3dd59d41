/**
 * The TLS client context the edge would use towards an origin: its protocol range and cipher
 * list (edge-tls-profile.ts) and its trust store (the public roots plus any extra CAs).
 */
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { EDGE_CIPHER_STRING, EDGE_MAX_VERSION, EDGE_MIN_VERSION } from "./edge-tls-profile.js";

const secureContexts = new Map<string, SecureContext>();

interface NativeContext {
  addCACert?: (pem: string) => void;
}

/**
 * The public roots plus `extraCaPem`, as the edge's custom origin trust store would be. The
 * `ca` option replaces Node's default roots instead of adding to them, and re-parsing the ~140
 * public roots that way costs ~20 ms of a 60 ms budget. The native context's addCACert (what
 * createSecureContext itself calls for `ca`) adds to a copy of the already parsed roots for ~1 ms;
 * it is not a documented API, so the documented, slower way is the fallback.
 */
export function edgeSecureContext(extraCaPem: readonly string[]): SecureContext {
  const key = extraCaPem.join("\n");
  let context = secureContexts.get(key);
  if (!context) {
    const profile = { minVersion: EDGE_MIN_VERSION, maxVersion: EDGE_MAX_VERSION, ciphers: EDGE_CIPHER_STRING };
    context = createSecureContext(profile);
    const native = (context as { context?: NativeContext }).context;
    if (extraCaPem.length > 0) {
      if (typeof native?.addCACert === "function") {
        for (const pem of extraCaPem) native.addCACert(pem);
      } else {
        context = createSecureContext({ ...profile, ca: [...rootCertificates, ...extraCaPem] });
      }
    }
    secureContexts.set(key, context);
  }
  return context;
}

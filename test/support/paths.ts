/**
 * Absolute paths the tests hand to child processes, computed from this compiled file's place
 * (dist/test/support/) so that they hold whatever the working directory is.
 */
import { fileURLToPath } from "node:url";

/** The compiled loopback guard, for `node --import <guardPath>` or NODE_OPTIONS. */
export const guardPath = fileURLToPath(new URL("./loopback-guard.js", import.meta.url));

/** The repository root (dist/test/support/ is three levels down). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

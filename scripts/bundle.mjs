/**
 * `npm run build`, last step: bundles the compiled CLI (dist/src/cli.js, everything it imports,
 * commander included) into one CommonJS file, dist/bundle/cli.cjs, and warms its V8 code cache.
 * bin/diag520.js loads it when it is newer than tsc's output, else dist/src as before.
 *
 * Why: start-up is a budget (DESIGN.md "Budgets", measured by `npm run bench`). On Node 20,
 * resolving, reading, compiling and linking ~45 ES modules one by one costs ~25 ms, when a whole
 * diagnosis may take 1.5x `node -e 0` (~30 ms more); one file costs a few, and V8's code cache
 * (which Node 20 offers for a script compiled with node:vm only) saves most of the compiling.
 * - Modules reached only through `await import()` stay lazy: esbuild wraps them in functions
 *   that run on first use. chalk, ora, zod and undici are not bundled: they load from
 *   node_modules, only when needed, as before.
 * - A dynamic `import()` inside code that V8 took from a code cache fails on Node 20
 *   (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so each `import("chalk")` becomes
 *   `__importExternal("chalk")`, a function that bin/diag520.js hands to the bundle.
 * - `import.meta.url` becomes the bundle's own URL: the bundle sits two directories down, like
 *   dist/src/*.js, so that `new URL("../../package.json", import.meta.url)` finds the same file.
 * Then diag520 diagnoses two lab origins on loopback, a healthy HTTPS one and a broken one, with
 * DIAG520_SAVE_CODE_CACHE=1, so that the cache holds the functions of real diagnoses. A failure
 * there costs speed, never the build.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = new URL("..", import.meta.url);
const pathOf = (relative) => fileURLToPath(new URL(relative, root));
const EXTERNAL = ["chalk", "ora", "zod", "undici"];
const bundlePath = pathOf("dist/bundle/cli.cjs");

/**
 * commander requires node:child_process when it loads, for executable subcommands, which diag520
 * has none of; child_process brings dgram and five more internal modules with it. commander gets
 * a stand-in that loads the real module on first use (it only ever calls spawn).
 */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: "lazy-child-process", namespace: "diag520-lazy" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "diag520-lazy" }, () => ({
      contents: 'module.exports = { spawn: (...args) => require("node:child_process").spawn(...args) };',
      loader: "js",
    }));
  },
};

const result = await build({
  entryPoints: [pathOf("dist/src/cli.js")],
  outfile: bundlePath,
  write: false,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: EXTERNAL,
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  plugins: [lazyChildProcessForCommander],
});
const dynamicImport = new RegExp(`\\bimport\\((["'])(${EXTERNAL.join("|")})\\1\\)`, "g");
const code = (result.outputFiles[0]?.text ?? "").replace(dynamicImport, '__importExternal("$2")');
// Any other import() (a string that looks like one would do) makes the cache unsafe: go without.
const leftover = /\bimport\s*\(/.exec(code);
mkdirSync(pathOf("dist/bundle"), { recursive: true });
// One function expression, bin/diag520.js's wrapper included: V8 then compiles the file's text as
// it is read, without a concatenated copy of it.
const wrapper = "(function (exports, require, module, __filename, __dirname, __importExternal) {";
writeFileSync(bundlePath, `${wrapper}${code}\n})`);
rmSync(`${bundlePath}.v8cache`, { force: true });

async function warmCodeCache() {
  const { startLab } = await import(new URL("dist/src/lab/lab.js", root).href);
  const lab = await startLab({ only: ["healthy-https", "empty-reply"] });
  try {
    const runs = lab.origins.flatMap((origin) => [[...origin.args, "--json"], [...origin.args]]);
    for (const args of runs) {
      // Each run starts from the cache the previous one saved, and adds what it compiled.
      const child = spawn(process.execPath, [pathOf("bin/diag520.js"), ...args], {
        stdio: "ignore",
        env: { ...process.env, DIAG520_SAVE_CODE_CACHE: "1" },
      });
      await once(child, "exit");
    }
  } finally {
    await lab.close();
  }
}

try {
  if (leftover) throw new Error(`an import() that is not of ${EXTERNAL.join(", ")}: ${code.slice(leftover.index, leftover.index + 60)}`);
  await warmCodeCache();
} catch (error) {
  console.warn(`bundle: no V8 code cache (${error instanceof Error ? error.message : error}); start-up will be slower`);
}

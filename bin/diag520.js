#!/usr/bin/env node
// Thin launcher: everything lives in the compiled CLI (npm run build). Start-up is a budget
// (DESIGN.md "Budgets", `npm run bench`), hence: `--version` alone is answered without loading
// the CLI; and the CLI is the one-file bundle that `npm run build` makes (scripts/bundle.mjs),
// compiled with the V8 code cache saved beside it, unless a plain `tsc` since then left the
// bundle older than dist/src: then it is dist/src, as it stands.
// CommonJS (bin/package.json), not an ES module: an ES module as the main module starts Node's
// ES module loader (about 20 internal modules, fs/promises and readline among them, ~10 ms),
// which `node -e 0` never loads and the bundle does not need.
"use strict";
const { readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { Script, constants: vmConstants } = require("node:vm");

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.on("error", () => process.exit());
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, "../package.json"), "utf8")).version}\n`);
} else {
  compileIpv6PatternCheaply();
  run();
}

async function run() {
  const { main } = loadBundle() ?? (await import("../dist/src/cli.js"));
  await main(argv);
  // Every command is done when main returns (serve and lab return once stopped): leave as soon
  // as what was written is flushed, without Node's teardown of the heap and the environment
  // (~1 ms of callbacks after the report, and ~10 ms of CPU here). process.exitCode stands, and
  // 'exit' listeners run.
  let pending = 2;
  const leave = () => {
    pending -= 1;
    if (pending === 0) process.exit();
  };
  process.stdout.write("", leave);
  process.stderr.write("", leave);
}

/**
 * node:net's isIPv6 tests a string against one large regular expression, which V8 compiles with
 * its regexp optimisations on first use (~9 ms here) and again to native code on the second
 * (~2 ms). A diagnosis cannot avoid that: tls.connect tests every SNI name with net.isIP (for a
 * deprecation warning), checkServerIdentity tests the hostname, dns setServers tests a server
 * given with a port (--dns-server), and none of them has an option around it. Without V8's
 * regexp optimisations both compilations cost ~1 ms together, and the expression matches
 * exactly the same strings (they are about speed only; the names it is asked about are short).
 * So it is compiled here, twice, under --no-regexp-optimization, which is set back at once:
 * nothing else is compiled under it, and the code cache below, which V8 checks against its
 * flags, sees the flags it was made with. Only that flag: --no-regexp-tier-up, set and set back
 * the same way, makes a later isIPv6 crash V8 (a segmentation fault after some thousand calls,
 * Node 20). Skipped when the user gave V8 a regexp flag of their own.
 */
function compileIpv6PatternCheaply() {
  if (`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`.includes("regexp")) return;
  const { setFlagsFromString } = require("node:v8");
  const { isIPv6 } = require("node:net");
  setFlagsFromString("--no-regexp-optimization");
  try {
    isIPv6("::"); // compiled to bytecode and run once,
    isIPv6("::"); // then compiled to native code (V8 tiers a regexp up on its second run)
  } finally {
    setFlagsFromString("--regexp-optimization");
  }
}

/**
 * Compiling the bundle's functions costs ~10 ms (more on a busy machine): V8's code cache skips it.
 * Node 20 has no module.enableCompileCache, so this is what `require` does, plus `cachedData`.
 * V8 checks the cache against its own version and flags and the source's length only: the
 * stamp ties it to this very bundle file. DIAG520_SAVE_CODE_CACHE=1 (set by the build's
 * warm-up runs) saves what this run compiled.
 */
function loadBundle() {
  const path = join(__dirname, "../dist/bundle/cli.cjs");
  let stamp;
  try {
    const bundle = statSync(path);
    if (bundle.mtimeMs < statSync(join(__dirname, "../dist/src/cli.js")).mtimeMs) return null;
    stamp = Buffer.from(`${bundle.size} ${bundle.mtimeMs} ${process.version} ${process.arch}\n`);
  } catch {
    return null;
  }
  const cachePath = `${path}.v8cache`;
  let cachedData;
  try {
    const cache = readFileSync(cachePath);
    if (cache.subarray(0, stamp.length).equals(stamp)) cachedData = cache.subarray(stamp.length);
  } catch {}
  // scripts/bundle.mjs writes the bundle as one function expression, this wrapper included, so
  // that V8 compiles the text as read, not a concatenated copy of it (640 KB); a bundle from
  // before that is wrapped here.
  const wrapper = "(function (exports, require, module, __filename, __dirname, __importExternal) {";
  const text = readFileSync(path, "utf8");
  const script = new Script(text.startsWith(wrapper) ? text : `${wrapper}${text}\n})`, {
    filename: path,
    cachedData,
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  // import() here, not in the bundle: code from the cache cannot (scripts/bundle.mjs).
  const importExternal = (specifier) => import(specifier);
  // This file's own `require` serves the bundle (node:module's createRequire is not loaded): it
  // asks for built-in modules and zod, which resolves from bin/ as from dist/bundle/, both in
  // the package, to the same node_modules.
  script.runInThisContext()(module.exports, require, module, path, dirname(path), importExternal);
  if (process.env.DIAG520_SAVE_CODE_CACHE === "1") {
    process.once("exit", () => {
      try {
        writeFileSync(`${cachePath}.${process.pid}`, Buffer.concat([stamp, script.createCachedData()]));
        renameSync(`${cachePath}.${process.pid}`, cachePath);
      } catch {} // a cache that cannot be written is only a slower start
    });
  }
  return module.exports;
}

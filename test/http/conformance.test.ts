/**
 * The shared conformance corpus: responses taken from peer test suites (httparse, Pingora, llhttp,
 * curl), each with what Pingora and httparse, as the edge runs them, do with those exact bytes
 * followed by EOF, for a GET (computed from the peers, never from diag520). For every scored case
 * the origin leg reads the bytes from a loopback origin that then closes, `checkLeg` judges them,
 * and the verdict must agree: "healthy" → no error finding but the tolerated ones; "fail" → an
 * error finding with one of the expected codes (any error when none is listed).
 *
 * The corpus lives beside the repository (<repo>/../shared/conformance/http1-responses.json, or
 * $DIAG520_SHARED_DIR/conformance/…) and is read at test time, never copied into the project;
 * without it the test is skipped and says where it looked.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkLeg } from "../../src/checks/check-leg.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import type { Finding } from "../../src/findings/catalogue.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { legReport } from "../../src/report/leg-report.js";
import { decideVerdict } from "../../src/report/verdict.js";
import { type LegSpecParts, legSpec } from "../support/leg-spec.js";
import { repoRoot } from "../support/paths.js";
import { type RawOrigin, startRawOrigin } from "../support/raw-origin.js";

const sharedDir = process.env.DIAG520_SHARED_DIR || join(repoRoot, "..", "shared");
const corpusPath = join(sharedDir, "conformance", "http1-responses.json");

interface ConformanceCase {
  readonly id: string;
  readonly group: "scored" | "informative";
  readonly b64: string;
  readonly escaped: string;
  /** CLI flags for this case (e.g. `--method HEAD`). */
  readonly args: readonly string[];
  readonly expect: {
    readonly outcome: "healthy" | "fail";
    readonly codes: readonly string[];
    /** The exit code the edge's verdict implies, or null when either is acceptable. */
    readonly exit: number | null;
    readonly tolerated_errors?: readonly string[];
  };
}

/**
 * Where diag520 and the edge disagree today, with what diag520 says instead. Each runs as a
 * `todo` so that the suite stays green while the gap stays visible.
 */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {};

/** The leg spec a case's CLI flags ask for; a flag this test does not know fails the case loudly. */
function specParts(args: readonly string[]): Partial<LegSpecParts> {
  let parts: Partial<LegSpecParts> = {};
  for (let index = 0; index < args.length; index += 2) {
    const [flag, value] = [args[index], args[index + 1]];
    if (value === undefined) throw new Error(`flag ${flag} has no value`);
    switch (flag) {
      case "--method":
        parts = { ...parts, request: { ...parts.request, method: value } };
        break;
      case "--max-header-size":
        parts = { ...parts, maxHeaderSize: Number(value) };
        break;
      case "--max-body":
        parts = { ...parts, maxBodyBytes: Number(value) };
        break;
      default:
        throw new Error(`the conformance test does not map the flag ${flag} yet`);
    }
  }
  return parts;
}

/** Serves each case's bytes to the request whose path names it, then closes: "followed by EOF". */
function corpusOrigin(cases: readonly ConformanceCase[]): Promise<RawOrigin> {
  return startRawOrigin((socket) => {
    let received = "";
    const onData = (data: Buffer) => {
      received += data.toString("latin1");
      if (!received.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.resume();
      const index = Number(/^[A-Z]+ \/case\/(\d+) /.exec(received)?.[1]);
      const item = cases[index];
      if (item === undefined) return socket.destroy();
      socket.end(Buffer.from(item.b64, "base64"));
    };
    socket.on("data", onData);
  });
}

const describeFindings = (findings: readonly Finding[]) =>
  findings.map((f) => `${f.code}:${f.severity}`).join(", ") || "no finding";

/** Why diag520's answer disagrees with the expected one, or null when it agrees. */
function disagreement(item: ConformanceCase, findings: readonly Finding[], exitCode: number): string | null {
  const tolerated = new Set(item.expect.tolerated_errors ?? []);
  const errors = findings.filter((f) => f.severity === "error");
  if (item.expect.outcome === "healthy") {
    const untolerated = errors.filter((f) => !tolerated.has(f.code));
    if (untolerated.length > 0) return `expected healthy, diag520 says ${describeFindings(findings)}`;
  } else {
    const wanted = item.expect.codes;
    const matching = errors.filter((f) => wanted.length === 0 || wanted.includes(f.code));
    if (matching.length === 0) {
      const which = wanted.length === 0 ? "any error" : `an error among ${wanted.join(", ")}`;
      return `expected ${which}, diag520 says ${describeFindings(findings)}`;
    }
  }
  if (item.expect.exit !== null && item.expect.exit !== exitCode) {
    return `expected exit ${item.expect.exit}, diag520 would exit ${exitCode} (${describeFindings(findings)})`;
  }
  return null;
}

const corpus = existsSync(corpusPath)
  ? (JSON.parse(readFileSync(corpusPath, "utf8")) as { cases: ConformanceCase[] })
  : null;

describe("conformance with the edge's HTTP/1.1 parser (shared corpus)", { timeout: 120_000 }, () => {
  if (corpus === null) {
    it("reads the corpus", {
      skip: `no corpus at ${corpusPath}: set DIAG520_SHARED_DIR to the directory that holds conformance/`,
    }, () => {});
    return;
  }
  const scored = corpus.cases.filter((item) => item.group === "scored");
  const agreed: string[] = [];
  const disagreed: string[] = [];
  const originReady = corpusOrigin(corpus.cases);
  after(async () => {
    await (await originReady).close();
  });

  it("has scored cases", () => {
    assert.ok(scored.length > 0, `${corpusPath} has no scored case`);
  });

  for (const item of scored) {
    const index = corpus.cases.indexOf(item);
    const todo = KNOWN_DISAGREEMENTS[item.id];
    it(item.id, { ...(todo === undefined ? {} : { todo }) }, async (t) => {
      const { port } = await originReady;
      const parts = specParts(item.args);
      const spec = legSpec({
        ...parts,
        port,
        deadlineMs: 5_000,
        request: { ...parts.request, path: `/case/${index}` },
      });
      const leg = await runLeg(spec, new AbortController().signal);
      const findings = checkLeg(leg);
      const verdict = decideVerdict({
        findings,
        origin: legReport(leg, findings),
        interruption: null,
        originNotRun: null,
      });
      const why = disagreement(item, findings, exitCodeFor([{ verdict, interruption: null }]));
      t.diagnostic(`${item.escaped.slice(0, 120)} → ${describeFindings(findings)}`);
      if (why === null) agreed.push(item.id);
      else disagreed.push(`${item.id}: ${why}`);
      assert.equal(why, null, `${item.id} (${item.escaped.slice(0, 200)}): ${why}`);
    });
  }

  // The cases above run one after the other, so this runs last and sees them all.
  it("reports the score", (t) => {
    t.diagnostic(`diag520 agrees with the edge on ${agreed.length} of ${scored.length} scored cases`);
    for (const line of disagreed) t.diagnostic(`disagrees: ${line}`);
    const fixed = Object.keys(KNOWN_DISAGREEMENTS).filter((id) => agreed.includes(id));
    for (const id of fixed) t.diagnostic(`now agrees: ${id} (remove it from KNOWN_DISAGREEMENTS)`);
  });
});

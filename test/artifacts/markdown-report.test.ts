import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  codeBlock,
  type MarkdownEnvironment,
  markdownInline,
  renderMarkdownReport,
} from "../../src/artifacts/markdown-report.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import type { Report } from "../../src/report/schema.js";
import { type Fixtures, startFixtures } from "./report-fixtures.js";

let fixtures: Fixtures;
before(async () => {
  fixtures = await startFixtures();
});
after(() => fixtures.close());

/** What the CLI passes: its own environment, and the exit code it computed over the run. */
function render(report: Report): string {
  const env: MarkdownEnvironment = {
    version: "0.1.0",
    node: "v20.20.2",
    os: "linux 6.1 x64",
    nowUtc: "2026-11-22T04:00:05Z",
    sourceAddress: "192.0.2.99",
    exitCode: exitCodeFor([report]),
  };
  return renderMarkdownReport(report, env);
}

interface Block {
  fence: string;
  info: string;
  lines: string[];
}

/** Splits Markdown into prose lines and fenced code blocks, by CommonMark's fence rules (§4.5). */
function parseFences(markdown: string): { prose: string[]; blocks: Block[] } {
  const prose: string[] = [];
  const blocks: Block[] = [];
  let open: Block | null = null;
  for (const line of markdown.split("\n")) {
    if (open === null) {
      const opening = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
      if (opening) open = { fence: opening[1] ?? "", info: (opening[2] ?? "").trim(), lines: [] };
      else prose.push(line);
      continue;
    }
    const closing = /^ {0,3}(`{3,})[ \t]*$/.exec(line);
    if (closing && (closing[1]?.length ?? 0) >= open.fence.length) {
      blocks.push(open);
      open = null;
    } else {
      open.lines.push(line);
    }
  }
  assert.equal(open, null, "every code block is closed");
  return { prose, blocks };
}

test("the response head is shown escaped in a code block that origin backticks cannot close", async () => {
  const markdown = render((await fixtures.diagnosis("invalidHeader")).report);
  const { prose, blocks } = parseFences(markdown);
  const headBlock = blocks.find((block) => block.lines[0]?.startsWith("HTTP/1.1 200 OK"));
  assert.ok(headBlock, "the response head has its own block");
  assert.ok(headBlock.fence.length > 10, "the fence is longer than the 10-backtick run inside");
  assert.deepEqual(headBlock.lines, [
    "HTTP/1.1 200 OK\\r\\n",
    "X-Fence: ```` and ``` \\r\\n",
    "Bad Header\\x00Line\\xff\\r\\n",
    "```\\r\\n",
    "``````````\\r\\n",
    "Set-Cookie: [REDACTED, 28 bytes]\\r\\n",
    "\\x1b[31mred\\r\\n",
    "[click](http://evil.example/) <script>alert(1)</script>\\r\\n",
    "\\r\\n",
  ]);
  // Nothing the origin sent leaks into the prose, where Markdown or HTML would be live.
  const proseText = prose.join("\n");
  assert.ok(!proseText.includes("<script>"));
  assert.ok(!proseText.includes("](http://evil.example/)"));
  // No raw control character anywhere in the file.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the check
  assert.doesNotMatch(markdown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
});

test("evidence with origin bytes sits in an escaped code block", async () => {
  const { blocks } = parseFences(render((await fixtures.diagnosis("invalidHeader")).report));
  const evidence = blocks.find((block) => block.lines.includes("problem: nul"));
  assert.ok(evidence, "the finding's evidence has its own block");
  assert.ok(evidence.lines.includes("line: Bad Header\\x00Line\\xff"));
  assert.ok(evidence.lines.includes("byte: \\x00"));
  assert.ok(evidence.lines.includes("lineNumbers: [3, 4, 5, 7, 8]"));
});

test("a healthy report has every section a ticket needs", async () => {
  const { report } = await fixtures.diagnosis("healthy");
  const markdown = render(report);
  for (const heading of [
    "# diag520 report: localhost",
    "## Findings",
    "## Likely causes and fixes",
    "## What could not be checked from here",
    "## The exact request sent",
    "## The response head as received",
    "## Timings",
    "## Environment",
    "## Reproduce",
  ]) {
    assert.ok(markdown.includes(`\n${heading}\n`) || markdown.startsWith(`${heading}\n`), heading);
  }
  assert.match(
    markdown,
    /\*\*Verdict:\*\* no fault found that would make the CDN fail this request: the origin answered 200 OK in [\d.]+ ms \(2 warnings below\)/,
  );
  assert.match(markdown, /Predicted edge status: none/);
  assert.match(markdown, /- Origin diagnosed: `127\.0\.0\.1`\n/, "--origin is the address: not repeated");
  assert.match(markdown, /, exit code 0\n/);
  assert.match(markdown, /### ⚠️ warning `http\.invalid_header`: A header field line is malformed/);
  // The strict client's second opinion on the same spaced field, as any other finding.
  assert.match(
    markdown,
    /### ⚠️ warning `http\.strict_client`: A strict HTTP client \(undici\) rejects the origin's response/,
  );
  assert.match(markdown, /\| diagnosed from \| 192\.0\.2\.99 \|/);
  assert.match(markdown, /\| Node\.js \| v20\.20\.2 \|/);
  assert.match(markdown, /\| tls \| skipped \| {2}\| the request is plain HTTP: no TLS towards the origin \|/);
  assert.match(markdown, /Redacted: the values of `authorization`, `cookie`, `set-cookie`, `x-api-key`/);
  const { blocks } = parseFences(markdown);
  const curl = blocks.find((block) => block.info === "sh");
  assert.deepEqual(curl?.lines, [report.reproduce.curl]);
  const request = blocks.find((block) => block.lines[0]?.startsWith("GET /login"));
  assert.ok(request?.lines.includes("Authorization: [REDACTED, 31 bytes]\\r\\n"));
  assert.ok(request?.lines.includes("X-Trace: visible-value\\r\\n"));
});

test("the timings table shows the TLS phase of an https origin", async () => {
  const markdown = render((await fixtures.diagnosis("healthyTls")).report);
  assert.match(markdown, /\| tls \| passed \| [\d.]+ ms \| TLSv1\.3 \S+, certificate valid \([\d.]+ ms\) \|/);
  assert.match(markdown, /\| http \| passed \| [\d.]+ ms \| HTTP\/1\.1 200 OK · 27 body bytes · \d+ ms \|/);
  assert.match(markdown, /HTTP, counted from the request being written: first byte [\d.]+ ms/);
});

test("an error report leads with the verdict and the predicted edge status", async () => {
  const markdown = render((await fixtures.diagnosis("emptyReply")).report);
  assert.match(
    markdown,
    /\*\*Verdict:\*\* the CDN would answer 520: the origin closed the connection without sending a response/,
  );
  assert.match(markdown, /Predicted edge status: \*\*520\*\*/);
  assert.match(markdown, /, exit code 1\n/);
  assert.match(
    markdown,
    /### ❌ error `http\.empty_reply`: The origin closed the connection without sending a response/,
  );
  assert.match(markdown, /\nLeg origin, phase http, edge status 520: The origin accepted the connection/);
  assert.match(markdown, /Nothing to show: no response bytes arrived/);
  assert.match(
    markdown,
    /1\. \*\*The origin server is down, overloaded or crashing\*\* \(likelihood high; supported by `http\.empty_reply`\)/,
  );
});

test("a request that was never sent says why", async () => {
  const markdown = render((await fixtures.diagnosis("refused")).report);
  assert.match(markdown, /Not sent: not run: the tcp phase failed/);
  assert.match(markdown, /\| http \| skipped \| {2}\| not run: the tcp phase failed \|/);
  assert.match(markdown, /\| tcp \| failed \| [\d.]+ ms \| 127\.0\.0\.1:\d+ refused the connection \(ECONNREFUSED\)/);
});

test("no address: the report says so, and the finding comes from the resolution step", async () => {
  const markdown = render((await fixtures.diagnosis("noAddress")).report);
  assert.match(markdown, /- Origin diagnosed: no address found\n/);
  assert.match(markdown, /\nPhase dns: dns-unresolvable\.lab\.diag520\.test has no A or AAAA answer/);
  assert.match(markdown, /\| diagnosed from \| 192\.0\.2\.99 \|/);
});

test("an incomplete run says which deadline or interruption cut it short, in the CLI's words", async () => {
  const controller = new AbortController();
  const cancelled = await fixtures.diagnose("responseTimeout", {
    options: {
      signal: controller.signal,
      onPhaseStart: ({ phase }) => {
        if (phase === "http") controller.abort();
      },
    },
  });
  const markdown = render(cancelled.report);
  assert.match(markdown, /- \*\*Incomplete run:\*\* interrupted by the user \(Ctrl-C\)\n/);
  assert.match(markdown, /, exit code 130\n/);

  const stopped = await fixtures.diagnose("responseTimeout", { options: { maxTimeMs: 300, timeoutMs: 10_000 } });
  assert.match(render(stopped.report), /- \*\*Incomplete run:\*\* stopped by --max-time \(300 ms\)\n/);
});

test("inline text cannot open Markdown or HTML", () => {
  assert.equal(markdownInline("a *b* [c](d) <e> `f` | g\nh"), "a \\*b\\* \\[c\\](d) \\<e\\> \\`f\\` \\| g h");
  assert.equal(codeBlock("x ``` y\n````", "http"), "`````http\nx ``` y\n````\n`````");
});

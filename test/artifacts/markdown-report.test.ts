import assert from "node:assert/strict";
import { test } from "node:test";
import { codeBlock, markdownInline, renderMarkdownReport } from "../../src/artifacts/markdown-report.js";
import { redactDiagnosis } from "../../src/artifacts/redact.js";
import { emptyReply, healthy, invalidHeader, REQUEST, refused } from "./report-fixtures.js";

const ENV = {
  version: "0.1.0",
  node: "v20.20.2",
  os: "linux 6.1 x64",
  nowUtc: "2026-11-22T04:00:05Z",
  sourceAddress: "192.0.2.99",
};

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

test("the response head is shown escaped in a code block that origin backticks cannot close", () => {
  const markdown = renderMarkdownReport(redactDiagnosis(invalidHeader(), REQUEST, []), ENV);
  const { prose, blocks } = parseFences(markdown);
  const headBlock = blocks.find((block) => block.lines[0]?.startsWith("HTTP/1.1 200 OK"));
  assert.ok(headBlock, "the response head has its own block");
  assert.ok(headBlock.fence.length > 10, "the fence is longer than the 10-backtick run inside");
  assert.deepEqual(headBlock.lines, [
    "HTTP/1.1 200 OK\\r\\n",
    "X-Fence: ```` and ``` \\r\\n",
    "```\\r\\n",
    "``````````\\r\\n",
    "Set-Cookie: [REDACTED]\\r\\n",
    "Bad Header\\x00Line\\xff\\r\\n",
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

test("evidence with origin bytes sits in an escaped code block", () => {
  const markdown = renderMarkdownReport(invalidHeader(), ENV);
  const { blocks } = parseFences(markdown);
  const evidence = blocks.find((block) => block.lines.some((line) => line.startsWith("line: ")));
  assert.ok(evidence);
  assert.ok(evidence.lines.includes("line: Bad Header\\x00Line\\xff"));
  assert.ok(evidence.lines.includes("fence: ``````````"));
});

test("a healthy report has every section a ticket needs", () => {
  const diagnosis = redactDiagnosis(healthy(), REQUEST, ["X-Api-Key"]);
  const markdown = renderMarkdownReport(diagnosis, ENV);
  for (const heading of [
    "# diag520 report: example.com",
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
  assert.match(markdown, /\*\*Verdict:\*\* the CDN would pass the response on/);
  assert.match(markdown, /Predicted edge status: none/);
  assert.match(markdown, /\| tls \| passed \| 4\.5 ms \| TLSv1\.3 \|/);
  assert.match(markdown, /\| diagnosed from \| 192\.0\.2\.99 \|/);
  assert.match(markdown, /\| Node\.js \| v20\.20\.2 \|/);
  assert.match(markdown, /Redacted: the values of `authorization`, `cookie`, `set-cookie`, `x-api-key`/);
  const { blocks } = parseFences(markdown);
  const curl = blocks.find((block) => block.info === "sh");
  assert.deepEqual(curl?.lines, [diagnosis.report.reproduce.curl]);
  const request = blocks.find((block) => block.lines[0]?.startsWith("GET /login"));
  assert.ok(request?.lines.includes("Authorization: [REDACTED]\\r\\n"));
});

test("an error report leads with the verdict and the predicted edge status", () => {
  const markdown = renderMarkdownReport(emptyReply(), ENV);
  assert.match(
    markdown,
    /\*\*Verdict:\*\* the CDN would answer 520: the origin closed the connection without sending a response/,
  );
  assert.match(markdown, /Predicted edge status: \*\*520\*\*/);
  assert.match(
    markdown,
    /### ❌ error `http\.empty_reply`: The origin closed the connection without sending a response/,
  );
  assert.match(markdown, /Nothing to show: no response bytes arrived/);
  assert.match(
    markdown,
    /1\. \*\*The origin web server is down or crashing\*\* \(likelihood high; supported by `http\.empty_reply`\)/,
  );
});

test("a request that was never sent says why", () => {
  const markdown = renderMarkdownReport(refused(), ENV);
  assert.match(markdown, /Not sent: the TCP connection failed/);
  assert.match(markdown, /\| http \| skipped \| {2}\| the TCP connection failed \|/);
});

test("inline text cannot open Markdown or HTML", () => {
  assert.equal(markdownInline("a *b* [c](d) <e> `f` | g\nh"), "a \\*b\\* \\[c\\](d) \\<e\\> \\`f\\` \\| g h");
  assert.equal(codeBlock("x ``` y\n````", "http"), "`````http\nx ``` y\n````\n`````");
});

/**
 * A batch's input, in-process and table-driven: text lines, CSV and JSON Lines into records
 * (fleet/batch-input.ts, fleet/csv.ts, fleet/target-record.ts), then into targets through the
 * single run's own validation (cli/batch-targets.ts), with the run's flags under every line.
 * Hostile rows: bad lines pinned to their messages, duplicates, IPv6 with and without a port,
 * CR/LF and control characters, and 10 MB lines that must be reported, not parsed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { batchTargets } from "../../src/cli/batch-targets.js";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/errors.js";
import {
  BATCH_INPUT_LIMITS,
  detectInputFormat,
  type InputFormat,
  type InputRecord,
  parseBatchInput,
  parseTextLine,
  splitOriginToken,
} from "../../src/fleet/batch-input.js";
import { parseCsv } from "../../src/fleet/csv.js";
import type { DiagnoseRequest } from "../../src/options.js";

/** The input through the parser and the validators, with `flags` as the run's own. */
async function targetsOf(text: string, format: InputFormat, flags: readonly string[] = []) {
  const command = await parseCommandLine(["batch", "list", ...flags], {});
  assert.ok(command.kind === "batch");
  const { targets, errors } = batchTargets(await parseBatchInput(text, format), command.flags);
  return {
    targets: targets.map((t) => ({ line: t.line, ...pick(t.request) })),
    errors: errors.map((e) => `line ${e.line}: ${e.message}`),
  };
}

function pick(request: DiagnoseRequest) {
  const { hostname, origin, scheme, port, path, method, headers } = request;
  return { hostname, origin, scheme, port, path, method, headers };
}

const HTTPS_DEFAULTS = { scheme: "https", port: 443, path: "/", method: "GET", headers: [] } as const;

describe("a text line: hostname [origin[:port]] [port]", () => {
  const rows: ReadonlyArray<readonly [string, ReturnType<typeof parseTextLine>]> = [
    ["example.com", { hostname: "example.com" }],
    ["  example.com   203.0.113.7  ", { hostname: "example.com", origin: "203.0.113.7" }],
    ["example.com 203.0.113.7:8443", { hostname: "example.com", origin: "203.0.113.7", port: "8443" }],
    ["example.com 203.0.113.7 8443", { hostname: "example.com", origin: "203.0.113.7", port: "8443" }],
    ["example.com\t[::1]:8443", { hostname: "example.com", origin: "[::1]", port: "8443" }],
    ["example.com ::1", { hostname: "example.com", origin: "::1" }],
    ["example.com 2001:db8::7 8443", { hostname: "example.com", origin: "2001:db8::7", port: "8443" }],
    ["example.com origin.example.net:8080", { hostname: "example.com", origin: "origin.example.net", port: "8080" }],
    ["example.com 203.0.113.7 # the new origin", { hostname: "example.com", origin: "203.0.113.7" }],
    ["# a comment", null],
    ["   ", null],
    ["", null],
    [
      "a b c d",
      "expected 'hostname [origin[:port]] [port]', got 4 fields; flags for every line go on the command line",
    ],
    ["example.com 203.0.113.7:8443 8443", "the port is given twice ('203.0.113.7:8443' and '8443')"],
  ];
  for (const [line, expected] of rows) {
    test(JSON.stringify(line), () => assert.deepEqual(parseTextLine(line), expected));
  }

  test("origin tokens", () => {
    assert.deepEqual(splitOriginToken("[2001:db8::1]"), { origin: "[2001:db8::1]" });
    assert.deepEqual(splitOriginToken("[2001:db8::1]:"), { origin: "[2001:db8::1]", port: "" });
    assert.deepEqual(splitOriginToken("host:"), { origin: "host", port: "" });
  });
});

describe("text input into targets, validated as the flags are", () => {
  test("every line is a target, duplicates included, with the run's flags under each", async () => {
    const text = [
      "# fleet",
      "example.com 203.0.113.7",
      "example.com 203.0.113.7",
      "example.org [2001:db8::7]:8443",
      "example.net",
      "",
    ].join("\r\n");
    const { targets, errors } = await targetsOf(text, "text", ["--path", "/health", "--header", "X-Fleet: 1"]);
    assert.deepEqual(errors, []);
    const shared = { ...HTTPS_DEFAULTS, path: "/health", headers: [["X-Fleet", "1"]] };
    assert.deepEqual(targets, [
      { line: 2, hostname: "example.com", origin: "203.0.113.7", ...shared },
      { line: 3, hostname: "example.com", origin: "203.0.113.7", ...shared },
      { line: 4, hostname: "example.org", origin: "2001:db8::7", ...shared, port: 8443 },
      { line: 5, hostname: "example.net", origin: null, ...shared },
    ]);
  });

  test("the run's --port and --scheme apply where a line gives none", async () => {
    const { targets } = await targetsOf("a.example 192.0.2.1\nb.example 192.0.2.2:8080\n", "text", [
      "--scheme",
      "http",
      "--port",
      "8000",
    ]);
    assert.deepEqual(
      targets.map((t) => `${t.scheme}:${t.port}`),
      ["http:8000", "http:8080"],
    );
  });

  test("a line may give the target as a URL, as the command line does", async () => {
    const { targets, errors } = await targetsOf("http://example.com:8080/health?x=1 203.0.113.7\n", "text");
    assert.deepEqual(errors, []);
    assert.deepEqual(
      targets.map((t) => [t.hostname, t.origin, t.scheme, t.port, t.path]),
      [["example.com", "203.0.113.7", "http", 8080, "/health?x=1"]],
    );
  });

  test("bad lines are errors with their line numbers and the validators' own messages; the rest are targets", async () => {
    const text = [
      "bad_host.example 203.0.113.7",
      "example.com 203.0.113.7:99999",
      "example.com 203.0.113.7:",
      "example.com 2001:db8::zz",
      "example.com [203.0.113.7]:443",
      "ftp://example.com/ 203.0.113.7",
      "exa\x1bmple.com",
      "ok.example 203.0.113.7",
    ].join("\n");
    const { targets, errors } = await targetsOf(text, "text");
    assert.deepEqual(
      targets.map((t) => t.line),
      [8],
    );
    assert.deepEqual(errors, [
      "line 1: invalid hostname 'bad_host.example': label 'bad_host' has '_': hostnames use letters, digits and hyphens (RFC 1123)",
      "line 2: invalid --port '99999': ports run from 1 to 65535",
      "line 3: invalid --port '': give a whole number from 1 to 65535",
      "line 4: invalid --origin '2001:db8::zz': not an IPv6 address (such as 2001:db8::1) nor a hostname; write [2001:db8::1]:8443 for a port",
      "line 5: invalid --origin '[203.0.113.7]': '203.0.113.7' is not an IPv6 address",
      "line 6: invalid target URL 'ftp://example.com/': use an http:// or https:// URL",
      "line 7: invalid hostname 'exa\x1bmple.com': it contains whitespace or control characters",
    ]);
  });

  test("a 10 MB line is reported by its length, never parsed; the lines around it still run", async () => {
    const huge = "a".repeat(10 * 1024 * 1024);
    const records = await parseBatchInput(`one.example\n${huge}\ntwo.example\n`, "text");
    assert.deepEqual(records, [
      { line: 1, fields: { hostname: "one.example" } },
      {
        line: 2,
        error: `the line is ${huge.length} characters long; a line may hold at most ${BATCH_INPUT_LIMITS.lineChars}`,
      },
      { line: 3, fields: { hostname: "two.example" } },
    ]);
  });
});

describe("JSON Lines: the report's own target fields", () => {
  test("sslMode full and http2ToOrigin: as --ssl-mode full and --no-h2", async () => {
    const command = await parseCommandLine(["batch", "list"], {});
    assert.ok(command.kind === "batch");
    const lines = [
      JSON.stringify({ hostname: "a.example", sslMode: "full", http2ToOrigin: false }),
      "hostname,sslMode,http2ToOrigin\nb.example,off,true",
    ];
    const jsonl = batchTargets(await parseBatchInput(lines[0] ?? "", "jsonl"), command.flags);
    const csv = batchTargets(await parseBatchInput(lines[1] ?? "", "csv"), command.flags);
    assert.deepEqual([...jsonl.errors, ...csv.errors], []);
    const [full] = jsonl.targets;
    const [off] = csv.targets;
    assert.deepEqual(
      [full?.request.sslMode, full?.request.scheme, full?.request.port, full?.request.http2ToOrigin],
      ["full", "https", 443, false],
    );
    assert.deepEqual(
      [off?.request.sslMode, off?.request.scheme, off?.request.port, off?.request.http2ToOrigin],
      ["off", "http", 80, true],
    );
  });

  test("fields, headers in both forms, sslMode, and a report's `target` fed back as it is", async () => {
    const lines = [
      JSON.stringify({
        hostname: "a.example",
        origin: "192.0.2.1",
        port: 8443,
        path: "/x",
        headers: [["X-A", "1"], "X-B: 2"],
      }),
      JSON.stringify({ hostname: "b.example", sslMode: "flexible" }),
      JSON.stringify({ hostname: "c.example", sslMode: "strict", port: "8443" }),
      JSON.stringify({
        hostname: "d.example",
        displayHostname: "d.example",
        origin: "192.0.2.4",
        address: "192.0.2.4",
        scheme: "http",
        port: 80,
        path: "/",
        method: "HEAD",
        sslMode: "flexible",
        http2ToOrigin: true,
      }),
    ].join("\n");
    const { targets, errors } = await targetsOf(lines, "jsonl");
    assert.deepEqual(errors, []);
    assert.deepEqual(targets, [
      {
        line: 1,
        hostname: "a.example",
        origin: "192.0.2.1",
        ...HTTPS_DEFAULTS,
        port: 8443,
        path: "/x",
        headers: [
          ["X-A", "1"],
          ["X-B", "2"],
        ],
      },
      { line: 2, hostname: "b.example", origin: null, ...HTTPS_DEFAULTS, scheme: "http", port: 80 },
      { line: 3, hostname: "c.example", origin: null, ...HTTPS_DEFAULTS, port: 8443 },
      {
        line: 4,
        hostname: "d.example",
        origin: "192.0.2.4",
        ...HTTPS_DEFAULTS,
        scheme: "http",
        port: 80,
        method: "HEAD",
      },
    ]);
  });

  const bad: ReadonlyArray<readonly [string, string]> = [
    ["{not json", "not a JSON object: "],
    ["[]", "record: Invalid input: expected object, received array"],
    ['"example.com"', "record: Invalid input: expected object, received string"],
    ['{"hostname": 5}', "hostname: hostname is required, as a string"],
    ['{"origin": "192.0.2.1"}', "hostname: hostname is required, as a string"],
    ['{"hostname": "a.example", "hostame": "typo"}', 'record: Unrecognized key: "hostame"'],
    ['{"hostname": "a.example", "port": 1.5}', "port: port is a whole number"],
    ['{"hostname": "a.example", "sslMode": "fullstrict"}', "sslMode: sslMode is one of off, flexible, full, strict"],
    [
      '{"hostname": "a.example", "sslMode": "flexible", "scheme": "https"}',
      "sslMode flexible talks http to the origin, but scheme says https",
    ],
    [
      '{"hostname": "a.example", "headers": [["Bad:Name", "v"]]}',
      "headers.0.0: a header name is a token (letters, digits, -)",
    ],
    ['{"hostname": "a.example", "headers": [5]}', 'headers.0: each header is ["Name", "value"] or "Name: value"'],
    ['{"hostname": "a.example", "headers": "X-A: 1"}', "headers: headers is a list"],
    [
      '{"hostname": "a.example", "headers": ["X-A: 1\\r\\nX-Injected: 1"]}',
      "invalid --header 'X-A': the value may not contain CR, LF or NUL",
    ],
    ['{"hostname": "a.example", "port": 0}', "invalid --port '0': ports run from 1 to 65535"],
    [
      '{"hostname": "a.example", "path": "no-slash"}',
      "invalid --path 'no-slash': it must start with '/', as in /login",
    ],
  ];
  for (const [line, message] of bad) {
    test(`rejected: ${line}`, async () => {
      const { targets, errors } = await targetsOf(`${line}\n{"hostname": "ok.example"}\n`, "jsonl");
      assert.equal(errors.length, 1, errors.join("\n"));
      assert.ok(errors[0]?.startsWith(`line 1: ${message}`), `${errors[0]}\n  should start with\nline 1: ${message}`);
      assert.deepEqual(
        targets.map((t) => t.hostname),
        ["ok.example"],
      );
    });
  }

  test("a 10 MB JSON line is reported by its length, not parsed", async () => {
    const huge = JSON.stringify({ hostname: "a.example", path: `/${"x".repeat(10 * 1024 * 1024)}` });
    const [record] = await parseBatchInput(huge, "jsonl");
    assert.ok(record && "error" in record && record.error.startsWith("the line is "));
  });
});

describe("CSV with a header row", () => {
  test("columns in any order and spelling; quoted cells with commas, quotes and one header per line", async () => {
    const csv = [
      "Origin,HOSTNAME,ssl_mode,Port,headers",
      '192.0.2.1,a.example,strict,8443,"X-A: 1, 2\nX-B: say ""hi"""',
      ",b.example,flexible,,",
      "# a comment row",
      "192.0.2.3,c.example,,,",
    ].join("\r\n");
    const { targets, errors } = await targetsOf(csv, "csv");
    assert.deepEqual(errors, []);
    assert.deepEqual(targets, [
      {
        line: 2,
        hostname: "a.example",
        origin: "192.0.2.1",
        ...HTTPS_DEFAULTS,
        port: 8443,
        headers: [
          ["X-A", "1, 2"],
          ["X-B", 'say "hi"'],
        ],
      },
      // A record that spans two lines: the next one starts on line 4.
      { line: 4, hostname: "b.example", origin: null, ...HTTPS_DEFAULTS, scheme: "http", port: 80 },
      { line: 6, hostname: "c.example", origin: "192.0.2.3", ...HTTPS_DEFAULTS },
    ]);
  });

  test("a row with the wrong number of cells, or a bad value, is an error at its line", async () => {
    const { targets, errors } = await targetsOf("hostname,port\na.example\nb.example,http\nc.example,443\n", "csv");
    assert.deepEqual(errors, [
      "line 2: 1 cells, but the header names 2",
      "line 3: invalid --port 'http': give a whole number from 1 to 65535",
    ]);
    assert.deepEqual(
      targets.map((t) => t.line),
      [4],
    );
  });

  const badHeaders: ReadonlyArray<readonly [string, string]> = [
    [
      "hostame,origin\na.example,192.0.2.1\n",
      "line 1, the header row: unknown column 'hostame'; columns are hostname, ",
    ],
    ["origin,port\n192.0.2.1,443\n", "line 1, the header row: no hostname column; columns are hostname, "],
    ['"hostname\na.example\n', "line 1, the header row: a quoted field opened on line 1 never closes"],
  ];
  for (const [csv, message] of badHeaders) {
    test(`the whole input is refused for its header: ${JSON.stringify(csv.split("\n")[0])}`, async () => {
      await assert.rejects(
        () => parseBatchInput(csv, "csv"),
        (error: unknown) => error instanceof UsageError && error.message.startsWith(message),
      );
    });
  }

  test("the parser: RFC 4180 quoting, CRLF and LF, an unterminated quote reported once, an endless record cut", () => {
    assert.deepEqual(parseCsv('a,"b,c",d\r\n"x""y",,\n', 100), [
      { line: 1, cells: ["a", "b,c", "d"] },
      { line: 2, cells: ['x"y', "", ""] },
    ]);
    assert.deepEqual(parseCsv('a\n"open\n\nb\n', 100), [
      { line: 1, cells: ["a"] },
      { line: 2, error: "a quoted field opened on line 2 never closes" },
    ]);
    assert.deepEqual(parseCsv(`${"z".repeat(500)}\nok\n`, 100), [
      { line: 1, error: "the record is longer than 100 characters" },
      { line: 2, cells: ["ok"] },
    ]);
  });
});

describe("the input format", () => {
  const rows: ReadonlyArray<readonly [string | null, string, InputFormat]> = [
    ["origins.csv", "anything", "csv"],
    ["origins.JSONL", "anything", "jsonl"],
    ["origins.ndjson", "anything", "jsonl"],
    ["origins.txt", "example.com 192.0.2.1", "text"],
    [null, '# fleet\n{"hostname": "a.example"}', "jsonl"],
    [null, "\n\nhostname,origin\na.example,192.0.2.1", "csv"],
    [null, "origin , Hostname\n", "csv"],
    [null, "example.com 192.0.2.1", "text"],
    [null, "", "text"],
  ];
  for (const [name, text, format] of rows) {
    test(`${name ?? "stdin"}: ${JSON.stringify(text.slice(0, 30))} → ${format}`, () =>
      assert.equal(detectInputFormat(name, text), format));
  }

  test("a byte order mark (a spreadsheet's CSV) is not part of the first column's name", async () => {
    const records: InputRecord[] = await parseBatchInput("\ufeffhostname\na.example\n", "csv");
    assert.deepEqual(records, [{ line: 2, fields: { hostname: "a.example" } }]);
  });
});

/**
 * diag520 at a real terminal: the binary runs under a pseudo-terminal (test/support/pty.ts) and
 * the test types into it and reads what the terminal shows, as a person would.
 *
 * Ctrl-C is the byte 0x03 written to the terminal, not `kill -INT`: the terminal's line
 * discipline turns it into SIGINT only while the terminal is in a mode that allows it, which
 * is what the spinner once broke (ora put stdin in raw mode and never read it: the key was
 * lost and a run against a silent origin could not be stopped). The terminal's mode is read
 * after every run: the shell must get its cooked mode back.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { guardPath } from "../support/paths.js";
import {
  describeTerminal,
  type PtyExit,
  type PtySession,
  type PtySize,
  ptyUnavailable,
  renderScreen,
  spawnPty,
  visible,
} from "../support/pty.js";
import { CLI_PATH, cleanEnv } from "../support/run-cli.js";

const CTRL_C = "\x03";
const SIZE: PtySize = { rows: 24, columns: 80 };
/** ora's "dots" spinner frames (cli-spinners), the one it picks on a Unicode terminal. */
const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
/** The spinner's text at the end of a line: "starting" or a phase name and an ellipsis. */
const SPINNER_TEXT = /(?:starting|\b(?:dns|tcp|tls|http)…)$/m;
const SHOW_CURSOR = "\x1b[?25h";
const HIDE_CURSOR = "\x1b[?25l";
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point
const SGR = /\x1b\[[0-9;]*m/;
/** Far above what an interrupted run takes on a loaded machine, far below its 30 s deadlines. */
const PROMPT_MS = 10_000;

const skip = ptyUnavailable();

/** diag520 under a pty, with the loopback guard, as a person's shell would start it. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, size: PtySize = SIZE): PtySession {
  return spawnPty(process.execPath, ["--import", guardPath, CLI_PATH, ...args], {
    size,
    // A person's terminal: not CI (CI=true is set where the suite runs), a colour TERM.
    env: cleanEnv({ CI: undefined, TERM: "xterm-256color", COLORTERM: undefined, ...env }),
    limitMs: 25_000,
  });
}

/** The checks every run at a terminal must pass, however it ended. */
function assertTerminalRestored(exit: PtyExit): void {
  assert.equal(exit.killedAfterLimit, false, `killed after its limit; ${describeTerminal(exit.output, SIZE)}`);
  assert.deepEqual(exit.mode, { canonical: true, echo: true, signals: true }, "the terminal is back in cooked mode");
  const screen = renderScreen(exit.output, SIZE);
  assert.ok(screen.cursorVisible, "the cursor is shown again");
  assert.doesNotMatch(screen.text(), SPINNER_FRAME, `no spinner left on the screen:\n${screen.text()}`);
  assert.doesNotMatch(screen.text(), SPINNER_TEXT, `no spinner text left on the screen:\n${screen.text()}`);
}

/** Accepts connections and never answers a byte. */
async function startSilentOrigin(): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.resume();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers every request with 200 "ok" at once. */
async function startHealthyOrigin(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (head.includes("\r\n\r\n")) socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A UDP port where a socket reads DNS queries and never answers. */
async function startSilentResolver(): Promise<{ address: string; firstQuery: Promise<void>; close(): void }> {
  const socket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return {
    address: `127.0.0.1:${socket.address().port}`,
    firstQuery: once(socket, "message").then(() => undefined),
    close: () => socket.close(),
  };
}

/** Resolves with the exit, or fails once `ms` have passed; the command is killed either way. */
async function exitWithin(session: PtySession, ms: number, what: string): Promise<PtyExit> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running ${ms} ms later; ${session.describe()}`)), ms);
  });
  try {
    return await Promise.race([session.exited, late]);
  } finally {
    clearTimeout(timer);
    session.kill();
  }
}

describe("Ctrl-C at a terminal, while the spinner runs", { skip }, () => {
  const HOSTNAME = "silent.example";
  let origin: Awaited<ReturnType<typeof startSilentOrigin>>;
  let dns: DnsServer;

  before(async () => {
    origin = await startSilentOrigin();
    dns = await startDnsServer({ [HOSTNAME]: { A: ["127.0.0.1"] } });
  });
  after(async () => {
    await origin.close();
    await dns.close();
  });

  test("the resolver is silent: 0x03 stops the DNS phase at once, partial report, exit 130", async () => {
    const resolver = await startSilentResolver();
    try {
      // No --origin: the leg needs the hostname's answer, so the run really waits on the resolver.
      const session = startCli([
        HOSTNAME,
        "--port",
        String(origin.port),
        "--scheme",
        "http",
        "--dns-server",
        resolver.address,
        "--timeout",
        "30",
      ]);
      await resolver.firstQuery;
      await session.waitFor(/resolving the hostname: \d+ s of --timeout's 30 s — Ctrl-C for a partial/);
      session.write(CTRL_C);
      const exit = await exitWithin(session, PROMPT_MS, "after Ctrl-C");
      assert.equal(exit.code, 130, describeTerminal(exit.output, SIZE));
      assert.match(exit.output, /\[incomplete: interrupted by the user \(Ctrl-C\)\]/);
      assert.match(exit.output, /dns .*interrupted before the phase finished/);
      assertTerminalRestored(exit);
    } finally {
      resolver.close();
    }
  });

  test("the origin is silent: 0x03 stops the HTTP phase at once, partial report, exit 130", async () => {
    const connected = once(origin.server, "connection");
    const session = startCli([
      HOSTNAME,
      "--port",
      String(origin.port),
      "--scheme",
      "http",
      "--dns-server",
      dns.address,
      "--timeout",
      "30",
    ]);
    await connected;
    await session.waitFor(/waiting for the response: \d+ s of --timeout's 30 s — Ctrl-C for a partial/);
    session.write(CTRL_C);
    const exit = await exitWithin(session, PROMPT_MS, "after Ctrl-C");
    assert.equal(exit.code, 130, describeTerminal(exit.output, SIZE));
    assert.match(exit.output, /\[incomplete: interrupted by the user \(Ctrl-C\)\]/);
    assert.match(exit.output, /http .*interrupted before the phase finished/);
    assert.doesNotMatch(exit.output, /\n\s+at /, "no stack trace");
    assertTerminalRestored(exit);
  });

  test("two Ctrl-C in a row: exit 130, the terminal restored", async () => {
    const connected = once(origin.server, "connection");
    const session = startCli([
      HOSTNAME,
      "--port",
      String(origin.port),
      "--scheme",
      "http",
      "--dns-server",
      dns.address,
      "--timeout",
      "30",
    ]);
    await connected;
    await session.waitFor(/waiting for the response: \d+ s of --timeout's 30 s — Ctrl-C for a partial/);
    session.write(CTRL_C + CTRL_C);
    const exit = await exitWithin(session, PROMPT_MS, "after two Ctrl-C");
    assert.equal(exit.code, 130, describeTerminal(exit.output, SIZE));
    assertTerminalRestored(exit);
  });
});

describe("the spinner and colour at a terminal", { skip }, () => {
  const HOSTNAME = "healthy.example";
  let origin: Awaited<ReturnType<typeof startHealthyOrigin>>;
  let dns: DnsServer;
  let args: string[];

  before(async () => {
    origin = await startHealthyOrigin();
    dns = await startDnsServer({ [HOSTNAME]: { A: ["127.0.0.1"] } });
    args = [HOSTNAME, "--scheme", "http", "--port", String(origin.port), "--dns-server", dns.address];
  });
  after(async () => {
    await origin.close();
    await dns.close();
  });

  const run = async (extra: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<PtyExit> => {
    const exit = await startCli([...args, ...extra], env).exited;
    assert.equal(exit.code, 0, describeTerminal(exit.output, SIZE));
    assertTerminalRestored(exit);
    return exit;
  };

  test("a spinner on stderr while it runs, gone from the final screen; the report in colour", async () => {
    const exit = await run([]);
    assert.ok(exit.output.includes(HIDE_CURSOR), "the spinner hid the cursor");
    assert.match(
      exit.output,
      new RegExp(`${SPINNER_FRAME.source}.* (?:starting|resolving the hostname)`),
      "a spinner frame",
    );
    assert.match(exit.output, SGR, "colour on a terminal");
    const screen = renderScreen(exit.output, SIZE).text();
    assert.match(screen, /healthy\.example/, `the report is on the screen:\n${screen}`);
  });

  test("NO_COLOR=1: the spinner still runs, no colour anywhere", async () => {
    const exit = await run([], { NO_COLOR: "1" });
    assert.match(exit.output, SPINNER_FRAME);
    const sgr = exit.output.search(SGR);
    assert.equal(sgr, -1, `an SGR sequence: ${visible(exit.output.slice(Math.max(0, sgr - 60), sgr + 60))}`);
  });

  test("CI=1: no spinner, the report as usual", async () => {
    const exit = await run([], { CI: "1" });
    assert.doesNotMatch(exit.output, SPINNER_FRAME);
    assert.ok(!exit.output.includes(HIDE_CURSOR), "the cursor was never hidden");
    assert.match(exit.output, /healthy\.example/);
  });

  test("--json: no spinner, only the JSON document", async () => {
    const exit = await run(["--json"]);
    assert.doesNotMatch(exit.output, SPINNER_FRAME);
    assert.ok(!exit.output.includes(HIDE_CURSOR), "the cursor was never hidden");
    const doc = JSON.parse(exit.output.replaceAll("\r\n", "\n")) as { kind?: string };
    assert.equal(doc.kind, "report");
  });

  test("stdout redirected to a file: the spinner stays on the terminal, stdout has only the report", async () => {
    const file = join(tmpdir(), `diag520-pty-stdout-${process.pid}-${Date.now()}.txt`);
    try {
      const script = 'out=$1; shift; exec "$@" >"$out"';
      const session = spawnPty(
        "sh",
        ["-c", script, "sh", file, process.execPath, "--import", guardPath, CLI_PATH, ...args],
        {
          size: SIZE,
          env: cleanEnv({ CI: undefined, TERM: "xterm-256color" }),
          limitMs: 25_000,
        },
      );
      const exit = await session.exited;
      assert.equal(exit.code, 0, describeTerminal(exit.output, SIZE));
      assertTerminalRestored(exit);
      assert.match(exit.output, SPINNER_FRAME, "the spinner on the terminal (stderr)");
      assert.doesNotMatch(exit.output, /healthy\.example/, "the report is not on the terminal");
      const stdout = await readFile(file, "utf8");
      assert.match(stdout, /healthy\.example/);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point
      assert.doesNotMatch(stdout, /\x1b/, `no escape sequence on stdout: ${visible(stdout)}`);
      assert.doesNotMatch(stdout, SPINNER_FRAME);
    } finally {
      await rm(file, { force: true });
    }
  });

  test("stderr redirected to a file: no spinner, the terminal's mode untouched", async () => {
    const file = join(tmpdir(), `diag520-pty-stderr-${process.pid}-${Date.now()}.txt`);
    try {
      const script = 'err=$1; shift; exec "$@" 2>"$err"';
      const session = spawnPty(
        "sh",
        ["-c", script, "sh", file, process.execPath, "--import", guardPath, CLI_PATH, ...args],
        {
          size: SIZE,
          env: cleanEnv({ CI: undefined, TERM: "xterm-256color" }),
          limitMs: 25_000,
        },
      );
      const exit = await session.exited;
      assert.equal(exit.code, 0, describeTerminal(exit.output, SIZE));
      assertTerminalRestored(exit);
      assert.doesNotMatch(exit.output, SPINNER_FRAME);
      assert.ok(!exit.output.includes(HIDE_CURSOR), "the cursor was never hidden");
      assert.match(exit.output, /healthy\.example/, "the report on the terminal (stdout)");
      assert.equal(await readFile(file, "utf8"), "", "nothing on stderr");
    } finally {
      await rm(file, { force: true });
    }
  });

  test("the report wraps to an 80-column terminal between words (the curl line, to be pasted, excepted)", async () => {
    const exit = await run([]);
    // Each line as the report wrote it: after the spinner's last frame (cleared, cursor shown again), no escapes.
    const shown = (line: string) => {
      const at = line.lastIndexOf(SHOW_CURSOR);
      return at === -1 ? line : line.slice(at + SHOW_CURSOR.length);
    };
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point
    const lines = exit.output.split("\r\n").map((line) => shown(line).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""));
    for (const line of lines.filter((l) => !l.trimStart().startsWith("curl "))) {
      assert.ok([...line].length <= SIZE.columns, `a line wider than ${SIZE.columns} columns: ${visible(line)}`);
    }
    // A line that ends mid-word would be one whose last and the next's first characters are both letters.
    const screen = renderScreen(exit.output, SIZE).text();
    assert.match(screen, /No fault found that would make the CDN fail this request/);
  });
});

describe("the first screen at 24×80 answers: the verdict, the deciding finding, the first fix", { skip }, () => {
  let server: Server;
  let dns: DnsServer;
  const HOSTNAME = "empty.example";

  before(async () => {
    // Accepts, reads the request, closes without a byte: the edge's 520.
    server = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end());
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    dns = await startDnsServer({ [HOSTNAME]: { A: ["104.16.0.1"] } });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dns.close();
  });

  test("an empty reply: all three within the first 24 rows of the report", async () => {
    const port = (server.address() as AddressInfo).port;
    const args = [
      HOSTNAME,
      "--origin",
      "127.0.0.1",
      "--port",
      String(port),
      "--scheme",
      "http",
      "--dns-server",
      dns.address,
      "--no-edge",
    ];
    const exit = await startCli(args, {}).exited;
    assert.equal(exit.code, 1, describeTerminal(exit.output, SIZE));
    const screen = renderScreen(exit.output, SIZE);
    const transcript = [...screen.scrollback, ...screen.rows];
    const top = transcript.findIndex((row) => row.includes("The CDN would answer 520"));
    assert.ok(top >= 0, `the verdict is shown:\n${screen.text()}`);
    const firstScreen = transcript.slice(top, top + SIZE.rows).join("\n");
    assert.match(firstScreen, /Why: http\.empty_reply/, firstScreen);
    assert.match(firstScreen, /What to do, most likely cause first/, firstScreen);
    assert.match(firstScreen, /• Check that the web server is running/, firstScreen);
    for (const row of transcript) assert.ok([...row].length <= SIZE.columns);
  });
});

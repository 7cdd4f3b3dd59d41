/**
 * Runs a command under a real pseudo-terminal, as a person at a terminal would: the child is a
 * session leader whose controlling terminal is the pty (python's `pty.fork()` does setsid and
 * TIOCSCTTY), so a key written here goes through the kernel's line discipline exactly as a
 * keypress does (0x03 becomes SIGINT while ISIG is on, and nothing while the child has the
 * terminal in raw mode). stdout and stderr both go to the pty, so `output` is everything the
 * terminal was sent, escape sequences included; `renderScreen` turns that into what it shows.
 *
 * Node has no pty of its own and the project takes no native dependency: a tiny python3 script
 * (passed with -c) opens the pty, sets its size (TIOCSWINSZ) before the command starts, and
 * relays bytes: its stdin to the pty master, the master to its stdout. When the command has
 * exited it writes one JSON line on fd 3: the exit status and the terminal's mode as the
 * command left it (read from the master, which shares the pair's termios). Tests that need it
 * skip with `ptyUnavailable()`'s reason where python3 is missing.
 */
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

export interface PtySize {
  readonly rows: number;
  readonly columns: number;
}

export interface PtyOptions {
  /** The terminal's size; 24 × 80 unless told. */
  readonly size?: PtySize;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Hard limit: the command (and its process group) is killed after this long; 20 s unless told. */
  readonly limitMs?: number;
}

/** The terminal's local modes as the command left them: all true is the shell's cooked mode. */
export interface TerminalMode {
  /** ICANON: line editing (off in raw mode). */
  readonly canonical: boolean;
  /** ECHO: typed keys are shown. */
  readonly echo: boolean;
  /** ISIG: Ctrl-C, Ctrl-Z and Ctrl-\ send signals. */
  readonly signals: boolean;
}

export interface PtyExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** null when the relay itself died before it could read it. */
  readonly mode: TerminalMode | null;
  /** Everything the terminal was sent, decoded as UTF-8. */
  readonly output: string;
  readonly killedAfterLimit: boolean;
}

export interface WaitOptions {
  /** Fail after this long; 10 s unless told. */
  readonly timeoutMs?: number;
  /** Only look at the output from this offset on (e.g. a previous `output.length`). */
  readonly from?: number;
}

export interface PtySession {
  /** Everything the terminal was sent so far, decoded as UTF-8. */
  readonly output: string;
  /** Types into the terminal: bytes as a key would send them ("\x03" is Ctrl-C). */
  write(keys: string | Uint8Array): void;
  /**
   * Resolves with the first match of `pattern` in the output, as soon as it appears. Rejects,
   * naming the pattern and showing the output so far, when the command exits first or when
   * `timeoutMs` passes.
   */
  waitFor(pattern: RegExp | string, options?: WaitOptions): Promise<RegExpExecArray>;
  /** Resolves once the command has exited and everything it wrote has been read. */
  readonly exited: Promise<PtyExit>;
  /** What the terminal shows now (see `renderScreen`). */
  screen(): Screen;
  /** The screen and the last bytes received, for a failure message. */
  describe(): string;
  /** Kills the command's process group (SIGKILL); `exited` then resolves. */
  kill(): void;
}

const DEFAULT_SIZE: PtySize = { rows: 24, columns: 80 };
const DEFAULT_LIMIT_MS = 20_000;
const DEFAULT_WAIT_MS = 10_000;

/**
 * argv: rows columns command args... The parent relays until the master reports EIO (every
 * slave fd closed: the command has exited) and reaps the command; a SIGTERM from the test kills
 * the command's process group. A short poll also reaps a command whose children still hold the
 * terminal open.
 */
const RELAY = `
import errno, fcntl, json, os, pty, select, signal, struct, sys, termios
rows, cols, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, master = pty.fork()
if pid == 0:
    try:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execvp(argv[0], argv)
    except BaseException as err:
        os.write(2, ("pty relay: cannot run %s: %s\\r\\n" % (argv[0], err)).encode())
    os._exit(127)
def kill_group(*_):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
signal.signal(signal.SIGTERM, kill_group)
def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]
reading, status = [master, 0], None
while True:
    ready = select.select(reading, [], [], 0.05)[0]
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError as err:
            if err.errno != errno.EIO:
                raise
            data = b""
        if not data:
            break
        write_all(1, data)
    if 0 in ready:
        keys = os.read(0, 65536)
        if keys:
            write_all(master, keys)
        else:
            reading.remove(0)
    if not ready and status is not None:
        break
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
if status is None:
    status = os.waitpid(pid, 0)[1]
lflag = termios.tcgetattr(master)[3]
os.write(3, (json.dumps({
    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "mode": {"canonical": bool(lflag & termios.ICANON), "echo": bool(lflag & termios.ECHO),
             "signals": bool(lflag & termios.ISIG)},
}) + "\\n").encode())
`;

/**
 * The system's python3 first: a version manager's shim first on PATH (pyenv's is a shell script)
 * costs about a second on every start.
 */
const PYTHON_CANDIDATES = ["/usr/bin/python3", "python3"];

let python: { readonly path: string } | { readonly reason: string } | undefined;

function findPython(): { readonly path: string } | { readonly reason: string } {
  if (python === undefined) {
    const reasons: string[] = [];
    for (const candidate of PYTHON_CANDIDATES) {
      const probe = spawnSync(candidate, ["-c", "import fcntl, json, pty, select, termios"], {
        stdio: "ignore",
        timeout: 10_000,
      });
      if (probe.error === undefined && probe.status === 0) {
        python = { path: candidate };
        break;
      }
      reasons.push(`${candidate}: ${probe.error?.message ?? "lacks the pty/termios modules"}`);
    }
    python ??= { reason: `no python3 to run a pseudo-terminal (${reasons.join("; ")})` };
  }
  return python;
}

/** Why pty tests cannot run here (a reason for `skip`), or false when they can. */
export function ptyUnavailable(): string | false {
  const found = findPython();
  return "reason" in found ? found.reason : false;
}

function signalName(signal: number | null): NodeJS.Signals | null {
  if (signal === null) return null;
  const entry = Object.entries(constants.signals).find(([, value]) => value === signal);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}

/** Shows control characters and escapes readably, for failure messages; long texts by their end. */
export function visible(text: string, max = 400): string {
  return JSON.stringify(text.length > max ? `…${text.slice(-max)}` : text);
}

/** What a terminal of `size` shows after `output`, and the last bytes of it, for a failure message. */
export function describeTerminal(output: string, size: PtySize = DEFAULT_SIZE): string {
  const screen = renderScreen(output, size);
  const shown = screen.rows.join("\n").trimEnd();
  return `the screen shows:\n${shown.replace(/^/gm, "  | ")}\nthe last bytes received: ${visible(output)}`;
}

export function spawnPty(command: string, args: readonly string[], options: PtyOptions = {}): PtySession {
  const size = options.size ?? DEFAULT_SIZE;
  const found = findPython();
  if ("reason" in found) throw new Error(found.reason);
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    found.path,
    ["-c", RELAY, String(size.rows), String(size.columns), command, ...args],
    { stdio: ["pipe", "pipe", "pipe", "pipe"], env: options.env ?? process.env, cwd: options.cwd },
  );
  const decoder = new StringDecoder("utf8");
  let output = "";
  let relayErrors = "";
  let statusLine = "";
  let ended = false;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };

  child.stdout.on("data", (chunk: Buffer) => {
    output += decoder.write(chunk);
    changed();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    relayErrors += chunk.toString("utf8");
  });
  const statusPipe = child.stdio[3] as Readable;
  statusPipe.on("data", (chunk: Buffer) => {
    statusLine += chunk.toString("utf8");
  });
  child.stdin.on("error", () => {}); // the relay has gone: `exited` says why

  let killedAfterLimit = false;
  const kill = () => {
    child.kill("SIGTERM"); // the relay kills the command's process group
    setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
  };
  const limit = setTimeout(() => {
    killedAfterLimit = true;
    kill();
  }, options.limitMs ?? DEFAULT_LIMIT_MS);

  const exited = new Promise<PtyExit>((resolve, reject) => {
    child.on("error", (err) => {
      clearTimeout(limit);
      reject(err);
    });
    child.on("close", (relayCode, relaySignal) => {
      clearTimeout(limit);
      output += decoder.end();
      ended = true;
      changed();
      let status: { code: number | null; signal: number | null; mode: TerminalMode } | null = null;
      try {
        status = JSON.parse(statusLine);
      } catch {
        if (!killedAfterLimit) {
          const how = relaySignal ?? `exit ${relayCode}`;
          reject(new Error(`the pty relay failed (${how}): ${relayErrors.trim() || "no message"}`));
          return;
        }
      }
      resolve({
        code: status?.code ?? null,
        signal: signalName(status?.signal ?? null) ?? (status === null ? "SIGKILL" : null),
        mode: status?.mode ?? null,
        output,
        killedAfterLimit,
      });
    });
  });
  exited.catch(() => {}); // a test that never awaits it must not crash the runner

  const waitFor = (pattern: RegExp | string, waitOptions: WaitOptions = {}): Promise<RegExpExecArray> => {
    const regexp =
      typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : new RegExp(pattern);
    regexp.lastIndex = 0;
    const from = waitOptions.from ?? 0;
    const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = regexp.exec(output.slice(from));
        if (match !== null) {
          finish();
          resolve(match);
          return true;
        }
        if (ended) {
          finish();
          reject(
            new Error(`the command exited before the terminal showed ${regexp}; ${describeTerminal(output, size)}`),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${regexp}; ${describeTerminal(output, size)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = () => void check();
      listeners.add(listener);
      check();
    });
  };

  return {
    get output() {
      return output;
    },
    write: (keys) => {
      child.stdin.write(keys);
    },
    waitFor,
    exited,
    screen: () => renderScreen(output, size),
    describe: () => describeTerminal(output, size),
    kill,
  };
}

export interface Screen {
  /** The visible rows, top to bottom, without trailing spaces. */
  readonly rows: readonly string[];
  /** Rows scrolled off the top, oldest first. */
  readonly scrollback: readonly string[];
  readonly cursorVisible: boolean;
  /** Scrollback and screen as one text, trailing blank rows dropped. */
  text(): string;
}

/**
 * What a terminal of `size` shows after receiving `output`: a small VT100/xterm model with
 * auto-wrap at the last column, scrolling, cursor movement (CUU/CUD/CUF/CUB/CHA/CUP), erase in
 * line and display (EL/ED), and cursor visibility (DECTCEM). Colours and other modes are
 * ignored; every code point takes one cell.
 */
export function renderScreen(output: string, size: PtySize = DEFAULT_SIZE): Screen {
  const { rows, columns } = size;
  const blankRow = (): string[] => Array.from({ length: columns }, () => " ");
  const grid: string[][] = Array.from({ length: rows }, blankRow);
  const scrollback: string[] = [];
  let row = 0;
  let column = 0;
  let wrapPending = false;
  let cursorVisible = true;
  const clamp = (value: number, max: number) => Math.max(0, Math.min(max, value));
  const line = (index: number): string[] => grid[index] ?? blankRow();
  const lineFeed = () => {
    if (row === rows - 1) {
      scrollback.push(line(0).join("").trimEnd());
      grid.shift();
      grid.push(blankRow());
    } else {
      row++;
    }
  };
  const erase = (index: number, start: number, end: number) => {
    const cells = line(index);
    for (let i = start; i < end; i++) cells[i] = " ";
  };

  let i = 0;
  const chars = [...output];
  while (i < chars.length) {
    const ch = chars[i++] ?? "";
    if (ch === "\x1b") {
      const next = chars[i++];
      if (next === "[") {
        let params = "";
        while (i < chars.length && /[0-?]/.test(chars[i] ?? "")) params += chars[i++];
        while (i < chars.length && /[ -/]/.test(chars[i] ?? "")) i++;
        const final = chars[i++] ?? "";
        const numbers = params.replace(/^[?>=<]/, "").split(";");
        const n = (index: number, fallback: number) => {
          const value = Number.parseInt(numbers[index] ?? "", 10);
          return Number.isNaN(value) || value === 0 ? fallback : value;
        };
        if (params.startsWith("?")) {
          if (numbers.includes("25") && (final === "h" || final === "l")) cursorVisible = final === "h";
          continue;
        }
        if ("ABCDGHfJK".includes(final)) wrapPending = false;
        switch (final) {
          case "A":
            row = clamp(row - n(0, 1), rows - 1);
            break;
          case "B":
            row = clamp(row + n(0, 1), rows - 1);
            break;
          case "C":
            column = clamp(column + n(0, 1), columns - 1);
            break;
          case "D":
            column = clamp(column - n(0, 1), columns - 1);
            break;
          case "G":
            column = clamp(n(0, 1) - 1, columns - 1);
            break;
          case "H":
          case "f":
            row = clamp(n(0, 1) - 1, rows - 1);
            column = clamp(n(1, 1) - 1, columns - 1);
            break;
          case "K": {
            const mode = n(0, 0);
            erase(row, mode === 0 ? column : 0, mode === 1 ? column + 1 : columns);
            break;
          }
          case "J": {
            const mode = n(0, 0);
            if (mode === 0) {
              erase(row, column, columns);
              for (let r = row + 1; r < rows; r++) erase(r, 0, columns);
            } else if (mode === 1) {
              for (let r = 0; r < row; r++) erase(r, 0, columns);
              erase(row, 0, column + 1);
            } else {
              for (let r = 0; r < rows; r++) erase(r, 0, columns);
            }
            break;
          }
          default: // SGR and the rest: no effect on the text shown
        }
      } else if (next === "]") {
        // OSC: up to BEL or ST (ESC \)
        while (i < chars.length && chars[i] !== "\x07" && !(chars[i] === "\x1b" && chars[i + 1] === "\\")) i++;
        i += chars[i] === "\x07" ? 1 : 2;
      }
      continue;
    }
    switch (ch) {
      case "\r":
        column = 0;
        wrapPending = false;
        break;
      case "\n":
      case "\v":
      case "\f":
        lineFeed();
        wrapPending = false;
        break;
      case "\b":
        column = Math.max(0, column - 1);
        wrapPending = false;
        break;
      case "\t":
        column = Math.min(columns - 1, (Math.floor(column / 8) + 1) * 8);
        break;
      default: {
        if (ch < " " || ch === "\x7f") break;
        if (wrapPending) {
          column = 0;
          lineFeed();
          wrapPending = false;
        }
        line(row)[column] = ch;
        if (column === columns - 1) wrapPending = true;
        else column++;
      }
    }
  }

  const visibleRows = grid.map((cells) => cells.join("").trimEnd());
  return {
    rows: visibleRows,
    scrollback,
    cursorVisible,
    text: () => [...scrollback, ...visibleRows].join("\n").trimEnd(),
  };
}

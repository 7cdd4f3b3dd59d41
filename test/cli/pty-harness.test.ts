/**
 * The pseudo-terminal harness (test/support/pty.ts) itself: the size reaches the command, the
 * pty is its controlling terminal (0x03 is SIGINT through the line discipline), keys reach its
 * stdin, the exit status and the terminal's mode come back, and a wait or a run that takes too
 * long fails with what the terminal showed. `sh` and `stty` stand in for the command.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ptyUnavailable, renderScreen, spawnPty } from "../support/pty.js";

describe("spawnPty", { skip: ptyUnavailable() }, () => {
  test("the command sees the terminal's size", async () => {
    const session = spawnPty("sh", ["-c", "stty size"], { size: { rows: 30, columns: 100 } });
    await session.waitFor(/^30 100\r?$/m);
    assert.equal((await session.exited).code, 0);
  });

  test("0x03 is SIGINT to the command: the pty is its controlling terminal", async () => {
    const session = spawnPty("sh", ["-c", "echo ready; exec sleep 30"]);
    await session.waitFor("ready");
    session.write("\x03");
    const exit = await session.exited;
    assert.equal(exit.signal, "SIGINT");
    assert.equal(exit.code, null);
    assert.equal(exit.killedAfterLimit, false);
  });

  test("keys reach the command's stdin; the exit code comes back", async () => {
    const session = spawnPty("sh", ["-c", 'read line; echo "got:$line"; exit 7']);
    session.write("hello\r");
    await session.waitFor("got:hello");
    const exit = await session.exited;
    assert.equal(exit.code, 7);
    assert.deepEqual(exit.mode, { canonical: true, echo: true, signals: true });
  });

  test("the terminal's mode as the command left it", async () => {
    const exit = await spawnPty("sh", ["-c", "stty raw -echo"]).exited;
    assert.deepEqual(exit.mode, { canonical: false, echo: false, signals: false });
  });

  test("a wait that times out fails with what the screen shows", async () => {
    const session = spawnPty("sh", ["-c", "echo hello there; exec sleep 30"]);
    await session.waitFor("hello there");
    await assert.rejects(
      session.waitFor(/never/, { timeoutMs: 200 }),
      /timed out after 200 ms.*\/never\/.*hello there/s,
    );
    session.kill();
    assert.equal((await session.exited).signal, "SIGKILL");
  });

  test("a wait fails at once when the command exits first", async () => {
    const session = spawnPty("sh", ["-c", "echo bye"]);
    await assert.rejects(session.waitFor(/never/, { timeoutMs: 10_000 }), /exited before .*\/never\/.*bye/s);
  });

  test("a command that outlives its limit is killed and says so", async () => {
    const exit = await spawnPty("sh", ["-c", "exec sleep 30"], { limitMs: 300 }).exited;
    assert.equal(exit.killedAfterLimit, true);
    assert.equal(exit.signal, "SIGKILL");
  });
});

describe("renderScreen", () => {
  test("wraps at the last column and scrolls the top row into the scrollback", () => {
    const screen = renderScreen(`${"a".repeat(12)}\r\nnext`, { rows: 2, columns: 10 });
    assert.deepEqual(screen.scrollback, ["aaaaaaaaaa"]);
    assert.deepEqual(screen.rows, ["aa", "next"]);
  });

  test("a line redrawn in place and cleared leaves nothing behind", () => {
    const screen = renderScreen("\x1b[?25l⠋ dns…\r\x1b[0K⠙ http…\x1b[1G\x1b[0K\x1b[?25hreport\r\n", {
      rows: 3,
      columns: 20,
    });
    assert.equal(screen.text(), "report");
    assert.equal(screen.cursorVisible, true);
  });

  test("cursor movement and erase in display", () => {
    const screen = renderScreen("one\r\ntwo\r\n\x1b[2A\x1b[3Gx\x1b[J", { rows: 3, columns: 10 });
    assert.deepEqual(screen.rows, ["onx", "", ""]);
    assert.equal(renderScreen("\x1b[?25l", { rows: 1, columns: 1 }).cursorVisible, false);
  });
});

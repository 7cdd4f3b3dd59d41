/**
 * The progress spinner on stderr, only for a person at a terminal (not in CI, not piped, never
 * with --json: the caller decides). ora is loaded only then.
 */
import { decideColorLevel } from "../render/color-choice.js";

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export interface ProgressTerminal {
  readonly stream: NodeJS.WriteStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --color / --no-color, or undefined. */
  readonly colorFlag: boolean | undefined;
}

/** `text` is the first frame's: a short run can end before the spinner's next frame. */
export async function startProgress(terminal: ProgressTerminal, text = "starting"): Promise<Progress | null> {
  const { stream, env } = terminal;
  // A terminal that reports 0 columns (e.g. under `script` with no tty size) sends ora's line
  // clearing into an endless loop: no spinner there.
  if (stream.isTTY !== true || env.CI || !(stream.columns > 0)) return null;
  const { default: ora } = await import("ora");
  const colored = decideColorLevel({ flag: terminal.colorFlag, env, isTTY: true }) > 0;
  const spinner = ora({
    stream,
    text: fitted(text, stream.columns),
    // ora colours the frame with chalk, which does not honour NO_COLOR or --no-color by itself.
    color: colored ? "cyan" : false,
    // Leave the terminal in its own mode, so that Ctrl-C stays the kernel's SIGINT. By default
    // ora's stdin-discarder puts stdin in raw mode (ISIG off: the key becomes the byte 0x03) and
    // re-raises SIGINT only from a 'data' listener added with prependListener, which, unlike
    // on('data'), does not start a paused stdin flowing: the byte was never read, and Ctrl-C did
    // nothing until the phase's deadline. Without it there is also no terminal mode to restore.
    discardStdin: false,
  }).start();
  return {
    update: (next) => {
      spinner.text = fitted(next, stream.columns);
      // Drawn now rather than at the next frame, which a fast run may not live to see.
      spinner.render();
    },
    stop: () => spinner.stop(),
  };
}

/**
 * One row, never wrapped: a wrapped spinner line cannot be cleared whole and is left behind.
 * The room keeps the frame and the "^C" the terminal echoes when Ctrl-C is pressed.
 */
function fitted(text: string, columns: number): string {
  const room = Math.max(10, columns - 6);
  return [...text].length > room ? `${[...text].slice(0, room - 1).join("")}…` : text;
}

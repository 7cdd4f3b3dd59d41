/**
 * The few text styles the human report uses. Plain text needs no library; chalk is loaded only
 * when colour is on, which keeps it off the start-up path of piped and CI runs.
 */
import type { ColorLevel } from "./color-choice.js";

type Paint = (text: string) => string;

export interface Style {
  readonly error: Paint;
  readonly warning: Paint;
  readonly info: Paint;
  readonly ok: Paint;
  readonly dim: Paint;
  readonly bold: Paint;
}

const same: Paint = (text) => text;

export const plainStyle: Style = { error: same, warning: same, info: same, ok: same, dim: same, bold: same };

export async function loadStyle(level: ColorLevel): Promise<Style> {
  if (level === 0) return plainStyle;
  const { Chalk } = await import("chalk");
  const chalk = new Chalk({ level });
  return {
    error: chalk.red.bold,
    warning: chalk.yellow,
    info: chalk.cyan,
    ok: chalk.green,
    dim: chalk.dim,
    bold: chalk.bold,
  };
}

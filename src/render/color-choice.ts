/**
 * Colour is decided once, here, and injected (STYLE.md §7: chalk does not honour NO_COLOR by
 * itself). Precedence, as in DESIGN.md: --color > --no-color > NO_COLOR > FORCE_COLOR > TTY.
 */
export type ColorLevel = 0 | 1 | 2 | 3;

export interface ColorInputs {
  /** true for --color, false for --no-color, undefined when neither was given. */
  readonly flag: boolean | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isTTY: boolean;
}

export function decideColorLevel({ flag, env, isTTY }: ColorInputs): ColorLevel {
  if (flag === true) return richestLevel(env);
  if (flag === false) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "0" || force === "false") return 0;
    if (force === "1" || force === "2" || force === "3") return Number(force) as ColorLevel;
    return richestLevel(env);
  }
  return isTTY && env.TERM !== "dumb" ? richestLevel(env) : 0;
}

function richestLevel(env: Readonly<Record<string, string | undefined>>): ColorLevel {
  if (env.COLORTERM === "truecolor" || env.COLORTERM === "24bit") return 3;
  if (env.TERM?.includes("256")) return 2;
  return 1;
}

/**
 * The exit-code table, computed in one place (README "Exit codes"):
 * 0 nothing that would make the CDN fail · 1 at least one error finding · 2 usage or input
 * error · 3 internal error · 130 interrupted by Ctrl-C (128 + SIGINT, as shells expect).
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3, interrupted: 130 } as const;

export function exitCodeFor(hasErrorFinding: boolean, interruptedByUser: boolean): number {
  if (interruptedByUser) return EXIT.interrupted;
  return hasErrorFinding ? EXIT.findings : EXIT.ok;
}

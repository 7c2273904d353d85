/**
 * The exit codes of every command, one meaning each (the README's "Exit codes"), so a script or a
 * service manager can tell them apart. 70 and 130 follow BSD's sysexits (EX_SOFTWARE) and the shell's
 * 128 + SIGINT.
 */
export const EXIT = Object.freeze({
  /** Every requested day was stored (or the command did what it was asked). */
  OK: 0,
  /** The command ran, but some days failed (each named in the summary). */
  SOME_FAILED: 1,
  /** Bad usage: a flag, a date, a setting, an unreachable database. Nothing was sent. */
  USAGE: 2,
  /** A bug or an unexpected failure: one line, the stack at `--log-level debug`. */
  INTERNAL: 70,
  /** Stopped by SIGINT or SIGTERM, gracefully; the last log line says how to resume. */
  SIGNAL: 130,
});

/** A crawl's exit code: a signal's stop wins over "some failed" (the rest was never asked for). */
export function crawlExitCode(complete: boolean, stoppedBySignal: boolean): number {
  if (stoppedBySignal) return EXIT.SIGNAL;
  return complete ? EXIT.OK : EXIT.SOME_FAILED;
}

/**
 * Ctrl-C and SIGTERM for long-running commands: the first one aborts a signal the command's work
 * listens to (a graceful stop), a second one quits at once with exit code 130.
 */
import type { Logger } from 'winston';

export interface SignalStop {
  /** Aborted, with the signal's name as reason, on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Stops listening (call when the command is done). */
  dispose(): void;
}

export function stopOnSignals(logger: Logger, whatHappens: string): SignalStop {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    logger.warn(`${name}: ${whatHappens} (press Ctrl-C again to quit at once)`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => process.off('SIGINT', onSignal).off('SIGTERM', onSignal),
  };
}

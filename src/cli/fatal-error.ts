/**
 * What a command that ends with an error prints, and its exit code: bad usage is one line and exit 2;
 * anything else is a bug or an unexpected failure, one line and exit 70, with the stack only when
 * the log level asked for is debug (the user's terminal is not a debugger).
 */
import { UsageError } from '../core/errors';
import { resolveSettings } from '../core/settings-loader';
import { EXIT } from './exit-codes';

export function reportFatalError(
  error: unknown,
  { program, debug }: { program: string; debug: boolean },
): { code: number; text: string } {
  const usage = error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  let text = `${program}: error: ${message.split('\n')[0]}${usage && error.seeHelp ? ' (see --help)' : ''}\n`;
  if (!usage && debug && error instanceof Error) text += `${error.stack}\n`;
  return { code: usage ? EXIT.USAGE : EXIT.INTERNAL, text };
}

/**
 * Whether the run asked for debug logging (`--log-level`, `--set LOG_LEVEL=`, or the environment),
 * read again here because the error may have come before the command resolved its settings.
 */
export function debugRequested(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean {
  const level = argv['log-level'];
  try {
    const settings = resolveSettings({
      env: { LOG_LEVEL: env.LOG_LEVEL, CRAWLER_LOG_LEVEL: env.CRAWLER_LOG_LEVEL },
      overrides: ((argv.set as string[] | undefined) ?? []).filter((pair) => pair.startsWith('LOG_LEVEL=')),
      flags: level === undefined ? [] : [{ flag: '--log-level', setting: 'LOG_LEVEL', text: String(level) }],
    });
    return settings.LOG_LEVEL === 'debug';
  } catch {
    return false;
  }
}

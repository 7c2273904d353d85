/**
 * Winston logging: one line per event on stderr (stdout stays free for command output), plus the
 * same lines in LOG_FILE when it is set (appended, so daily runs keep their history).
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../settings';

export interface LoggerOptions {
  level: LogLevel;
  /** Also append to this file. */
  file?: string;
  /** Where console lines go; default stderr. The progress bar passes a stream that prints above it. */
  consoleStream?: Writable;
}

/** `2026-11-28T03:00:01.123Z [INFO] message`, with a child logger's `label` before the message. */
const lineFormat = winston.format.printf(
  ({ timestamp, level, message, label }) =>
    `${String(timestamp)} [${level.toUpperCase()}] ${label ? `${String(label)}: ` : ''}${String(message)}`,
);

export function createLogger({ level, file, consoleStream }: LoggerOptions): winston.Logger {
  const format = winston.format.combine(winston.format.timestamp(), lineFormat);
  const transports: winston.transport[] = [
    consoleStream
      ? new winston.transports.Stream({ stream: consoleStream, format })
      : new winston.transports.Console({
          format,
          stderrLevels: ['error', 'warn', 'info', 'verbose', 'debug', 'silly'],
        }),
  ];
  if (file) transports.push(new winston.transports.File({ filename: file, format }));
  return winston.createLogger({ level, transports });
}

/** Waits until every transport has written what it was given (before the process exits). */
export async function flushLogger(logger: winston.Logger): Promise<void> {
  const done = new Promise<void>((resolve) => logger.on('finish', () => resolve()));
  logger.end();
  await done;
}

import pino, { type Logger } from 'pino';

/** JSON logs to stderr (stdout stays free for command output). */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });

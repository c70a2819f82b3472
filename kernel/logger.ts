/**
 * The logs of the node and the LAM: pino on stderr (stdout stays free for command output). JSON
 * lines for log collectors, or, for a person at a terminal, pino-pretty's one line per entry.
 * The fields every entry may carry are listed in docs/logging.md; `base` is the process's identity
 * (`node` for a CAM node, `lam` for a LAM) and `part` names the subsystem (a child logger).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  format: LogFormat = 'json',
): Logger {
  const options = {
    level,
    base: { ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The level as its name ("warn"), which a person and a log query read without a table.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const human = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (!human) return pino(options, pino.destination(2));
  return pino(
    options,
    // Synchronous like the JSON destination: the last lines before an exit are not lost.
    pretty({
      destination: 2,
      sync: true,
      // The fields on the entry's line as JSON; an `err` stands out on the line below.
      singleLine: true,
      colorize: process.stderr.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
    }),
  );
}

export const silentLogger = (): Logger => pino({ level: 'silent' });

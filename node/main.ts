/**
 * The daemon: `tandem node --config FILE` runs one CAM node in the foreground until SIGTERM/SIGINT.
 * It holds its data directory's lock, and turns a promise nobody awaited into an alarm rather than
 * an exit (the standby exiting while it took over was exactly that).
 */
import type { DirLock } from '../kernel/dir-lock.js';
import { createLogger, type LogFormat } from '../kernel/logger.js';
import { CamNode } from './cam-node.js';
import type { NodeConfig } from './config/schema.js';

export const ALARM_UNEXPECTED = 'UnexpectedError';

/** Runs until a signal; exits 0 after a clean stop, 1 when the node cannot start. */
export async function runNode(
  config: NodeConfig,
  lock: DirLock,
  logFormat: LogFormat = 'json',
): Promise<void> {
  const log = createLogger(config.node.logLevel, { node: config.node.id }, logFormat);
  const node = new CamNode(config, log);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await node.stop();
    lock.release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection');
    node.alarms.raise(
      ALARM_UNEXPECTED,
      'major',
      `unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`,
    );
  });
  try {
    await node.start();
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'CAM node failed to start');
    process.stderr.write(`tandem node: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

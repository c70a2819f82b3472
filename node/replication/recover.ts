/** `mariadbd --wsrep_recover`: a stopped member's last committed position, for both the node and the test harness. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseRecoveredPosition } from './galera-config.js';

const run = promisify(execFile);

/** uuid:seqno to start from (IST), or undefined when it cannot be recovered (see `logFile`). */
export async function recoverPosition(defaultsFile: string, logFile: string): Promise<string | undefined> {
  rmSync(logFile, { force: true }); // an old log would answer for this run
  const out = await run('mariadbd', [
    `--defaults-file=${defaultsFile}`,
    '--wsrep_recover',
    `--log-error=${logFile}`,
  ]).catch((err: { stdout?: string; stderr?: string }) => ({
    stdout: err.stdout ?? '',
    stderr: err.stderr ?? '',
  }));
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  return parseRecoveredPosition(`${log}\n${out.stdout}\n${out.stderr}`);
}

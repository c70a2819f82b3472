/**
 * Before a node uses its database: wait until the member answers and is ready for application use
 * (a joining member is not; DatabaseNotWritable says why meanwhile), then bring the schema up to date.
 */
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../kernel/alarms.js';
import { sleep } from '../../kernel/process.js';
import { ALARM_DB_NOT_WRITABLE } from '../accounting/ingest-gate.js';
import type { Database } from './database.js';
import { migrate, SchemaTooNewError } from './migrations.js';

export async function prepareDatabase(db: Database, alarms: AlarmRegistry, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const rows: { Value: string }[] = await db.query("SHOW GLOBAL STATUS LIKE 'wsrep_ready'");
      if (rows[0] && rows[0].Value !== 'ON') throw new Error('member not ready yet (wsrep_ready is OFF)');
      alarms.clear(ALARM_DB_NOT_WRITABLE);
      break;
    } catch (err) {
      const reason = `database unreachable: ${(err as Error).message}`;
      alarms.raise(ALARM_DB_NOT_WRITABLE, 'critical', reason);
      if (attempt === 1 || attempt % 10 === 0) log.warn({ attempt, reason }, 'waiting for the database');
      await sleep(Math.min(2000, 100 * attempt));
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(db, log);
      return;
    } catch (err) {
      // A member that just joined can still refuse statements for a moment (1047); a schema too
      // new for this release stays so.
      if (attempt >= 10 || err instanceof SchemaTooNewError) throw err;
      log.warn({ attempt, err: (err as Error).message }, 'schema migration failed; retrying');
      await sleep(1000);
    }
  }
}

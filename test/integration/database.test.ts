/** The database layer against the real Galera pair: conflict retries and call deadlines. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { Database, DatabaseUnavailableError } from '../../node/replication/database.js';
import {
  databaseConfigFor,
  databasesOnBothMembers,
  testCluster,
  waitForHealthyCluster,
} from '../harness/galera.js';

describe('Database on Galera', () => {
  const dbs = databasesOnBothMembers();

  it('concurrent conflicting transactions on both members all commit (1213 is retried)', async () => {
    const name = `counter-${Date.now()}`;
    await dbs.a.query("INSERT INTO setting (name, value) VALUES (?, '0')", [name]);
    const increment = (db: Database) =>
      db.transaction(
        async (conn) => {
          const rows = await conn.query('SELECT value FROM setting WHERE name = ? FOR UPDATE', [name]);
          await conn.query('UPDATE setting SET value = ? WHERE name = ?', [
            String(Number(rows[0].value) + 1),
            name,
          ]);
        },
        { retries: 50 },
      );
    const work: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) work.push(increment(dbs.a), increment(dbs.b));
    await Promise.all(work);
    const rows = await dbs.b.query<{ value: string }[]>('SELECT value FROM setting WHERE name = ?', [name]);
    expect(Number(rows[0]!.value)).toBe(80);
    process.stderr.write(
      `[database] certification conflicts retried: A ${dbs.a.stats.retries}, B ${dbs.b.stats.retries}\n`,
    );
    expect(dbs.a.stats.retries + dbs.b.stats.retries).toBeGreaterThan(0);
  });

  it('a call to a hung (SIGSTOPped) member fails by its deadline with a clear reason', async () => {
    const quick = new Database(databaseConfigFor('a', { callTimeoutMs: 800 }), silentLogger());
    await quick.query('SELECT 1'); // connect first: the deadline is about a hung server, not a slow connect
    const cluster = testCluster();
    await cluster.pause('a');
    const t0 = Date.now();
    try {
      await expect(quick.query('SELECT 1')).rejects.toThrow(DatabaseUnavailableError);
      await expect(quick.query('SELECT 1')).rejects.toThrow(/did not answer within 800 ms/);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      cluster.signal('a', 'SIGCONT');
      await quick.close();
    }
    await waitForHealthyCluster();
    expect(await dbs.a.query<{ one: number }[]>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});

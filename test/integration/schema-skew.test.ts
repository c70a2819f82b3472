/**
 * Version skew with the database schema, on the real cluster (node/replication/schema-compat.ts):
 * a database that a newer release migrated compatibly — what a rolling upgrade leaves while the
 * older node still runs — serves this release; one whose newest migration needs a newer release
 * stops this release's node at start-up with the reason, and it never acks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { CamNode } from '../../node/cam-node.js';
import { Database } from '../../node/replication/database.js';
import { MIGRATIONS, type Migration, migrate, SchemaTooNewError } from '../../node/replication/migrations.js';
import { databaseConfigFor, freshDatabase, sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { camNodeConfig, startCamNode } from '../harness/nodes.js';

const newest = Math.max(...MIGRATIONS.map((m) => m.id));
/** Migrations of a release after this one. */
const compatible: Migration = {
  id: newest + 1,
  name: 'a table of the next release',
  release: 'next',
  minKnown: 0,
  statements: ['CREATE TABLE IF NOT EXISTS next_release_table (id INT PRIMARY KEY) ENGINE=InnoDB'],
};
const breaking: Migration = {
  id: newest + 2,
  name: 'a change older nodes cannot run beside',
  release: 'after next',
  minKnown: newest + 2,
  statements: [],
};

describe('schema version skew', () => {
  let dbName = '';
  let db: Database;
  beforeAll(async () => {
    await waitForHealthyCluster();
    dbName = await freshDatabase('schemaskew');
    db = new Database(databaseConfigFor('a', { name: dbName }), silentLogger());
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    const conn = await sqlOn('a');
    await conn.query(`DROP DATABASE IF EXISTS ${dbName}`).finally(() => conn.end());
  });

  it('a fresh database gets every migration, with what each requires of a reader', async () => {
    const { applied, newer } = await migrate(db, silentLogger());
    expect(applied).toEqual(MIGRATIONS.map((m) => m.id));
    expect(newer).toEqual([]);
    const rows = await db.query<{ id: number; min_known: number }[]>(
      'SELECT id, min_known FROM schema_migration ORDER BY id',
    );
    expect(rows.map((r) => [Number(r.id), Number(r.min_known)])).toEqual(
      MIGRATIONS.map((m) => [m.id, m.minKnown]),
    );
  });

  it('a start against an up-to-date schema issues no DDL (it would block the cluster in total order)', async () => {
    const statements: string[] = [];
    const recording = new Proxy(db, {
      get: (target, prop) =>
        prop === 'query'
          ? (sql: string, params?: unknown[]) => {
              statements.push(sql);
              return target.query(sql, params);
            }
          : Reflect.get(target, prop),
    });
    expect((await migrate(recording, silentLogger())).applied).toEqual([]);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((sql) => !/^\s*SELECT\b/i.test(sql))).toEqual([]);
  });

  it('after a newer release migrated compatibly, this release still starts and acks', {
    timeout: 60_000,
  }, async () => {
    await migrate(db, silentLogger(), [...MIGRATIONS, compatible]);
    const again = await migrate(db, silentLogger());
    expect(again).toEqual({
      applied: [],
      newer: [{ id: compatible.id, name: compatible.name, minKnown: 0 }],
    });
    const { node } = await startCamNode('a', { databaseName: dbName });
    try {
      expect(node.refusal()).toBeUndefined();
    } finally {
      await node.stop();
    }
  });

  it('after a release that needs newer nodes migrated, this release refuses to start, naming why', {
    timeout: 60_000,
  }, async () => {
    await migrate(db, silentLogger(), [...MIGRATIONS, compatible, breaking]);
    const reason =
      `the database schema is newer than this release: migration ${breaking.id} (${breaking.name}) ` +
      `needs a release that knows migration ${breaking.id} or later, this one knows up to ${newest}; ` +
      'run the newer release on this server';
    await expect(migrate(db, silentLogger())).rejects.toThrow(new SchemaTooNewError(reason));

    const node = new CamNode(await camNodeConfig('a', { databaseName: dbName }), silentLogger());
    try {
      await expect(node.start()).rejects.toThrow(reason);
      expect(node.refusal()).toBeDefined();
    } finally {
      await node.stop();
    }
  });
});

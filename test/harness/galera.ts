/** The shared test cluster, as seen from a test file (any process can signal or restart members). */
import { join } from 'node:path';
import mariadb from 'mariadb';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import type { DatabaseConfig } from '../../node/config/schema.js';
import { databaseSchema } from '../../node/config/schema.js';
import { Database } from '../../node/replication/database.js';
import { migrate } from '../../node/replication/migrations.js';
import { LocalGaleraCluster } from '../../ops/local-cluster.js';
import { testTls } from './tls.js';

export const GALERA_BASE_PORT = Number(process.env.TANDEM_TEST_GALERA_PORT ?? 25300);
export const GALERA_BASE_DIR = `/tmp/tandem-test-galera-${GALERA_BASE_PORT}`;
/**
 * The shared cluster replicates, runs IST and state transfers over TLS with certificates of this
 * CA (made by the global setup); its SQL ports serve TLS and, for the other tests, plaintext too.
 * A test that wants TLS to the database issues its node certificates from the same CA.
 */
const PKI_DIR = `/tmp/tandem-test-pki-${GALERA_BASE_PORT}`;
export const TEST_PKI = { dir: PKI_DIR, ca: join(PKI_DIR, 'ca'), certs: join(PKI_DIR, 'certs') };

export function testClusterTls() {
  return {
    a: testTls(TEST_PKI.ca, TEST_PKI.certs, 'db-a'),
    b: testTls(TEST_PKI.ca, TEST_PKI.certs, 'db-b'),
    garbd: testTls(TEST_PKI.ca, TEST_PKI.certs, 'w'),
    allowPlainSql: true,
  };
}

export function testCluster(): LocalGaleraCluster {
  return new LocalGaleraCluster({
    baseDir: GALERA_BASE_DIR,
    basePort: GALERA_BASE_PORT,
    tls: testClusterTls(),
  });
}

/** Database settings of a node whose local member is `member` ('a' or 'b'). */
export function databaseConfigFor(
  member: 'a' | 'b',
  overrides: Partial<DatabaseConfig> = {},
): DatabaseConfig {
  const c = testCluster().connectionFor(member);
  return databaseSchema.parse({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    name: c.database,
    callTimeoutMs: 5000,
    healthIntervalMs: 200,
    ...overrides,
  });
}

/** A direct connection for assertions; reads wait for the member to apply all replicated writes. */
export async function sqlOn(member: 'a' | 'b') {
  const conn = await mariadb.createConnection({
    ...testCluster().connectionFor(member),
    bigIntAsNumber: true,
    decimalAsNumber: true,
    connectTimeout: 3000,
  });
  await conn.query('SET SESSION wsrep_sync_wait = 1');
  return conn;
}

/** Waits until A and B are both Synced members of a 3-member Primary component. */
export async function waitForHealthyCluster(timeoutMs = 90_000): Promise<void> {
  const c = testCluster();
  for (const m of ['a', 'b']) {
    await c.waitForState(
      m,
      (s) => s.clusterStatus === 'Primary' && s.localState === 'Synced' && s.clusterSize === 3,
      timeoutMs,
    );
  }
}

/**
 * A Database on each member for one test file (migrated); registers beforeAll/afterAll hooks.
 * The returned object is filled in by beforeAll.
 */
export function databasesOnBothMembers(): { a: Database; b: Database } {
  const dbs = { a: undefined as unknown as Database, b: undefined as unknown as Database };
  beforeAll(async () => {
    await waitForHealthyCluster();
    dbs.a = new Database(databaseConfigFor('a'), silentLogger());
    dbs.b = new Database(databaseConfigFor('b'), silentLogger());
    await migrate(dbs.a, silentLogger());
  });
  afterAll(async () => {
    await dbs.a?.close();
    await dbs.b?.close();
  });
  return dbs;
}

/** A new, empty database on the test cluster (replicated to both members) for a test's own ledger. */
export async function freshDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const conn = await sqlOn('a');
  try {
    await conn.query(`CREATE DATABASE ${name}`);
  } finally {
    await conn.end();
  }
  return name;
}

/** The shared test cluster, as seen from a test file (any process can signal or restart members). */
import mariadb from 'mariadb';
import type { DatabaseConfig } from '../../node/config/schema.js';
import { databaseSchema } from '../../node/config/schema.js';
import { LocalGaleraCluster } from '../../node/replication/local-cluster.js';

export const GALERA_BASE_PORT = Number(process.env.TANDEM_TEST_GALERA_PORT ?? 25300);
export const GALERA_BASE_DIR = `/tmp/tandem-test-galera-${GALERA_BASE_PORT}`;

export function testCluster(): LocalGaleraCluster {
  return new LocalGaleraCluster({ baseDir: GALERA_BASE_DIR, basePort: GALERA_BASE_PORT });
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

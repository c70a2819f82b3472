/**
 * Starts one real MariaDB Galera pair + garbd on loopback for the integration tests, and stops
 * every process it started when the run ends (also after a failed run: leftovers of an earlier
 * crashed run are killed first).
 */
import type { TestProject } from 'vitest/node';
import { LocalGaleraCluster } from '../../ops/local-cluster.js';
import { GALERA_BASE_DIR, GALERA_BASE_PORT } from './galera.js';

let cluster: LocalGaleraCluster | undefined;

export async function setup(_project: TestProject): Promise<void> {
  cluster = new LocalGaleraCluster({ baseDir: GALERA_BASE_DIR, basePort: GALERA_BASE_PORT });
  const t0 = Date.now();
  await cluster.start();
  process.stderr.write(`[harness] Galera pair + garbd up in ${Date.now() - t0} ms (${GALERA_BASE_DIR})\n`);
}

export async function teardown(): Promise<void> {
  await cluster?.stopAll();
}

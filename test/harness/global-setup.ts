/**
 * Starts one real MariaDB Galera pair + garbd on loopback for the integration tests (replication,
 * IST and state transfer over TLS with a CA of its own, TEST_PKI), and stops
 * every process it started when the run ends (also after a failed run: leftovers of an earlier
 * crashed run are killed first).
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { createCa, issueCertificate } from '../../ops/certs.js';
import { LocalGaleraCluster } from '../../ops/local-cluster.js';
import { GALERA_BASE_DIR, GALERA_BASE_PORT, TEST_PKI, testClusterTls } from './galera.js';

let cluster: LocalGaleraCluster | undefined;

export async function setup(_project: TestProject): Promise<void> {
  rmSync(TEST_PKI.dir, { recursive: true, force: true });
  createCa(TEST_PKI.ca);
  for (const name of ['db-a', 'db-b'])
    issueCertificate(TEST_PKI.ca, TEST_PKI.certs, { kind: 'cam', name, ips: ['127.0.0.1'] });
  issueCertificate(TEST_PKI.ca, TEST_PKI.certs, { kind: 'witness', name: 'w', ips: ['127.0.0.1'] });
  cluster = new LocalGaleraCluster({
    baseDir: GALERA_BASE_DIR,
    basePort: GALERA_BASE_PORT,
    tls: testClusterTls(),
  });
  const t0 = Date.now();
  await cluster.start();
  process.stderr.write(`[harness] Galera pair + garbd up in ${Date.now() - t0} ms (${GALERA_BASE_DIR})\n`);
}

export async function teardown(): Promise<void> {
  await cluster?.stopAll();
}

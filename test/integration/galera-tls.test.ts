/**
 * Galera with TLS (galera.tls, issue 12 item 5) on a real pair + garbd of its own: replication and
 * IST over socket.ssl with certificates of one CA, the SQL ports refusing TCP clients without TLS,
 * a client that does not trust the CA refused, a witness with another CA's certificate or none
 * kept out of the cluster, and a full state transfer (SST) through stunnel.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../../kernel/process.js';
import { verifiedSsl } from '../../node/replication/database.js';
import { garbdArgs } from '../../node/replication/galera-config.js';
import { installMemberTls } from '../../node/replication/member-tls.js';
import { createCa, issueCertificate } from '../../ops/certs.js';
import { LocalGaleraCluster } from '../../ops/local-cluster.js';
import { testTls } from '../harness/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-galera-tls-'));
chmodSync(dir, 0o755); // mariadbd runs as mysql and must reach its datadir below
const ca = join(dir, 'ca');
const rogueCa = join(dir, 'rogue-ca');
const certs = join(dir, 'certs');
const BASE_PORT = 26500;
let cluster: LocalGaleraCluster;
const intruders: Daemon[] = [];

async function sql<T>(member: string, statement: string, params: unknown[] = []): Promise<T> {
  const conn = await mariadb.createConnection({ ...cluster.connectionFor(member), connectTimeout: 3000 });
  try {
    return (await conn.query(statement, params)) as T;
  } finally {
    conn.destroy();
  }
}

const errorLog = (member: string) => readFileSync(cluster.member(member).errorLog, 'utf8');

/** Starts a garbd that tries to join as a third voter on `port`, with `tls` or none. */
function intruder(name: string, port: number, tls?: ReturnType<typeof testTls>): Daemon {
  const layout = {
    ...cluster.layout,
    arbitrator: {
      host: '127.0.0.1',
      groupPort: port,
      tls: tls && installMemberTls(tls, join(dir, `${name}-tls`), 'mysql'),
    },
  };
  const d = spawnDaemon(name, 'garbd', garbdArgs(layout), { logFile: join(dir, `${name}.log`) });
  intruders.push(d);
  return d;
}

beforeAll(async () => {
  createCa(ca);
  createCa(rogueCa);
  for (const name of ['db-a', 'db-b']) issueCertificate(ca, certs, { kind: 'cam', name, ips: ['127.0.0.1'] });
  issueCertificate(ca, certs, { kind: 'witness', name: 'w' });
  issueCertificate(rogueCa, join(dir, 'rogue'), { kind: 'witness', name: 'rogue' });
  cluster = new LocalGaleraCluster({
    baseDir: join(dir, 'galera'),
    basePort: BASE_PORT,
    tls: {
      a: testTls(ca, certs, 'db-a'),
      b: testTls(ca, certs, 'db-b'),
      garbd: testTls(ca, certs, 'w'),
    },
  });
  await cluster.start();
}, 180_000);

afterAll(async () => {
  for (const d of intruders) await stopWithDeadline(d, 5000);
  await cluster?.stopAll();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Galera with TLS', () => {
  it('replicates over TLS; the SQL port serves TLS clients only, with a certificate the client verifies', async () => {
    const [options] = await sql<{ Value: string }[]>(
      'a',
      "SHOW GLOBAL VARIABLES LIKE 'wsrep_provider_options'",
    );
    expect(options!.Value).toMatch(/socket\.ssl = YES/);
    const [cipher] = await sql<{ Value: string }[]>('a', "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    expect(cipher!.Value).not.toBe('');
    expect((await cluster.status('a')).clusterSize).toBe(3);
    await sql('a', 'CREATE TABLE IF NOT EXISTS tls_probe (id INT PRIMARY KEY, v VARCHAR(20))');
    await sql('a', "INSERT INTO tls_probe VALUES (1, 'over tls')");
    const rows = await sql<{ v: string }[]>('b', 'SELECT v FROM tls_probe WHERE id = 1');
    expect(rows.map((r) => r.v)).toEqual(['over tls']);

    const { ssl: _, ...plain } = cluster.connectionFor('a') as { ssl?: unknown };
    const refused = await mariadb.createConnection({ ...plain, connectTimeout: 3000 }).then(
      (c) => c.destroy(),
      (err: Error) => err,
    );
    // MariaDB 10.11 answers a TCP client without TLS under require_secure_transport with
    // "Access denied" (the same credentials over TLS are accepted above).
    expect(String(refused)).toMatch(/Access denied|insecure transport/);
    const untrusting = {
      ...plain,
      connectTimeout: 3000,
      ssl: verifiedSsl('127.0.0.1', { ca: readFileSync(join(rogueCa, 'ca.crt'), 'utf8') }),
    };
    await expect(mariadb.createConnection(untrusting)).rejects.toThrow(/certificate|self[- ]signed|verify/i);
  });

  it('a witness with another CA’s certificate, or without TLS, does not join', async () => {
    intruder('garbd-rogue', BASE_PORT + 40, testTls(rogueCa, join(dir, 'rogue'), 'rogue'));
    intruder('garbd-plain', BASE_PORT + 41);
    const logOf = (name: string) => readFileSync(join(dir, `${name}.log`), 'utf8');
    // The members refuse the rogue certificate; a plaintext garbd never gets an answer it can read.
    await waitFor(
      'the rogue witness to be refused',
      async () => (/certificate verify failed/.test(logOf('garbd-rogue')) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await waitFor(
      'the plaintext witness to be unanswered',
      async () => (/timed out, no messages seen/.test(logOf('garbd-plain')) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect((await cluster.status('a')).clusterSize).toBe(3);
    expect((await cluster.status('b')).clusterSize).toBe(3);
  });

  it('a member that lost its state rejoins by a full state transfer through stunnel', async () => {
    await sql('a', "INSERT INTO tls_probe VALUES (2, 'before sst')");
    await cluster.rejoinBySst('b');
    await cluster.waitForState('b', (s) => s.localState === 'Synced' && s.clusterSize === 3, 120_000);
    expect(errorLog('b')).toMatch(/Using stunnel for SSL encryption/);
    const rows = await sql<{ v: string }[]>('b', 'SELECT v FROM tls_probe ORDER BY id');
    expect(rows.map((r) => r.v)).toEqual(['over tls', 'before sst']);
  });
});

/**
 * The LAM's spool partition fills up while the CAM is unreachable (a 3 MiB tmpfs the test mounts):
 * DiskMonMajor, then DiskMonCritical, then diskAccessFailure; further RUs are discarded and
 * counted. The CAM comes back → the spool drains, the alarms clear, delivery resumes, and the
 * ledger holds exactly the RUs that were not discarded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../kernel/process.js';
import type { LamAgent } from '../../lam/agent.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { CamProcess } from '../../ops/local-cam.js';
import { sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { startLam } from '../harness/lams.js';
import { uniqueLamId } from '../harness/nodes.js';

const MOUNT = `/tmp/tandem-lamdisk-${process.pid}`;

describe('LAM spool disk full', () => {
  let cam: CamProcess;
  let lam: LamAgent;
  const lamId = uniqueLamId('ldf').slice(0, 32);

  beforeAll(async () => {
    await waitForHealthyCluster();
    mkdirSync(MOUNT, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', MOUNT]);
    // The CAM exists (its ports are reserved) but is not started: the LAM cannot reach it.
    cam = await CamProcess.create({
      id: 'cam-lamdisk',
      dir: mkdtempSync(join(tmpdir(), 'tandem-ldf-')),
      database: testCluster().connectionFor('a'),
    });
    lam = await startLam(cam, { componentName: lamId, baseDir: MOUNT, lam: { fileRotationSize: 100_000 } });
  });
  afterAll(async () => {
    await lam?.stop();
    await cam?.stop();
    execFileSync('umount', ['-l', MOUNT]);
    rmSync(MOUNT, { recursive: true, force: true });
  });

  it('raises DiskMonMajor, DiskMonCritical, diskAccessFailure in order, counts discards, recovers', async () => {
    let n = 0;
    let refused = 0;
    while (!lam.alarms.isActive('diskAccessFailure') || lam.counters.rusDiscarded < 100) {
      for (let i = 0; i < 40; i++) {
        lam.submit({ ...syntheticRu(lamId, n), uID: `${lamId}-ru-${n}` }).catch(() => {
          refused++;
        });
        n++;
      }
      await sleep(15);
      if (n > 200_000) throw new Error('the spool never filled up');
    }
    const raised = lam.alarms
      .events()
      .filter((e) => e.kind === 'raised')
      .map((e) => e.alarm.name);
    expect(raised.filter((a) => a.startsWith('Disk') || a === 'diskAccessFailure')).toEqual([
      'DiskMonMajor',
      'DiskMonCritical',
      'diskAccessFailure',
    ]);
    const discarded = lam.counters.rusDiscarded;
    expect(discarded).toBeGreaterThanOrEqual(100);
    expect(lam.status().counters.rusDiscarded).toBe(discarded);

    cam.start();
    await cam.waitAccepting();
    await lam.drained(90_000);
    // diskAccessFailure clears at the next successful spool write: one durable RU proves it.
    await lam.submit({ ...syntheticRu(lamId, n), uID: `${lamId}-ru-${n++}` }, { durable: true });
    await lam.drained(30_000);
    await waitFor('every alarm to clear', async () => (lam.alarms.list().length === 0 ? true : undefined), {
      timeoutMs: 15_000,
    });

    const b = await sqlOn('b');
    const rows = await b.query('SELECT SUM(ru_count) AS rus FROM ledger_block WHERE lam_id = ?', [lamId]);
    await b.end();
    process.stderr.write(
      `[lam-disk-full] submitted ${lam.counters.rusSubmitted}, discarded ${discarded}, refused at the API ${refused}\n`,
    );
    expect(rows[0].rus).toBe(lam.counters.rusSubmitted - lam.counters.rusDiscarded);
  });
});

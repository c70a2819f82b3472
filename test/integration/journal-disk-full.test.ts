/**
 * A full journal disk: blocks are not acknowledged (the LAM keeps them), JournalWriteFailure is
 * raised; once space is free again every block is stored exactly once, the alarm clears, and the
 * journal holds no damaged record (a failed write is cut off, not left between good records).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { sleep, waitFor } from '../../kernel/process.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamNode } from '../../node/cam-node.js';
import { sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';

const MOUNT = `/tmp/tandem-fulldisk-${process.pid}`;

describe('journal on a full disk', () => {
  let cam: Awaited<ReturnType<typeof startCamNode>>;
  let again: CamNode | undefined;

  beforeAll(async () => {
    await waitForHealthyCluster();
    mkdirSync(MOUNT, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', MOUNT]);
    // IPDR off: the test fills the partition itself (the files of earlier tests' blocks would too).
    cam = await startCamNode('a', { id: 'cam-fulldisk', dataDir: `${MOUNT}/node`, ipdr: { enabled: false } });
  });
  afterAll(async () => {
    await cam?.node.stop();
    await again?.stop();
    execFileSync('umount', ['-l', MOUNT]);
    rmSync(MOUNT, { recursive: true, force: true });
  });

  it('holds acks while the disk is full and delivers everything once it is not', async () => {
    // Leave ~150 KiB: room for about 25 blocks of 20 RUs.
    const free = statfsSync(MOUNT).bavail * statfsSync(MOUNT).bsize;
    writeFileSync(`${MOUNT}/filler`, Buffer.alloc(free - 150 * 1024));
    const lam = uniqueLamId('full');
    const s = sender(cam.primary, lam);
    for (let seq = 1; seq <= 120; seq++)
      s.send({ blockSeq: seq, createdAtMs: seq, rus: syntheticBlockRus(lam, seq, 20) });
    await waitFor(
      'the journal alarm',
      async () => (cam.node.alarms.isActive('JournalWriteFailure') ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    await sleep(1000);
    expect(s.pending).toBeGreaterThan(0);
    expect(s.stats.lastError).toMatch(/ENOSPC|no space/i);
    const ackedWhileFull = s.stats.acked;

    rmSync(`${MOUNT}/filler`);
    await s.drained();
    s.stop();
    expect(s.stats.acked).toBe(120);
    expect(ackedWhileFull).toBeLessThan(120);
    expect(cam.node.alarms.isActive('JournalWriteFailure')).toBe(false);

    const b = await sqlOn('b');
    const rows = await b.query(
      'SELECT COUNT(*) AS n, SUM(ru_count) AS rus FROM ledger_block WHERE lam_id = ?',
      [lam],
    );
    await b.end();
    expect(rows[0]).toEqual({ n: 120, rus: 2400 });

    // Every journal segment replays cleanly: no record was left torn between good ones.
    await cam.node.stop();
    again = new CamNode(cam.config, silentLogger());
    await again.start();
    await waitFor('replay', async () => (again!.refusal() === undefined ? true : undefined), {
      timeoutMs: 30_000,
    });
    const report = again.status().journal.lastReplay!;
    expect(report.corruptSegments).toEqual([]);
    expect(report.tornSegments).toEqual([]);
    expect(report.blocks).toBeGreaterThanOrEqual(120);
  });
});

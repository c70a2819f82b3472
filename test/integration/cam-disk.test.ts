/**
 * Invariant 4: the CAM's disk alarms fire at their Table 2 thresholds on the accounting partition
 * (a 1 MiB tmpfs the test mounts) and clear below them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import { waitForHealthyCluster } from '../harness/galera.js';
import { startCamNode } from '../harness/nodes.js';

const MOUNT = `/tmp/tandem-camdisk-${process.pid}`;

describe('CAM accounting partition alarms', () => {
  let cam: Awaited<ReturnType<typeof startCamNode>>;

  beforeAll(async () => {
    await waitForHealthyCluster();
    mkdirSync(MOUNT, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', MOUNT]);
    cam = await startCamNode('a', {
      id: 'cam-disk',
      cam: {
        baseFilePath: `${MOUNT}/accounting`,
        diskMonitorMajorThreshold: 30,
        diskMonitorCriticalThreshold: 60,
      },
      // The test fills the partition itself; IPDR files of earlier tests' blocks would too.
      ipdr: { enabled: false },
    });
  });
  afterAll(async () => {
    await cam?.node.stop();
    execFileSync('umount', ['-l', MOUNT]);
    rmSync(MOUNT, { recursive: true, force: true });
  });

  it('raises DiskMajorAlarm at 30 %, DiskCriticalAlarm at 60 %, clears both below', async () => {
    const alarms = cam.node.alarms;
    expect(alarms.isActive('DiskMajorAlarm')).toBe(false);
    const until = async (what: string, ok: () => boolean) =>
      waitFor(what, async () => (ok() ? true : undefined), { timeoutMs: 5000, intervalMs: 50 });

    writeFileSync(`${MOUNT}/fill-1`, Buffer.alloc(400 * 1024)); // ~39 %
    await until('DiskMajorAlarm', () => alarms.isActive('DiskMajorAlarm'));
    expect(alarms.isActive('DiskCriticalAlarm')).toBe(false);

    writeFileSync(`${MOUNT}/fill-2`, Buffer.alloc(300 * 1024)); // ~68 %
    await until('DiskCriticalAlarm', () => alarms.isActive('DiskCriticalAlarm'));
    expect(alarms.isActive('DiskMajorAlarm')).toBe(true);
    expect(cam.node.status().disks[0]).toMatchObject({
      what: expect.stringContaining('accounting partition'),
    });

    rmSync(`${MOUNT}/fill-2`);
    await until('DiskCriticalAlarm to clear', () => !alarms.isActive('DiskCriticalAlarm'));
    expect(alarms.isActive('DiskMajorAlarm')).toBe(true);
    rmSync(`${MOUNT}/fill-1`);
    await until('DiskMajorAlarm to clear', () => !alarms.isActive('DiskMajorAlarm'));
    const kinds = alarms
      .events()
      .filter((e) => e.alarm.name.startsWith('Disk'))
      .map((e) => `${e.kind}:${e.alarm.name}`);
    expect(kinds).toEqual([
      'raised:DiskMajorAlarm',
      'raised:DiskCriticalAlarm',
      'cleared:DiskCriticalAlarm',
      'cleared:DiskMajorAlarm',
    ]);
  });
});

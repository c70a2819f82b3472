/**
 * A node started from a file that names a deployment profile (netra-t1400): the profile's RAID check
 * and partitions run in the real `tandem node` process, with the node's file overriding paths. The
 * md arrays are recorded /proc/mdstat contents swapped in (this kernel has no md driver); the extra
 * partition is a 1 MiB tmpfs the test mounts and fills.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import { CamProcess, CLI } from '../../ops/local-cam.js';
import { testCluster, waitForHealthyCluster } from '../harness/galera.js';

interface Status {
  node: { profile: string | null };
  raid: { arrays: { name: string; health: string; text: string }[] } | null;
  disks: { what: string; usedPercent: number }[];
  alarms: { name: string; severity: string; reason: string }[];
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-profile-'));
const mount = join(dir, 'spool');
const mdstat = join(dir, 'mdstat');
const recorded = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'mdstat', `${name}.txt`);

/** Replaces the mdstat file at once (the monitor never reads half a file). */
function mdstatIs(name: string): void {
  copyFileSync(recorded(name), `${mdstat}.new`);
  renameSync(`${mdstat}.new`, mdstat);
}

describe('a node on the netra-t1400 profile', () => {
  let cam: CamProcess;
  const status = async () => (await cam.status()) as unknown as Status;
  const alarm = async (name: string) => (await status()).alarms.find((a) => a.name === name);
  const until = (what: string, ok: (s: Status) => boolean) =>
    waitFor(what, async () => (ok(await status()) ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
  const raidAlarms = (s: Status) => s.alarms.filter((a) => a.name.startsWith('Raid')).map((a) => a.name);

  beforeAll(async () => {
    await waitForHealthyCluster();
    mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
    mdstatIs('clean');
    cam = await CamProcess.create({
      id: 'cam-profile',
      dir,
      profile: 'netra-t1400',
      database: testCluster().connectionFor('a'),
      extra: {
        server: {
          partitions: [
            { name: 'spool', path: mount, diskMonitorMajorThreshold: 30, diskMonitorCriticalThreshold: 60 },
          ],
          raid: { mdstatPath: mdstat, intervalMs: 100 },
        },
      },
    });
    cam.start();
    await cam.waitAccepting();
  });
  afterAll(async () => {
    await cam?.stop();
    execFileSync('umount', ['-l', mount]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs with the profile's settings under the file's: both arrays watched, clean", async () => {
    const s = await status();
    expect(s.node.profile).toBe('netra-t1400');
    expect(s.raid?.arrays.map((a) => `${a.name} ${a.health}`)).toEqual(['md1 clean', 'md0 clean']);
    expect(raidAlarms(s)).toEqual([]);
    expect(s.disks.map((d) => d.what)).toContain(`spool partition (${mount})`);
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      'config',
      'check',
      '--print',
      cam.configFile,
    ]);
    const effective = JSON.parse(stdout) as {
      galera: { bufferPoolMb: number };
      server: { raid: { arrays: string[] } };
    };
    expect(effective.galera.bufferPoolMb).toBe(1024);
    expect(effective.server.raid.arrays).toEqual(['md0', 'md1']);
  });

  it('raises and clears an alarm for a degraded, rebuilding, resyncing, failed, absent and unreadable array', async () => {
    const steps: [string, string | undefined, RegExp | undefined][] = [
      ['degraded', 'RaidArrayDegraded', /^md1 raid5 \[4\/3\] degraded, sdd1 failed$/],
      ['rebuilding', 'RaidArrayDegraded', /^md1 raid5 \[4\/3\] rebuilding, sdd1 failed, recovery$/],
      ['clean', undefined, undefined],
      ['resyncing', 'RaidArrayResync', /md1 raid5 \[4\/4\] resyncing/],
      ['failed', 'RaidArrayFailed', /^md1 raid5 \[4\/2\] failed, sde1 sdd1 failed$/],
      ['inactive', 'RaidArrayFailed', /^md1 inactive failed$/],
      ['none', 'RaidArrayFailed', /^md0 expected but not in mdstat; md1 expected but not in mdstat$/],
      ['clean', undefined, undefined],
    ];
    for (const [file, name, reason] of steps) {
      mdstatIs(file);
      await until(`${file}: ${name ?? 'no RAID alarm'}`, (s) =>
        name ? s.alarms.some((a) => a.name === name && reason!.test(a.reason)) : raidAlarms(s).length === 0,
      );
      if (name) expect(raidAlarms(await status())).toEqual([name]);
    }
    expect((await status()).raid?.arrays.every((a) => a.health === 'clean')).toBe(true);

    rmSync(mdstat);
    await until('RaidStatusUnknown', (s) => s.alarms.some((a) => a.name === 'RaidStatusUnknown'));
    expect((await alarm('RaidStatusUnknown'))?.reason).toMatch(new RegExp(`^${mdstat}: ENOENT`));
    writeFileSync(mdstat, '<html>proxy error</html>\n');
    await until('RaidStatusUnknown, not mdstat', (s) =>
      s.alarms.some(
        (a) => a.name === 'RaidStatusUnknown' && /not the contents of \/proc\/mdstat/.test(a.reason),
      ),
    );
    mdstatIs('clean');
    await until('every RAID alarm cleared', (s) => raidAlarms(s).length === 0);
  });

  it("raises the profile's partition alarms at their thresholds and clears them", async () => {
    writeFileSync(join(mount, 'fill'), Buffer.alloc(400 * 1024)); // ~39 % of 1 MiB
    await until('PartitionMajor.spool', (s) => s.alarms.some((a) => a.name === 'PartitionMajor.spool'));
    expect((await alarm('PartitionMajor.spool'))?.reason).toMatch(
      /^spool partition \(.*\) [\d.]+% used \(major threshold 30%\)$/,
    );
    expect(await alarm('PartitionCritical.spool')).toBeUndefined();
    rmSync(join(mount, 'fill'));
    await until(
      'PartitionMajor.spool to clear',
      (s) => !s.alarms.some((a) => a.name.startsWith('Partition')),
    );
  });
});

/**
 * /proc/mdstat as recorded from clean, degraded, rebuilding, resyncing, checked, failed and inactive
 * arrays (this kernel has no md driver): what each array's health is and which alarms it raises.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeArray, MdstatError, parseMdstat, raidHealth } from '../../kernel/raid/mdstat.js';
import { raidAlarms } from '../../kernel/raid/raid-monitor.js';

const recorded = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mdstat', `${name}.txt`), 'utf8');

describe('parseMdstat + raidHealth', () => {
  it.each([
    ['clean', { md1: 'clean', md0: 'clean' }],
    ['degraded', { md1: 'degraded', md0: 'clean' }],
    ['rebuilding', { md1: 'rebuilding', md0: 'clean' }],
    ['resyncing', { md1: 'resyncing', md0: 'resyncing' }],
    ['check', { md0: 'clean' }],
    ['failed', { md1: 'failed', md0: 'clean' }],
    ['inactive', { md1: 'failed', md0: 'clean' }],
    ['raid0-and-spare', { md2: 'clean', md0: 'clean' }],
    ['none', {}],
  ] as const)('%s', (file, health) => {
    const arrays = parseMdstat(recorded(file));
    expect(Object.fromEntries(arrays.map((a) => [a.name, raidHealth(a)]))).toEqual(health);
  });

  it('reads members, failed and spare flags, counts and the rebuild progress', () => {
    const [md1] = parseMdstat(recorded('rebuilding'));
    expect(md1).toMatchObject({ name: 'md1', state: 'active', level: 'raid5', wanted: 4, up: 3 });
    expect(md1!.devices.filter((d) => d.failed).map((d) => d.name)).toEqual(['sdd1']);
    expect(md1!.sync).toEqual({ action: 'recovery', percent: 22.4, finish: '4.1min' });
    expect(describeArray(md1!)).toBe(
      'md1 raid5 [4/3] rebuilding, sdd1 failed, recovery 22.4% (finish 4.1min)',
    );
    expect(describeArray(md1!, { progress: false })).toBe(
      'md1 raid5 [4/3] rebuilding, sdd1 failed, recovery',
    );
    const spare = parseMdstat(recorded('raid0-and-spare'))[1]!;
    expect(spare.state).toBe('active (auto-read-only)');
    expect(spare.devices.map((d) => d.spare)).toEqual([true, false, false]);
  });

  it.each([
    ['', 'no "Personalities :" line'],
    ['<html>not found</html>', 'no "Personalities :" line'],
    ['Personalities : [raid1]\nmd0 : active raid1 sda2 sdb2[1]\n', 'line 2: "sda2" is not a member device'],
  ])('refuses %j naming the problem', (text, message) => {
    expect(() => parseMdstat(text)).toThrow(MdstatError);
    expect(() => parseMdstat(text)).toThrow(message);
  });
});

describe('raidAlarms', () => {
  it.each([
    ['clean', [], {}],
    ['degraded', [], { degraded: 'md1 raid5 [4/3] degraded, sdd1 failed' }],
    ['rebuilding', [], { degraded: 'md1 raid5 [4/3] rebuilding, sdd1 failed, recovery' }],
    ['resyncing', [], { resyncing: 'md1 raid5 [4/4] resyncing, resync; md0 raid1 [2/2] resyncing, resync' }],
    ['failed', [], { failed: 'md1 raid5 [4/2] failed, sde1 sdd1 failed' }],
    ['inactive', ['md0', 'md1'], { failed: 'md1 inactive failed' }],
    ['clean', ['md0', 'md1', 'md9'], { failed: 'md9 expected but not in mdstat' }],
    ['none', ['md0'], { failed: 'md0 expected but not in mdstat' }],
  ] as const)('%s, expecting %j', (file, expected, alarms) => {
    expect(Object.fromEntries(raidAlarms(parseMdstat(recorded(file)), [...expected]))).toEqual(alarms);
  });
});

import { describe, expect, it } from 'vitest';
import { AlarmRegistry } from '../../kernel/alarms.js';
import { DiskMonitor, diskLevel } from '../../kernel/disk-monitor.js';
import { silentLogger } from '../../kernel/logger.js';

describe('diskLevel', () => {
  it.each([
    [49.9, 'ok'],
    [50, 'major'],
    [74.9, 'major'],
    [75, 'critical'],
    [100, 'critical'],
  ] as const)('%d%% used → %s', (used, level) => {
    expect(diskLevel(used, 50, 75)).toBe(level);
  });
});

/** A monitor of an imaginary partition (50 % / 75 %) whose usage comes from `probe`. */
function monitorWith(probe: () => Promise<number>) {
  const alarms = new AlarmRegistry(silentLogger());
  const monitor = new DiskMonitor({
    what: 'accounting partition',
    path: '/nowhere',
    major: 50,
    critical: 75,
    alarmNames: { major: 'DiskMajorAlarm', critical: 'DiskCriticalAlarm' },
    alarms,
    log: silentLogger(),
    probe,
  });
  return { alarms, monitor };
}

describe('DiskMonitor', () => {
  it('raises each alarm once on the way up and clears each on the way down', async () => {
    const readings = [10, 55, 60, 80, 90, 70, 40, 45];
    let i = 0;
    const { alarms, monitor } = monitorWith(async () => readings[i++]!);
    for (let n = 0; n < readings.length; n++) await monitor.check();
    expect(alarms.events().map((e) => `${e.kind}:${e.alarm.name}`)).toEqual([
      'raised:DiskMajorAlarm',
      'raised:DiskCriticalAlarm',
      'cleared:DiskCriticalAlarm',
      'cleared:DiskMajorAlarm',
    ]);
    expect(alarms.events()[0]!.alarm.reason).toBe('accounting partition 55.0% used (major threshold 50%)');
    expect(monitor.usedPercent).toBe(45);
  });

  it('a failing probe changes nothing', async () => {
    const { alarms, monitor } = monitorWith(async () => {
      throw new Error('EIO');
    });
    await monitor.check();
    expect(alarms.list()).toEqual([]);
  });
});

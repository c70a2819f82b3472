import { describe, expect, it } from 'vitest';
import { AlarmRegistry } from '../../kernel/alarms.js';
import { silentLogger } from '../../kernel/logger.js';

describe('AlarmRegistry', () => {
  let clock = 0;
  const registry = () =>
    new AlarmRegistry(silentLogger(), 3, () => new Date(Date.UTC(2026, 0, 1) + clock++ * 1000));

  it('raises once, updates the reason, clears once', () => {
    const r = registry();
    expect(r.raise('DiskMajorAlarm', 'major', '55% used')).toBe(true);
    expect(r.raise('DiskMajorAlarm', 'major', '55% used')).toBe(false);
    expect(r.raise('DiskMajorAlarm', 'major', '60% used')).toBe(false);
    expect(r.list()).toMatchObject([{ name: 'DiskMajorAlarm', reason: '60% used', raiseCount: 1 }]);
    expect(r.clear('DiskMajorAlarm')).toBe(true);
    expect(r.clear('DiskMajorAlarm')).toBe(false);
    expect(r.list()).toEqual([]);
  });

  it('counts how often an alarm was raised (flapping shows)', () => {
    const r = registry();
    for (let i = 0; i < 3; i++) {
      r.raise('X', 'critical', 'down');
      r.clear('X');
    }
    r.raise('X', 'critical', 'down');
    expect(r.list()[0]!.raiseCount).toBe(4);
  });

  it('keeps a bounded history of events', () => {
    const r = registry();
    r.raise('A', 'minor', 'a');
    r.raise('B', 'minor', 'b');
    r.clear('A');
    r.clear('B');
    expect(r.events().map((e) => `${e.kind}:${e.alarm.name}`)).toEqual([
      'raised:B',
      'cleared:A',
      'cleared:B',
    ]);
  });

  it('lists active alarms oldest first', () => {
    const r = registry();
    r.raise('Later', 'minor', 'x');
    r.raise('Latest', 'major', 'y');
    expect(r.list().map((a) => a.name)).toEqual(['Later', 'Latest']);
    expect(r.isActive('Later')).toBe(true);
  });
});

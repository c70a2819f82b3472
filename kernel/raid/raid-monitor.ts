/**
 * Watches the software RAID arrays (/proc/mdstat) that hold the accounting data: an array that is
 * failed (or expected and absent) raises RaidArrayFailed, degraded or rebuilding RaidArrayDegraded,
 * resyncing RaidArrayResync; each clears when no array is in that state. A file that cannot be
 * read or parsed raises RaidStatusUnknown: the arrays are then not watched, and someone must know.
 */
import { readFile } from 'node:fs/promises';
import type { AlarmRegistry, Severity } from '../alarms.js';
import { describeArray, type MdArray, parseMdstat, type RaidHealth, raidHealth } from './mdstat.js';

export const RAID_ALARMS = {
  failed: { name: 'RaidArrayFailed', severity: 'critical' },
  degraded: { name: 'RaidArrayDegraded', severity: 'major' },
  resyncing: { name: 'RaidArrayResync', severity: 'minor' },
  unknown: { name: 'RaidStatusUnknown', severity: 'major' },
} as const satisfies Record<string, { name: string; severity: Severity }>;

export interface RaidArrayStatus {
  name: string;
  health: RaidHealth;
  /** e.g. "md1 raid5 [4/3] rebuilding, sdc1 failed, recovery 8.5% (finish 155.3min)". */
  text: string;
}

export interface RaidMonitorOptions {
  /** Normally /proc/mdstat. */
  mdstatPath: string;
  /** Arrays that must be present (an absent one counts as failed), e.g. ["md0"]. */
  expected: string[];
  alarms: AlarmRegistry;
  intervalMs: number;
}

/** Which alarm each health raises (clean raises none). */
const ALARM_OF: Record<RaidHealth, keyof typeof RAID_ALARMS | undefined> = {
  clean: undefined,
  resyncing: 'resyncing',
  degraded: 'degraded',
  rebuilding: 'degraded',
  failed: 'failed',
};

/** The alarms to raise (alarm key → reason) for these arrays. Pure. */
export function raidAlarms(arrays: MdArray[], expected: string[]): Map<keyof typeof RAID_ALARMS, string> {
  const reasons = new Map<keyof typeof RAID_ALARMS, string[]>();
  const add = (key: keyof typeof RAID_ALARMS, text: string) =>
    reasons.set(key, [...(reasons.get(key) ?? []), text]);
  for (const name of expected)
    if (!arrays.some((a) => a.name === name)) add('failed', `${name} expected but not in mdstat`);
  for (const a of arrays) {
    const key = ALARM_OF[raidHealth(a)];
    if (key) add(key, describeArray(a, { progress: false }));
  }
  return new Map([...reasons].map(([k, texts]) => [k, texts.join('; ')]));
}

export class RaidMonitor {
  arrays: RaidArrayStatus[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RaidMonitorOptions) {}

  async check(): Promise<void> {
    const o = this.opts;
    let arrays: MdArray[];
    try {
      arrays = parseMdstat(await readFile(o.mdstatPath, 'utf8'));
    } catch (err) {
      const u = RAID_ALARMS.unknown;
      o.alarms.raise(u.name, u.severity, `${o.mdstatPath}: ${(err as Error).message}`);
      return;
    }
    o.alarms.clear(RAID_ALARMS.unknown.name, `${o.mdstatPath} read`);
    this.arrays = arrays.map((a) => ({ name: a.name, health: raidHealth(a), text: describeArray(a) }));
    const raise = raidAlarms(arrays, o.expected);
    for (const key of ['failed', 'degraded', 'resyncing'] as const) {
      const { name, severity } = RAID_ALARMS[key];
      const reason = raise.get(key);
      if (reason) o.alarms.raise(name, severity, reason);
      else o.alarms.clear(name, `no array ${key}`);
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

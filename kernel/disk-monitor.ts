/**
 * Disk threshold alarms (seed: CAM DiskMajorAlarm/DiskCriticalAlarm, LAM DiskMonMajor/DiskMonCritical):
 * the major alarm is up at used ≥ major threshold, the critical one at ≥ critical (both above
 * critical), each cleared below its threshold. Checked every interval with statfs.
 */
import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { AlarmRegistry } from './alarms.js';

export type DiskLevel = 'ok' | 'major' | 'critical';

export function diskLevel(usedPercent: number, major: number, critical: number): DiskLevel {
  if (usedPercent >= critical) return 'critical';
  if (usedPercent >= major) return 'major';
  return 'ok';
}

/** % used of the filesystem holding `path` (or its nearest existing ancestor). */
export async function usedPercent(path: string): Promise<number> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return s.blocks === 0 ? 0 : (100 * (s.blocks - s.bavail)) / s.blocks;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) throw err;
    }
  }
}

/** The device of the filesystem holding `path` (or its nearest existing ancestor). */
export async function deviceOf(path: string): Promise<number> {
  for (let p = path; ; p = dirname(p)) {
    try {
      return (await stat(p)).dev;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) throw err;
    }
  }
}

export interface DiskMonitorOptions {
  /** What is watched, for the alarm text, e.g. "accounting partition (/billing/CAM/accounting)". */
  what: string;
  path: string;
  major: number;
  critical: number;
  alarmNames: { major: string; critical: string };
  alarms: AlarmRegistry;
  log: Logger;
  intervalMs?: number;
  probe?: (path: string) => Promise<number>;
}

export class DiskMonitor {
  usedPercent = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DiskMonitorOptions) {}

  get what(): string {
    return this.opts.what;
  }

  async check(): Promise<void> {
    const o = this.opts;
    try {
      const used = await (o.probe ?? usedPercent)(o.path);
      this.usedPercent = used;
      const level = diskLevel(used, o.major, o.critical);
      const reason = `${o.what} ${used.toFixed(1)}% used`;
      // Raised once with the figure that crossed the threshold; the live figure is in status.
      if (level === 'ok') o.alarms.clear(o.alarmNames.major, reason);
      else if (!o.alarms.isActive(o.alarmNames.major)) {
        o.alarms.raise(o.alarmNames.major, 'major', `${reason} (major threshold ${o.major}%)`);
      }
      if (level !== 'critical') o.alarms.clear(o.alarmNames.critical, reason);
      else if (!o.alarms.isActive(o.alarmNames.critical)) {
        o.alarms.raise(o.alarmNames.critical, 'critical', `${reason} (critical threshold ${o.critical}%)`);
      }
    } catch (err) {
      o.log.warn({ err: (err as Error).message, path: o.path }, 'cannot read disk usage');
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

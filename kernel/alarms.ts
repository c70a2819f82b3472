/**
 * Alarms: raised and cleared by name, kept in memory, logged at every change. Later issues add
 * their own names (disk monitors, OSS delivery, peer loss) and reuse this registry.
 */
import type { Logger } from 'pino';

export type Severity = 'critical' | 'major' | 'minor' | 'warning';

export interface Alarm {
  name: string;
  severity: Severity;
  reason: string;
  raisedAt: string;
  /** How often it was raised since start-up (a flapping alarm shows here). */
  raiseCount: number;
}

export interface AlarmEvent {
  kind: 'raised' | 'cleared' | 'updated';
  alarm: Alarm;
  at: string;
}

/** Told of every raise, update and clear (e.g. the event publisher). Must not throw or block. */
export interface AlarmListener {
  alarmChanged(event: AlarmEvent): void;
}

export class AlarmRegistry {
  private readonly listeners: AlarmListener[] = [];
  private readonly active = new Map<string, Alarm>();
  private readonly counts = new Map<string, number>();
  private readonly history: AlarmEvent[] = [];

  constructor(
    private readonly log: Logger,
    private readonly historyLimit = 200,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Raises (or updates the reason of) an alarm. Returns true when it was not active before. */
  raise(name: string, severity: Severity, reason: string): boolean {
    const existing = this.active.get(name);
    if (existing && existing.severity === severity && existing.reason === reason) return false;
    const at = this.now().toISOString();
    if (existing) {
      const updated = { ...existing, severity, reason };
      this.active.set(name, updated);
      this.record({ kind: 'updated', alarm: updated, at });
      return false;
    }
    const count = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, count);
    const alarm: Alarm = { name, severity, reason, raisedAt: at, raiseCount: count };
    this.active.set(name, alarm);
    this.record({ kind: 'raised', alarm, at });
    return true;
  }

  /** Clears an alarm; returns true when it was active. */
  clear(name: string, reason = 'condition cleared'): boolean {
    const alarm = this.active.get(name);
    if (!alarm) return false;
    this.active.delete(name);
    this.record({ kind: 'cleared', alarm: { ...alarm, reason }, at: this.now().toISOString() });
    return true;
  }

  isActive(name: string): boolean {
    return this.active.has(name);
  }

  list(): Alarm[] {
    return [...this.active.values()].sort((a, b) => a.raisedAt.localeCompare(b.raisedAt));
  }

  events(): AlarmEvent[] {
    return [...this.history];
  }

  listen(listener: AlarmListener): void {
    this.listeners.push(listener);
  }

  private record(event: AlarmEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.shift();
    const level = event.kind === 'cleared' ? 'info' : event.alarm.severity === 'warning' ? 'warn' : 'error';
    this.log[level](
      { alarm: event.alarm.name, severity: event.alarm.severity, reason: event.alarm.reason },
      `alarm ${event.kind}`,
    );
    for (const l of this.listeners) l.alarmChanged(event);
  }
}

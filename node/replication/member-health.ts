/**
 * Whether the local Galera member may take writes. The assessment is pure; the monitor polls.
 * A node acknowledges blocks only while its member is in the Primary component, ready and synced
 * — or a donor: the survivor feeding a rejoining member by IST keeps taking writes (Donor/Desynced
 * only means it left flow control). Counting it out made the pair refuse everything from a crashed
 * member's restart until its IST ended (issue 10, item 7). A blocking SST (rsync takes a global read
 * lock) stalls writes instead, which the ingest and lease deadlines see.
 */
import type { Logger } from 'pino';
import type { Database } from './database.js';

export interface WsrepStatus {
  clusterStatus: string;
  ready: string;
  localState: string;
  clusterSize: number;
  connected: string;
}

export interface MemberHealth {
  writable: boolean;
  /** Why not writable, in words an operator can act on; '' when writable. */
  reason: string;
  status?: WsrepStatus;
  checkedAt: number;
}

export function assessMember(status: WsrepStatus): { writable: boolean; reason: string } {
  if (status.connected !== 'ON')
    return { writable: false, reason: 'database member is not connected to the cluster' };
  if (status.clusterStatus !== 'Primary')
    return {
      writable: false,
      reason: `database member is not in a Primary component (wsrep_cluster_status=${status.clusterStatus}); no quorum`,
    };
  if (status.ready !== 'ON')
    return { writable: false, reason: 'database member is not ready (wsrep_ready=OFF)' };
  if (status.localState !== 'Synced' && status.localState !== 'Donor/Desynced')
    return { writable: false, reason: `database member is ${status.localState}, not Synced` };
  return { writable: true, reason: '' };
}

export async function readWsrepStatus(db: Database, timeoutMs: number): Promise<WsrepStatus> {
  const rows = await db.probe<{ Variable_name: string; Value: string }[]>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_ready','wsrep_local_state_comment','wsrep_cluster_size','wsrep_connected')",
    timeoutMs,
  );
  const v = new Map(rows.map((r) => [r.Variable_name, r.Value]));
  return {
    clusterStatus: v.get('wsrep_cluster_status') ?? 'unknown',
    ready: v.get('wsrep_ready') ?? 'OFF',
    localState: v.get('wsrep_local_state_comment') ?? 'unknown',
    clusterSize: Number(v.get('wsrep_cluster_size') ?? 0),
    connected: v.get('wsrep_connected') ?? 'OFF',
  };
}

/** Polls the member; listeners hear every change of writability. */
export class MemberHealthMonitor {
  private current: MemberHealth = { writable: false, reason: 'database not checked yet', checkedAt: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((h: MemberHealth) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** Deadline of one check (database.healthTimeoutMs). */
    private readonly timeoutMs: number,
  ) {}

  get health(): MemberHealth {
    return this.current;
  }

  onChange(listener: (h: MemberHealth) => void): void {
    this.listeners.push(listener);
  }

  async checkNow(): Promise<MemberHealth> {
    let next: MemberHealth;
    try {
      const status = await readWsrepStatus(this.db, this.timeoutMs);
      next = { ...assessMember(status), status, checkedAt: Date.now() };
    } catch (err) {
      next = {
        writable: false,
        reason: `database unreachable: ${(err as Error).message}`,
        checkedAt: Date.now(),
      };
    }
    const changed = next.writable !== this.current.writable || next.reason !== this.current.reason;
    this.current = next;
    if (changed) {
      this.log[next.writable ? 'info' : 'warn'](
        { writable: next.writable, reason: next.reason },
        'database member health',
      );
      for (const l of this.listeners) l(next);
    }
    return next;
  }

  start(): void {
    const tick = async () => {
      await this.checkNow();
      this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

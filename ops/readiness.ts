/**
 * When a node counts as started, or as healthy, for `tandem ready` (systemd's ExecStartPost, the
 * upgrade playbook's health check). Pure: the CLI polls /status and asks this.
 */

export interface ReadinessStatus {
  node?: { started?: boolean };
  accepting?: boolean;
  refusal?: string | null;
  database?: { writable?: boolean; reason?: string | null };
  role?: { role: string } | null;
  peer?: { alive: boolean } | null;
}

export type ReadyLevel = 'started' | 'healthy';

/**
 * started: start-up has finished (the role loop runs; the node may still refuse, e.g. while its
 * database member joins). healthy: besides, its database member is writable and it either acks
 * (the active or a single node) or stands by with a live peer, ready to take over.
 */
export function readiness(s: ReadinessStatus, level: ReadyLevel): { ready: boolean; why: string } {
  if (!s.node?.started) return { ready: false, why: 'still starting' };
  if (level === 'started') return { ready: true, why: 'started' };
  if (!s.database?.writable)
    return {
      ready: false,
      why: `database not writable${s.database?.reason ? `: ${s.database.reason}` : ''}`,
    };
  if (s.accepting) return { ready: true, why: s.role ? `${s.role.role}, acking` : 'acking' };
  if (s.role?.role === 'standby')
    return s.peer?.alive
      ? { ready: true, why: 'standby, peer alive' }
      : { ready: false, why: 'standby without a live peer' };
  return { ready: false, why: `not acking: ${s.refusal ?? s.role?.role ?? 'unknown'}` };
}

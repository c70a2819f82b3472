/**
 * The role of one node of the pair, as pure functions (table-tested in test/unit/role-machine.test.ts).
 *
 * Who is active is decided by one lease row in the replicated database (quorum-backed), never by
 * heartbeats alone. Every tick the runtime (role-manager.ts):
 *   1. asks `leaseOp` what to do with the lease (acquire, renew, hand over, release, nothing),
 *   2. performs it and reads the row back,
 *   3. asks `transition` for the new state.
 * `acking` is checked on every block: an active node acks only while its last successful renewal is
 * younger than `demoteAfterMs`, which is shorter than the lease TTL — so it has stopped acking before
 * the lease can expire and the other node can take it.
 *
 * Database stalls are not node failures. Galera blocks every write of the cluster until a dead
 * member (even garbd) is evicted, ~3.6 s here, longer than the TTL. During such a stall the active
 * stops acking and drops the address on time, but keeps its role and goes on renewing for
 * `stallGraceMs` more; the standby, while the heartbeat shows the owner alive and still active,
 * does not take an expired lease for that long either. So a stall ends with the same active node
 * instead of a race for the row (a false demotion), and a dead or frozen node — silent heartbeat —
 * is still taken over as soon as its lease expires.
 */

export type Role = 'joining' | 'standby' | 'active' | 'handing-over' | 'maintenance' | 'fenced';

export interface RoleSettings {
  nodeId: string;
  leaseTtlMs: number;
  /** < leaseTtlMs minus the allowed clock skew between the two servers. */
  demoteAfterMs: number;
  /** After this node gave the role away, it does not take it back for this long. */
  holdOffMs: number;
  /** How long past the lease's expiry a database stall is ridden out (see above); 0: not at all. */
  stallGraceMs: number;
}

export interface RoleState {
  role: Role;
  sinceMs: number;
  /** Start time of the last successful renewal while active (the conservative end of it). */
  renewedAtMs: number | null;
  holdOffUntilMs: number;
  /** Set while handing over (switchover, maintenance on, restore). */
  handOverTo: string | null;
  maintenance: boolean;
  /** Why the node is not active, for status. */
  reason: string;
}

export interface Lease {
  owner: string;
  expiresAtMs: number;
  epoch: number;
}

export interface Observation {
  nowMs: number;
  /** Database member writable and the journal replayed: the node could ack. */
  ready: boolean;
  notReadyReason: string;
  /** The lease row after this tick's operation, or undefined when it could not be read/written. */
  lease: Lease | null | undefined;
  /** The switchover target is still a healthy standby (heartbeat); absent counts as yes. */
  peerHealthy?: boolean;
  /** The heartbeat shows the peer alive and in the active role (absent: no). */
  peerActive?: boolean;
}

export type LeaseOp =
  | { kind: 'none' }
  | { kind: 'acquire' }
  | { kind: 'renew' }
  | { kind: 'hand-over'; to: string }
  | { kind: 'release' };

export type Command =
  /** `restore`: the switchover is a restore to the preferred node (the same move, named so in events). */
  | { kind: 'switchover'; to: string; restore?: boolean }
  | { kind: 'failover' }
  | { kind: 'maintenance'; on: boolean };

export const initialState = (nowMs: number): RoleState => ({
  role: 'joining',
  sinceMs: nowMs,
  renewedAtMs: null,
  holdOffUntilMs: 0,
  handOverTo: null,
  maintenance: false,
  reason: 'starting',
});

const expired = (lease: Lease | null, nowMs: number) => lease === null || lease.expiresAtMs <= nowMs;

/** The owner's lease expired, but the owner is alive and active: a database stall, not a failure. */
const ridingOutStall = (
  lease: Lease | null,
  nowMs: number,
  peerActive: boolean | undefined,
  cfg: RoleSettings,
) =>
  lease !== null &&
  lease.owner !== cfg.nodeId &&
  peerActive === true &&
  nowMs < lease.expiresAtMs + cfg.stallGraceMs;

/** What to do with the lease this tick, given the state and the row as last read. */
export function leaseOp(
  s: RoleState,
  lease: Lease | null,
  o: { nowMs: number; ready: boolean; drained: boolean; peerHealthy?: boolean; peerActive?: boolean },
  cfg: RoleSettings,
): LeaseOp {
  const nowMs = o.nowMs;
  if (!o.ready) return { kind: 'none' };
  switch (s.role) {
    case 'active':
      return { kind: 'renew' };
    case 'handing-over':
      // A planned hand-over waits until every block in flight is acked; a forced one does not.
      if (!s.handOverTo) return { kind: 'release' };
      // Never hand the lease to a target that stopped being a healthy standby meanwhile.
      return o.drained && o.peerHealthy !== false
        ? { kind: 'hand-over', to: s.handOverTo }
        : { kind: 'renew' };
    case 'standby':
      if (s.maintenance || nowMs < s.holdOffUntilMs) return { kind: 'none' };
      // Handed to us by a switchover, or free: take it. Never while the other node holds it.
      if (lease?.owner === cfg.nodeId) return { kind: 'acquire' };
      if (expired(lease, nowMs) && !ridingOutStall(lease, nowMs, o.peerActive, cfg))
        return { kind: 'acquire' };
      return { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

function enter(
  s: RoleState,
  role: Role,
  nowMs: number,
  reason: string,
  extra: Partial<RoleState> = {},
): RoleState {
  return { ...s, ...extra, role, sinceMs: s.role === role ? s.sinceMs : nowMs, reason };
}

/** The state after this tick's lease operation; `opStartedAtMs` is when the operation was issued. */
export function transition(
  s: RoleState,
  o: Observation,
  op: LeaseOp,
  opStartedAtMs: number,
  cfg: RoleSettings,
): RoleState {
  const now = o.nowMs;
  const mine = o.lease?.owner === cfg.nodeId && !expired(o.lease ?? null, now);
  if (!o.ready) {
    if (s.role === 'joining' || s.role === 'maintenance') return { ...s, reason: o.notReadyReason };
    return enter(s, 'fenced', now, `fenced: ${o.notReadyReason}`, { renewedAtMs: null, handOverTo: null });
  }
  switch (s.role) {
    case 'joining':
    case 'fenced':
      return s.maintenance
        ? enter(s, 'maintenance', now, 'maintenance mode')
        : enter(s, 'standby', now, 'standby: waiting for the lease');
    case 'maintenance':
      return s.maintenance ? s : enter(s, 'standby', now, 'standby: maintenance ended');
    case 'standby':
      if (op.kind === 'acquire' && mine)
        return enter(s, 'active', now, 'active', { renewedAtMs: opStartedAtMs, handOverTo: null });
      if (o.lease && !expired(o.lease, now))
        return { ...s, reason: `standby: ${o.lease.owner} holds the lease` };
      if (o.lease && ridingOutStall(o.lease, now, o.peerActive, cfg))
        return {
          ...s,
          reason: `standby: ${o.lease.owner}'s lease expired but it is alive and active (a database stall?); taking over ${o.lease.expiresAtMs + cfg.stallGraceMs - now} ms from now if it does not renew`,
        };
      return { ...s, reason: 'standby: waiting for the lease' };
    case 'active':
      if (o.lease === undefined) {
        // The renewal failed or hangs (database trouble). `acking` and `holdsAddress` stop on time
        // by themselves; the role is kept, renewals go on, for the stall grace past the expiry.
        if (s.renewedAtMs !== null && now - s.renewedAtMs < cfg.leaseTtlMs + cfg.stallGraceMs)
          return now - s.renewedAtMs < cfg.demoteAfterMs
            ? s
            : { ...s, reason: 'active: not acking, the lease could not be renewed (database stall?)' };
        return enter(s, 'fenced', now, 'fenced: the lease could not be renewed in time', {
          renewedAtMs: null,
        });
      }
      // Still the owner, even if a slow renewal came back already expired: acking and the address
      // follow renewedAtMs, and the next renewal extends the row if the peer did not take it.
      if (o.lease?.owner === cfg.nodeId) return { ...s, renewedAtMs: opStartedAtMs, reason: 'active' };
      return enter(s, 'standby', now, `standby: ${o.lease?.owner ?? 'nobody'} holds the lease`, {
        renewedAtMs: null,
      });
    case 'handing-over': {
      const target = s.handOverTo;
      if (target && mine && o.peerHealthy === false)
        return enter(
          s,
          'active',
          now,
          `active: switchover to ${target} aborted, it is no longer a healthy standby`,
          {
            handOverTo: null,
            maintenance: false,
            renewedAtMs: op.kind === 'renew' ? opStartedAtMs : s.renewedAtMs,
          },
        );
      const gone = o.lease !== undefined && !mine;
      if (!gone) return s;
      const extra = { renewedAtMs: null, handOverTo: null, holdOffUntilMs: now + cfg.holdOffMs };
      return s.maintenance
        ? enter(s, 'maintenance', now, 'maintenance mode', extra)
        : enter(s, 'standby', now, `standby: handed the role to ${target ?? 'the peer'}`, extra);
    }
  }
}

/** May this node acknowledge blocks now? (checked per block, not only per tick) */
export function acking(s: RoleState, nowMs: number, cfg: RoleSettings): boolean {
  return s.role === 'active' && s.renewedAtMs !== null && nowMs - s.renewedAtMs < cfg.demoteAfterMs;
}

/** How long before the lease could pass to the other node the logical IP must be gone. */
export const ADDRESS_MARGIN_MS = 300;

/**
 * Does this node hold the logical IP (and its DTP listeners)? While active and the last renewal is
 * younger than the lease TTL minus a margin: a short database stall makes the node refuse blocks
 * (after demoteAfterMs) without dropping the address and every LAM connection; a longer one drops
 * the address before the lease can expire and pass to the other node.
 */
export function holdsAddress(s: RoleState, nowMs: number, cfg: RoleSettings): boolean {
  return (
    s.role === 'active' &&
    s.renewedAtMs !== null &&
    nowMs - s.renewedAtMs < cfg.leaseTtlMs - ADDRESS_MARGIN_MS
  );
}

/** An operator command: the new state, or why it is refused. */
export function command(
  s: RoleState,
  c: Command,
  nowMs: number,
  cfg: RoleSettings,
  /** versionProblem: the peer's release may not run beside this one (heartbeat/version-skew.ts). */
  peer: { id: string; healthyStandby: boolean; versionProblem?: string } | null,
): { state: RoleState } | { refused: string } {
  switch (c.kind) {
    case 'switchover': {
      if (s.role !== 'active')
        return { refused: `switchover refused: ${cfg.nodeId} is ${s.role}, not active` };
      if (c.to === cfg.nodeId) return { refused: `switchover refused: ${cfg.nodeId} is already active` };
      if (!peer || peer.id !== c.to)
        return { refused: `switchover refused: ${c.to} is not the peer of ${cfg.nodeId}` };
      if (!peer.healthyStandby)
        return { refused: `switchover refused: ${c.to} is not a healthy standby (see tandem status)` };
      if (peer.versionProblem) return { refused: `switchover refused: ${peer.versionProblem}` };
      return { state: enter(s, 'handing-over', nowMs, `handing the role to ${c.to}`, { handOverTo: c.to }) };
    }
    case 'failover':
      // Forced (Failover.pl stop acctmgr): give the lease up at once and stay away for holdOffMs.
      if (s.role !== 'active' && s.role !== 'handing-over')
        return { refused: `failover refused: ${cfg.nodeId} is ${s.role}; run it on the active node` };
      return { state: enter(s, 'handing-over', nowMs, 'forced failover', { handOverTo: null }) };
    case 'maintenance':
      if (!c.on) {
        if (!s.maintenance) return { refused: `${cfg.nodeId} is not in maintenance mode` };
        return { state: { ...s, maintenance: false } };
      }
      if (s.maintenance) return { refused: `${cfg.nodeId} is already in maintenance mode` };
      if (s.role === 'active') {
        const to = peer?.healthyStandby ? peer.id : null;
        return {
          state: enter(s, 'handing-over', nowMs, 'entering maintenance', {
            maintenance: true,
            handOverTo: to,
          }),
        };
      }
      return { state: enter(s, 'maintenance', nowMs, 'maintenance mode', { maintenance: true }) };
  }
}

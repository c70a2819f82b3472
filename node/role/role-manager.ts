/**
 * Runs the role state machine (role-machine.ts) on a timer: one lease operation per tick, then the
 * transition; tells the node when it starts or stops being the acking node, and takes operator
 * commands. Ack gating is `acking()`, evaluated per block against the last successful renewal.
 */
import type { Logger } from 'pino';
import type { RoleLeaseStore } from './lease-store.js';
import {
  ADDRESS_MARGIN_MS,
  acking,
  type Command,
  command,
  holdsAddress,
  initialState,
  type Lease,
  leaseOp,
  type Role,
  type RoleSettings,
  type RoleState,
  transition,
} from './role-machine.js';

export interface RoleHooks {
  /** Database writable and journal replayed (the node could ack), or why not. */
  readiness(): { ready: boolean; reason: string };
  /** Every block handed to ingest has been acked (before a planned hand-over). */
  drained(): boolean;
  /** The peer as the heartbeat sees it: for commands that need a healthy standby, and whether it is alive and active. */
  peer(): { id: string; healthyStandby: boolean; active: boolean; versionProblem?: string } | null;
  /** At every renewal: the node may hold the logical IP until then (a watchdog enforces it). */
  onHold?(deadlineMs: number): void;
  /** Called after each change of `holdsAddress()`; awaited before the next one. */
  onAddressChange(holds: boolean, state: RoleState): Promise<void>;
  /** Told of each change of role (events); must not throw or block. */
  onRoleChange?(change: RoleChange): void;
  /** Told of an accepted operator command, before the role changes it causes. */
  onCommandAccepted?(c: Command): void;
}

export interface RoleChange {
  from: Role;
  to: Role;
  reason: string;
  leaseEpoch: number | null;
}

export class RoleManager {
  state: RoleState;
  lease: Lease | null = null;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private heldAddress = false;
  private stopped = false;
  /** When the role last changed to active, and what the lease epoch is (for status and beats). */
  readonly history: { role: string; atMs: number; reason: string }[] = [];
  /** When this node took and released the logical IP (an active node releases it in a stall). */
  readonly addressHistory: { holds: boolean; atMs: number; reason: string }[] = [];
  /**
   * Demotions: the active role lost other than by an operator's command, by reason. `stallsRidden`:
   * renewals that succeeded after acking had stopped, i.e. stalls that before ended in a demotion.
   */
  readonly counters = { demotions: {} as Record<string, number>, stallsRidden: 0 };

  constructor(
    private readonly store: RoleLeaseStore,
    readonly cfg: RoleSettings,
    private readonly tickMs: number,
    private readonly hooks: RoleHooks,
    private readonly log: Logger,
  ) {
    this.state = initialState(Date.now());
  }

  start(): void {
    this.timer = setInterval(() => {
      void this.tick();
      // Also between ticks: the demote deadline passes even while a lease call hangs.
      void this.notify();
    }, this.tickMs);
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 10));
    if (this.state.role === 'active' || this.state.role === 'handing-over') {
      // Give the lease up so the peer need not wait for it to expire.
      await this.store.apply({ kind: 'release' }, Date.now()).catch(() => undefined);
    }
    this.state = { ...this.state, role: 'joining', renewedAtMs: null, reason: 'stopped' };
    await this.notify();
  }

  get leaseName(): string {
    return this.store.name;
  }

  acking(nowMs = Date.now()): boolean {
    return !this.stopped && acking(this.state, nowMs, this.cfg);
  }

  /** The state's reason, current between ticks too (a hanging renewal does not end a tick). */
  reason(nowMs = Date.now()): string {
    const s = this.state;
    if (s.role === 'active' && s.renewedAtMs !== null && !acking(s, nowMs, this.cfg))
      return `active, not acking: the lease was last renewed ${nowMs - s.renewedAtMs} ms ago (database stall?)`;
    return s.reason;
  }

  /** An operator command; throws with the reason when refused. */
  async command(c: Command): Promise<RoleState> {
    const result = command(this.state, c, Date.now(), this.cfg, this.hooks.peer());
    if ('refused' in result) throw new Error(result.refused);
    this.hooks.onCommandAccepted?.(c);
    this.setState(result.state);
    await this.notify();
    void this.tick();
    return this.state;
  }

  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const { ready, reason } = this.hooks.readiness();
      const startedAt = Date.now();
      const peer = this.hooks.peer();
      const peerHealthy = peer?.healthyStandby ?? false;
      const peerActive = peer?.active ?? false;
      const op = leaseOp(
        this.state,
        this.lease,
        { nowMs: startedAt, ready, drained: this.hooks.drained(), peerHealthy, peerActive },
        this.cfg,
      );
      let lease: Lease | null | undefined;
      try {
        // A slow operation is waited for (acking and the address stop on time without it: notify()
        // runs every interval); one past the lease TTL is useless and given up.
        lease = await withTimeout(this.store.apply(op, startedAt), this.cfg.leaseTtlMs, `lease ${op.kind}`);
        this.lease = lease;
      } catch (err) {
        lease = undefined;
        if (op.kind !== 'none')
          this.log.warn({ op: op.kind, err: (err as Error).message }, 'lease operation failed');
      }
      if (this.stopped) return;
      const next = transition(
        this.state,
        { nowMs: Date.now(), ready, notReadyReason: reason, lease, peerHealthy, peerActive },
        op,
        startedAt,
        this.cfg,
      );
      this.count(this.state, next, startedAt);
      this.setState(next);
      if (next.renewedAtMs !== null && (next.role === 'active' || next.role === 'handing-over'))
        this.hooks.onHold?.(next.renewedAtMs + this.cfg.leaseTtlMs - ADDRESS_MARGIN_MS);
      // Not awaited: moving the address can take seconds (keepalived becoming master), and the
      // lease must go on being renewed meanwhile. Address changes run one at a time, in order.
      void this.notify();
    } finally {
      this.ticking = false;
    }
  }

  private count(prev: RoleState, next: RoleState, opStartedAtMs: number): void {
    if (prev.role === 'active' && next.role !== 'active' && next.role !== 'handing-over') {
      const why = next.reason.replace(/^(fenced|standby): /, '').replace(/ \(.*$/, '');
      this.counters.demotions[why] = (this.counters.demotions[why] ?? 0) + 1;
    }
    if (
      prev.role === 'active' &&
      next.role === 'active' &&
      prev.renewedAtMs !== null &&
      opStartedAtMs - prev.renewedAtMs >= this.cfg.demoteAfterMs &&
      next.renewedAtMs === opStartedAtMs
    )
      this.counters.stallsRidden++;
  }

  private setState(next: RoleState): void {
    if (next.role !== this.state.role) {
      this.log.info(
        { from: this.state.role, to: next.role, reason: next.reason, epoch: this.lease?.epoch },
        'role change',
      );
      this.history.push({ role: next.role, atMs: Date.now(), reason: next.reason });
      if (this.history.length > 50) this.history.shift();
      this.hooks.onRoleChange?.({
        from: this.state.role,
        to: next.role,
        reason: next.reason,
        leaseEpoch: this.lease?.epoch ?? null,
      });
    }
    this.state = next;
  }

  private notifying: Promise<void> | undefined;

  private async notify(): Promise<void> {
    while (this.notifying) await this.notifying;
    const now = !this.stopped && holdsAddress(this.state, Date.now(), this.cfg);
    if (now === this.heldAddress) return;
    this.heldAddress = now;
    this.addressHistory.push({ holds: now, atMs: Date.now(), reason: this.reason() });
    if (this.addressHistory.length > 50) this.addressHistory.shift();
    this.notifying = this.hooks
      .onAddressChange(now, { ...this.state, reason: this.reason() })
      .catch((err) => this.log.error({ err: (err as Error).message }, 'changing the logical IP failed'))
      .finally(() => {
        this.notifying = undefined;
      });
    await this.notifying;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

import { describe, expect, it } from 'vitest';
import {
  ADDRESS_MARGIN_MS,
  acking,
  command,
  holdsAddress,
  initialState,
  type Lease,
  type LeaseOp,
  leaseOp,
  type RoleSettings,
  type RoleState,
  transition,
} from '../../node/role/role-machine.js';

const cfg: RoleSettings = {
  nodeId: 'a',
  leaseTtlMs: 3000,
  demoteAfterMs: 2000,
  holdOffMs: 10_000,
  stallGraceMs: 4000,
};
const NOW = 100_000;
const st = (over: Partial<RoleState>): RoleState => ({ ...initialState(0), ...over });
const mine = (expiresAtMs = NOW + 3000): Lease => ({ owner: 'a', expiresAtMs, epoch: 4 });
const theirs = (expiresAtMs = NOW + 3000): Lease => ({ owner: 'b', expiresAtMs, epoch: 4 });

describe('leaseOp: what a node does with the lease each tick', () => {
  it.each<
    [
      string,
      RoleState,
      Lease | null,
      { ready?: boolean; drained?: boolean; peerHealthy?: boolean; peerActive?: boolean },
      LeaseOp,
    ]
  >([
    ['not ready: nothing', st({ role: 'active' }), mine(), { ready: false }, { kind: 'none' }],
    ['active renews', st({ role: 'active' }), mine(), {}, { kind: 'renew' }],
    ['standby, no lease row: acquire', st({ role: 'standby' }), null, {}, { kind: 'acquire' }],
    ['standby, lease expired: acquire', st({ role: 'standby' }), theirs(NOW - 1), {}, { kind: 'acquire' }],
    ['standby, expiring exactly now: acquire', st({ role: 'standby' }), theirs(NOW), {}, { kind: 'acquire' }],
    ['standby, peer holds a live lease: nothing', st({ role: 'standby' }), theirs(), {}, { kind: 'none' }],
    [
      'standby, lease expired but its owner alive and active (a stall): nothing',
      st({ role: 'standby' }),
      theirs(NOW - 3999),
      { peerActive: true },
      { kind: 'none' },
    ],
    [
      'standby, lease expired a stall grace ago, owner still alive: acquire',
      st({ role: 'standby' }),
      theirs(NOW - 4000),
      { peerActive: true },
      { kind: 'acquire' },
    ],
    [
      'standby, lease expired, owner silent or not active: acquire at once',
      st({ role: 'standby' }),
      theirs(NOW - 1),
      { peerActive: false },
      { kind: 'acquire' },
    ],
    ['standby, lease handed to us: acquire', st({ role: 'standby' }), mine(), {}, { kind: 'acquire' }],
    [
      'standby in hold-off: nothing',
      st({ role: 'standby', holdOffUntilMs: NOW + 1 }),
      null,
      {},
      { kind: 'none' },
    ],
    [
      'standby in maintenance: nothing',
      st({ role: 'standby', maintenance: true }),
      null,
      {},
      { kind: 'none' },
    ],
    ['maintenance: nothing', st({ role: 'maintenance', maintenance: true }), null, {}, { kind: 'none' }],
    ['fenced: nothing', st({ role: 'fenced' }), null, {}, { kind: 'none' }],
    ['joining: nothing', st({ role: 'joining' }), null, {}, { kind: 'none' }],
    [
      'switchover, drained: hand over',
      st({ role: 'handing-over', handOverTo: 'b' }),
      mine(),
      { drained: true },
      { kind: 'hand-over', to: 'b' },
    ],
    [
      'switchover, acks in flight: keep renewing',
      st({ role: 'handing-over', handOverTo: 'b' }),
      mine(),
      { drained: false },
      { kind: 'renew' },
    ],
    [
      'forced failover: release at once',
      st({ role: 'handing-over' }),
      mine(),
      { drained: false },
      { kind: 'release' },
    ],
  ])('%s', (_what, s, lease, o, op) => {
    expect(
      leaseOp(
        s,
        lease,
        { nowMs: NOW, ready: o.ready ?? true, drained: o.drained ?? true, peerActive: o.peerActive },
        cfg,
      ),
    ).toEqual(op);
  });
});

describe('transition: the role after the tick', () => {
  const ready = (lease: Lease | null | undefined, nowMs = NOW): Parameters<typeof transition>[1] => ({
    nowMs,
    ready: true,
    notReadyReason: '',
    lease,
  });
  const notReady = { nowMs: NOW, ready: false, notReadyReason: 'member is non-Primary', lease: undefined };
  const T0 = NOW - 100; // when the tick's operation started

  it.each<[string, RoleState, ReturnType<typeof ready>, LeaseOp, Partial<RoleState>]>([
    [
      'joining → standby once ready',
      st({ role: 'joining' }),
      ready(null),
      { kind: 'none' },
      { role: 'standby' },
    ],
    [
      'joining in maintenance → maintenance',
      st({ role: 'joining', maintenance: true }),
      ready(null),
      { kind: 'none' },
      { role: 'maintenance' },
    ],
    [
      'fenced → standby (never straight to active)',
      st({ role: 'fenced' }),
      ready(mine()),
      { kind: 'none' },
      { role: 'standby' },
    ],
    [
      'standby acquired → active, renewal counted from the start of the op',
      st({ role: 'standby' }),
      ready(mine()),
      { kind: 'acquire' },
      { role: 'active', renewedAtMs: T0 },
    ],
    [
      'standby lost the race → standby, names the holder',
      st({ role: 'standby' }),
      ready(theirs()),
      { kind: 'acquire' },
      { role: 'standby', reason: 'standby: b holds the lease' },
    ],
    [
      'standby acquire failed (database error) → standby',
      st({ role: 'standby' }),
      ready(undefined),
      { kind: 'acquire' },
      { role: 'standby' },
    ],
    [
      'active renewed → active, new renewal time',
      st({ role: 'active', renewedAtMs: NOW - 1000 }),
      ready(mine()),
      { kind: 'renew' },
      { role: 'active', renewedAtMs: T0 },
    ],
    [
      'active, renewal failed, before the demote deadline → still active',
      st({ role: 'active', renewedAtMs: NOW - 1999 }),
      ready(undefined),
      { kind: 'renew' },
      { role: 'active', renewedAtMs: NOW - 1999 },
    ],
    [
      'active, renewal failed, at the demote deadline → still active (not acking: a stall is ridden out)',
      st({ role: 'active', renewedAtMs: NOW - 2000 }),
      ready(undefined),
      { kind: 'renew' },
      { role: 'active', renewedAtMs: NOW - 2000, reason: expect.stringMatching(/^active: not acking/) },
    ],
    [
      'active, renewal failing just under TTL + stall grace → still active',
      st({ role: 'active', renewedAtMs: NOW - 6999 }),
      ready(undefined),
      { kind: 'renew' },
      { role: 'active', renewedAtMs: NOW - 6999 },
    ],
    [
      'active, renewal failing for TTL + stall grace → fenced',
      st({ role: 'active', renewedAtMs: NOW - 7000 }),
      ready(undefined),
      { kind: 'renew' },
      { role: 'fenced', renewedAtMs: null },
    ],
    [
      'active, the other node holds the lease → standby at once',
      st({ role: 'active', renewedAtMs: NOW - 100 }),
      ready(theirs()),
      { kind: 'renew' },
      { role: 'standby', renewedAtMs: null },
    ],
    [
      'active, a slow renewal came back already expired → still active, renewed as of its start',
      st({ role: 'active', renewedAtMs: NOW - 3000 }),
      ready(mine(NOW - 1)),
      { kind: 'renew' },
      { role: 'active', renewedAtMs: T0 },
    ],
    [
      'active, the lease row is gone → standby',
      st({ role: 'active', renewedAtMs: NOW - 100 }),
      ready(null),
      { kind: 'renew' },
      { role: 'standby', renewedAtMs: null },
    ],
    [
      'handing over, lease now the target’s → standby with hold-off',
      st({ role: 'handing-over', handOverTo: 'b', renewedAtMs: NOW - 100 }),
      ready(theirs()),
      { kind: 'hand-over', to: 'b' },
      { role: 'standby', handOverTo: null, holdOffUntilMs: NOW + 10_000, renewedAtMs: null },
    ],
    [
      'handing over, still ours (waiting for in-flight acks) → stays',
      st({ role: 'handing-over', handOverTo: 'b', renewedAtMs: NOW - 100 }),
      ready(mine()),
      { kind: 'renew' },
      { role: 'handing-over', handOverTo: 'b' },
    ],
    [
      'forced failover, released → standby with hold-off',
      st({ role: 'handing-over', handOverTo: null }),
      ready(mine(0)),
      { kind: 'release' },
      { role: 'standby', holdOffUntilMs: NOW + 10_000 },
    ],
    [
      'maintenance hand-over done → maintenance',
      st({ role: 'handing-over', handOverTo: 'b', maintenance: true }),
      ready(theirs()),
      { kind: 'hand-over', to: 'b' },
      { role: 'maintenance' },
    ],
    [
      'switchover target became unhealthy → back to active, lease kept',
      st({ role: 'handing-over', handOverTo: 'b', renewedAtMs: NOW - 100 }),
      { ...ready(mine()), peerHealthy: false },
      { kind: 'renew' },
      { role: 'active', handOverTo: null, renewedAtMs: T0 },
    ],
    [
      'maintenance off → standby',
      st({ role: 'maintenance', maintenance: false }),
      ready(null),
      { kind: 'none' },
      { role: 'standby' },
    ],
  ])('%s', (_what, s, o, op, expected) => {
    expect(transition(s, o, op, T0, cfg)).toMatchObject(expected);
  });

  it.each<[string, RoleState, Partial<RoleState>]>([
    [
      'active loses its database → fenced',
      st({ role: 'active', renewedAtMs: NOW }),
      { role: 'fenced', renewedAtMs: null },
    ],
    ['standby loses its database → fenced', st({ role: 'standby' }), { role: 'fenced' }],
    [
      'handing over loses its database → fenced',
      st({ role: 'handing-over', handOverTo: 'b' }),
      { role: 'fenced', handOverTo: null },
    ],
    ['joining stays joining', st({ role: 'joining' }), { role: 'joining', reason: 'member is non-Primary' }],
    [
      'maintenance stays maintenance',
      st({ role: 'maintenance', maintenance: true }),
      { role: 'maintenance' },
    ],
  ])('%s', (_what, s, expected) => {
    expect(transition(s, notReady, { kind: 'none' }, T0, cfg)).toMatchObject(expected);
  });
});

describe('acking: per block, against the last renewal', () => {
  it.each<[string, RoleState, number, boolean]>([
    ['active, renewed just now', st({ role: 'active', renewedAtMs: NOW }), NOW, true],
    ['active, 1999 ms since the renewal started', st({ role: 'active', renewedAtMs: NOW }), NOW + 1999, true],
    ['active, at the demote deadline', st({ role: 'active', renewedAtMs: NOW }), NOW + 2000, false],
    ['handing over', st({ role: 'handing-over', renewedAtMs: NOW }), NOW, false],
    ['standby', st({ role: 'standby' }), NOW, false],
  ])('%s → %s', (_what, s, at, expected) => {
    expect(acking(s, at, cfg)).toBe(expected);
  });

  it('stops acking before the lease can expire: the demote deadline is inside the TTL', () => {
    // The lease written at the start of a renewal expires TTL later; acking ends demoteAfterMs later.
    const renewedAt = NOW;
    const leaseExpiry = renewedAt + cfg.leaseTtlMs;
    const lastAck = renewedAt + cfg.demoteAfterMs - 1;
    expect(acking(st({ role: 'active', renewedAtMs: renewedAt }), lastAck, cfg)).toBe(true);
    expect(lastAck).toBeLessThan(leaseExpiry);
  });
});

describe('holdsAddress: the logical IP outlives a short stall, never the lease', () => {
  it.each<[string, RoleState, number, boolean]>([
    ['active, renewed just now', st({ role: 'active', renewedAtMs: NOW }), NOW, true],
    [
      'active, stalled past the demote deadline but inside the margin',
      st({ role: 'active', renewedAtMs: NOW }),
      NOW + 1100,
      true,
    ],
    [
      'active, at TTL − margin',
      st({ role: 'active', renewedAtMs: NOW }),
      NOW + 3000 - ADDRESS_MARGIN_MS,
      false,
    ],
    ['handing over (the target binds next)', st({ role: 'handing-over', renewedAtMs: NOW }), NOW, false],
    ['fenced', st({ role: 'fenced' }), NOW, false],
  ])('%s → %s', (_what, s, at, expected) => {
    expect(holdsAddress(s, at, cfg)).toBe(expected);
  });

  it('drops the address only after it stopped acking, and before the lease expires', () => {
    const s = st({ role: 'active', renewedAtMs: NOW });
    const stopAcking = NOW + cfg.demoteAfterMs;
    const dropAddress = NOW + cfg.leaseTtlMs - ADDRESS_MARGIN_MS;
    expect(acking(s, stopAcking, cfg)).toBe(false);
    expect(holdsAddress(s, stopAcking, cfg)).toBe(true);
    expect(dropAddress).toBeLessThan(NOW + cfg.leaseTtlMs);
  });
});

describe('operator commands', () => {
  const healthyPeer = { id: 'b', healthyStandby: true };
  it.each<[string, RoleState, Parameters<typeof command>[1], Parameters<typeof command>[4], string]>([
    [
      'switchover on a standby',
      st({ role: 'standby' }),
      { kind: 'switchover', to: 'b' },
      healthyPeer,
      'a is standby, not active',
    ],
    [
      'switchover to itself',
      st({ role: 'active' }),
      { kind: 'switchover', to: 'a' },
      healthyPeer,
      'already active',
    ],
    [
      'switchover to a stranger',
      st({ role: 'active' }),
      { kind: 'switchover', to: 'c' },
      healthyPeer,
      'c is not the peer',
    ],
    [
      'switchover to a peer that is not a healthy standby',
      st({ role: 'active' }),
      { kind: 'switchover', to: 'b' },
      { id: 'b', healthyStandby: false },
      'not a healthy standby',
    ],
    [
      'switchover to a standby of an incompatible release',
      st({ role: 'active' }),
      { kind: 'switchover', to: 'b' },
      {
        id: 'b',
        healthyStandby: true,
        versionProblem: 'b runs 0.3.0, this node 0.1.0: more than one release apart',
      },
      'switchover refused: b runs 0.3.0, this node 0.1.0',
    ],
    [
      'failover on a standby',
      st({ role: 'standby' }),
      { kind: 'failover' },
      healthyPeer,
      'run it on the active node',
    ],
    [
      'maintenance off when not in it',
      st({ role: 'standby' }),
      { kind: 'maintenance', on: false },
      healthyPeer,
      'not in maintenance',
    ],
    [
      'maintenance on twice',
      st({ role: 'maintenance', maintenance: true }),
      { kind: 'maintenance', on: true },
      healthyPeer,
      'already in maintenance',
    ],
  ])('refuses %s, saying why', (_what, s, c, peer, why) => {
    const r = command(s, c, NOW, cfg, peer);
    expect('refused' in r && r.refused).toContain(why);
  });

  it.each<[string, RoleState, Parameters<typeof command>[1], Partial<RoleState>]>([
    [
      'switchover on the active',
      st({ role: 'active' }),
      { kind: 'switchover', to: 'b' },
      { role: 'handing-over', handOverTo: 'b' },
    ],
    [
      'failover on the active',
      st({ role: 'active' }),
      { kind: 'failover' },
      { role: 'handing-over', handOverTo: null },
    ],
    [
      'maintenance on, on the active: hand to the peer first',
      st({ role: 'active' }),
      { kind: 'maintenance', on: true },
      { role: 'handing-over', handOverTo: 'b', maintenance: true },
    ],
    [
      'maintenance on, on the standby',
      st({ role: 'standby' }),
      { kind: 'maintenance', on: true },
      { role: 'maintenance', maintenance: true },
    ],
    [
      'maintenance off',
      st({ role: 'maintenance', maintenance: true }),
      { kind: 'maintenance', on: false },
      { maintenance: false },
    ],
  ])('accepts %s', (_what, s, c, expected) => {
    const r = command(s, c, NOW, cfg, healthyPeer);
    expect('state' in r && r.state).toMatchObject(expected);
  });
});

describe('a database stall is ridden out: both machines, one lease row, every write blocked for a while', () => {
  /**
   * Runs nodes a (active) and b (standby) tick by tick; writes fail while `stalled(t)`. With
   * `peerAlive` false, a dies when the stall starts (its heartbeat falls silent, it stops ticking).
   */
  function run(opts: { stallMs: number; peerAlive: boolean; untilMs: number }) {
    const b: RoleSettings = { ...cfg, nodeId: 'b' };
    let row: Lease = { owner: 'a', expiresAtMs: cfg.leaseTtlMs, epoch: 1 };
    const stalledAt = 1000;
    const stalled = (t: number) => t >= stalledAt && t < stalledAt + opts.stallMs;
    let sa = st({ role: 'active', renewedAtMs: 0 });
    let sb = st({ role: 'standby' });
    const roles = new Set<string>();
    let ackingDuringStall = false;
    for (let t = 100; t <= opts.untilMs; t += 100) {
      for (const [who, s, c] of [
        ['a', sa, cfg],
        ['b', sb, b],
      ] as const) {
        if (who === 'a' && !opts.peerAlive && t >= stalledAt) continue;
        const peerActive = who === 'b' ? opts.peerAlive && sa.role === 'active' : sb.role === 'active';
        const op = leaseOp(s, row, { nowMs: t, ready: true, drained: true, peerActive }, c);
        let lease: Lease | null | undefined = row;
        if (op.kind !== 'none' && stalled(t)) lease = undefined;
        else if (op.kind === 'renew' && row.owner === c.nodeId)
          row = { ...row, expiresAtMs: t + c.leaseTtlMs };
        else if (op.kind === 'acquire' && (row.owner === c.nodeId || row.expiresAtMs <= t))
          row = {
            owner: c.nodeId,
            expiresAtMs: t + c.leaseTtlMs,
            epoch: row.owner === c.nodeId ? row.epoch : row.epoch + 1,
          };
        if (lease !== undefined) lease = row;
        const next = transition(
          s,
          { nowMs: t, ready: true, notReadyReason: '', lease, peerActive },
          op,
          t,
          c,
        );
        if (who === 'a') sa = next;
        else sb = next;
      }
      roles.add(`${sa.role}/${sb.role}`);
      if (stalled(t) && acking(sa, t, cfg) && t - (sa.renewedAtMs ?? 0) >= cfg.demoteAfterMs)
        ackingDuringStall = true;
    }
    return { sa, sb, row, roles, ackingDuringStall };
  }

  it('a 3.6 s stall (a member evicted) with both nodes alive: a stays active, b never takes the lease', () => {
    const r = run({ stallMs: 3600, peerAlive: true, untilMs: 8000 });
    expect([...r.roles]).toEqual(['active/standby']);
    expect(r.row).toMatchObject({ owner: 'a', epoch: 1 });
    expect(acking(r.sa, 8000, cfg)).toBe(true);
    expect(r.ackingDuringStall).toBe(false);
  });

  it('the same stall after the active died (silent heartbeat): b takes over once writes pass again', () => {
    const r = run({ stallMs: 3600, peerAlive: false, untilMs: 8000 });
    expect(r.row.owner).toBe('b');
    expect(r.sb.role).toBe('active');
    expect(r.row.epoch).toBe(2);
  });

  it('a stall longer than TTL + grace with both alive: b takes over, a steps down', () => {
    const r = run({ stallMs: 9000, peerAlive: true, untilMs: 14_000 });
    // a gave the role up at TTL + grace; after the stall either node may win the free lease.
    expect([...r.roles].some((x) => x.startsWith('fenced/') || x.startsWith('standby/'))).toBe(true);
    expect([r.sa.role, r.sb.role].filter((x) => x === 'active')).toHaveLength(1);
  });
});

/**
 * The role manager's loop (ticks, lease calls that fail or hang, the address), two nodes on one
 * lease row, with the in-memory lease table and fake timers: deterministic, no database.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { FakeLeaseTable } from '../../node/role/fake-lease-store.js';
import { RoleManager } from '../../node/role/role-manager.js';

const LEASE = 'cam-active:198.18.0.100';
const cfg = { leaseTtlMs: 1500, demoteAfterMs: 1000, holdOffMs: 10_000, stallGraceMs: 8000 };

function pair() {
  const table = new FakeLeaseTable();
  /** The heartbeat as each node sees the other: alive while `alive` says so. */
  const alive = { a: true, b: true };
  const nodes: Record<'a' | 'b', RoleManager> = {} as never;
  const addresses: string[] = [];
  for (const id of ['a', 'b'] as const) {
    const peer = id === 'a' ? 'b' : 'a';
    nodes[id] = new RoleManager(
      table.store(LEASE, id, cfg.leaseTtlMs),
      { nodeId: id, ...cfg },
      100,
      {
        readiness: () => ({ ready: true, reason: '' }),
        drained: () => true,
        peer: () => ({
          id: peer,
          healthyStandby: alive[peer] && nodes[peer].state.role === 'standby',
          active: alive[peer] && nodes[peer].state.role === 'active',
        }),
        onAddressChange: async (holds) => {
          addresses.push(`${id} ${holds ? 'up' : 'down'}`);
        },
      },
      silentLogger(),
    );
  }
  return { table, alive, nodes, addresses };
}

describe('RoleManager with two nodes on one lease', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function started() {
    const p = pair();
    p.nodes.a.start();
    await vi.advanceTimersByTimeAsync(500);
    p.nodes.b.start();
    await vi.advanceTimersByTimeAsync(500);
    expect([p.nodes.a.state.role, p.nodes.b.state.role]).toEqual(['active', 'standby']);
    return p;
  }

  it('a 5 s write stall (a member evicted) with both alive: a keeps the role, b never takes it', async () => {
    const { table, nodes, addresses } = await started();
    table.stall();
    await vi.advanceTimersByTimeAsync(1100);
    expect(nodes.a.acking()).toBe(false); // stopped acking on time …
    await vi.advanceTimersByTimeAsync(3900);
    table.unstall();
    await vi.advanceTimersByTimeAsync(1000);
    expect(nodes.a.state.role).toBe('active'); // … but kept the role
    expect(nodes.a.acking()).toBe(true);
    expect(nodes.b.state.role).toBe('standby');
    expect(table.row(LEASE)).toMatchObject({ owner: 'a', epoch: 1 });
    expect(nodes.a.counters).toEqual({ demotions: {}, stallsRidden: 1 });
    // The address went during the stall and came back after it.
    expect(addresses).toEqual(['a up', 'a down', 'a up']);
  });

  it('the active hangs and its heartbeat falls silent: b takes over once the lease expires', async () => {
    const { table, alive, nodes } = await started();
    table.hung.add('a');
    alive.a = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(nodes.b.state.role).toBe('active');
    expect(table.row(LEASE)).toMatchObject({ owner: 'b', epoch: 2 });
    expect(nodes.a.acking()).toBe(false);
  });

  it('a stall longer than TTL + grace with both alive: exactly one active afterwards, a new epoch', async () => {
    const { table, nodes } = await started();
    table.stall();
    await vi.advanceTimersByTimeAsync(12_000);
    table.unstall();
    await vi.advanceTimersByTimeAsync(3000);
    const active = (['a', 'b'] as const).filter((n) => nodes[n].state.role === 'active');
    expect(active).toHaveLength(1);
    expect(nodes.a.counters.demotions).toEqual({ 'the lease could not be renewed in time': 1 });
    expect(table.row(LEASE)?.owner).toBe(active[0]);
  });

  it('a stopped active releases the lease: the standby takes it at its next tick, not after the TTL', async () => {
    const { table, nodes } = await started();
    await nodes.a.stop();
    await vi.advanceTimersByTimeAsync(300);
    expect(nodes.b.state.role).toBe('active');
    expect(table.row(LEASE)).toMatchObject({ owner: 'b', epoch: 2 });
  });
});

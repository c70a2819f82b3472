/**
 * The heartbeat's view of the peer, as pure functions (table-tested in
 * test/unit/failure-detector.test.ts): a beat makes the peer alive; it counts as dead after
 * `misses` consecutive failed or late beats. What the role machine asks of it: is the peer alive
 * and active (then an expired lease means a database stall, not a dead node), or alive and a
 * standby that could take the role now.
 */
import type { Beat } from './heartbeat.js';

export interface PeerView {
  id: string;
  address: string;
  alive: boolean;
  lastBeat: Beat | null;
  lastBeatAtMs: number | null;
  consecutiveMisses: number;
  lastError: string | null;
}

export const initialPeerView = (id: string, address: string): PeerView => ({
  id,
  address,
  alive: false,
  lastBeat: null,
  lastBeatAtMs: null,
  consecutiveMisses: 0,
  lastError: null,
});

/** `change` is set when the peer's liveness flips. */
export interface PeerStep {
  view: PeerView;
  change?: 'up' | 'lost';
}

export function beatReceived(v: PeerView, beat: Beat, nowMs: number): PeerStep {
  const view = {
    ...v,
    alive: true,
    lastBeat: beat,
    lastBeatAtMs: nowMs,
    consecutiveMisses: 0,
    lastError: null,
  };
  return v.alive ? { view } : { view, change: 'up' };
}

export function beatMissed(v: PeerView, reason: string, misses: number): PeerStep {
  const view = { ...v, consecutiveMisses: v.consecutiveMisses + 1, lastError: reason };
  if (v.alive && view.consecutiveMisses >= misses) return { view: { ...view, alive: false }, change: 'lost' };
  return { view };
}

/** Alive and says it is active (a database stall is no reason to take its role). */
export const aliveActive = (v: PeerView): boolean => v.alive && v.lastBeat?.role === 'active';

/** Alive and a standby that could take the role now. */
export const healthyStandby = (v: PeerView): boolean =>
  v.alive && v.lastBeat !== null && v.lastBeat.role === 'standby' && v.lastBeat.db_writable;

import { describe, expect, it } from 'vitest';
import {
  aliveActive,
  beatMissed,
  beatReceived,
  healthyStandby,
  initialPeerView,
  type PeerView,
} from '../../node/heartbeat/failure-detector.js';
import type { Beat } from '../../node/heartbeat/heartbeat.js';

const beat = (role: string, dbWritable = true): Beat =>
  ({ node_id: 'b', role, db_writable: dbWritable }) as Beat;
const fresh = initialPeerView('b', '198.18.0.2:7610');

/** Applies "beat:<role>" / "miss" steps with misses = 3; returns the liveness changes seen. */
function run(steps: string[]): { view: PeerView; changes: string[] } {
  let view = fresh;
  const changes: string[] = [];
  steps.forEach((s, i) => {
    const r = s === 'miss' ? beatMissed(view, 'deadline', 3) : beatReceived(view, beat(s.slice(5)), i);
    view = r.view;
    if (r.change) changes.push(`${i}:${r.change}`);
  });
  return { view, changes };
}

describe('heartbeat failure detector', () => {
  it.each<[string, string[], boolean, string[]]>([
    ['a first beat: alive', ['beat:standby'], true, ['0:up']],
    ['never heard: not alive, misses do not flip it', ['miss', 'miss', 'miss'], false, []],
    ['two misses of three: still alive', ['beat:active', 'miss', 'miss'], true, ['0:up']],
    ['three misses in a row: lost', ['beat:active', 'miss', 'miss', 'miss'], false, ['0:up', '3:lost']],
    [
      'a beat in between resets the count',
      ['beat:active', 'miss', 'miss', 'beat:active', 'miss', 'miss'],
      true,
      ['0:up'],
    ],
    [
      'lost, then heard again: up',
      ['beat:active', 'miss', 'miss', 'miss', 'beat:standby'],
      true,
      ['0:up', '3:lost', '4:up'],
    ],
  ])('%s', (_what, steps, alive, changes) => {
    const r = run(steps);
    expect(r.view.alive).toBe(alive);
    expect(r.changes).toEqual(changes);
  });

  it.each<[string, PeerView, boolean, boolean]>([
    ['alive active', beatReceived(fresh, beat('active'), 1).view, true, false],
    ['alive standby, database writable', beatReceived(fresh, beat('standby'), 1).view, false, true],
    [
      'alive standby, database not writable',
      beatReceived(fresh, beat('standby', false), 1).view,
      false,
      false,
    ],
    ['alive but fenced', beatReceived(fresh, beat('fenced'), 1).view, false, false],
    ['an active that fell silent', run(['beat:active', 'miss', 'miss', 'miss']).view, false, false],
    ['never heard', fresh, false, false],
  ])('%s: alive and active %s, healthy standby %s', (_what, view, active, standby) => {
    expect(aliveActive(view)).toBe(active);
    expect(healthyStandby(view)).toBe(standby);
  });
});

import { describe, expect, it } from 'vitest';
import { type ReadinessStatus, type ReadyLevel, readiness } from '../../ops/readiness.js';

const started = { node: { started: true } };
const writable = { ...started, database: { writable: true } };

describe('readiness (tandem ready)', () => {
  it.each<[string, ReadinessStatus, ReadyLevel, boolean, string]>([
    ['an answer without started', { accepting: true }, 'started', false, 'still starting'],
    ['starting', { node: { started: false } }, 'healthy', false, 'still starting'],
    ['started, database down', { ...started, database: { writable: false } }, 'started', true, 'started'],
    [
      'healthy asked, database down',
      { ...started, database: { writable: false, reason: 'non-Primary' } },
      'healthy',
      false,
      'database not writable: non-Primary',
    ],
    ['a single node acking', { ...writable, accepting: true }, 'healthy', true, 'acking'],
    [
      'the active acking',
      { ...writable, accepting: true, role: { role: 'active' } },
      'healthy',
      true,
      'active, acking',
    ],
    [
      'a standby with its peer',
      { ...writable, accepting: false, role: { role: 'standby' }, peer: { alive: true } },
      'healthy',
      true,
      'standby, peer alive',
    ],
    [
      'a standby alone',
      { ...writable, accepting: false, role: { role: 'standby' }, peer: { alive: false } },
      'healthy',
      false,
      'standby without a live peer',
    ],
    [
      'fenced',
      { ...writable, accepting: false, refusal: 'fenced: lease lost', role: { role: 'fenced' } },
      'healthy',
      false,
      'not acking: fenced: lease lost',
    ],
    [
      'maintenance',
      { ...writable, accepting: false, role: { role: 'maintenance' } },
      'healthy',
      false,
      'not acking: maintenance',
    ],
  ])('%s (%s) → %s', (_what, status, level, ready, why) => {
    expect(readiness(status, level)).toEqual({ ready, why });
  });
});

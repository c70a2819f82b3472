import { describe, expect, it } from 'vitest';
import {
  decideSessionExpires,
  type SessionTimerDecision,
  type SessionTimerRequest,
  sessionTimerPolicyProblem,
} from '../../lam/sessions/session-expires.js';

/** T = 1800 s, proxy.sip.min_se = 120 s. */
const policy = { sessionExpires: 1800, minSE: 120 };

describe('decideSessionExpires (sessions.md §3.2, D34)', () => {
  it.each<[string, SessionTimerRequest, SessionTimerDecision]>([
    [
      'row 0: neither header nor timer option → add T',
      { supportsTimer: false },
      { action: 'add', sessionExpires: 1800, rule: 0 },
    ],
    [
      'timer supported, no Session-Expires → nothing added',
      { supportsTimer: true },
      { action: 'none', rule: 'timer-supported' },
    ],
    [
      'Min-SE alone, no timer option → add T',
      { minSE: 300, supportsTimer: false },
      { action: 'add', sessionExpires: 1800, rule: 0 },
    ],
    [
      'row 1: SE > T with Min-SE < T → T',
      { sessionExpires: 3600, minSE: 600, supportsTimer: true },
      { action: 'reduce', sessionExpires: 1800, rule: 1 },
    ],
    [
      'row 1: SE > T with Min-SE > T → Min-SE',
      { sessionExpires: 7200, minSE: 3600, supportsTimer: true },
      { action: 'reduce', sessionExpires: 3600, rule: 1 },
    ],
    [
      'row 2: SE > T without Min-SE → T',
      { sessionExpires: 3600, supportsTimer: true },
      { action: 'reduce', sessionExpires: 1800, rule: 2 },
    ],
    [
      'row 4: SE < T → unchanged',
      { sessionExpires: 600, supportsTimer: true },
      { action: 'use', sessionExpires: 600, rule: 4 },
    ],
    [
      'SE = T → unchanged',
      { sessionExpires: 1800, supportsTimer: false },
      { action: 'use', sessionExpires: 1800, rule: 4 },
    ],
    [
      'SE = our Min-SE → unchanged',
      { sessionExpires: 120, supportsTimer: true },
      { action: 'use', sessionExpires: 120, rule: 4 },
    ],
    [
      'row 3: SE < our Min-SE → 422 with our Min-SE',
      { sessionExpires: 90, supportsTimer: true },
      {
        action: 'reject',
        status: 422,
        minSE: 120,
        rule: 3,
        reason: "Session-Expires 90 is below this server's Min-SE 120",
      },
    ],
    [
      'SE below its own Min-SE → 400',
      { sessionExpires: 300, minSE: 600, supportsTimer: true },
      {
        action: 'reject',
        status: 400,
        rule: 'invalid',
        reason: "Session-Expires 300 is below the request's own Min-SE 600",
      },
    ],
    [
      'SE not delta-seconds → 400',
      { sessionExpires: 12.5, supportsTimer: true },
      { action: 'reject', status: 400, rule: 'invalid', reason: 'Session-Expires 12.5 is not delta-seconds' },
    ],
    [
      'Min-SE negative → 400',
      { sessionExpires: 600, minSE: -1, supportsTimer: true },
      { action: 'reject', status: 400, rule: 'invalid', reason: 'Min-SE -1 is not delta-seconds' },
    ],
  ])('%s', (_case, request, decision) => {
    expect(decideSessionExpires(request, policy)).toEqual(decision);
  });

  it('never returns a Session-Expires below our Min-SE or above max(T, the request’s Min-SE)', () => {
    for (let se = 0; se <= 4000; se += 7)
      for (const minSE of [undefined, 90, 120, 1800, 2500]) {
        const d = decideSessionExpires({ sessionExpires: se, minSE, supportsTimer: true }, policy);
        if (d.action === 'reject') continue;
        if (d.action === 'none') throw new Error('a request with Session-Expires always gets a value');
        expect(d.sessionExpires).toBeGreaterThanOrEqual(policy.minSE);
        expect(d.sessionExpires).toBeLessThanOrEqual(Math.max(policy.sessionExpires, minSE ?? 0));
        if (minSE !== undefined) expect(d.sessionExpires).toBeGreaterThanOrEqual(minSE);
      }
  });
});

describe('sessionTimerPolicyProblem', () => {
  it.each<[number, number, string | undefined]>([
    [1800, 90, undefined],
    [90, 90, undefined],
    [1800, 60, 'min_se 60 must be a whole number of seconds ≥ 90 (RFC 4028)'],
    [100, 120, 'the session timer 100 must be a whole number of seconds ≥ min_se 120'],
    [1800.5, 120, 'the session timer 1800.5 must be a whole number of seconds ≥ min_se 120'],
  ])('T %d, min_se %d', (sessionExpires, minSE, problem) => {
    expect(sessionTimerPolicyProblem({ sessionExpires, minSE })).toBe(problem);
  });
});

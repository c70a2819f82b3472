import { describe, expect, it } from 'vitest';
import { forwardTarget } from '../../ops/forward.js';

describe('forwardTarget (CLI on the standby)', () => {
  it.each<[string, string, string, RegExp | string]>([
    ['to the peer', '127.0.0.1:7600', '198.18.0.1:7600', '198.18.0.1:7600'],
    ['itself (both nodes on loopback)', '127.0.0.1:7600', '127.0.0.1:7600', /is the one just asked/],
    ['itself, spelt localhost', 'localhost:7600', '127.0.0.1:7600', /this standby's own/],
    ['no address in the beat', '127.0.0.1:7600', '', /did not say/],
    ['another port on loopback (a local pair)', '127.0.0.1:7600', '127.0.0.1:7601', '127.0.0.1:7601'],
  ])('%s', (_what, called, peer, expected) => {
    const r = forwardTarget(called, peer);
    if (typeof expected === 'string') expect(r).toEqual({ to: expected });
    else expect('refused' in r && r.refused).toMatch(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { AUDIT_BODY_MAX, auditBody } from '../../node/api/audit-log.js';

const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('auditBody: what an audit line keeps of a request body', () => {
  it.each([
    { name: 'a small body as sent', body: { on: true }, want: { on: true } },
    { name: 'no body', body: null, want: null },
    {
      name: 'a long body cut, with its length',
      body: { to: 'x'.repeat(5000) },
      want: { truncated: `{"to":"${'x'.repeat(AUDIT_BODY_MAX - 7)}`, chars: 5000 + '{"to":""}'.length },
    },
    // Found by the hostile-input fuzzer: JSON.stringify of it threw, the node answered 500.
    {
      name: 'a body nested too deeply to write',
      body: nested(100_000),
      want: { unloggable: 'nested too deeply to write out' },
    },
  ])('$name', ({ body, want }) => {
    expect(auditBody(body)).toEqual(want);
  });
});

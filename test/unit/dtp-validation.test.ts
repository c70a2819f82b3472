import { describe, expect, it } from 'vitest';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { checkBlock, checkHello, type Session } from '../../node/accounting/dtp-validation.js';
import { ruToWire, type WireBlock, type WireHello } from '../../proto/dtp.js';

const goodHello: WireHello = {
  protocol_version: 1,
  lam_id: 'App1',
  software_version: 'v1',
  stream: 'STREAM_KIND_PRIMARY',
  lam_instance: 'k3v9x2-1764780000000',
};

describe('checkHello', () => {
  const cases: [string, Partial<WireHello>, 'primary' | 'recovery', string | null][] = [
    ['a good primary hello', {}, 'primary', null],
    ['a recovery hello on the recovery port', { stream: 'STREAM_KIND_RECOVERY' }, 'recovery', null],
    [
      'a recovery hello on the primary port',
      { stream: 'STREAM_KIND_RECOVERY' },
      'primary',
      'ERROR_CODE_STREAM_MISMATCH',
    ],
    ['no stream kind', { stream: undefined }, 'recovery', 'ERROR_CODE_STREAM_MISMATCH'],
    ['protocol version 2', { protocol_version: 2 }, 'primary', 'ERROR_CODE_UNSUPPORTED_VERSION'],
    ['no protocol version', { protocol_version: undefined }, 'primary', 'ERROR_CODE_UNSUPPORTED_VERSION'],
    ['an empty lam_id', { lam_id: '' }, 'primary', 'ERROR_CODE_PROTOCOL_VIOLATION'],
    ['a lam_id with a slash', { lam_id: '../etc' }, 'primary', 'ERROR_CODE_PROTOCOL_VIOLATION'],
    ['a 65-character lam_id', { lam_id: 'a'.repeat(65) }, 'primary', 'ERROR_CODE_PROTOCOL_VIOLATION'],
    ['a 64-character lam_id', { lam_id: 'a'.repeat(64) }, 'primary', null],
    ['no lam_instance (an older LAM)', { lam_instance: undefined }, 'primary', null],
    ['a lam_instance with a space', { lam_instance: 'a b' }, 'primary', 'ERROR_CODE_PROTOCOL_VIOLATION'],
    [
      'a 65-character lam_instance',
      { lam_instance: 'i'.repeat(65) },
      'primary',
      'ERROR_CODE_PROTOCOL_VIOLATION',
    ],
  ];
  it.each(cases)('%s', (_name, change, port, code) => {
    const r = checkHello({ ...goodHello, ...change }, port);
    if (code === null) expect(r.ok).toBe(true);
    else expect(r).toMatchObject({ ok: false, error: { code } });
  });
});

describe('checkBlock', () => {
  const session: Session = { lamId: 'App1', stream: 'recovery', softwareVersion: 'v1', lamInstance: 'i-1' };
  const rus = syntheticBlockRus('App1', 5, 4);
  const good: WireBlock = { lam_id: 'App1', block_seq: 5, created_at_ms: 123, rus: rus.map(ruToWire) };
  const limits = { maxRusPerBlock: 20 };

  it('turns a good block into a ledger block with canonical JSON RUs', () => {
    const r = checkBlock(good, session, limits);
    expect(r).toMatchObject({
      ok: true,
      value: {
        lamId: 'App1',
        blockSeq: 5,
        stream: 'recovery',
        createdAtMs: 123,
        ruCount: 4,
        lamInstance: 'i-1',
      },
    });
    expect(r.ok && JSON.parse(r.value.payload)).toEqual(rus);
  });

  const cases: [string, Partial<WireBlock>, string, string | undefined][] = [
    ['another LAM', { lam_id: 'App2' }, 'ERROR_CODE_PROTOCOL_VIOLATION', 'lam_id'],
    ['block_seq 0', { block_seq: 0 }, 'ERROR_CODE_INVALID_BLOCK', 'block_seq'],
    ['no block_seq', { block_seq: undefined }, 'ERROR_CODE_INVALID_BLOCK', 'block_seq'],
    ['block_seq beyond 2^53', { block_seq: 2 ** 53 }, 'ERROR_CODE_INVALID_BLOCK', 'block_seq'],
    ['no RUs', { rus: [] }, 'ERROR_CODE_INVALID_BLOCK', 'rus'],
    ['21 RUs', { rus: syntheticBlockRus('App1', 1, 21).map(ruToWire) }, 'ERROR_CODE_OVERSIZED_BLOCK', 'rus'],
    [
      'an RU of unknown type',
      { rus: [{ ...ruToWire(rus[0]!), type: 'RECORD_TYPE_UNSPECIFIED' }] },
      'ERROR_CODE_INVALID_BLOCK',
      'rus[0].type',
    ],
    [
      'a bad second RU',
      { rus: [ruToWire(rus[0]!), { ...ruToWire(rus[1]!), corrID: '' }] },
      'ERROR_CODE_INVALID_BLOCK',
      'rus[1].corrID',
    ],
  ];
  it.each(cases)('refuses %s', (_name, change, code, field) => {
    expect(checkBlock({ ...good, ...change }, session, limits)).toMatchObject({
      ok: false,
      error: { code, field },
    });
  });

  it('20 RUs is the most a block may carry', () => {
    expect(
      checkBlock({ ...good, rus: syntheticBlockRus('App1', 1, 20).map(ruToWire) }, session, limits).ok,
    ).toBe(true);
  });
});

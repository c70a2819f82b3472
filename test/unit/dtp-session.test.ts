import { describe, expect, it } from 'vitest';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { DtpSession, type SessionAction, type SessionEvent } from '../../node/accounting/dtp-session.js';
import { type LamFrame, ruToWire } from '../../proto/dtp.js';

const limits = { window: 2, maxRusPerBlock: 20, helloTimeoutMs: 1000 };
const hello: LamFrame = {
  frame: 'hello',
  hello: { protocol_version: 1, lam_id: 'App1', software_version: 't', stream: 'STREAM_KIND_PRIMARY' },
};
const block = (seq: number): LamFrame => ({
  frame: 'block',
  block: {
    lam_id: 'App1',
    block_seq: seq,
    created_at_ms: 1,
    rus: syntheticBlockRus('App1', seq, 1).map(ruToWire),
  },
});
const frame = (f: LamFrame, refusal?: string): SessionEvent => ({ kind: 'frame', frame: f, refusal });
const checked: SessionEvent = { kind: 'hello-checked', highestStoredSeq: 7, refusal: undefined };
const stored = (seq: number): SessionEvent => ({ kind: 'stored', blockSeq: seq, outcome: 'stored' });

/** The actions of each event, as short strings: "welcome", "store 1", "ack 1", "close CODE", "finish". */
function run(events: SessionEvent[]): string[][] {
  const s = new DtpSession('primary', limits);
  const show = (a: SessionAction) =>
    a.kind === 'store'
      ? `store ${a.block.blockSeq}`
      : a.kind === 'ack'
        ? `ack ${a.blockSeq}`
        : a.kind === 'close'
          ? `close ${a.error.code.replace('ERROR_CODE_', '')}${a.rejectedHello ? ' (hello)' : ''}`
          : a.kind;
  return events.map((e) => s.handle(e).map(show));
}

describe('DtpSession: one stream, event by event', () => {
  it.each<[string, SessionEvent[], string[][]]>([
    [
      'Hello, checks pass → Welcome; a block → store → ack',
      [frame(hello), checked, frame(block(1)), stored(1)],
      [['check-hello'], ['welcome'], ['store 1'], ['ack 1']],
    ],
    [
      'a Hello of the wrong version is refused at once',
      [
        frame({
          frame: 'hello',
          hello: { ...(hello as { hello: object }).hello, protocol_version: 2 },
        } as LamFrame),
      ],
      [['close UNSUPPORTED_VERSION (hello)']],
    ],
    [
      'the node refuses the Hello (not accepting, unknown LAM) → closed',
      [
        frame(hello),
        {
          kind: 'hello-checked',
          error: { code: 'ERROR_CODE_UNKNOWN_LAM', message: 'x' },
          refusal: undefined,
        },
      ],
      [['check-hello'], ['close UNKNOWN_LAM (hello)']],
    ],
    ['a Block first → protocol violation', [frame(block(1))], [['close PROTOCOL_VIOLATION']]],
    [
      'blocks right after the Hello are held until the Welcome, then stored in order',
      [frame(hello), frame(block(1)), frame(block(2)), checked],
      [['check-hello'], [], [], ['welcome', 'store 1', 'store 2']],
    ],
    [
      'more than window blocks before the Welcome → window exceeded',
      [frame(hello), frame(block(1)), frame(block(2)), frame(block(3))],
      [['check-hello'], [], [], ['close WINDOW_EXCEEDED']],
    ],
    [
      'more than window blocks in flight → window exceeded',
      [frame(hello), checked, frame(block(1)), frame(block(2)), frame(block(3))],
      [['check-hello'], ['welcome'], ['store 1'], ['store 2'], ['close WINDOW_EXCEEDED']],
    ],
    [
      'an ack frees a place in the window',
      [frame(hello), checked, frame(block(1)), frame(block(2)), stored(1), frame(block(3))],
      [['check-hello'], ['welcome'], ['store 1'], ['store 2'], ['ack 1'], ['store 3']],
    ],
    [
      'the node stops accepting between blocks → not accepting',
      [frame(hello), checked, frame(block(1), 'no quorum')],
      [['check-hello'], ['welcome'], ['close NOT_ACCEPTING']],
    ],
    [
      'half-close with a block in flight: ends after its ack',
      [frame(hello), checked, frame(block(1)), { kind: 'half-close' }, stored(1)],
      [['check-hello'], ['welcome'], ['store 1'], [], ['ack 1', 'finish']],
    ],
    [
      'half-close while the Hello is checked: Welcome, held blocks, then the end',
      [frame(hello), frame(block(1)), { kind: 'half-close' }, checked, stored(1)],
      [['check-hello'], [], [], ['welcome', 'store 1'], ['ack 1', 'finish']],
    ],
    [
      'half-close with nothing in flight ends at once',
      [frame(hello), checked, { kind: 'half-close' }],
      [['check-hello'], ['welcome'], ['finish']],
    ],
    [
      'a second Hello → protocol violation',
      [frame(hello), checked, frame(hello)],
      [['check-hello'], ['welcome'], ['close PROTOCOL_VIOLATION']],
    ],
    [
      'the Hello timeout ends only a call still waiting for its Hello',
      [{ kind: 'hello-timeout' }],
      [['close PROTOCOL_VIOLATION']],
    ],
    [
      'the Hello timeout after the Hello does nothing',
      [frame(hello), { kind: 'hello-timeout' }, checked],
      [['check-hello'], [], ['welcome']],
    ],
    [
      'storing failed → the error, and the call ends; later events are ignored',
      [
        frame(hello),
        checked,
        frame(block(1)),
        { kind: 'store-failed', error: { code: 'ERROR_CODE_NOT_ACCEPTING', message: 'fenced' } },
        stored(1),
        frame(block(2)),
      ],
      [['check-hello'], ['welcome'], ['store 1'], ['close NOT_ACCEPTING'], [], []],
    ],
    [
      'an oversized frame (refused from its bytes) names its block',
      [
        frame(hello),
        checked,
        frame({ undecodable: 'oversized', detail: 'too big', bytes: 9, blockSeq: 4 } as LamFrame),
      ],
      [['check-hello'], ['welcome'], ['close OVERSIZED_BLOCK']],
    ],
  ])('%s', (_what, events, expected) => {
    expect(run(events)).toEqual(expected);
  });

  it('the Welcome carries the highest stored sequence; blocks take the Hello’s LAM instance', () => {
    const s = new DtpSession('primary', limits);
    s.handle(
      frame({ ...hello, hello: { ...(hello as { hello: object }).hello, lam_instance: 'i-9' } } as LamFrame),
    );
    expect(s.handle(checked)).toMatchObject([{ kind: 'welcome', highestStoredSeq: 7 }]);
    expect(s.handle(frame(block(1)))).toMatchObject([
      { kind: 'store', block: { lamId: 'App1', lamInstance: 'i-9' } },
    ]);
  });
});

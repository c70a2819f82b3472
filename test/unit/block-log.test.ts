import { describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../kernel/block.js';
import { decodeSegment, encodeBlock, RECORD_HEADER_BYTES } from '../../kernel/block-log.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';

const block = (seq: number, lamId = 'lam-1'): BlockRecord => {
  const rus = syntheticBlockRus(lamId, seq, 2);
  return {
    lamId,
    blockSeq: seq,
    stream: seq % 2 ? 'primary' : 'recovery',
    createdAtMs: 1000 + seq,
    ruCount: rus.length,
    payload: JSON.stringify(rus),
  };
};

describe('journal framing', () => {
  const blocks = [block(1), { ...block(2), lamInstance: 'c0ffee-1' }, block(3)];
  const segment = Buffer.concat(blocks.map(encodeBlock));

  it('round-trips blocks exactly, payload and LAM instance included', () => {
    expect(decodeSegment(segment)).toEqual({ blocks, validBytes: segment.length });
  });

  it('an empty segment has no blocks and no problem', () => {
    expect(decodeSegment(Buffer.alloc(0))).toEqual({ blocks: [], validBytes: 0 });
  });

  it('a tail torn at any byte keeps every complete record before it', () => {
    const firstTwo = encodeBlock(blocks[0]!).length + encodeBlock(blocks[1]!).length;
    for (let cut = firstTwo + 1; cut < segment.length; cut++) {
      const d = decodeSegment(segment.subarray(0, cut));
      expect(d.problem).toBe('torn');
      expect(d.blocks).toEqual(blocks.slice(0, 2));
      expect(d.validBytes).toBe(firstTwo);
    }
  });

  it('a flipped byte in a body is caught by the checksum; records before it survive', () => {
    const first = encodeBlock(blocks[0]!).length;
    const damaged = Buffer.from(segment);
    damaged[first + RECORD_HEADER_BYTES + 10]! ^= 0x20;
    const d = decodeSegment(damaged);
    expect(d).toMatchObject({ problem: 'corrupt', validBytes: first });
    expect(d.blocks).toEqual([blocks[0]]);
  });

  it('an absurd length is corruption, not an allocation', () => {
    const damaged = Buffer.from(segment);
    damaged.writeUInt32BE(0xfffffff0, 0);
    expect(decodeSegment(damaged)).toEqual({ blocks: [], validBytes: 0, problem: 'corrupt' });
    damaged.writeUInt32BE(0, 0);
    expect(decodeSegment(damaged).problem).toBe('corrupt');
  });

  it('hostile strings survive framing', () => {
    const rus = [{ ...syntheticBlockRus('x', 1, 1)[0]!, oUA: '\u0000\u0001<&>"\'\u2028😀' }];
    const b: BlockRecord = { ...block(9), payload: JSON.stringify(rus) };
    expect(decodeSegment(encodeBlock(b)).blocks).toEqual([b]);
  });
});

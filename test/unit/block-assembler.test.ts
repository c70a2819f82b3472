import { describe, expect, it } from 'vitest';
import { BlockAssembler } from '../../lam/block-assembler.js';

describe('BlockAssembler (3 RUs per block)', () => {
  it.each<[string, number[][], { opened: boolean[]; closed: number[][][]; open: number[] | undefined }]>([
    ['one RU opens a block', [[1]], { opened: [true], closed: [[]], open: [1] }],
    ['RUs join the open block', [[1], [2]], { opened: [true, false], closed: [[], []], open: [1, 2] }],
    ['a full block closes at once', [[1, 2, 3]], { opened: [false], closed: [[[1, 2, 3]]], open: undefined }],
    [
      'a submit spanning blocks: full ones close, the rest opens a new one',
      [
        [1, 2],
        [3, 4, 5, 6, 7],
      ],
      {
        opened: [true, true],
        closed: [
          [],
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
        ],
        open: [7],
      },
    ],
    [
      'exactly filling the open block closes it',
      [[1], [2, 3]],
      { opened: [true, false], closed: [[], [[1, 2, 3]]], open: undefined },
    ],
  ])('%s', (_what, submits, expected) => {
    const a = new BlockAssembler<number, string>(3);
    const results = submits.map((rus) => a.add(rus));
    expect(results.map((r) => r.opened)).toEqual(expected.opened);
    expect(results.map((r) => r.closed.map((b) => b.rus))).toEqual(expected.closed);
    expect(a.current?.rus).toEqual(expected.open);
  });

  it('a durable submit gets one waiter in every block it lands in', () => {
    const a = new BlockAssembler<number, string>(3);
    a.add([1, 2]);
    let n = 0;
    const { closed } = a.add([3, 4, 5, 6, 7], () => `w${++n}`);
    expect(closed.map((b) => b.waiters)).toEqual([['w1'], ['w2']]);
    expect(a.current?.waiters).toEqual(['w3']);
    expect(a.close()?.rus).toEqual([7]);
    expect(a.close()).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { dataTransportClientConstructor, dataTransportServiceForServer, ruToWire } from '../../proto/dtp.js';
import { scanLamFrame } from '../../proto/frame-scan.js';
import { blockOfEmptyRus } from '../harness/raw-frames.js';

const transfer = dataTransportClientConstructor().service.Transfer!;
const encode = (frame: unknown) => transfer.requestSerialize(frame) as Buffer;
const server = dataTransportServiceForServer({ maxFrameBytes: 65536, maxRusPerBlock: 20 }).Transfer!;
const deserialize = (buf: Buffer) => server.requestDeserialize(buf) as Record<string, unknown>;

describe('scanLamFrame', () => {
  it.each([
    [
      'a Hello',
      { frame: 'hello', hello: { protocol_version: 1, lam_id: 'App1' } },
      { kind: 'hello', rus: 0 },
    ],
    [
      'a Block of 3 RUs',
      {
        frame: 'block',
        block: { lam_id: 'App1', block_seq: 77, rus: syntheticBlockRus('App1', 77, 3).map(ruToWire) },
      },
      { kind: 'block', blockSeq: 77, lamId: 'App1', rus: 3 },
    ],
    [
      'a Block with a sequence above 2^32',
      { frame: 'block', block: { lam_id: 'x', block_seq: 2 ** 40 + 5, rus: [] } },
      { kind: 'block', blockSeq: 2 ** 40 + 5, lamId: 'x', rus: 0 },
    ],
    ['an empty frame', {}, { kind: 'none', rus: 0 }],
  ])('%s', (_what, frame, expected) => {
    expect(scanLamFrame(encode(frame))).toEqual(expected);
  });

  it('counts 2 M empty RUs without decoding them', () => {
    const buf = blockOfEmptyRus('big', 9, 2_000_000);
    expect(buf.length).toBeGreaterThan(4_000_000);
    expect(scanLamFrame(buf)).toEqual({ kind: 'block', blockSeq: 9, lamId: 'big', rus: 2_000_000 });
  });

  it('throws on a block whose length runs past the frame', () => {
    const buf = encode({ frame: 'block', block: { lam_id: 'x', block_seq: 1, rus: [] } });
    expect(() => scanLamFrame(buf.subarray(0, buf.length - 1))).toThrow(RangeError);
  });
});

describe('the CAM deserializer', () => {
  it('refuses a frame over the byte limit without decoding it, naming its block', () => {
    expect(deserialize(blockOfEmptyRus('big', 12, 40_000))).toMatchObject({
      undecodable: 'oversized',
      blockSeq: 12,
      detail: /exceeds the limit of 65536 bytes/,
    });
  });

  it('refuses a block of too many RUs within the byte limit, naming its block', () => {
    expect(deserialize(blockOfEmptyRus('many', 3, 30_000))).toMatchObject({
      undecodable: 'oversized',
      blockSeq: 3,
      detail: 'block 3 has 30000 RUs; allowed: 1–20',
    });
  });

  it('decodes a good block as before', () => {
    const rus = syntheticBlockRus('App1', 1, 2).map(ruToWire);
    expect(
      deserialize(encode({ frame: 'block', block: { lam_id: 'App1', block_seq: 1, rus } })),
    ).toMatchObject({
      frame: 'block',
      block: { lam_id: 'App1', block_seq: 1 },
    });
  });

  it('never throws on mutated frames or random bytes', () => {
    const good = encode({
      frame: 'block',
      block: { lam_id: 'App1', block_seq: 5, rus: syntheticBlockRus('App1', 5, 2).map(ruToWire) },
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
            const b = Buffer.from(good);
            b[i] = v;
            return b;
          }),
          fc.nat(good.length).map((n) => good.subarray(0, n)),
        ),
        (bytes) => {
          const out = deserialize(Buffer.from(bytes));
          expect(typeof out).toBe('object');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/**
 * Invariant 6: bad input on the DTP ports gets a typed Error naming what was wrong and a closed
 * stream; a well-behaved LAM streaming at the same time is not disturbed and loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import type { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus, syntheticRu } from '../../lam/synthetic.js';
import { LamRegistry } from '../../node/accounting/lam-registry.js';
import type { CamNode } from '../../node/cam-node.js';
import { dataTransportClientConstructor, type LamFrame, ruToWire } from '../../proto/dtp.js';
import { freshDatabase, sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';
import { errorOf, exchange } from '../harness/raw-dtp.js';
import { blockOfEmptyRus } from '../harness/raw-frames.js';

const hello = (lamId: string, stream = 'STREAM_KIND_PRIMARY'): LamFrame => ({
  frame: 'hello',
  hello: {
    protocol_version: 1,
    lam_id: lamId,
    software_version: 'test',
    stream: stream as 'STREAM_KIND_PRIMARY',
  },
});
const block = (
  lamId: string,
  seq: number,
  rus = syntheticBlockRus(lamId, seq, 2).map(ruToWire),
): LamFrame => ({
  frame: 'block',
  block: { lam_id: lamId, block_seq: seq, created_at_ms: 1, rus },
});

describe('hostile input on the DTP ports', () => {
  let cam: { node: CamNode; primary: string; recovery: string };
  let strict: { node: CamNode; primary: string };
  let goodLam: string;
  let good: DtpSender;
  let goodSeq = 0;
  let feeder: NodeJS.Timeout;

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await startCamNode('a', {
      id: 'cam-hostile',
      // A small window, so that a burst of blocks exceeds it whatever the machine's load.
      ingest: { maxBlockBytes: 65536, helloTimeoutMs: 500, window: 8 },
    });
    // Its own database: one database has one active node (the role lease), and this one must accept.
    strict = await startCamNode('b', {
      id: 'cam-strict',
      databaseName: await freshDatabase('strict'),
      ingest: { requireKnownLams: true },
    });
    // A well-behaved LAM streams throughout the hostile tests.
    goodLam = uniqueLamId('good');
    good = sender(cam.primary, goodLam);
    feeder = setInterval(() => {
      goodSeq++;
      good.send({ blockSeq: goodSeq, createdAtMs: Date.now(), rus: syntheticBlockRus(goodLam, goodSeq, 5) });
    }, 5);
  });

  afterAll(async () => {
    clearInterval(feeder);
    good?.stop();
    await cam?.node.stop();
    await strict?.node.stop();
  });

  it('undecodable bytes → MALFORMED_FRAME', async () => {
    const ex = await exchange(cam.primary, [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02])]);
    expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_MALFORMED_FRAME' } });
  });

  it('a Block before the Hello → PROTOCOL_VIOLATION', async () => {
    const ex = await exchange(cam.primary, [block('x', 1)]);
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_PROTOCOL_VIOLATION', message: /Hello first/ },
    });
  });

  it('a second Hello → PROTOCOL_VIOLATION', async () => {
    const lam = uniqueLamId('twice');
    const ex = await exchange(cam.primary, [hello(lam), hello(lam)], { betweenMs: 100 });
    expect(ex.frames[0]?.frame).toBe('welcome');
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_PROTOCOL_VIOLATION', message: /second Hello/ },
    });
  });

  it('an unsupported protocol version → UNSUPPORTED_VERSION naming the field', async () => {
    const ex = await exchange(cam.primary, [
      { frame: 'hello', hello: { protocol_version: 9, lam_id: 'x', stream: 'STREAM_KIND_PRIMARY' } },
    ]);
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_UNSUPPORTED_VERSION', field: 'protocol_version' },
    });
  });

  it('a recovery Hello on the primary port → STREAM_MISMATCH', async () => {
    const ex = await exchange(cam.primary, [hello('x', 'STREAM_KIND_RECOVERY')]);
    expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_STREAM_MISMATCH', field: 'stream' } });
  });

  it('an RU with a bad recTime → INVALID_BLOCK naming rus[i].recTime; nothing of the block stored', async () => {
    const lam = uniqueLamId('badru');
    const rus = syntheticBlockRus(lam, 1, 3).map(ruToWire);
    rus[2] = { ...rus[2], recTime: 'yesterday' };
    const ex = await exchange(cam.primary, [hello(lam), block(lam, 1, rus)], { betweenMs: 50 });
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_INVALID_BLOCK', field: 'rus[2].recTime', block_seq: 1 },
    });
    const a = await sqlOn('a');
    expect((await a.query('SELECT COUNT(*) AS n FROM ledger_block WHERE lam_id = ?', [lam]))[0].n).toBe(0);
    await a.end();
  });

  it('an RU without its required uID → INVALID_BLOCK "is required"', async () => {
    const lam = uniqueLamId('nouid');
    const { uID: _drop, ...rest } = syntheticRu(lam, 1);
    const ex = await exchange(cam.primary, [hello(lam), block(lam, 1, [ruToWire(rest as never)])], {
      betweenMs: 50,
    });
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_INVALID_BLOCK', field: 'rus[0].uID', message: /is required/ },
    });
  });

  it('21 RUs in a block → OVERSIZED_BLOCK', async () => {
    const lam = uniqueLamId('many');
    const rus = syntheticBlockRus(lam, 1, 21).map(ruToWire);
    const ex = await exchange(cam.primary, [hello(lam), block(lam, 1, rus)], { betweenMs: 50 });
    expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_OVERSIZED_BLOCK', message: /21 RUs/ } });
  });

  it('a frame larger than max_block_bytes → OVERSIZED_BLOCK', async () => {
    const lam = uniqueLamId('big');
    const rus = syntheticBlockRus(lam, 1, 20).map((r) => ({
      ...ruToWire(r),
      oUA: 'x'.repeat(2048),
      tUA: 'y'.repeat(2048),
    }));
    const ex = await exchange(cam.primary, [hello(lam), block(lam, 1, rus)], { betweenMs: 50 });
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_OVERSIZED_BLOCK', message: /exceeds the limit of 65536/ },
    });
  });

  it("frames between max_block_bytes and gRPC's limit, and blocks of many empty RUs → OVERSIZED_BLOCK naming the block", async () => {
    const lam = uniqueLamId('huge');
    const encodedHello = dataTransportClientConstructor().service.Transfer!.requestSerialize(
      hello(lam),
    ) as Buffer;
    // Four at once, each just under this CAM's gRPC limit (4 × 64 KiB + 64 KiB), and one of 30,000
    // empty RUs within max_block_bytes: none is decoded, each is answered with its block number.
    const frames = [1, 2, 3, 4].map((seq) => blockOfEmptyRus(lam, seq, 150_000));
    const results = await Promise.all([
      ...frames.map((f) => exchange(cam.primary, [encodedHello, f], { betweenMs: 50 })),
      exchange(cam.primary, [encodedHello, blockOfEmptyRus(lam, 5, 30_000)], { betweenMs: 50 }),
    ]);
    results.forEach((ex, i) => {
      expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_OVERSIZED_BLOCK', block_seq: i + 1 } });
    });
    expect(errorOf(results[4]!)).toMatchObject({
      error: { message: 'block 5 has 30000 RUs; allowed: 1–20' },
    });
  });

  it('a block for another LAM than the Hello → PROTOCOL_VIOLATION', async () => {
    const lam = uniqueLamId('mine');
    const ex = await exchange(cam.primary, [hello(lam), block('someone-else', 1)], { betweenMs: 50 });
    expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_PROTOCOL_VIOLATION', field: 'lam_id' } });
  });

  it('more blocks in flight than the window → WINDOW_EXCEEDED', async () => {
    const lam = uniqueLamId('flood');
    const frames: LamFrame[] = [hello(lam)];
    for (let i = 1; i <= 400; i++) frames.push(block(lam, i));
    const ex = await exchange(cam.primary, frames);
    expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_WINDOW_EXCEEDED' } });
  });

  it('a client that never says Hello is closed after the hello timeout', async () => {
    const t0 = Date.now();
    const ex = await exchange(cam.primary, []);
    expect(errorOf(ex)).toMatchObject({
      error: { code: 'ERROR_CODE_PROTOCOL_VIOLATION', message: /no Hello within 500 ms/ },
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('an unprovisioned LAM → UNKNOWN_LAM when provisioning requires it; provisioned → welcome', async () => {
    const lam = uniqueLamId('prov');
    const ex = await exchange(strict.primary, [hello(lam)]);
    expect(errorOf(ex)).toMatchObject({ error: { code: 'ERROR_CODE_UNKNOWN_LAM', field: 'lam_id' } });
    await new LamRegistry(strict.node.db).add(lam, 'test');
    // The registry is cached for up to 2 s: the LAM is welcomed once the cache has it.
    const ok = await waitFor(
      'the provisioned LAM to be welcomed',
      async () => {
        const ex = await exchange(strict.primary, [hello(lam), block(lam, 1)], {
          betweenMs: 100,
          halfClose: true,
        });
        return ex.frames[0]?.frame === 'welcome' ? ex : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(ok.frames.map((f) => f.frame)).toEqual(['welcome', 'ack']);
  });

  it('the well-behaved LAM was never disturbed and lost nothing', async () => {
    clearInterval(feeder);
    await good.drained();
    // The last error names what disturbed it, should one have.
    expect(good.stats).toMatchObject({ errors: 0, connects: 1, lastError: '' });
    const b = await sqlOn('b');
    const rows = await b.query('SELECT COUNT(*) AS n FROM ledger_block WHERE lam_id = ?', [goodLam]);
    await b.end();
    expect(rows[0].n).toBe(goodSeq);
    expect(goodSeq).toBeGreaterThan(50);
  });
});

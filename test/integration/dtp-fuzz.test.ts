/**
 * The fuzz classes that found issue 10, all at once against one CAM process on the real Galera
 * cluster, with a kill -9 and a restart in the middle, and a journal of 1 M blocks from earlier
 * days under it (covered by a checkpoint, as on a node that ran for a day):
 * - case variants of a LAM id (each is its own LAM: stored, once),
 * - the same key with other content (SEQUENCE_CONFLICT, never a silent DUPLICATE),
 * - frames between 1 MiB and 4 MiB (OVERSIZED_BLOCK naming the block, without decoding them),
 * - mutated frames (a typed error or, if the mutation still makes a valid block, an ack),
 * - abrupt disconnects with blocks in flight.
 * Asserts: the CAM accepts within seconds of each start, every good block is in the ledger once,
 * every bad block is refused with a named reason, RSS stays bounded.
 * The schedule is seeded (TANDEM_FUZZ_SEED to replay one); the seed is printed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamProcess } from '../../ops/local-cam.js';
import { dataTransportClientConstructor, type LamFrame, ruToWire } from '../../proto/dtp.js';
import { freshDatabase, sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { KNOWN_REFUSALS } from '../harness/hostile/dtp.js';
import { fuzzSeed, prng } from '../harness/hostile/prng.js';
import { writeCheckpointFile, writeJournalHistory } from '../harness/journal-history.js';
import { uniqueLamId } from '../harness/nodes.js';
import { type Exchange, errorOf, exchange } from '../harness/raw-dtp.js';
import { blockOfEmptyRus } from '../harness/raw-frames.js';

const HISTORY_BLOCKS = 1_000_000;
const HISTORY_SEGMENTS = 10;
const ROUNDS = 48;

const hello = (lamId: string): LamFrame => ({
  frame: 'hello',
  hello: { protocol_version: 1, lam_id: lamId, software_version: 'fuzz', stream: 'STREAM_KIND_PRIMARY' },
});
const block = (lamId: string, seq: number, rus: number): LamFrame => ({
  frame: 'block',
  block: {
    lam_id: lamId,
    block_seq: seq,
    created_at_ms: 1,
    rus: syntheticBlockRus(lamId, seq, rus).map(ruToWire),
  },
});
const encode = (f: LamFrame): Buffer =>
  dataTransportClientConstructor().service.Transfer!.requestSerialize(f) as Buffer;

describe('DTP fuzz with kill -9, restart and a 1 M-block journal', () => {
  const seed = fuzzSeed();
  const random = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-fuzz-'));
  let database: string;
  let cam: CamProcess;
  let target: string;
  const startUps: { ms: number; skipped: number }[] = [];
  let maxRss = 0;
  let rssTimer: NodeJS.Timeout | undefined;

  async function startAndTime(): Promise<void> {
    const t0 = Date.now();
    cam.start();
    await cam.waitAccepting(60_000);
    const st = (await cam.status()) as { journal: { lastReplay?: { skippedSegments: number } } };
    startUps.push({ ms: Date.now() - t0, skipped: st.journal.lastReplay?.skippedSegments ?? 0 });
  }

  beforeAll(async () => {
    await waitForHealthyCluster();
    database = await freshDatabase('fuzz');
    cam = await CamProcess.create({
      id: 'cam-fuzz',
      dir,
      database: { ...testCluster().connectionFor('a'), database },
      logLevel: 'warn',
    });
    // A first start creates the schema; then a day of history is put under the node, covered by a
    // checkpoint token the database holds (what a running node leaves behind).
    cam.start();
    await cam.waitAccepting(60_000);
    await cam.stop();
    const journalDir = join(dir, 'cam-fuzz', 'journal');
    const { segments } = writeJournalHistory(journalDir, {
      lamId: uniqueLamId('history'),
      blocks: HISTORY_BLOCKS,
      segments: HISTORY_SEGMENTS,
    });
    const token = `fuzz${seed}`;
    const a = await sqlOn('a');
    try {
      await a.query(
        `INSERT INTO ${database}.journal_checkpoint (node_id, token, updated_at_ms) VALUES ('cam-fuzz', ?, 0)
         ON DUPLICATE KEY UPDATE token = VALUES(token)`,
        [token],
      );
    } finally {
      await a.end();
    }
    writeCheckpointFile(journalDir, token, segments);
    await startAndTime();
    target = `127.0.0.1:${cam.primaryPort}`;
    rssTimer = setInterval(() => {
      maxRss = Math.max(maxRss, cam.rssMb());
    }, 50);
  }, 180_000);

  afterAll(async () => {
    clearInterval(rssTimer);
    await cam?.stop();
    const a = await sqlOn('a');
    await a.query(`DROP DATABASE IF EXISTS ${database}`);
    await a.end();
  });

  it('survives every class, keeps every good block once, names every refusal, stays bounded', async () => {
    process.stderr.write(`[fuzz] seed ${seed} (TANDEM_FUZZ_SEED=${seed} replays it)\n`);
    // Two well-behaved LAMs stream throughout, through the kill and the restart.
    const goodIds = [uniqueLamId('App'), uniqueLamId('Bpp')];
    const acked = new Map<string, Set<number>>(goodIds.map((id) => [id, new Set<number>()]));
    const senders = goodIds.map(
      (id) =>
        new DtpSender({
          target,
          lamId: id,
          stream: 'primary',
          log: silentLogger(),
          maxBackoffMs: 300,
          onAck: (seq) => acked.get(id)!.add(seq),
        }),
    );
    for (const s of senders) s.start();
    let goodSeq = 0;
    const feeder = setInterval(() => {
      goodSeq++;
      senders.forEach((s, i) => {
        s.send({ blockSeq: goodSeq, createdAtMs: 0, rus: syntheticBlockRus(goodIds[i]!, goodSeq, 3) });
      });
    }, 10);

    /** Keys that must be in the ledger exactly once, with their RU count. */
    const mustStore = new Map<string, { lamId: string; seq: number; rus: number }>();
    const refusals: { cls: string; code: string; message: string }[] = [];
    const counts: Record<string, number> = {};
    let variantSeq = 0;

    const refusal = (cls: string, ex: Exchange, codes: string[]) => {
      const err = errorOf(ex) as { error: { code: string; message: string; block_seq?: number } } | undefined;
      expect(err, `${cls}: an Error frame`).toBeDefined();
      expect(codes, `${cls}: ${err!.error.code} ${err!.error.message}`).toContain(err!.error.code);
      expect(err!.error.message.length).toBeGreaterThan(10);
      refusals.push({ cls, code: err!.error.code, message: err!.error.message });
    };

    const classes: Record<string, () => Promise<void>> = {
      caseVariant: async () => {
        const base = goodIds[Math.floor(random() * goodIds.length)]!;
        let variant = base;
        while (variant === base)
          variant = [...base].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
        const seq = 1_000_000 + ++variantSeq;
        const ex = await exchange(target, [hello(variant), block(variant, seq, 2)], {
          betweenMs: 20,
          halfClose: true,
        });
        // Refused only while the CAM is down or replaying (then the LAM would resend).
        if (errorOf(ex)) refusal('caseVariant', ex, ['ERROR_CODE_NOT_ACCEPTING']);
        else {
          expect(ex.frames[1]).toMatchObject({ ack: { block_seq: seq } });
          mustStore.set(`${variant}/${seq}`, { lamId: variant, seq, rus: 2 });
        }
      },
      sameKeyOtherContent: async () => {
        const id = goodIds[Math.floor(random() * goodIds.length)]!;
        const done = [...acked.get(id)!];
        if (done.length === 0) return;
        const seq = done[Math.floor(random() * done.length)]!;
        const ex = await exchange(target, [hello(id), block(id, seq, 7)], { betweenMs: 20 });
        refusal('sameKeyOtherContent', ex, ['ERROR_CODE_SEQUENCE_CONFLICT', 'ERROR_CODE_NOT_ACCEPTING']);
      },
      bigFrame: async () => {
        const id = uniqueLamId('big');
        // 2 bytes per empty RU: 1.1 MiB … 4 MiB.
        const rus = Math.floor((0.55 + random() * 1.45) * 1024 * 1024);
        const ex = await exchange(target, [hello(id), blockOfEmptyRus(id, 9, rus)], { betweenMs: 20 });
        refusal('bigFrame', ex, ['ERROR_CODE_OVERSIZED_BLOCK', 'ERROR_CODE_NOT_ACCEPTING']);
        const err = errorOf(ex) as { error: { code: string; block_seq?: number } };
        if (err.error.code === 'ERROR_CODE_OVERSIZED_BLOCK') expect(err.error.block_seq).toBe(9);
      },
      mutated: async () => {
        const id = uniqueLamId('mut');
        const bytes = Buffer.from(encode(block(id, 1, 3)));
        const flips = 1 + Math.floor(random() * 8);
        for (let i = 0; i < flips; i++)
          bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        const ex = await exchange(target, [hello(id), bytes], {
          betweenMs: 20,
          halfClose: true,
          timeoutMs: 5000,
        });
        const err = errorOf(ex) as { error: { code: string; message: string } } | undefined;
        if (err) {
          expect(KNOWN_REFUSALS.has(err.error.code)).toBe(true);
          refusals.push({ cls: 'mutated', code: err.error.code, message: err.error.message });
        }
      },
      disconnect: async () => {
        const id = uniqueLamId('cut');
        const frames: LamFrame[] = [hello(id)];
        for (let s = 1; s <= 5; s++) frames.push(block(id, s, 4));
        await exchange(target, frames, { timeoutMs: 10 + Math.floor(random() * 40) });
      },
    };
    const names = Object.keys(classes);

    try {
      for (let round = 0; round < ROUNDS; round++) {
        if (round === ROUNDS / 2) {
          await cam.kill9();
          await startAndTime();
        }
        // Four at a time, like the burst of big frames that stalled the CAM before.
        await Promise.all(
          [0, 1, 2, 3].map(async () => {
            const cls = names[Math.floor(random() * names.length)]!;
            counts[cls] = (counts[cls] ?? 0) + 1;
            await classes[cls]!();
          }),
        );
      }
    } finally {
      clearInterval(feeder);
    }
    await Promise.all(senders.map((s) => s.drained()));
    for (const s of senders) s.stop();

    const a = await sqlOn('a');
    try {
      for (const id of goodIds) {
        const rows = (await a.query(
          `SELECT block_seq, ru_count FROM ${database}.ledger_block WHERE lam_id = ? AND block_seq <= ?`,
          [id, goodSeq],
        )) as { block_seq: number; ru_count: number }[];
        expect(rows.length, `${id}: every block once`).toBe(goodSeq);
        expect(new Set(rows.map((r) => r.block_seq)).size).toBe(goodSeq);
        // A conflicting copy never replaced the stored one.
        expect(rows.every((r) => r.ru_count === 3)).toBe(true);
      }
      for (const k of mustStore.values()) {
        const rows = (await a.query(
          `SELECT ru_count FROM ${database}.ledger_block WHERE lam_id = ? AND block_seq = ?`,
          [k.lamId, k.seq],
        )) as { ru_count: number }[];
        expect(rows, `${k.lamId}/${k.seq} once`).toHaveLength(1);
      }
    } finally {
      await a.end();
    }
    const byCode: Record<string, number> = {};
    for (const r of refusals) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
    process.stderr.write(
      `[fuzz] ${ROUNDS * 4} hostile calls ${JSON.stringify(counts)}; refusals ${JSON.stringify(byCode)}; good blocks ${goodSeq} × 2; start-ups ${JSON.stringify(startUps)} (journal ${HISTORY_BLOCKS} blocks); max RSS ${maxRss.toFixed(0)} MB\n`,
    );
    expect(startUps).toHaveLength(2);
    // Start-up did not read the verified history (times are printed above and benchmarked in
    // bench/startup.ts, not asserted; waitAccepting's deadline bounds them).
    for (const s of startUps) expect(s.skipped).toBeGreaterThanOrEqual(HISTORY_SEGMENTS);
    expect(maxRss).toBeGreaterThan(0);
    expect(maxRss).toBeLessThan(600);
  }, 300_000);
});

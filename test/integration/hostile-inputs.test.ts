/**
 * Issue 12's fuzzer, short profile (bench/fuzz.ts runs the long one): thousands of hostile DTP
 * frames and raw TCP garbage at a CAM process, hundreds of hostile admin and LAM API requests,
 * while a good application submits durable RUs through a LAM process. No crash, every refusal a
 * known one with a reason, every hostile request refused with its class's status, the good acks
 * go on, every confirmed RU in the ledger once, no hostile RU in it. The seed is printed
 * (TANDEM_FUZZ_SEED replays it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { fuzzSeed } from '../harness/hostile/prng.js';
import { runHostileSession, SHORT_PROFILE } from '../harness/hostile/session.js';

describe('hostile inputs at a running CAM and LAM (short profile)', () => {
  let database: string;
  beforeAll(async () => {
    await waitForHealthyCluster();
    database = await freshDatabase('hostile');
  });
  afterAll(async () => {
    const a = await sqlOn('a');
    await a.query(`DROP DATABASE IF EXISTS ${database}`);
    await a.end();
  });

  it('refuses every hostile frame and request by name, keeps the good records once, stays up and bounded', async () => {
    const seed = fuzzSeed();
    process.stderr.write(`[hostile] seed ${seed} (TANDEM_FUZZ_SEED=${seed} replays it)\n`);
    const r = await runHostileSession({
      dir: mkdtempSync(join(tmpdir(), 'tandem-hostile-')),
      database: { ...testCluster().connectionFor('a'), database },
      profile: SHORT_PROFILE,
      seed,
    });
    process.stderr.write(
      `[hostile] ${r.dtp.hostileFrames} hostile DTP frames (${r.dtp.framesWritten} in all) on ${r.dtp.streams} streams, ${r.dtp.rawConnections} raw TCP, ` +
        `${r.http.requests} API requests in ${r.durationMs} ms; refusals ${JSON.stringify(r.dtp.refusals)}; ` +
        `HTTP ${JSON.stringify(r.http.byStatus)}; good: ${r.good.confirmedRus} RUs confirmed, longest ack gap ` +
        `${r.good.longestAckGapMs} ms; RSS MiB cam ${r.rssMb.cam.before.toFixed(0)}→${r.rssMb.cam.after.toFixed(0)} ` +
        `(max ${r.rssMb.cam.max.toFixed(0)}), lam ${r.rssMb.lam.before.toFixed(0)}→${r.rssMb.lam.after.toFixed(0)}\n`,
    );
    expect(r.alive).toEqual({ cam: true, lam: true });
    expect(r.dtp.findings).toEqual([]);
    expect(r.http.findings).toEqual([]);
    expect(r.dtp.hostileFrames).toBeGreaterThanOrEqual(SHORT_PROFILE.dtpFrames);
    expect(r.http.requests).toBeGreaterThanOrEqual(SHORT_PROFILE.httpRequests);
    // Every class was tried, and the CAM refused hostile frames (not only hung up on them).
    expect(Object.keys(r.dtp.byKind).length).toBe(10);
    // (the rarer codes, UNSUPPORTED_VERSION and STREAM_MISMATCH, need a lucky mutation: not required)
    for (const code of ['PROTOCOL_VIOLATION', 'MALFORMED_FRAME', 'INVALID_BLOCK', 'WINDOW_EXCEEDED'])
      expect(r.dtp.refusals[`ERROR_CODE_${code}`], code).toBeGreaterThan(0);
    // The good application: nothing lost or doubled, no hostile RU stored, acks went on.
    expect(r.good.confirmedRus).toBeGreaterThan(0);
    expect(r.good.missing).toBe(0);
    expect(r.good.doubled).toBe(0);
    expect(r.hostileStored).toBe(0);
    expect(r.good.longestAckGapMs).toBeLessThan(10_000);
  }, 300_000);
});

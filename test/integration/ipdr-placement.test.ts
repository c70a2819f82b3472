/**
 * Placement with the ingest: every block an ingest batch stores is in an IPDR file when the batch
 * commits; blocks stored unplaced (journal replay) are placed by the planner after them; the
 * planned sizes are the rendered sizes (the receive time round-trips exactly), and both members
 * render byte-identical files.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockRecord, Series } from '../../kernel/block.js';
import { silentLogger } from '../../kernel/logger.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { recorderId } from '../../node/accounting/ipdr/document.js';
import { IpdrPlanner, IpdrRenderer } from '../../node/accounting/ipdr/ledger-ipdr.js';
import { IpdrPlacement } from '../../node/accounting/ipdr/placement.js';
import { verifyIpdrDir } from '../../node/accounting/ipdr/verify.js';
import { Ledger } from '../../node/accounting/ledger.js';
import { Database } from '../../node/replication/database.js';
import { migrate } from '../../node/replication/migrations.js';
import { databaseConfigFor, freshDatabase, sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { closedIpdrFiles, sha256File } from '../harness/ipdr-files.js';

const limits = {
  fileRotationSize: 40_000,
  fileRotationTime: 60_000,
  recorderId: recorderId('198.18.0.100'),
  version: '2.0 Tandem/test',
};

const block = (lamId: string, seq: number, stream: Series): BlockRecord => {
  const rus = syntheticBlockRus(lamId, seq, 3);
  return { lamId, blockSeq: seq, stream, createdAtMs: 0, ruCount: 3, payload: JSON.stringify(rus) };
};

describe('IPDR placement with the ingest', () => {
  const dbs = {} as { a: Database; b: Database };
  let name = '';
  beforeAll(async () => {
    await waitForHealthyCluster();
    name = await freshDatabase('placement');
    dbs.a = new Database(databaseConfigFor('a', { name }), silentLogger());
    dbs.b = new Database(databaseConfigFor('b', { name }), silentLogger());
    await migrate(dbs.a, silentLogger());
  });
  afterAll(async () => {
    await dbs.a?.close();
    await dbs.b?.close();
    const conn = await sqlOn('a');
    await conn.query(`DROP DATABASE IF EXISTS ${name}`).finally(() => conn.end());
  });

  it('acked blocks are in files at once; replayed ones follow; planned bytes are rendered bytes', async () => {
    const placement = new IpdrPlacement(limits);
    const ingest = new Ledger(dbs.a, { nodeId: 'cam-a', placement });
    const replay = new Ledger(dbs.a, { nodeId: 'cam-a' });
    const unplacedCount = async (lamId?: string) =>
      Number(
        (
          await dbs.a.query<{ n: number }[]>(
            'SELECT COUNT(*) AS n FROM ledger_block WHERE ipdr_file_seq IS NULL AND lam_id LIKE ?',
            [lamId ?? '%'],
          )
        )[0]!.n,
      );

    let seq = 0;
    for (let round = 0; round < 12; round++) {
      // A batch of both series; every fourth round also a replayed batch, stored unplaced.
      const batch = Array.from({ length: 20 }, () => {
        seq++;
        return block('lam-x', seq, seq % 5 === 0 ? 'recovery' : 'primary');
      });
      expect(await ingest.storeBatch(batch)).toEqual(batch.map(() => 'stored'));
      expect(await unplacedCount('lam-x')).toBe(0);
      // A resend of the same batch stores and places nothing.
      expect(await ingest.storeBatch(batch.slice(0, 5))).toEqual(batch.slice(0, 5).map(() => 'duplicate'));
      if (round % 4 === 3) {
        const replayed = Array.from({ length: 10 }, () => block('lam-r', ++seq, 'primary'));
        await replay.storeBatch(replayed);
        expect(await unplacedCount('lam-r')).toBe(((round + 1) / 4) * 10);
      }
    }
    const planner = new IpdrPlanner(dbs.a, placement, silentLogger());
    expect((await planner.round(Date.now(), 2000)).placed).toBe(30);
    expect(await unplacedCount()).toBe(0);

    // Record numbers per series: gapless from 1, each block's RUs once.
    for (const series of ['primary', 'recovery'] as const) {
      const rows = await dbs.a.query<{ r: number; n: number }[]>(
        'SELECT ipdr_record_seq AS r, ru_count AS n FROM ledger_block WHERE stream = ? ORDER BY ipdr_record_seq',
        [series],
      );
      let next = 1;
      for (const row of rows) {
        expect(row.r).toBe(next);
        next += row.n;
      }
    }

    // The open files' planned sizes are their rendered sizes, on both members.
    const dirs = {
      a: mkdtempSync(join(tmpdir(), 'tandem-place-a-')),
      b: mkdtempSync(join(tmpdir(), 'tandem-place-b-')),
    };
    for (const m of ['a', 'b'] as const) {
      const r = new IpdrRenderer(
        dbs[m],
        join(dirs[m], 'acct'),
        dirs[m],
        { ...limits, compress: false },
        silentLogger(),
      );
      while ((await r.round()) > 0);
    }
    const files = await dbs.a.query<
      { series: string; stem: string; bytes: number; closed_at_ms: number | null }[]
    >('SELECT series, stem, bytes, closed_at_ms FROM ipdr_file ORDER BY series, file_seq');
    expect(files.filter((f) => f.closed_at_ms !== null).length).toBeGreaterThan(1); // closed by size
    for (const f of files.filter((f) => f.closed_at_ms === null)) {
      const dir = join(dirs.a, 'acct', f.series === 'primary' ? 'Primary' : 'Recovery');
      expect(statSync(join(dir, `${f.stem}.active`)).size).toBe(f.bytes);
    }
    const names = closedIpdrFiles(join(dirs.a, 'acct')).sort();
    expect(closedIpdrFiles(join(dirs.b, 'acct')).sort()).toEqual(names);
    for (const n of names)
      expect(sha256File(join(dirs.b, 'acct', n))).toBe(sha256File(join(dirs.a, 'acct', n)));
    expect((await verifyIpdrDir(join(dirs.a, 'acct'))).filter((c) => c.problems.length > 0)).toEqual([]);
    expect(readdirSync(join(dirs.a, 'acct', 'Primary')).some((f) => f.endsWith('.active'))).toBe(true);
  });
});

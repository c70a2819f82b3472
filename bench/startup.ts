/**
 * Start-up time against journal size (issue 10, item 6): how long a CAM takes from process start
 * until it accepts blocks, with a journal of N blocks from earlier days,
 * - `checkpoint`: covered by a checkpoint token the database holds (a node that ran normally),
 * - `full`: no checkpoint (first start after the token was lost: every block is replayed; the
 *   blocks are not in the ledger yet, so this is also the cost of restoring them).
 * Usage: npm run build && node dist/bench/startup.js [--sizes 100000,300000,1000000] [--full-max 300000]
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { CamProcess } from '../ops/local-cam.js';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { writeCheckpointFile, writeJournalHistory } from '../test/harness/journal-history.js';
import { arg, runBench, writeResults } from './common.js';

const listArg = (name: string, fallback: number[]): number[] => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : fallback;
};

runBench(async () => {
  const sizes = listArg('sizes', [100_000, 300_000, 1_000_000]);
  const fullMax = arg('full-max', 300_000);
  const base = '/tmp/tandem-bench-startup';
  rmSync(base, { recursive: true, force: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 30400 });
  await cluster.start();
  const admin = await mariadb.createConnection({ ...cluster.connectionFor('a'), bigIntAsNumber: true });
  const results: Record<string, unknown>[] = [];
  try {
    for (const blocks of sizes) {
      for (const mode of ['checkpoint', 'full'] as const) {
        if (mode === 'full' && blocks > fullMax) continue;
        const id = `cam-st-${mode}-${blocks}`;
        const database = `startup_${mode}_${blocks}`;
        await admin.query(`CREATE DATABASE ${database}`);
        const cam = await CamProcess.create({
          id,
          dir: join(base, id),
          database: { ...cluster.connectionFor('a'), database },
          logLevel: 'warn',
        });
        try {
          cam.start(); // creates the schema
          await cam.waitAccepting();
          await cam.stop();
          const journalDir = join(base, id, id, 'journal');
          const history = writeJournalHistory(journalDir, { lamId: `hist-${blocks}`, blocks, segments: 20 });
          if (mode === 'checkpoint') {
            const token = `bench-${blocks}`;
            await admin.query(
              `INSERT INTO ${database}.journal_checkpoint (node_id, token, updated_at_ms) VALUES (?, ?, 0)
               ON DUPLICATE KEY UPDATE token = VALUES(token)`,
              [id, token],
            );
            writeCheckpointFile(journalDir, token, history.segments);
          }
          const t0 = Date.now();
          cam.start();
          await cam.waitAccepting(30 * 60_000);
          const ms = Date.now() - t0;
          const st = (await cam.status()) as { journal: { lastReplay?: Record<string, unknown> } };
          const row = {
            blocks,
            mode,
            journalMB: Math.round(history.bytes / 1e6),
            acceptingAfterMs: ms,
            replay: st.journal.lastReplay,
          };
          results.push(row);
          process.stdout.write(`${JSON.stringify(row)}\n`);
        } finally {
          await cam.stop();
          await admin.query(`DROP DATABASE ${database}`);
          rmSync(join(base, id), { recursive: true, force: true });
        }
      }
    }
  } finally {
    await admin.end();
    await cluster.stopAll();
  }
  writeResults('startup', { machine: { cpus: cpus().length, loadavg: loadavg() }, results });
});

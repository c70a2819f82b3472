/**
 * IPDR benchmark: records/s rendered to XML on one core (pure), and records/s and bytes/s through
 * the file writer (100,000-byte files, fsync before every rename), with and without compression.
 *
 *   npm run build && node dist/bench/ipdr-render.js [--records 100000]
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticRu } from '../lam/synthetic.js';
import { renderRecord } from '../node/accounting/ipdr/record.js';
import { renderOffline } from '../node/accounting/ipdr/render-offline.js';
import { RECORD_TYPES } from '../proto/ru.js';
import { arg, runBench, writeResults } from './common.js';

async function main(): Promise<void> {
  const n = arg('records', 100_000);
  const rus = Array.from({ length: n }, (_, i) => syntheticRu('App1', i, RECORD_TYPES[i % 8]));
  const loadBefore = loadavg();

  const t = performance.now();
  let bytes = 0;
  for (let i = 0; i < rus.length; i++)
    bytes += renderRecord(rus[i]!, { seqNum: i + 1, time: '2026-11-24T08:00:00Z' }).length;
  const renderS = (performance.now() - t) / 1000;

  const files = async (compress: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-ipdr-'));
    const t0 = performance.now();
    const closed = await renderOffline(rus, {
      outDir: dir,
      camIpAddress: '198.18.0.100',
      version: '2.0 Tandem/bench',
      compress,
      fileRotationSize: 100_000,
      fileRotationTime: 0,
    });
    const s = (performance.now() - t0) / 1000;
    const onDisk = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    return {
      files: closed.length,
      seconds: s,
      recordsPerS: Math.round(n / s),
      diskBytesPerS: Math.round(onDisk / s),
      onDisk,
    };
  };
  const plain = await files(false);
  const zipped = await files(true);
  const loadAfter = loadavg();

  const lines = [
    `IPDR benchmark — ${new Date().toISOString()}`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    `${n} synthetic RUs, all 8 record types; files of ≤ 100,000 bytes`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| records rendered to XML per second (one core) | ${Math.round(n / renderS)} |`,
    `| XML bytes rendered per second | ${Math.round(bytes / renderS)} |`,
    `| records/s through the writer, plain (${plain.files} files, fsync each) | ${plain.recordsPerS} |`,
    `| bytes/s written, plain | ${plain.diskBytesPerS} |`,
    `| records/s through the writer, zip (${zipped.files} files) | ${zipped.recordsPerS} |`,
    `| zip size / plain size | ${(zipped.onDisk / plain.onDisk).toFixed(3)} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResults('ipdr-render', {
    n,
    loadBefore,
    loadAfter,
    renderPerS: Math.round(n / renderS),
    plain,
    zipped,
  });
}

runBench(main);

/**
 * `tandem ipdr verify` over a large archive: files checked per second with one xmllint per file
 * (what verify did before issue 15, batch size 1) and with one xmllint per batch of files, in one
 * run on the same files; a quarter of them compressed. Also the time to the first result.
 *
 *   npm run build && node dist/bench/ipdr-verify.js [--files 10000] [--batch 200]
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticRu } from '../lam/synthetic.js';
import { renderOffline } from '../node/accounting/ipdr/render-offline.js';
import { listIpdrFiles, verifyIpdrFiles } from '../node/accounting/ipdr/verify.js';
import { RECORD_TYPES } from '../proto/ru.js';
import { arg, runBench, writeResults } from './common.js';

async function archive(dir: string, count: number): Promise<void> {
  const rus = Array.from({ length: 100 }, (_, n) => syntheticRu('App1', n, RECORD_TYPES[n % 8]));
  const opts = {
    camIpAddress: '198.18.0.100',
    version: 'bench',
    fileRotationSize: 8_000,
    fileRotationTime: 0,
  };
  const plain = await renderOffline(rus, { ...opts, outDir: join(dir, 'src-plain'), compress: false });
  const zipped = await renderOffline(rus, { ...opts, outDir: join(dir, 'src-zip'), compress: true });
  for (let i = 0; i < count; i++) {
    const zip = i % 4 === 0;
    const from = zip
      ? join(dir, 'src-zip', zipped[i % zipped.length]!.name)
      : join(dir, 'src-plain', plain[i % plain.length]!.name);
    const t = i * 100;
    const hms = [t / 3_600_000, (t / 60_000) % 60, (t / 1000) % 60].map((v) =>
      String(Math.floor(v) % 100).padStart(2, '0'),
    );
    copyFileSync(
      from,
      join(
        dir,
        'acct',
        `IPDR_20261124@${hms.join('')}${String(t % 1000).padStart(3, '0')}.closed${zip ? '.zip' : ''}`,
      ),
    );
  }
}

async function measure(dir: string, batch: number) {
  const t0 = performance.now();
  const files = await listIpdrFiles(dir);
  let first = 0;
  let checked = 0;
  let problems = 0;
  for await (const c of verifyIpdrFiles(files, batch)) {
    if (checked++ === 0) first = performance.now() - t0;
    if (c.problems.length > 0) problems++;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    batch,
    files: checked,
    problems,
    seconds: Number(seconds.toFixed(2)),
    filesPerSecond: Math.round(checked / seconds),
    firstResultMs: Math.round(first),
  };
}

runBench(async () => {
  const count = arg('files', 10_000);
  const batch = arg('batch', 200);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-verify-'));
  mkdirSync(join(dir, 'acct'));
  await archive(dir, count);
  const loadBefore = loadavg();
  const perFile = await measure(join(dir, 'acct'), 1);
  const batched = await measure(join(dir, 'acct'), batch);
  const result = {
    files: count,
    cpus: cpus().length,
    loadBefore,
    loadAfter: loadavg(),
    perFile,
    batched,
    speedup: Number((batched.filesPerSecond / perFile.filesPerSecond).toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  writeResults('ipdr-verify', result);
  rmSync(dir, { recursive: true, force: true });
});

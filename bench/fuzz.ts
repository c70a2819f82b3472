/**
 * Hostile-input fuzzer, long profile (issue 12; the CI test runs the short one): ≥ 100 000 hostile
 * DTP frames and raw TCP garbage at a CAM process, ≥ 10 000 hostile admin and LAM API requests,
 * while a good application submits durable RUs through a LAM process, on a real Galera pair +
 * garbd. Prints the report (what was sent, how it was refused, the good LAM's longest ack gap,
 * the ledger check, resident memory before and after) and the findings, if any.
 *
 *   npm run build && node dist/bench/fuzz.js [--frames 120000] [--requests 12000] [--seed N]
 *
 * Results go to stdout and to bench/results/fuzz-<timestamp>.json; the figures to docs/reliability.md.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { fuzzSeed } from '../test/harness/hostile/prng.js';
import { LONG_PROFILE, runHostileSession } from '../test/harness/hostile/session.js';
import { arg, runBench, writeResults } from './common.js';

async function main(): Promise<void> {
  const profile = {
    ...LONG_PROFILE,
    dtpFrames: arg('frames', LONG_PROFILE.dtpFrames),
    httpRequests: arg('requests', LONG_PROFILE.httpRequests),
  };
  const seed = arg('seed', fuzzSeed());
  const base = '/tmp/tandem-bench-fuzz';
  rmSync(base, { recursive: true, force: true });
  mkdirSync(join(base, 'run'), { recursive: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 30500 });
  const loadBefore = loadavg();
  try {
    await cluster.start();
    const report = await runHostileSession({
      dir: join(base, 'run'),
      database: cluster.connectionFor('a'),
      profile,
      seed,
    });
    const result = { ...report, loadBefore, loadAfter: loadavg() };
    writeResults('fuzz', result);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const findings = [...report.dtp.findings, ...report.http.findings];
    const broken =
      findings.length > 0 ||
      !report.alive.cam ||
      !report.alive.lam ||
      report.good.missing > 0 ||
      report.good.doubled > 0 ||
      report.hostileStored > 0;
    if (broken) {
      process.stderr.write(`fuzz: FOUND (seed ${seed}):\n${findings.join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await cluster.stopAll();
  }
}

runBench(main);

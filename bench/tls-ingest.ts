/**
 * What mutual TLS on the DTP costs (issue 12): acknowledged RUs/s and the CAM's CPU time per 1 000
 * RUs with 4 and 16 LAM streams, plain and with mutual TLS (a certificate per LAM, checked against
 * its Hello), side by side in one run on one Galera pair + garbd — two CAM processes on their own
 * databases, run one after the other, plain first, then TLS, twice, so that drift shows.
 *
 *   npm run build && node dist/bench/tls-ingest.js [--seconds 8] [--outstanding 16]
 *
 * Results go to stdout as Markdown and to bench/results/tls-ingest-<timestamp>.json.
 */
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { sleep } from '../kernel/process.js';
import { channelCredentials } from '../kernel/tls/credentials.js';
import { createCa, issueCertificate } from '../ops/certs.js';
import { CamProcess } from '../ops/local-cam.js';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { testTls } from '../test/harness/tls.js';
import { arg, closedLoopStreams, runBench, writeResults } from './common.js';

const RUS_PER_BLOCK = 20;

/** user + system CPU time of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Run {
  mode: 'plain' | 'tls';
  streams: number;
  rusPerS: number;
  camCpuMsPer1000Rus: number;
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 8);
  const outstanding = arg('outstanding', 16);
  const base = '/tmp/tandem-bench-tls';
  rmSync(base, { recursive: true, force: true });
  const ca = join(base, 'ca');
  const certs = join(base, 'certs');
  createCa(ca);
  issueCertificate(ca, certs, { kind: 'cam', name: 'cam-tls', ips: ['127.0.0.1'] });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 30600 });
  const cams: Partial<Record<Run['mode'], CamProcess>> = {};
  const loadBefore = loadavg();
  try {
    await cluster.start();
    const admin = await mariadb.createConnection(cluster.connectionFor('a'));
    for (const mode of ['plain', 'tls'] as const) {
      const database = `tandem_bench_${mode}`;
      await admin.query(`CREATE DATABASE IF NOT EXISTS ${database}`);
      cams[mode] = await CamProcess.create({
        id: mode === 'tls' ? 'cam-tls' : 'cam-plain',
        dir: join(base, mode),
        database: { ...cluster.connectionFor('a'), database },
        logLevel: 'warn',
        extra:
          mode === 'tls'
            ? {
                tls: {
                  enabled: true,
                  caFile: join(ca, 'ca.crt'),
                  certFile: join(certs, 'cam-tls.crt'),
                  keyFile: join(certs, 'cam-tls.key'),
                },
              }
            : {},
      });
    }
    await admin.end();

    const runs: Run[] = [];
    for (const round of [1, 2])
      for (const streams of [4, 16])
        for (const mode of ['plain', 'tls'] as const) {
          const cam = cams[mode]!;
          cam.start();
          await cam.waitAccepting();
          let acked = 0;
          let measuring = false;
          const load = closedLoopStreams({
            target: cam.primaryTarget,
            streams,
            outstanding,
            rusPerBlock: RUS_PER_BLOCK,
            prefix: `${mode[0]}${round}${streams}`,
            onAck: () => {
              if (measuring) acked++;
            },
            credentialsFor:
              mode === 'tls'
                ? (lamId) => {
                    issueCertificate(ca, certs, { kind: 'lam', name: lamId });
                    return channelCredentials(testTls(ca, certs, lamId));
                  }
                : undefined,
          });
          await sleep(2000); // warm-up (and the TLS handshakes)
          const pid = cam.daemon!.child.pid!;
          const cpu0 = cpuMs(pid);
          const t0 = performance.now();
          measuring = true;
          await sleep(seconds * 1000);
          measuring = false;
          const elapsed = (performance.now() - t0) / 1000;
          const cpu = cpuMs(pid) - cpu0;
          await load.stop();
          await cam.stop();
          const rus = acked * RUS_PER_BLOCK;
          runs.push({
            mode,
            streams,
            rusPerS: Math.round(rus / elapsed),
            camCpuMsPer1000Rus: Number(((1000 * cpu) / rus).toFixed(1)),
          });
          process.stderr.write(`${JSON.stringify(runs.at(-1))}\n`);
        }
    const loadAfter = loadavg();
    const mean = (mode: Run['mode'], streams: number, key: 'rusPerS' | 'camCpuMsPer1000Rus') => {
      const xs = runs.filter((r) => r.mode === mode && r.streams === streams).map((r) => r[key]);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const lines = [
      `DTP with and without mutual TLS — ${new Date().toISOString()}`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
      `blocks of ${RUS_PER_BLOCK} RUs, ${outstanding} outstanding per stream, ${seconds} s per run after 2 s warm-up; two rounds, plain then TLS`,
      '',
      '| LAM streams | plain RUs/s | TLS RUs/s | TLS / plain | CAM CPU ms per 1 000 RUs, plain | TLS |',
      '|---:|---:|---:|---:|---:|---:|',
      ...[4, 16].map((n) => {
        const [p, t] = [mean('plain', n, 'rusPerS'), mean('tls', n, 'rusPerS')];
        return `| ${n} | ${Math.round(p)} | ${Math.round(t)} | ${(t / p).toFixed(2)} | ${mean('plain', n, 'camCpuMsPer1000Rus').toFixed(1)} | ${mean('tls', n, 'camCpuMsPer1000Rus').toFixed(1)} |`;
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeResults('tls-ingest', { loadBefore, loadAfter, seconds, outstanding, runs });
  } finally {
    for (const c of Object.values(cams)) await c?.stop().catch(() => undefined);
    await cluster.stopAll();
  }
}

runBench(main);

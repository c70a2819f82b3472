/** Shared plumbing of the benchmarks: arguments, percentiles, result files, exit codes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** bench/results/<name>-<timestamp>.json (from both the sources and dist/). */
export function writeResults(name: string, data: unknown): void {
  const root = dirname(import.meta.dirname.replace(join('dist', 'bench'), 'bench'));
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(data, null, 2),
  );
}

export function runBench(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}

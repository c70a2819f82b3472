/** `tandem lam spool verify|repair DIR`: report (and fix) a spool directory without a running LAM. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSegment } from '../kernel/block-log.js';
import { mustBeDirectory } from '../kernel/fs-checks.js';
import { silentLogger } from '../kernel/logger.js';
import { Spool } from './spool.js';
import { parseSpoolName } from './spool-names.js';

export interface SpoolFileReport {
  file: string;
  blocks: number;
  rus: number;
  bytes: number;
  problem?: 'torn' | 'corrupt';
  damagedBytes: number;
}

/** The spool files of DIR, in name order (= the order the LAM wrote them). */
export async function listSpoolFiles(dir: string): Promise<string[]> {
  await mustBeDirectory(dir);
  return (await readdir(dir)).filter((name) => parseSpoolName(name)).sort();
}

/** Reads and checks each file, yielding its report as soon as it is read. */
export async function* verifySpoolFiles(dir: string, names: string[]): AsyncGenerator<SpoolFileReport> {
  for (const name of names) {
    const buf = await readFile(join(dir, name));
    const d = decodeSegment(buf);
    yield {
      file: name,
      blocks: d.blocks.length,
      rus: d.blocks.reduce((n, b) => n + b.ruCount, 0),
      bytes: buf.length,
      problem: d.problem,
      damagedBytes: buf.length - d.validBytes,
    };
  }
}

/** Quarantines damaged tails exactly as a starting LAM would; returns what was moved. */
export async function repairSpool(dir: string) {
  await mustBeDirectory(dir);
  const { spool, report } = await Spool.open(
    dir,
    { fileRotationSize: 1, fileRotationTime: 0 },
    silentLogger(),
  );
  await spool.close();
  return report;
}

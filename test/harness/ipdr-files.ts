/** Reading IPDR output in tests: checksums and the closed files of an accounting directory. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sha256File = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

/** `Primary/…closed` and `Recovery/…closed` paths, relative to `acct`, sorted. */
export function closedIpdrFiles(acct: string): string[] {
  return ['Primary', 'Recovery']
    .flatMap((series) =>
      readdirSync(join(acct, series))
        .filter((f) => f.endsWith('.closed'))
        .map((f) => join(series, f)),
    )
    .sort();
}

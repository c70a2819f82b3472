/**
 * Writing a closed IPDR file into its directory: `<stem>.closed` (or `.closed.zip` with File
 * Compression), durable before the `.active` copy it supersedes is removed; safe to repeat after a
 * crash. Used by the CAM's renderer and by `tandem ipdr render`.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeFileDurably } from '../../../kernel/durable-fs.js';
import { zipDocument } from './document.js';

export async function writeClosedFile(
  dir: string,
  file: { stem: string; closedAtMs: number },
  content: string,
  compress: boolean,
): Promise<string> {
  const closed = `${file.stem}.closed`;
  const name = compress ? `${closed}.zip` : closed;
  await writeFileDurably(
    join(dir, name),
    compress ? await zipDocument(file.stem, content, file.closedAtMs) : content,
  );
  // The .active copy is superseded by the durable closed file (same records, now with its end).
  await rm(join(dir, `${file.stem}.active`), { force: true });
  await syncDir(dir);
  return name;
}

/** Is any file of this stem in the directory (accounting files are never overwritten)? */
export async function stemInUse(dir: string, stem: string): Promise<boolean> {
  return (await readdir(dir)).some((n) => n.startsWith(`${stem}.`));
}

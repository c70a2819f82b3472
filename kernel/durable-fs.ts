/** Small durable-write helpers; every handle is closed on every path (errors included). */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory, so that renames and new entries in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Renames and makes the rename durable (the directory entry is fsync'd too). */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDir(dirname(to));
  if (dirname(from) !== dirname(to)) await syncDir(dirname(from));
}

/** Writes `path` atomically: a temporary file, fsync'd, then renamed over `path` (durably). */
export async function writeFileDurably(path: string, content: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp`;
  const h = await open(tmp, 'w');
  try {
    await h.writeFile(content);
    await h.sync();
  } finally {
    await h.close();
  }
  await renameDurably(tmp, path);
}

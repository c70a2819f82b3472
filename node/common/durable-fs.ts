/** Small durable-write helpers; every handle is closed on every path (errors included). */
import { open, rename } from 'node:fs/promises';

/** fsync a directory, so that renames and new entries in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes `path` atomically: a temporary file, fsync'd, then renamed over `path`. */
export async function writeFileDurably(path: string, content: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp`;
  const h = await open(tmp, 'w');
  try {
    await h.writeFile(content);
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(tmp, path);
}

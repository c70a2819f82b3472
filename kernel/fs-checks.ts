import { stat } from 'node:fs/promises';

/** A clear error for a path that is missing or not a directory (CLI arguments). */
export async function mustBeDirectory(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new Error(`${dir}: no such directory`);
  if (!s.isDirectory()) throw new Error(`${dir}: not a directory`);
}

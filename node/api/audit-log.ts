/**
 * The audit log of operator commands: one JSON line per command request — who (or that nobody was
 * authenticated), from where, what, when, and the result — appended to `<node.dataDir>/audit.log`
 * (0600) and synced before the answer, so that a command that was run is on disk.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export interface AuditEntry {
  at: string;
  operator: string | null;
  role: string | null;
  from: string;
  command: string;
  body: unknown;
  /** accepted, refused (the node said no), forbidden, unauthenticated, invalid. */
  result: 'accepted' | 'refused' | 'forbidden' | 'unauthenticated' | 'invalid';
  detail: string;
}

/** Most characters of a request body kept in an audit line. */
export const AUDIT_BODY_MAX = 2048;

/**
 * The body as the audit line keeps it: as sent when small; else its first AUDIT_BODY_MAX characters
 * and its length; a body too deeply nested to serialise is named, not logged (it cannot crash the
 * answer: the command was refused as invalid long before).
 */
export function auditBody(body: unknown): unknown {
  let text: string;
  try {
    text = JSON.stringify(body) ?? 'null';
  } catch {
    return { unloggable: 'nested too deeply to write out' };
  }
  return text.length <= AUDIT_BODY_MAX
    ? body
    : { truncated: text.slice(0, AUDIT_BODY_MAX), chars: text.length };
}

export class AuditLog {
  readonly path: string;
  private tail: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'audit.log');
  }

  /** Appends in order (one write at a time) and resolves once the line is synced. */
  append(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify({ ...entry, body: auditBody(entry.body), detail: entry.detail.slice(0, AUDIT_BODY_MAX) })}\n`;
    const write = this.tail.then(async () => {
      const f = await open(this.path, 'a', 0o600);
      try {
        await f.write(line);
        await f.sync();
      } finally {
        await f.close();
      }
    });
    this.tail = write.catch(() => undefined);
    return write;
  }
}

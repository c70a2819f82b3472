/**
 * Who may use the admin API (`node.adminTokensFile`): operators by name, each with a role and the
 * SHA-256 of a bearer token (the token itself is never stored). `reader` sees status, metrics and
 * alarms; `operator` may also run the pair's commands. The file is re-read when it changes, so a
 * token is added or revoked without a restart. A role per operator now; company-scoped users of the
 * service-provider layer add a scope to the same entry later.
 *
 *   - name: alice
 *     role: operator
 *     tokenSha256: 3f1c…   # tandem admin token --name alice --role operator --file <this file>
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bearerToken, sha256Hex } from '../../kernel/http/bearer.js';

export const ROLES = ['reader', 'operator'] as const;
export type Role = (typeof ROLES)[number];
export type Access = 'read' | 'command';

export interface Operator {
  name: string;
  role: Role;
  tokenSha256: string;
}

const entrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, . _ - (≤ 64)'),
  role: z.enum(ROLES),
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (sha256 of the token)'),
});

/** Parses the tokens file; throws naming the entry and field that is wrong. Pure. */
export function parseOperators(text: string, file: string): Operator[] {
  const doc: unknown = text.trim() === '' ? [] : parseYaml(text);
  if (!Array.isArray(doc))
    throw new Error(`${file}: a list of {name, role, tokenSha256} entries is expected`);
  const names = new Set<string>();
  return doc.map((entry, i) => {
    const r = entrySchema.safeParse(entry);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new Error(`${file}: entry ${i + 1}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
    }
    if (names.has(r.data.name)) throw new Error(`${file}: entry ${i + 1}: name ${r.data.name} appears twice`);
    names.add(r.data.name);
    return r.data;
  });
}

export const allows = (role: Role, access: Access): boolean => access === 'read' || role === 'operator';

export type AuthResult = { ok: true; operator: Operator } | { ok: false; status: 401; error: string };

/** Finds the operator of an `Authorization: Bearer …` header, in constant time per entry. Pure. */
export function authenticate(operators: readonly Operator[], header: string | undefined): AuthResult {
  const token = bearerToken(header);
  if (token === undefined)
    return { ok: false, status: 401, error: 'authentication required: Authorization: Bearer <token>' };
  const digest = Buffer.from(sha256Hex(token), 'hex');
  let found: Operator | undefined;
  for (const o of operators) if (timingSafeEqual(digest, Buffer.from(o.tokenSha256, 'hex'))) found = o;
  return found ? { ok: true, operator: found } : { ok: false, status: 401, error: 'the token is not valid' };
}

/** The tokens file, re-read when it changes (checked at most once a second). */
export class OperatorTokens {
  private operators: Operator[] = [];
  private mtimeMs = -1;
  private checkedAt = 0;
  lastError = '';

  constructor(readonly file: string) {
    this.refresh(true);
  }

  current(): readonly Operator[] {
    this.refresh(false);
    return this.operators;
  }

  private refresh(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      const mtimeMs = statSync(this.file).mtimeMs;
      if (mtimeMs === this.mtimeMs) return;
      this.operators = parseOperators(readFileSync(this.file, 'utf8'), this.file);
      this.mtimeMs = mtimeMs;
      this.lastError = '';
    } catch (err) {
      // At start-up a bad file stops the node; later the last good list stays and the error shows.
      if (force) throw new Error(`node.adminTokensFile: ${(err as Error).message}`);
      this.lastError = (err as Error).message;
    }
  }
}

/**
 * Deployment profiles (ops/profiles/<name>.yaml): what a kind of server brings — paths, the
 * partitions to watch and their thresholds, database and queue sizing, the RAID check. A node's
 * file names one (`profile: netra-t1400`) and overrides any of it: the profile lies under the file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { IDENTIFIER } from '../../kernel/config/fields.js';
import { ConfigError } from '../../kernel/config/parse.js';
import { tandemRoot } from '../../kernel/version.js';
import { parseNodeConfig } from './schema.js';

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` laid on `base`: sections merge key by key; scalars and lists are replaced whole. Pure. */
export function overlay(base: unknown, over: unknown): unknown {
  if (!isDoc(base) || !isDoc(over)) return over === undefined ? base : over;
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = overlay(base[k], v);
  return out;
}

export const profilesDir = (): string => join(tandemRoot(), 'ops', 'profiles');

export function profileFile(profile: string, dir = profilesDir()): string {
  return isAbsolute(profile) ? profile : join(dir, `${profile}.yaml`);
}

/**
 * A profile must be a valid configuration once a node id is added, and must not name the node or
 * another profile; every problem is named with the profile's file.
 */
export function checkProfile(file: string, doc: unknown): Doc {
  const problems: string[] = [];
  if (!isDoc(doc)) throw new ConfigError([`${file}: is not a section of settings (a YAML mapping)`]);
  if ('profile' in doc) problems.push(`${file}: profile: a profile cannot name another profile`);
  if (isDoc(doc.node) && 'id' in doc.node)
    problems.push(`${file}: node.id: a profile is for any node; set it in the node's file`);
  try {
    parseNodeConfig(overlay(doc, { node: { id: 'profile-check' } }));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((p) => `${file}: ${p}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return doc;
}

/** The node's document with its profile, if it names one, laid under it. */
export function applyProfile(doc: unknown, read: (file: string) => unknown, dir = profilesDir()): unknown {
  if (!isDoc(doc) || typeof doc.profile !== 'string' || doc.profile === '') return doc;
  // Before any path is built from it: a name must not climb out of the profiles' folder.
  if (!isAbsolute(doc.profile) && !IDENTIFIER.test(doc.profile))
    throw new ConfigError([
      `profile: ${doc.profile} is neither a profile name (${IDENTIFIER.allowed}) nor an absolute path`,
    ]);
  const file = profileFile(doc.profile, dir);
  if (!isAbsolute(doc.profile) && !existsSync(file)) {
    const known = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];
    throw new ConfigError([
      `profile: ${doc.profile} is not a profile of ${dir}; allowed: ${known.map((f) => f.slice(0, -5)).join(', ') || '(none there)'}, or an absolute path`,
    ]);
  }
  return overlay(checkProfile(file, read(file)), doc);
}

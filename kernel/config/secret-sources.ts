/**
 * Secrets kept out of configuration files: beside any secret field `x` (declared `str({ secret })`),
 * a file may give `xFile: /path` (the file's content, without its final newline) or `xEnv: NAME`
 * (an environment variable) instead of the value. Resolved before validation, so the value is then
 * checked like any other and never repeated in an error. Pure: the file reader and the environment
 * are passed in.
 */
import type { z } from 'zod';
import { ConfigError } from './parse.js';
import { secretFieldsOf } from './redact.js';

export interface SecretSources {
  readFile(path: string): string;
  env: Readonly<Record<string, string | undefined>>;
}

export function resolveSecretSources(schema: z.ZodType, input: unknown, sources: SecretSources): unknown {
  const problems: string[] = [];
  const out = resolve(schema, structuredCloneSafe(input), '', sources, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

function resolve(
  schema: z.ZodType,
  input: unknown,
  path: string,
  s: SecretSources,
  problems: string[],
): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const { secrets, sections } = secretFieldsOf(schema);
  const obj = input as Record<string, unknown>;
  for (const key of secrets) {
    const at = `${path}${key}`;
    const file = obj[`${key}File`];
    const env = obj[`${key}Env`];
    const given = [key in obj, file !== undefined, env !== undefined].filter(Boolean).length;
    if (given === 0) continue;
    if (given > 1) {
      problems.push(`${at}: give only one of ${key}, ${key}File and ${key}Env`);
      continue;
    }
    delete obj[`${key}File`];
    delete obj[`${key}Env`];
    if (file !== undefined) {
      if (typeof file !== 'string' || !file.startsWith('/')) {
        problems.push(`${at}File: ${JSON.stringify(file)} is not valid; allowed: an absolute path`);
        continue;
      }
      try {
        obj[key] = s.readFile(file).replace(/\r?\n$/, '');
      } catch (err) {
        problems.push(
          `${at}File: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        );
      }
    } else if (env !== undefined) {
      if (typeof env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) {
        problems.push(`${at}Env: ${JSON.stringify(env)} is not valid; allowed: an environment variable name`);
        continue;
      }
      const value = s.env[env];
      if (value === undefined) problems.push(`${at}Env: the environment variable ${env} is not set`);
      else obj[key] = value;
    }
  }
  for (const [key, section] of sections)
    if (key in obj) obj[key] = resolve(section, obj[key], `${path}${key}.`, s, problems);
  return obj;
}

function structuredCloneSafe(v: unknown): unknown {
  return v === undefined ? v : structuredClone(v);
}

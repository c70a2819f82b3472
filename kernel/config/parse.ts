/**
 * Turning configuration input into typed values or one clear error: a ConfigError lists every bad
 * field as "<path>: <what was wrong>; allowed: …". Shared by the node's and the LAM's configuration.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One line per bad field: "<path>: <what was wrong>; allowed: …". */
export function formatConfigErrors(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const prefix = path === '(root)' ? '' : `${path}.`;
      return issue.keys.map((k) => `${prefix}${k}: unknown field`).join('\n');
    }
    if (issue.code === 'invalid_type') {
      return /received undefined/.test(issue.message)
        ? `${path}: is required (${issue.expected === 'object' ? 'a section' : issue.expected})`
        : `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
    }
    return `${path}: ${issue.message}`;
  });
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(formatConfigErrors(result.error).flatMap((l) => l.split('\n')));
  return result.data;
}

/** Reads a YAML (or JSON) file; a syntax error names the file, line and column. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot be read (${(err as Error).message})`]);
  }
  try {
    return parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (err) {
    throw new ConfigError([`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
}

import { ConfigError } from '../../kernel/config/parse.js';

/** The problems a ConfigError lists ([] when `fn` succeeds); any other error is thrown on. */
export function configProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

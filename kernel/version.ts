import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root directory and version, found from both the sources and dist/. */
function findPackage(): { root: string; version: string } | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tandem' && pkg.version) return { root: dir, version: pkg.version };
    } catch {
      // not here
    }
    dir = dirname(dir);
  }
  return undefined;
}

export function tandemVersion(): string {
  return findPackage()?.version ?? '0.0.0';
}

/** The installation's root (where package.json, ops/ and docs/ are); the working directory if not found. */
export function tandemRoot(): string {
  return findPackage()?.root ?? process.cwd();
}

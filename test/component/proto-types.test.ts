/**
 * The TypeScript types of proto/*.proto are generated (ops/proto-types.sh → proto/gen/), not kept
 * by hand: this fails when a .proto file changed and the generated types were not refreshed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('generated protobuf types', () => {
  it('proto/gen matches what ops/proto-types.sh generates from the .proto files now', () => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'tandem-proto-')), 'gen');
    execFileSync('bash', [join(root, 'ops', 'proto-types.sh'), fresh], { cwd: root });
    const want = files(fresh);
    const have = files(join(root, 'proto', 'gen'));
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, text] of want)
      expect(have.get(name), `proto/gen/${name} is stale: run ops/proto-types.sh`).toBe(text);
  }, 60_000);
});

/**
 * The systemd units of ops/systemd/: `systemd-analyze verify` finds nothing to say about them (an
 * unknown key, a missing executable, a bad value would be named), and every tandem command they
 * run exists in this build with the options they pass (the units cannot drift from the CLI).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../ops/local-process.js';

const run = promisify(execFile);
const unitsDir = join(import.meta.dirname, '..', '..', 'ops', 'systemd');
const units = readdirSync(unitsDir).filter((f) => f.endsWith('.service'));
const scratch = mkdtempSync(join(tmpdir(), 'tandem-units-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What `systemd-analyze verify` says about this file (lines about other units are left out). */
async function verify(file: string): Promise<string[]> {
  const out = await run('systemd-analyze', ['verify', file]).then(
    (r) => r.stderr,
    (err: { stderr: string }) => err.stderr,
  );
  return out.split('\n').filter((l) => l.includes(file.split('/').pop()!));
}

/** The tandem command lines of a unit: ExecStart=/usr/bin/node /opt/tandem/current/dist/ops/cli.js … */
function tandemCommands(text: string): string[][] {
  return [
    ...text.matchAll(/^Exec\w+=\/usr\/bin\/node \/opt\/tandem\/current\/dist\/ops\/cli\.js (.+)$/gm),
  ].map((m) => m[1]!.split(' '));
}

describe('systemd units', () => {
  it('are the node, the LAM and the witness', () => {
    expect(units.sort()).toEqual(['tandem-garbd.service', 'tandem-lam.service', 'tandem-node.service']);
  });

  it.each(units)('%s: systemd-analyze verify is silent', async (unit) => {
    expect(await verify(join(unitsDir, unit))).toEqual([]);
  });

  it('the check is not blind: a unit with an unknown key and a missing executable is named', async () => {
    const bad = join(scratch, 'tandem-bad.service');
    copyFileSync(join(unitsDir, 'tandem-lam.service'), bad);
    const text = readFileSync(bad, 'utf8').replace('/usr/bin/node', '/usr/bin/no-such-node');
    writeFileSync(bad, text.replace('[Service]', '[Service]\nRestartSecs=2'));
    const said = (await verify(bad)).join('\n');
    expect(said).toMatch(/Unknown key 'RestartSecs'/);
    expect(said).toMatch(/no-such-node is not executable/);
  });

  it.each(units.filter((u) => tandemCommands(readFileSync(join(unitsDir, u), 'utf8')).length > 0))(
    "%s: every tandem command it runs is one of this build's, with its options",
    async (unit) => {
      for (const args of tandemCommands(readFileSync(join(unitsDir, unit), 'utf8'))) {
        const words = args.slice(
          0,
          args.findIndex((a) => a.startsWith('-')),
        );
        const { stdout } = await run(process.execPath, [CLI, ...words, '--help']);
        for (const option of args.filter((a) => a.startsWith('--')))
          expect(stdout, `${unit}: ${args.join(' ')}`).toContain(option);
      }
    },
  );
});

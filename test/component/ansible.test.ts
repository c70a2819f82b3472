/**
 * The Ansible tree (ansible/): ansible-lint (production profile) finds nothing, both playbooks pass
 * the syntax check, and the file-only part of site.yml — the release archive ops/release.sh builds,
 * unpacked with `current` and `tandem` on PATH, a CAM node's and a LAM's configuration validated by
 * the release's own check — runs for real on this machine as the example inventory's cam-a, and a second run changes nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tandemVersion } from '../../kernel/version.js';
import { CLI } from '../../ops/local-process.js';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const ansibleDir = join(repo, 'ansible');
const scratch = mkdtempSync(join(tmpdir(), 'tandem-ansible-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ansible = (cmd: string, args: string[]) =>
  run(cmd, args, {
    cwd: ansibleDir,
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout: string; stderr: string }) => {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout}\n${err.stderr}`);
  });

describe('Ansible', () => {
  it('ansible-lint (production profile) finds nothing', async () => {
    const { stdout, stderr } = await ansible('ansible-lint', ['--offline', '--nocolor']);
    expect(`${stdout}${stderr}`).toContain('Passed with production profile');
  }, 120_000);

  it('site.yml and upgrade.yml pass the syntax check', async () => {
    await ansible('ansible-playbook', ['--syntax-check', 'site.yml', 'upgrade.yml']);
  }, 60_000);

  describe('the release, a node and a LAM installed on this machine', () => {
    const prefix = join(scratch, 'opt');
    const etc = join(scratch, 'etc');
    const vars = join(scratch, 'vars.json');
    const recap = (out: string) =>
      /cam-a\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0/.exec(out);
    let archive = '';

    beforeAll(async () => {
      archive = (
        await run('bash', [join(repo, 'ops', 'release.sh'), join(scratch, 'release')], { cwd: repo })
      ).stdout
        .trim()
        .split('\n')
        .at(-1)!;
      const pki = join(scratch, 'pki');
      await run('node', [CLI, 'certs', 'ca', '--dir', pki]);
      for (const [kind, name, ip] of [
        ['cam', 'cam-a', '198.18.0.100,198.18.0.1'],
        ['lam', 'App1', ''],
      ] as const) {
        await run('node', [
          CLI,
          'certs',
          'issue',
          '--ca',
          pki,
          '--out',
          pki,
          '--kind',
          kind,
          '--name',
          name,
          ...(ip ? ['--ip', ip] : []),
        ]);
      }
      writeFileSync(
        vars,
        JSON.stringify({
          tandem_version: tandemVersion(),
          tandem_release_archive: archive,
          tandem_release_prefix: prefix,
          tandem_release_bin_dir: join(scratch, 'bin'),
          tandem_tls_source_dir: pki,
          // The rest comes from the example inventory (cam-a and group_vars/all); only where files
          // go, the secret and the LAM's name are set here.
          tandem_node_etc_dir: join(etc, 'node'),
          tandem_node_data_dir: join(scratch, 'var'),
          tandem_lam_etc_dir: join(etc, 'lam'),
          tandem_lam_spool_dir: join(scratch, 'spool'),
          tandem_db_password: 'not-a-real-secret-42',
          tandem_lam_component: 'App1',
        }),
      );
    }, 180_000);

    const playbook = () =>
      ansible('ansible-playbook', ['-i', 'inventory/example', '-e', `@${vars}`, 'tests/local-install.yml']);

    it('installs: current names the release, tandem runs from PATH, configurations are valid, the secret is 0600', async () => {
      const first = recap((await playbook()).stdout);
      expect(first, 'a play recap with no failure').not.toBeNull();
      expect(Number(first![2])).toBeGreaterThan(0);
      expect(readlinkSync(join(prefix, 'current'))).toBe(join(prefix, 'releases', tandemVersion()));
      const version = await run(join(scratch, 'bin', 'tandem'), ['--version']);
      expect(version.stdout.trim()).toBe(tandemVersion());
      const nodeYaml = join(etc, 'node', 'node.yaml');
      expect((await run(join(scratch, 'bin', 'tandem'), ['config', 'check', nodeYaml])).stdout).toContain(
        'valid',
      );
      expect(readFileSync(nodeYaml, 'utf8')).toContain('profile: generic');
      expect(readFileSync(nodeYaml, 'utf8')).not.toContain('not-a-real-secret-42');
      expect(statSync(join(etc, 'node', 'secrets', 'db-password')).mode & 0o777).toBe(0o600);
      const lamYaml = join(etc, 'lam', 'lam.yaml');
      expect(
        (await run(join(scratch, 'bin', 'tandem'), ['config', 'check', '--lam', lamYaml])).stdout,
      ).toContain('valid');
    }, 180_000);

    it('a second run changes nothing', async () => {
      const second = recap((await playbook()).stdout);
      expect(second, 'a play recap with no failure').not.toBeNull();
      expect(Number(second![2])).toBe(0);
    }, 180_000);
  });
});

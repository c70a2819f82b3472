import { describe, expect, it } from 'vitest';
import { resolveSecretSources, type SecretSources } from '../../kernel/config/secret-sources.js';
import { lamConfigFileSchema, parseLamConfigFile } from '../../lam/config.js';
import { nodeConfigSchema, parseNodeConfig } from '../../node/config/schema.js';
import { configProblems } from '../harness/config-problems.js';

const files: Record<string, string> = {
  '/run/secrets/db': 'db-s3cret\n',
  '/run/secrets/comm': 'comm-s3cret',
};
const sources: SecretSources = {
  readFile: (p) => {
    const v = files[p];
    if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return v;
  },
  env: { TANDEM_FTP_PASSWORD: 'ftp-s3cret' },
};
const node = (extra: Record<string, unknown>) =>
  parseNodeConfig(resolveSecretSources(nodeConfigSchema, { node: { id: 'cam-a' }, ...extra }, sources));
const problems = configProblems;

describe('secrets from files and the environment', () => {
  it('reads xFile (without its final newline) and xEnv into the secret field', () => {
    const c = node({
      database: { passwordFile: '/run/secrets/db' },
      cam: { ftpUserPasswordEnv: 'TANDEM_FTP_PASSWORD' },
      fcaps: { snmpCommunityFile: '/run/secrets/comm' },
    });
    expect(c.database.password).toBe('db-s3cret');
    expect(c.cam.ftpUserPassword).toBe('ftp-s3cret');
    expect(c.fcaps.snmpCommunity).toBe('comm-s3cret');
  });

  it('works for the LAM file too', () => {
    const c = parseLamConfigFile(
      resolveSecretSources(
        lamConfigFileSchema,
        { lam: { componentName: 'App1' }, fcaps: { snmpAuthKeyEnv: 'TANDEM_FTP_PASSWORD' } },
        sources,
      ),
    );
    expect(c.fcaps.snmpAuthKey).toBe('ftp-s3cret');
  });

  it.each([
    [
      { database: { passwordFile: '/run/secrets/none' } },
      'database.passwordFile: /run/secrets/none cannot be read (ENOENT)',
    ],
    [
      { database: { passwordFile: 'relative' } },
      'database.passwordFile: "relative" is not valid; allowed: an absolute path',
    ],
    [
      { database: { passwordEnv: 'NOT_SET' } },
      'database.passwordEnv: the environment variable NOT_SET is not set',
    ],
    [
      { database: { passwordEnv: 'a-b' } },
      'database.passwordEnv: "a-b" is not valid; allowed: an environment variable name',
    ],
    [
      { database: { password: 'x', passwordFile: '/run/secrets/db' } },
      'database.password: give only one of password, passwordFile and passwordEnv',
    ],
  ])('%j → %s', (extra, message) => {
    expect(problems(() => node(extra))).toEqual([message]);
  });

  it('never puts a secret value in an error, and leaves other fields alone', () => {
    const errs = problems(() => node({ database: { passwordFile: '/run/secrets/db', user: 7 } }));
    expect(errs.join('\n')).not.toContain('db-s3cret');
    expect(errs.join('\n')).toMatch(/database\.user/);
    // An unknown …File field that is not a secret's stays unknown.
    expect(problems(() => node({ database: { hostFile: '/x' } }))).toEqual([
      'database.hostFile: unknown field',
    ]);
  });
});

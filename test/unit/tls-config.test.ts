import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../kernel/config/parse.js';
import { identityUri } from '../../kernel/tls/identity.js';
import { parseLamConfigFile } from '../../lam/config.js';
import { parseNodeConfig } from '../../node/config/schema.js';

const problems = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return '';
};

describe('tls configuration', () => {
  it('is off by default, for the node and the LAM', () => {
    expect(parseNodeConfig({ node: { id: 'cam-a' } }).tls.enabled).toBe(false);
    expect(parseLamConfigFile({ lam: { componentName: 'App1' } }).tls.enabled).toBe(false);
  });

  it.each([
    [{ enabled: true }, ['tls.caFile: is required', 'tls.certFile: is required', 'tls.keyFile: is required']],
    [{ enabled: true, caFile: 'ca.crt', certFile: '/c', keyFile: '/k' }, ['tls.caFile']],
    [{ reloadIntervalMs: 10 }, ['tls.reloadIntervalMs']],
    [{ enabled: 'yes' }, ['tls.enabled']],
  ])('%j is refused, naming %j', (tls, names) => {
    const message = problems(() => parseNodeConfig({ node: { id: 'cam-a' }, tls }));
    for (const n of names) expect(message).toContain(n);
  });

  it.each([
    ['cam', 'cam-a', 'tandem://cam/cam-a'],
    ['lam', 'App1', 'tandem://lam/App1'],
    ['operator', 'alice', 'tandem://operator/alice'],
  ] as const)('identity of a %s named %s is %s', (kind, name, uri) =>
    expect(identityUri(kind, name)).toBe(uri),
  );
});

import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../kernel/http/bearer.js';
import { isLoopbackListen } from '../../node/api/admin-exposure.js';
import { allows, authenticate, parseOperators } from '../../node/api/operators.js';

const TOKEN = 'a-long-enough-token-0123456789';
const alice = { name: 'alice', role: 'operator' as const, tokenSha256: sha256Hex(TOKEN) };
const bob = { name: 'bob', role: 'reader' as const, tokenSha256: sha256Hex(`${TOKEN}-bob`) };

describe('admin API operators', () => {
  it('parses the tokens file', () => {
    const text = `- name: alice\n  role: operator\n  tokenSha256: ${alice.tokenSha256}\n`;
    expect(parseOperators(text, 'f')).toEqual([alice]);
    expect(parseOperators('', 'f')).toEqual([]);
  });

  it.each([
    ['name: x', 'f: a list of {name, role, tokenSha256} entries is expected'],
    [`- name: alice\n  role: admin\n  tokenSha256: ${alice.tokenSha256}`, 'f: entry 1: role:'],
    ['- name: alice\n  role: reader\n  tokenSha256: abc', 'f: entry 1: tokenSha256: 64 lowercase hex digits'],
    [`- name: a b\n  role: reader\n  tokenSha256: ${alice.tokenSha256}`, 'f: entry 1: name:'],
    [`- name: a\n  role: reader\n  tokenSha256: ${alice.tokenSha256}\n  token: plain`, 'f: entry 1:'],
    [
      `- name: a\n  role: reader\n  tokenSha256: ${alice.tokenSha256}\n- name: a\n  role: reader\n  tokenSha256: ${bob.tokenSha256}`,
      'f: entry 2: name a appears twice',
    ],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseOperators(text, 'f')).toThrow(message);
  });

  it.each([
    [undefined, false, 'authentication required'],
    ['Basic abc', false, 'authentication required'],
    ['Bearer short', false, 'authentication required'],
    [`Bearer ${TOKEN}x`, false, 'the token is not valid'],
    [`Bearer ${TOKEN}`, true, 'alice'],
    [`Bearer ${TOKEN}-bob`, true, 'bob'],
  ])('Authorization %j → %s', (header, ok, what) => {
    const r = authenticate([alice, bob], header);
    expect(r.ok).toBe(ok);
    if (r.ok) expect(r.operator.name).toBe(what);
    else expect(r.error).toContain(what);
  });

  it.each([
    ['reader', 'read', true],
    ['reader', 'command', false],
    ['operator', 'read', true],
    ['operator', 'command', true],
  ] as const)('%s may %s: %s', (role, access, ok) => expect(allows(role, access)).toBe(ok));

  it.each([
    ['127.0.0.1:7600', true],
    ['127.9.0.1:7600', true],
    ['localhost:7600', true],
    ['[::1]:7600', true],
    ['0.0.0.0:7600', false],
    ['198.18.0.1:7600', false],
  ])('%s is loopback: %s', (listen, loopback) => expect(isLoopbackListen(listen)).toBe(loopback));
});

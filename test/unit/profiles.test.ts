/**
 * Deployment profiles (ops/profiles/): each validates like any configuration, lies under the node's
 * file, and a bad one is refused with its file and field named. Reads the profile files, nothing else.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../kernel/config/parse.js';
import { applyProfile, checkProfile, overlay, profilesDir } from '../../node/config/profile.js';
import { parseNodeConfig } from '../../node/config/schema.js';
import { configProblems } from '../harness/config-problems.js';

const problems = configProblems;

const withProfile = (doc: Record<string, unknown>) => parseNodeConfig(applyProfile(doc, readConfigFile));
const profiles = readdirSync(profilesDir()).filter((f) => f.endsWith('.yaml'));

describe('overlay', () => {
  it.each([
    [{ a: 1 }, { a: 2 }, { a: 2 }],
    [{ a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
    [{ a: 1 }, {}, { a: 1 }],
    [{ a: 1 }, { b: { c: 1 } }, { a: 1, b: { c: 1 } }],
  ])('%j under %j → %j', (base, over, out) => {
    expect(overlay(base, over)).toEqual(out);
  });
});

describe('the profiles of ops/profiles/', () => {
  it('are netra-t1400 and generic at least', () => {
    expect(profiles).toEqual(expect.arrayContaining(['generic.yaml', 'netra-t1400.yaml']));
  });

  it.each(profiles)('%s validates as a configuration', (file) => {
    const path = join(profilesDir(), file);
    expect(problems(() => checkProfile(path, readConfigFile(path)))).toEqual([]);
  });

  it('netra-t1400: the array holds the data, both md arrays watched, sized for 4 GB', () => {
    const c = withProfile({ profile: 'netra-t1400', node: { id: 'cam-a' } });
    expect(c.profile).toBe('netra-t1400');
    expect(c.cam.baseFilePath).toBe('/billing/CAM/accounting');
    expect(c.node.dataDir).toBe('/billing/tandem');
    expect(c.galera.dataDir).toBe('/billing/galera');
    expect(c.galera.bufferPoolMb + c.galera.gcacheMb).toBeLessThanOrEqual(2048);
    expect(c.server.raid).toEqual({
      enabled: true,
      mdstatPath: '/proc/mdstat',
      arrays: ['md0', 'md1'],
      intervalMs: 5000,
    });
    expect(c.server.partitions.map((p) => p.path)).toEqual(['/', '/var']);
  });

  it("the node's file overrides the profile, field by field", () => {
    const c = withProfile({
      profile: 'netra-t1400',
      node: { id: 'cam-b' },
      cam: { diskMonitorMajorThreshold: 60 },
      server: { raid: { arrays: ['md1'] } },
    });
    expect(c.cam.diskMonitorMajorThreshold).toBe(60);
    expect(c.cam.diskMonitorCriticalThreshold).toBe(85);
    expect(c.server.raid).toMatchObject({ enabled: true, arrays: ['md1'] });
  });

  it('no profile: the defaults, no partitions beyond the accounting one, no RAID check', () => {
    const c = withProfile({ node: { id: 'cam-a' } });
    expect(c.profile).toBe('');
    expect(c.server).toEqual({
      partitions: [],
      raid: { enabled: false, mdstatPath: '/proc/mdstat', arrays: [], intervalMs: 5000 },
    });
    expect(c.galera).toMatchObject({ bufferPoolMb: 64, gcacheMb: 64 });
  });
});

describe('a bad profile is refused with its file and field named', () => {
  const read = (doc: unknown) => () => doc;
  it.each<[string, unknown, RegExp]>([
    [
      'an unknown field',
      { cam: { diskMonitorMajor: 1 } },
      /^\/p\/bad\.yaml: cam\.diskMonitorMajor: unknown field$/,
    ],
    [
      'a value out of range',
      { galera: { bufferPoolMb: 1 } },
      /^\/p\/bad\.yaml: galera\.bufferPoolMb: 1 is .*16/,
    ],
    ['the node id', { node: { id: 'cam-a' } }, /^\/p\/bad\.yaml: node\.id: a profile is for any node/],
    ['another profile', { profile: 'generic' }, /^\/p\/bad\.yaml: profile: a profile cannot name another/],
    ['not a mapping', ['x'], /^\/p\/bad\.yaml: is not a section of settings/],
    [
      'thresholds out of order',
      { server: { partitions: [{ name: 'var', path: '/var', diskMonitorMajorThreshold: 95 }] } },
      /^\/p\/bad\.yaml: server\.partitions\.0\.diskMonitorMajorThreshold: 95 is above the partition/,
    ],
    [
      'two partitions of one name',
      {
        server: {
          partitions: [
            { name: 'var', path: '/var' },
            { name: 'var', path: '/var/log' },
          ],
        },
      },
      /^\/p\/bad\.yaml: server\.partitions\.1\.name: var names two partitions/,
    ],
    [
      'a relative mdstat path',
      { server: { raid: { mdstatPath: 'proc/mdstat' } } },
      /server\.raid\.mdstatPath:/,
    ],
  ])('%s', (_what, doc, message) => {
    const found = problems(() => applyProfile({ profile: '/p/bad.yaml', node: { id: 'x' } }, read(doc)));
    expect(
      found.some((p) => message.test(p)),
      found.join('\n'),
    ).toBe(true);
  });

  it('a profile that does not exist names the ones that do', () => {
    const found = problems(() => withProfile({ profile: 'netra-t1500', node: { id: 'x' } }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^profile: netra-t1500 is not a profile of .*ops\/profiles; allowed: .*generic.*netra-t1400/,
    );
  });

  it('a relative path is refused before any file is read', () => {
    const read = () => {
      throw new Error('read');
    };
    expect(problems(() => applyProfile({ profile: '../etc/x', node: { id: 'x' } }, read))).toEqual([
      'profile: ../etc/x is neither a profile name (letters, digits, _ . -) nor an absolute path',
    ]);
    expect(problems(() => parseNodeConfig({ profile: '../etc/x', node: { id: 'x' } }))[0]).toMatch(
      /^profile: /,
    );
  });
});

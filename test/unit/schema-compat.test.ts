import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_RELEASES } from '../../node/replication/migrations.js';
import {
  type AppliedMigration,
  compatibilityProblems,
  type SchemaVerdict,
  schemaVerdict,
} from '../../node/replication/schema-compat.js';

const applied = (...ms: [number, number][]): AppliedMigration[] =>
  ms.map(([id, minKnown]) => ({ id, name: `m${id}`, minKnown }));

describe('schemaVerdict (may this release run against the database?)', () => {
  it.each<[string, number[], AppliedMigration[], SchemaVerdict]>([
    ['an empty database', [1, 2, 3], [], { ok: true, pending: [1, 2, 3], newer: [] }],
    ['up to date', [1, 2], applied([1, 0], [2, 0]), { ok: true, pending: [], newer: [] }],
    ['behind', [1, 2, 3], applied([1, 0]), { ok: true, pending: [2, 3], newer: [] }],
    [
      'a newer release migrated, compatibly (a rolling upgrade under way)',
      [1, 2],
      applied([1, 0], [2, 0], [3, 2]),
      { ok: true, pending: [], newer: applied([3, 2]) },
    ],
    [
      'a newer release needs nodes that know its own migration',
      [1, 2],
      applied([1, 0], [2, 0], [3, 2], [4, 4]),
      {
        ok: false,
        reason:
          'the database schema is newer than this release: migration 4 (m4) needs a release that knows ' +
          'migration 4 or later, this one knows up to 2; run the newer release on this server',
      },
    ],
    [
      'the requirement is met exactly',
      [1, 2, 3],
      applied([1, 0], [2, 0], [4, 3]),
      { ok: true, pending: [3], newer: applied([4, 3]) },
    ],
  ])('%s', (_what, known, rows, verdict) => {
    expect(schemaVerdict(known, rows)).toEqual(verdict);
  });
});

describe('compatibilityProblems (one release of backward compatibility)', () => {
  const order = ['0.1.0', '0.2.0', '0.3.0'];
  it.each<[string, { id: number; release: string; minKnown: number }[], string[]]>([
    [
      'additive migrations',
      [
        { id: 1, release: '0.1.0', minKnown: 0 },
        { id: 2, release: '0.2.0', minKnown: 0 },
      ],
      [],
    ],
    [
      'a migration that needs the release before its own',
      [
        { id: 1, release: '0.1.0', minKnown: 0 },
        { id: 2, release: '0.2.0', minKnown: 0 },
        { id: 3, release: '0.3.0', minKnown: 2 },
      ],
      [],
    ],
    [
      'a migration that leaves the release before it behind',
      [
        { id: 1, release: '0.1.0', minKnown: 0 },
        { id: 2, release: '0.2.0', minKnown: 2 },
      ],
      [
        'migration 2 (0.2.0) requires nodes that know migration 2; at most 1 keeps 0.1.0 running during an upgrade',
      ],
    ],
    [
      'an unknown release',
      [{ id: 1, release: '9.9.9', minKnown: 0 }],
      ['migration 1: release 9.9.9 is not in the release order'],
    ],
  ])('%s', (_what, migrations, problems) => {
    expect(compatibilityProblems(migrations, order)).toEqual(problems);
  });

  it("this release's migrations keep the rule, with unique, increasing ids", () => {
    expect(compatibilityProblems(MIGRATIONS, SCHEMA_RELEASES)).toEqual([]);
    const ids = MIGRATIONS.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

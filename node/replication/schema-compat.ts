/**
 * Version skew with the database schema, as a pure decision (table-tested in
 * test/unit/schema-compat.test.ts). In a rolling upgrade the standby runs the newer release first and
 * migrates the shared database while the older active still serves, so migrations are backward
 * compatible for one release: each one records `minKnown`, the newest migration a node must know to
 * run against a database where it is applied. The database keeps that number with the migration,
 * so an older release — which does not know the migration — can still read what it requires.
 */

/** A migration as the database records it. */
export interface AppliedMigration {
  id: number;
  name: string;
  minKnown: number;
}

export type SchemaVerdict =
  | {
      ok: true;
      /** Known migrations not applied yet, in order. */
      pending: number[];
      /** Applied migrations this release does not know (a newer release ran; compatible). */
      newer: AppliedMigration[];
    }
  | { ok: false; reason: string };

export function schemaVerdict(
  knownIds: readonly number[],
  applied: readonly AppliedMigration[],
): SchemaVerdict {
  const newest = Math.max(0, ...knownIds);
  const known = new Set(knownIds);
  const blocking = applied.filter((m) => m.minKnown > newest).sort((a, b) => b.minKnown - a.minKnown)[0];
  if (blocking)
    return {
      ok: false,
      reason:
        `the database schema is newer than this release: migration ${blocking.id} (${blocking.name}) ` +
        `needs a release that knows migration ${blocking.minKnown} or later, this one knows up to ` +
        `${newest}; run the newer release on this server`,
    };
  const done = new Set(applied.map((m) => m.id));
  return {
    ok: true,
    pending: [...knownIds].filter((id) => !done.has(id)).sort((a, b) => a - b),
    newer: applied.filter((m) => !known.has(m.id)).sort((a, b) => a.id - b.id),
  };
}

/**
 * The rule each release's migrations keep (checked in the unit test): a migration may require at
 * most the newest migration of the release before its own, so that release still runs beside it.
 */
export function compatibilityProblems(
  migrations: readonly { id: number; release: string; minKnown: number }[],
  releaseOrder: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const m of migrations) {
    const at = releaseOrder.indexOf(m.release);
    if (at < 0) {
      problems.push(`migration ${m.id}: release ${m.release} is not in the release order`);
      continue;
    }
    const previous = releaseOrder[at - 1];
    const allowed = previous
      ? Math.max(0, ...migrations.filter((o) => o.release === previous).map((o) => o.id))
      : 0;
    if (m.minKnown > allowed)
      problems.push(
        `migration ${m.id} (${m.release}) requires nodes that know migration ${m.minKnown}; ` +
          `at most ${allowed} keeps ${previous ?? 'no earlier release'} running during an upgrade`,
      );
  }
  return problems;
}

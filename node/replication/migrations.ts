/**
 * Schema of the replicated database, applied in order at start-up. Every statement is idempotent
 * (DDL runs in Galera's total order, so both nodes may start at once). A node refuses a database
 * whose schema needs a newer release (schema-compat.ts); a new migration keeps the release before
 * its own running (`minKnown`), because a rolling upgrade runs both against one database.
 */
import type { Logger } from 'pino';
import type { Database } from './database.js';
import { type AppliedMigration, schemaVerdict } from './schema-compat.js';

export interface Migration {
  id: number;
  name: string;
  /** The release that brings it (one of SCHEMA_RELEASES). */
  release: string;
  /** The newest migration a node must know to run once this one is applied (0: any release). */
  minKnown: number;
  statements: string[];
}

/** Releases in order, for the one-release compatibility rule (compatibilityProblems). */
export const SCHEMA_RELEASES = ['0.1.0'];

/** Migrations of the first release: any release may run against them. */
const FIRST_RELEASE = { release: '0.1.0', minKnown: 0 } as const;

/**
 * Creates the table that records applied migrations (and what each requires of a reader) only
 * where it is missing: DDL, even `IF NOT EXISTS`, replicates in total order and briefly blocks the
 * cluster, so a routine start must not issue any.
 */
async function ensureBookkeeping(db: Database): Promise<void> {
  const columns = await db.query<{ name: string }[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migration'`,
  );
  if (columns.length === 0)
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migration (
       id INT UNSIGNED NOT NULL PRIMARY KEY,
       name VARCHAR(200) NOT NULL,
       applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
     ) ENGINE=InnoDB`);
  if (!columns.some((c) => c.name === 'min_known'))
    await db.query(
      'ALTER TABLE schema_migration ADD COLUMN IF NOT EXISTS min_known INT UNSIGNED NOT NULL DEFAULT 0',
    );
}

/** The database is newer than this release can run against: not worth a retry. */
export class SchemaTooNewError extends Error {}

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'ledger and provisioning',
    ...FIRST_RELEASE,
    statements: [
      // One row per acknowledged RU block. (lam_id, block_seq) is the identity used for dedupe;
      // ingest_id orders blocks for rendering (not dense: Galera steps auto-increments).
      `CREATE TABLE IF NOT EXISTS ledger_block (
         lam_id VARCHAR(64) NOT NULL,
         block_seq BIGINT UNSIGNED NOT NULL,
         ingest_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
         stream ENUM('primary','recovery') NOT NULL,
         ru_count SMALLINT UNSIGNED NOT NULL,
         created_at_ms BIGINT NOT NULL,
         received_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         received_by VARCHAR(32) NOT NULL,
         payload MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
         PRIMARY KEY (lam_id, block_seq),
         UNIQUE KEY ledger_block_ingest (ingest_id)
       ) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS lam (
         lam_id VARCHAR(64) NOT NULL PRIMARY KEY,
         description VARCHAR(500) NOT NULL DEFAULT '',
         enabled BOOLEAN NOT NULL DEFAULT TRUE,
         created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
       ) ENGINE=InnoDB`,
      // Provisioned configuration (Table 2/3 values set centrally), one JSON document per key.
      `CREATE TABLE IF NOT EXISTS setting (
         name VARCHAR(100) NOT NULL PRIMARY KEY,
         value TEXT NOT NULL,
         updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
       ) ENGINE=InnoDB`,
    ],
  },
  {
    id: 2,
    name: 'IPDR file plan',
    ...FIRST_RELEASE,
    statements: [
      // Where each block goes in the IPDR series of its stream; set once by the owner's planner.
      `ALTER TABLE ledger_block
         ADD COLUMN IF NOT EXISTS ipdr_file_seq INT UNSIGNED NULL,
         ADD COLUMN IF NOT EXISTS ipdr_record_seq BIGINT UNSIGNED NULL,
         ADD KEY IF NOT EXISTS ledger_block_ipdr (stream, ipdr_file_seq, ipdr_record_seq)`,
      `CREATE TABLE IF NOT EXISTS ipdr_file (
         series ENUM('primary','recovery') NOT NULL,
         file_seq INT UNSIGNED NOT NULL,
         stem VARCHAR(64) NOT NULL,
         opened_at_ms BIGINT NOT NULL,
         first_record_seq BIGINT UNSIGNED NOT NULL,
         next_record_seq BIGINT UNSIGNED NOT NULL,
         bytes INT UNSIGNED NOT NULL,
         closed_at_ms BIGINT NULL,
         PRIMARY KEY (series, file_seq)
       ) ENGINE=InnoDB`,
      // Time-limited ownership of a job (e.g. the IPDR planner) by one node.
      `CREATE TABLE IF NOT EXISTS lease (
         name VARCHAR(64) NOT NULL PRIMARY KEY,
         owner VARCHAR(32) NOT NULL,
         expires_at_ms BIGINT NOT NULL
       ) ENGINE=InnoDB`,
    ],
  },
  {
    id: 3,
    name: 'OSS delivery state',
    ...FIRST_RELEASE,
    statements: [
      // One row per IPDR file the OSS has received by FTP push: written only after the remote rename.
      `CREATE TABLE IF NOT EXISTS ftp_delivery (
         series ENUM('primary','recovery') NOT NULL,
         file_seq INT UNSIGNED NOT NULL,
         remote_path VARCHAR(1100) NOT NULL,
         bytes INT UNSIGNED NOT NULL,
         delivered_at_ms BIGINT NOT NULL,
         delivered_by VARCHAR(32) NOT NULL,
         PRIMARY KEY (series, file_seq)
       ) ENGINE=InnoDB`,
      // Per series: the last record the collector confirmed and the last one written to its socket.
      `CREATE TABLE IF NOT EXISTS feed_position (
         series ENUM('primary','recovery') NOT NULL PRIMARY KEY,
         confirmed_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
         written_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
         updated_at_ms BIGINT NOT NULL,
         updated_by VARCHAR(32) NOT NULL
       ) ENGINE=InnoDB`,
      `ALTER TABLE ledger_block ADD KEY IF NOT EXISTS ledger_block_record (stream, ipdr_record_seq)`,
    ],
  },
  {
    id: 4,
    name: 'role lease epoch',
    ...FIRST_RELEASE,
    statements: [
      // Incremented at every change of owner: beats and status show which tenure a node is in.
      `ALTER TABLE lease ADD COLUMN IF NOT EXISTS epoch BIGINT UNSIGNED NOT NULL DEFAULT 0`,
    ],
  },
  {
    id: 5,
    name: 'binary identifiers, fencing token, LAM instance, journal checkpoint',
    ...FIRST_RELEASE,
    statements: [
      // Identifiers compare byte for byte, as the CAM compares them: with the server's default
      // (case-insensitive) collation, LAM "App1" and LAM "APP1" collided on the primary key and the
      // second one's block could never be stored nor replayed.
      `ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
      `ALTER TABLE ledger_block
         MODIFY lam_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
         MODIFY received_by VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
         ADD COLUMN IF NOT EXISTS received_epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,
         ADD COLUMN IF NOT EXISTS lam_instance VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''`,
      `ALTER TABLE lam MODIFY lam_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL`,
      // fence: bumped by every ingest commit of the lease's owner under its epoch, so that a commit
      // of a node that lost the lease conflicts with (or finds) the new owner's write and fails.
      `ALTER TABLE lease
         MODIFY name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
         MODIFY owner VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
         ADD COLUMN IF NOT EXISTS fence BIGINT UNSIGNED NOT NULL DEFAULT 0`,
      // The newest journal checkpoint token of each node (journal/checkpoint.ts): while the
      // database still holds it, every block acknowledged before it is in the ledger too.
      `CREATE TABLE IF NOT EXISTS journal_checkpoint (
         node_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
         token CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
         updated_at_ms BIGINT NOT NULL
       ) ENGINE=InnoDB`,
    ],
  },
];

/**
 * Brings the schema up to date; throws SchemaTooNewError when a newer release migrated the database
 * past what this one can run against. Returns what it found and did.
 */
export async function migrate(
  db: Database,
  log: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ applied: number[]; newer: AppliedMigration[] }> {
  await ensureBookkeeping(db);
  const rows = await db.query<{ id: number; name: string; min_known: number }[]>(
    'SELECT id, name, min_known FROM schema_migration',
  );
  const verdict = schemaVerdict(
    migrations.map((m) => m.id),
    rows.map((r) => ({ id: Number(r.id), name: r.name, minKnown: Number(r.min_known) })),
  );
  if (!verdict.ok) throw new SchemaTooNewError(verdict.reason);
  if (verdict.newer.length)
    log.warn(
      { newer: verdict.newer.map((m) => `${m.id} ${m.name}`) },
      'the database schema has migrations of a newer release (compatible); upgrade this server next',
    );
  const applied: number[] = [];
  for (const m of migrations) {
    if (!verdict.pending.includes(m.id)) continue;
    for (const sql of m.statements) await db.query(sql);
    await db.query('INSERT IGNORE INTO schema_migration (id, name, min_known) VALUES (?, ?, ?)', [
      m.id,
      m.name,
      m.minKnown,
    ]);
    log.info({ migration: m.id, name: m.name }, 'applied database migration');
    applied.push(m.id);
  }
  return { applied, newer: verdict.newer };
}

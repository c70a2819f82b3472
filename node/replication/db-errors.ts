/**
 * What a database error means for the caller (pure): retry the transaction, wait for the member,
 * or give up on this record for good. And how to describe it without the SQL statement or its
 * parameters (the driver's message carries both; they must never reach a client or a log line
 * that a LAM operator reads).
 */

/** MariaDB/Galera error numbers this layer reacts to. */
export const ER = {
  DUP_ENTRY: 1062,
  BAD_NULL: 1048,
  DATA_TOO_LONG: 1406,
  TRUNCATED_WRONG_VALUE: 1292,
  OUT_OF_RANGE: 1264,
  INCORRECT_STRING: 1366,
  SIGNAL_EXCEPTION: 1644, // raised by a trigger or procedure (SIGNAL)
  LOCK_DEADLOCK: 1213, // Galera certification conflict: the loser's COMMIT fails; retry
  LOCK_WAIT_TIMEOUT: 1205,
  UNKNOWN_COM_ERROR: 1047, // WSREP has not yet prepared node for application use (non-Primary)
  ERROR_DURING_COMMIT: 1180, // in-flight write when the member lost the Primary component
  QUERY_INTERRUPTED: 1317,
} as const;

/** The database cannot take writes now; the reason says why (shown to LAMs and in status). */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface SqlErrorLike {
  errno?: number;
  code?: string;
  sqlState?: string;
  fatal?: boolean;
  message?: string;
  sqlMessage?: string;
}

/**
 * - `conflict`: the transaction lost a race (certification, lock wait); run it again.
 * - `unavailable`: the member cannot take writes now (connection, non-Primary, deadline).
 * - `rejected`: the server refuses this data for good; the same statement fails the same way.
 * - `unknown`: anything else; treated as transient by callers (retried, never quarantined).
 */
export type DbErrorClass = 'conflict' | 'unavailable' | 'rejected' | 'unknown';

const CONNECTION_CODES = new Set([
  'ER_GET_CONNECTION_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ER_SOCKET_TIMEOUT',
  'ER_CONNECTION_TIMEOUT',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_POOL_ALREADY_CLOSED',
]);

const REJECTED_ERRNOS = new Set<number>([
  ER.DUP_ENTRY,
  ER.BAD_NULL,
  ER.DATA_TOO_LONG,
  ER.TRUNCATED_WRONG_VALUE,
  ER.OUT_OF_RANGE,
  ER.INCORRECT_STRING,
  ER.SIGNAL_EXCEPTION,
]);

export function classifyDbError(err: unknown): DbErrorClass {
  if (err instanceof DatabaseUnavailableError) return 'unavailable';
  const e = (err ?? {}) as SqlErrorLike;
  if (e.errno === ER.LOCK_DEADLOCK || e.errno === ER.LOCK_WAIT_TIMEOUT) return 'conflict';
  if (
    e.errno === ER.UNKNOWN_COM_ERROR ||
    e.errno === ER.ERROR_DURING_COMMIT ||
    e.errno === ER.QUERY_INTERRUPTED ||
    e.fatal === true ||
    (e.code !== undefined && CONNECTION_CODES.has(e.code))
  )
    return 'unavailable';
  if (e.errno !== undefined && REJECTED_ERRNOS.has(e.errno)) return 'rejected';
  // SQLSTATE class 22 (data exception) and 23 (integrity constraint violation) are about the data.
  if (e.sqlState && /^2[23]/.test(e.sqlState)) return 'rejected';
  return 'unknown';
}

const PHRASES: Record<number, string> = {
  [ER.DUP_ENTRY]: 'a row with the same key exists',
  [ER.BAD_NULL]: 'a required value is missing',
  [ER.DATA_TOO_LONG]: 'a value is too long for its column',
  [ER.TRUNCATED_WRONG_VALUE]: 'a value has the wrong format',
  [ER.OUT_OF_RANGE]: 'a value is out of range',
  [ER.INCORRECT_STRING]: 'a string has characters the column cannot hold',
  [ER.SIGNAL_EXCEPTION]: 'refused by a database rule',
  [ER.LOCK_DEADLOCK]: 'lost a replication conflict',
  [ER.LOCK_WAIT_TIMEOUT]: 'a lock wait timed out',
  [ER.UNKNOWN_COM_ERROR]: 'the member is not in the Primary component',
  [ER.ERROR_DURING_COMMIT]: 'the member lost the Primary component during the commit',
};

/**
 * One line naming the condition and the server's error number/code, never the statement, its
 * parameters or the row values the server quotes (e.g. "Duplicate entry 'x-1'").
 */
export function describeDbError(err: unknown): string {
  const e = (err ?? {}) as SqlErrorLike & { syscall?: string };
  // A file-system error (e.g. the journal's disk is full): its code and call say it all.
  if (e.syscall) return `${e.syscall} failed: ${e.code ?? 'error'}`;
  if (err instanceof Error && e.errno === undefined && e.code === undefined) {
    // Our own errors (deadlines, DatabaseUnavailableError) carry no SQL.
    return firstLine(err.message);
  }
  const phrase = (e.errno !== undefined && PHRASES[e.errno]) || 'database error';
  const ids = [
    e.code,
    e.errno !== undefined ? `errno ${e.errno}` : undefined,
    e.sqlState && `SQLSTATE ${e.sqlState}`,
  ]
    .filter(Boolean)
    .join(', ');
  return ids ? `${phrase} (${ids})` : phrase;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  // The driver appends "sql: …" to its messages; cut it wherever it appears.
  const cut = line.indexOf(' sql:');
  return cut >= 0 ? line.slice(0, cut) : line;
}

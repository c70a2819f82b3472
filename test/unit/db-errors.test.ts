import { describe, expect, it } from 'vitest';
import {
  classifyDbError,
  DatabaseUnavailableError,
  describeDbError,
} from '../../node/replication/db-errors.js';

const sqlError = (errno: number, code: string, sqlState: string, extra: Record<string, unknown> = {}) =>
  Object.assign(
    new Error(
      `(conn:7, no: ${errno}, SQLState: ${sqlState}) Duplicate entry 'APP1-1' for key 'PRIMARY'\nsql: INSERT INTO ledger_block (lam_id) VALUES (?) - parameters:['APP1']`,
    ),
    { errno, code, sqlState, ...extra },
  );

describe('classifyDbError', () => {
  it.each([
    ['certification conflict', sqlError(1213, 'ER_LOCK_DEADLOCK', '40001'), 'conflict'],
    ['lock wait timeout', sqlError(1205, 'ER_LOCK_WAIT_TIMEOUT', 'HY000'), 'conflict'],
    ['non-Primary member', sqlError(1047, 'ER_UNKNOWN_COM_ERROR', '08S01'), 'unavailable'],
    ['lost Primary during commit', sqlError(1180, 'ER_ERROR_DURING_COMMIT', 'HY000'), 'unavailable'],
    [
      'fatal connection error',
      sqlError(2013, 'ER_SOCKET_UNEXPECTED_CLOSE', '08S01', { fatal: true }),
      'unavailable',
    ],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'unavailable',
    ],
    [
      'pool timeout',
      Object.assign(new Error('pool timeout'), { code: 'ER_GET_CONNECTION_TIMEOUT' }),
      'unavailable',
    ],
    ['duplicate key', sqlError(1062, 'ER_DUP_ENTRY', '23000'), 'rejected'],
    ['value too long', sqlError(1406, 'ER_DATA_TOO_LONG', '22001'), 'rejected'],
    ['bad string', sqlError(1366, 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', 'HY000'), 'rejected'],
    ['trigger SIGNAL', sqlError(1644, 'ER_SIGNAL_EXCEPTION', '45000'), 'rejected'],
    ['other data exception', sqlError(1999, 'ER_X', '22003'), 'rejected'],
    ['syntax error (a bug, not the data)', sqlError(1064, 'ER_PARSE_ERROR', '42000'), 'unknown'],
    ['plain error', new Error('something'), 'unknown'],
    ['undefined', undefined, 'unknown'],
  ])('%s → %s', (_what, err, expected) => {
    expect(classifyDbError(err)).toBe(expected);
  });

  it('our own DatabaseUnavailableError is unavailable whatever it says', () => {
    expect(classifyDbError(new DatabaseUnavailableError('database did not answer within 5000 ms'))).toBe(
      'unavailable',
    );
  });
});

describe('describeDbError', () => {
  it.each([
    [
      sqlError(1062, 'ER_DUP_ENTRY', '23000'),
      'a row with the same key exists (ER_DUP_ENTRY, errno 1062, SQLSTATE 23000)',
    ],
    [
      sqlError(1406, 'ER_DATA_TOO_LONG', '22001'),
      'a value is too long for its column (ER_DATA_TOO_LONG, errno 1406, SQLSTATE 22001)',
    ],
    [sqlError(1234, 'ER_X', 'HY000'), 'database error (ER_X, errno 1234, SQLSTATE HY000)'],
    [new Error('database did not answer within 5000 ms'), 'database did not answer within 5000 ms'],
    [new Error('first line sql: SELECT 1\nsecond'), 'first line'],
    [
      Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC', errno: -28, syscall: 'write' }),
      'write failed: ENOSPC',
    ],
  ])('%s', (err, expected) => {
    expect(describeDbError(err)).toBe(expected);
  });

  it('never repeats the statement, its parameters or the row values the server quotes', () => {
    const text = describeDbError(sqlError(1062, 'ER_DUP_ENTRY', '23000'));
    expect(text).not.toMatch(/INSERT|APP1|parameters|sql:/);
  });
});

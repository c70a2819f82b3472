/**
 * The node's connection to its local Galera member: a pool where every call has a deadline,
 * transactions retry on certification conflicts, and "not in a Primary component" is its own error.
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import mariadb, { type Pool, type PoolConnection, type Connection as ProbeConnection } from 'mariadb';
import type { Logger } from 'pino';
import type { TlsConfig } from '../../kernel/tls/config.js';
import type { DatabaseConfig } from '../config/schema.js';
import { classifyDbError, DatabaseUnavailableError, describeDbError } from './db-errors.js';

export { DatabaseUnavailableError, ER } from './db-errors.js';

function errnoOf(err: unknown): number | undefined {
  return (err as { errno?: number } | undefined)?.errno;
}

export function isRetryable(err: unknown): boolean {
  return classifyDbError(err) === 'conflict';
}

export function isUnavailable(err: unknown): boolean {
  return classifyDbError(err) === 'unavailable';
}

/** The server refuses this data for good: the same statement would fail the same way. */
export function isRejectedForGood(err: unknown): boolean {
  return classifyDbError(err) === 'rejected';
}

export type Connection = PoolConnection;

/**
 * The connector's TLS options when `database.tls` is on: the server's certificate is checked
 * against the node's CA and must name `database.host`; the node presents its own certificate.
 * Read once, at start-up (a new certificate takes a restart of the node).
 */
export function databaseSsl(config: DatabaseConfig, tls: TlsConfig | undefined) {
  if (!config.tls) return undefined;
  if (!tls?.enabled) throw new Error("database.tls needs tls.enabled (the node's CA and certificate)");
  return verifiedSsl(config.host, {
    ca: readFileSync(tls.caFile, 'utf8'),
    cert: readFileSync(tls.certFile, 'utf8'),
    key: readFileSync(tls.keyFile, 'utf8'),
  });
}

/** Connector TLS options that verify the server's certificate against `ca` and `host`. */
export function verifiedSsl(host: string, pem: { ca: string; cert?: string; key?: string }) {
  return {
    ...pem,
    rejectUnauthorized: true,
    // The connector upgrades a socket it already opened, so Node would check the name "localhost".
    checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
  };
}

export class Database {
  private readonly pool: Pool;
  private readonly ssl: ReturnType<typeof databaseSsl>;
  /** Transactions retried after a certification conflict or lock wait timeout. */
  readonly stats = { retries: 0, timeouts: 0 };

  constructor(
    private readonly config: DatabaseConfig,
    private readonly log: Logger,
    tls?: TlsConfig,
  ) {
    this.ssl = databaseSsl(config, tls);
    this.pool = mariadb.createPool({
      ssl: this.ssl,
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.name,
      connectionLimit: config.poolSize,
      minimumIdle: 1,
      connectTimeout: config.connectTimeoutMs,
      acquireTimeout: config.callTimeoutMs,
      // The socket timeout is the last guard against a hung (e.g. SIGSTOPped) server.
      socketTimeout: config.callTimeoutMs + 1000,
      bigIntAsNumber: true,
      insertIdAsNumber: true,
      decimalAsNumber: true,
      checkDuplicate: false,
      // UTC sessions: TIMESTAMP values written from epoch ms (FROM_UNIXTIME) convert without a
      // local daylight-saving hour that is ambiguous.
      initSql: ['SET SESSION wsrep_sync_wait = 0', "SET SESSION time_zone = '+00:00'"],
    });
    // Errors of idle connections are reported on the next use; keep the process alive.
    (this.pool as unknown as NodeJS.EventEmitter).on('error', (err: Error) =>
      this.log.warn({ err: err.message }, 'database pool error'),
    );
  }

  /** One statement on any connection, with the call deadline. */
  async query<T = unknown>(sql: string, params?: unknown[]): Promise<T> {
    return this.withConnection((conn) => conn.query(sql, params) as Promise<T>);
  }

  async withConnection<T>(
    fn: (conn: Connection) => Promise<T>,
    timeoutMs = this.config.callTimeoutMs,
  ): Promise<T> {
    let conn: Connection | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The connection may be stuck in a call the server will never answer: drop it.
        conn?.destroy();
        this.stats.timeouts++;
        reject(new DatabaseUnavailableError(`database did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const work = (async () => {
      const acquired = await this.pool.getConnection();
      conn = acquired;
      try {
        return await fn(acquired);
      } finally {
        await acquired.release().catch(() => undefined);
      }
    })();
    work.catch(() => undefined); // the deadline may win; never leave a rejection unhandled
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs `fn` in a transaction; retries the whole transaction when Galera certification fails
   * (1213) or a lock wait times out. Unavailability is raised as DatabaseUnavailableError.
   */
  async transaction<T>(fn: (conn: Connection) => Promise<T>, opts: { retries?: number } = {}): Promise<T> {
    const retries = opts.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withConnection(async (conn) => {
          await conn.beginTransaction();
          try {
            const result = await fn(conn);
            await conn.commit();
            return result;
          } catch (err) {
            await conn.rollback().catch(() => undefined);
            throw err;
          }
        });
      } catch (err) {
        if (isRetryable(err) && attempt < retries) {
          this.stats.retries++;
          this.log.debug({ attempt, errno: errnoOf(err) }, 'transaction conflict, retrying');
          await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
          continue;
        }
        if (isUnavailable(err) && !(err instanceof DatabaseUnavailableError)) {
          throw new DatabaseUnavailableError(`database unavailable: ${describeDbError(err)}`, {
            cause: err,
          });
        }
        throw err;
      }
    }
  }

  private probeConn: Promise<ProbeConnection> | undefined;

  /**
   * One read on a connection of its own, outside the pool: when a write stall ties up every pooled
   * connection, the member's health must still be read (else the check times out and a node in
   * good health fences itself). The connection is made again after any failure.
   */
  async probe<T = unknown>(sql: string, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    this.probeConn ??= mariadb.createConnection({
      ssl: this.ssl,
      host: this.config.host,
      port: this.config.port,
      user: this.config.user,
      password: this.config.password,
      database: this.config.name,
      connectTimeout: Math.min(this.config.connectTimeoutMs, timeoutMs),
      socketTimeout: timeoutMs + 1000,
      bigIntAsNumber: true,
    });
    const conn = this.probeConn;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DatabaseUnavailableError(`database did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const work = conn.then((c) => c.query(sql) as Promise<T>);
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } catch (err) {
      const stale = this.probeConn;
      this.probeConn = undefined;
      void stale?.then((c) => c.destroy()).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const probe = this.probeConn;
    this.probeConn = undefined;
    await probe?.then((c) => c.end()).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? describeDbError(err) : String(err);
}

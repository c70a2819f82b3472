/**
 * FTP push of closed IPDR files to the OSS (Table 2: FTP Push Enabled, Primary/Recovery FTP
 * Directory, Remote FTP Node ID, user, password).
 *
 * Per file, on the active node only: upload as `<name>.<node>.part`, rename to `<name>` (so the OSS
 * never sees a partial file), check the remote size, record the delivery in the replicated database,
 * then rename the local file to `….transferred`. A crash anywhere repeats at most the upload of that
 * one file under the same final name — never a second copy. Every node (the standby too) renames its
 * own copies once the database says they were delivered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Client, FTPError } from 'basic-ftp';
import type { Logger } from 'pino';
import type { Series } from '../../kernel/block.js';
import { SERIES } from '../../kernel/block.js';
import { renameDurably } from '../../kernel/durable-fs.js';
import { SERIES_DIR } from '../accounting/ipdr/ledger-ipdr.js';
import type { CamConfig, DeliveryConfig } from '../config/schema.js';
import { type ChannelHealth, healthyChannel, onFailure, onSuccess, retryDelayMs } from './backoff.js';
import type { ClosedFile, DeliveryStore } from './delivery-store.js';

const CLOSED_EXTENSIONS = ['closed.zip', 'closed'] as const;

export interface FtpPushOptions {
  nodeId: string;
  cam: CamConfig;
  delivery: DeliveryConfig;
  store: DeliveryStore;
  /** Closed files up to this number are rendered on this node's disk (IpdrRenderer). */
  renderedThrough: (series: Series) => number;
  log: Logger;
}

/** The local closed copy of a file, if this node has it (plain, zipped, or already marked). */
export function localCopy(
  baseDir: string,
  file: ClosedFile,
): { path: string; name: string; transferred: boolean } | undefined {
  const dir = join(baseDir, SERIES_DIR[file.series]);
  for (const ext of CLOSED_EXTENSIONS) {
    const name = `${file.stem}.${ext}`;
    if (existsSync(join(dir, name))) return { path: join(dir, name), name, transferred: false };
    if (existsSync(join(dir, `${name}.transferred`)))
      return { path: join(dir, `${name}.transferred`), name, transferred: true };
  }
  return undefined;
}

export class FtpPusher {
  health: ChannelHealth = healthyChannel();
  backlogFiles: number | null = null;
  deliveredFiles = 0;
  private client: Client | undefined;
  private nextAttemptAtMs = 0;
  private readonly markedThrough = new Map<Series, number>(SERIES.map((s) => [s, 0]));

  constructor(private readonly o: FtpPushOptions) {}

  /** Where the files go, as status shows it (never the password). */
  get target(): string {
    const { cam, delivery } = this.o;
    return `ftp://${cam.ftpUserId}@${cam.remoteFtpNodeId}:${delivery.ftpPort} (TLS ${delivery.ftpTls})`;
  }

  get nextAttemptAt(): number | null {
    return this.nextAttemptAtMs > Date.now() ? this.nextAttemptAtMs : null;
  }

  /** One round: mark delivered copies (every node); push the backlog (active node only). */
  async round(active: boolean): Promise<void> {
    await this.markLocalCopies();
    this.backlogFiles = await this.o.store.countUndeliveredFiles();
    if (!active) {
      this.disconnect();
      return;
    }
    if (this.backlogFiles === 0 || Date.now() < this.nextAttemptAtMs) return;
    try {
      await this.pushBacklog();
      this.health = onSuccess(Date.now());
      this.backlogFiles = await this.o.store.countUndeliveredFiles();
    } catch (err) {
      const message = describeFtpError(err);
      this.health = onFailure(this.health, message, Date.now());
      this.nextAttemptAtMs =
        Date.now() +
        retryDelayMs(this.health.failures, this.o.delivery.retryInitialMs, this.o.delivery.retryMaxMs);
      this.o.log.warn(
        {
          err: message,
          failures: this.health.failures,
          retryAt: new Date(this.nextAttemptAtMs).toISOString(),
        },
        'FTP push failed',
      );
      this.disconnect();
    }
  }

  stop(): void {
    this.disconnect();
  }

  private async pushBacklog(): Promise<void> {
    for (;;) {
      const files = await this.o.store.undeliveredFiles(100);
      const ready = files.filter((f) => f.fileSeq <= this.o.renderedThrough(f.series));
      if (ready.length === 0) return;
      const client = await this.connect();
      for (const file of ready) await this.pushFile(client, file);
      await this.removeLeftoverParts(client);
    }
  }

  private async pushFile(client: Client, file: ClosedFile): Promise<void> {
    const local = localCopy(this.o.cam.baseFilePath, file);
    if (!local) throw new Error(`local file ${SERIES_DIR[file.series]}/${file.stem}.closed[.zip] is missing`);
    const bytes = (await stat(local.path)).size;
    const remote = posix.join(this.remoteDir(file.series), local.name);
    // A previous attempt may have renamed the upload into place and died before recording it.
    if ((await remoteSize(client, remote)) !== bytes) {
      const part = `${remote}.${this.o.nodeId}.part`;
      await step(`upload of ${part}`, () => client.uploadFrom(local.path, part));
      await step(`rename of ${part} to ${remote}`, () => client.rename(part, remote));
      const size = await remoteSize(client, remote);
      if (size !== bytes)
        throw new Error(`${remote} has ${size ?? 'no'} bytes after upload, expected ${bytes}`);
    }
    await this.o.store.recordFtpDelivery(file, remote, bytes, this.o.nodeId);
    this.deliveredFiles++;
    this.o.log.info({ file: local.name, remote, bytes }, 'IPDR file delivered by FTP');
    if (!local.transferred) await markTransferred(local.path);
  }

  /** `.part` uploads whose final file exists (from a node that died before its rename). */
  private async removeLeftoverParts(client: Client): Promise<void> {
    for (const series of SERIES) {
      const dir = this.remoteDir(series);
      const names = new Set((await client.list(dir)).map((f) => f.name));
      for (const name of names) {
        const m = /^(.*\.closed(?:\.zip)?)\..+\.part$/.exec(name);
        if (m && names.has(m[1]!)) await client.remove(posix.join(dir, name), true);
      }
    }
  }

  /** Renames this node's copies of delivered files to `….transferred`, in file order. */
  private async markLocalCopies(): Promise<void> {
    for (const series of SERIES) {
      let through = this.markedThrough.get(series)!;
      const delivered = await this.o.store.deliveredFiles(series, through);
      for (const file of delivered) {
        if (file.fileSeq > this.o.renderedThrough(series)) break; // not rendered here yet
        const local = localCopy(this.o.cam.baseFilePath, file);
        if (local && !local.transferred) await markTransferred(local.path);
        through = file.fileSeq; // a copy the operator already removed is skipped
      }
      this.markedThrough.set(series, through);
    }
  }

  private remoteDir(series: Series): string {
    return series === 'primary' ? this.o.cam.primaryFtpDirectory : this.o.cam.recoveryFtpDirectory;
  }

  private async connect(): Promise<Client> {
    if (this.client && !this.client.closed) return this.client;
    const { cam, delivery } = this.o;
    const client = new Client(delivery.ftpTimeoutMs);
    try {
      await step(`login to ${cam.remoteFtpNodeId}:${delivery.ftpPort} as ${cam.ftpUserId}`, () =>
        client.access({
          host: cam.remoteFtpNodeId,
          port: delivery.ftpPort,
          user: cam.ftpUserId,
          password: cam.ftpUserPassword,
          secure: delivery.ftpTls === 'off' ? false : delivery.ftpTls === 'implicit' ? 'implicit' : true,
          secureOptions: {
            rejectUnauthorized: delivery.ftpTlsVerify,
            ca: delivery.ftpTlsCaFile ? readFileSync(delivery.ftpTlsCaFile) : undefined,
          },
        }),
      );
      for (const series of SERIES) {
        const dir = this.remoteDir(series);
        await step(`creating remote directory ${dir}`, () => client.ensureDir(dir));
      }
      this.client = client;
      await this.removeLeftoverParts(client);
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  private disconnect(): void {
    this.client?.close();
    this.client = undefined;
  }
}

async function markTransferred(path: string): Promise<void> {
  await renameDurably(path, `${path}.transferred`);
}

async function remoteSize(client: Client, path: string): Promise<number | undefined> {
  try {
    return await client.size(path);
  } catch (err) {
    if (err instanceof FTPError && err.code === 550) return undefined;
    throw err;
  }
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new Error(`${what} failed: ${describeFtpError(err)}`);
  }
}

export function describeFtpError(err: unknown): string {
  if (err instanceof FTPError) return `FTP ${err.code}: ${err.message.replace(/^\d{3}\s*/, '').trim()}`;
  return (err as Error)?.message ?? String(err);
}

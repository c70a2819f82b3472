/** A LAM daemon as a real child process (`tandem lam run`) on this host, for the demo and tests. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../kernel/process.js';
import type { TlsConfig } from '../kernel/tls/config.js';
import type { LamStatus } from '../lam/agent.js';
import { callLamApi, type LamApiAddress } from '../lam/api-client.js';
import { CliProcess, freePort } from './local-process.js';

export class LamProcess extends CliProcess {
  readonly configFile: string;
  /** Its local API: a Unix socket in its directory, or loopback TCP with a token (`tcp`). */
  api: LamApiAddress = { listen: '', token: '' };

  private constructor(
    private readonly id: string,
    dir: string,
    netns?: string,
  ) {
    const configFile = join(dir, `${id}.yaml`);
    super(id, join(dir, `${id}.log`), () => ['lam', 'run', '--config', configFile], netns);
    this.configFile = configFile;
  }

  static async create(opts: {
    componentName: string;
    dir: string;
    cam: { primaryPort: number; recoveryPort: number };
    lam?: Record<string, unknown>;
    /** Run in this network namespace (its API socket is on the shared file system). */
    netns?: string;
    /** The API on 127.0.0.1:<free port> with a token (e.g. for Prometheus), not on a Unix socket. */
    tcpApi?: boolean;
    /** The `tls` section: mutual TLS to the CAM. */
    tls?: TlsConfig;
  }): Promise<LamProcess> {
    const p = new LamProcess(opts.componentName, opts.dir, opts.netns);
    mkdirSync(opts.dir, { recursive: true });
    p.api = opts.tcpApi
      ? { listen: `127.0.0.1:${await freePort()}`, token: randomBytes(24).toString('base64url') }
      : { listen: join(opts.dir, `${opts.componentName}.sock`), token: '' };
    const config = {
      lam: {
        componentName: opts.componentName,
        primaryCamIpAddress: '127.0.0.1',
        primaryCamPort: opts.cam.primaryPort,
        recoveryCamIpAddress: '127.0.0.1',
        recoveryCamPort: opts.cam.recoveryPort,
        baseFilePath: join(opts.dir, 'spool'),
        fileRotationTime: 1,
        fileRotationSize: 50_000,
        ...opts.lam,
      },
      agent: { apiListen: p.api.listen, apiToken: p.api.token, logLevel: 'warn' },
      ...(opts.tls ? { tls: opts.tls } : {}),
    };
    writeFileSync(p.configFile, stringify(config));
    return p;
  }

  async status(): Promise<LamStatus> {
    return (await this.call('GET', '/status', undefined, 2000)).body as unknown as LamStatus;
  }

  call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number) {
    return callLamApi(this.api, method, path, body, timeoutMs);
  }

  async waitReady(timeoutMs = 20_000): Promise<void> {
    await waitFor(`LAM ${this.id} API`, async () => ((await this.status()).lam ? true : undefined), {
      timeoutMs,
      intervalMs: 50,
    });
  }

  /** Waits until nothing is queued and every spooled block is acknowledged. */
  async waitDrained(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `LAM ${this.id} to drain`,
      async () => {
        const s = await this.status();
        if (s.spool.unackedBlocks === 0 && s.counters.queuedRus === 0 && s.primary.pending === 0) return true;
        // Thrown, not returned: on timeout waitFor names the last state (what was still pending).
        throw new Error(
          `not drained: ${s.spool.unackedBlocks} unacked spooled blocks, ${s.counters.queuedRus} queued RUs; ` +
            `primary ${JSON.stringify(s.primary)}; recovery ${JSON.stringify(s.recovery)}`,
        );
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}

/** A LAM daemon as a real child process (`tandem lam run`) on this host, for the demo and tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../kernel/process.js';
import type { LamStatus } from '../lam/agent.js';
import { callLamApi } from '../lam/api-client.js';
import { CliProcess, freePort } from './local-process.js';

export class LamProcess extends CliProcess {
  readonly configFile: string;
  api = '';

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
    /** Run in this network namespace, with the API on `apiHost` (reachable from here). */
    netns?: string;
    apiHost?: string;
  }): Promise<LamProcess> {
    const p = new LamProcess(opts.componentName, opts.dir, opts.netns);
    mkdirSync(opts.dir, { recursive: true });
    p.api = `${opts.apiHost ?? '127.0.0.1'}:${await freePort()}`;
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
      agent: { apiListen: p.api, logLevel: 'warn' },
    };
    writeFileSync(p.configFile, stringify(config));
    return p;
  }

  async status(): Promise<LamStatus> {
    return (await callLamApi(this.api, 'GET', '/status', undefined, 2000)).body as unknown as LamStatus;
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
        return s.spool.unackedBlocks === 0 && s.counters.queuedRus === 0 && s.primary.pending === 0
          ? true
          : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}

/**
 * Who answers on the logical IP. The role manager calls `up()` when the node becomes the acking node
 * and `down()` when it stops; the CAM's DTP listeners are opened after `up()` and closed before
 * `down()`.
 *
 * - `none`: single node; the address is configured by hand (listeners stay open).
 * - `local`: one host (demo, tests): the logical IP is a loopback alias; only the active node listens.
 * - `iproute`: `ip addr add/del` and gratuitous ARP (arping) on the node's interface.
 * - `keepalived`: VRRP follows the role through a track file (keepalived-config.ts); a watchdog
 *   removes the address if keepalived dies, so two nodes never answer for it; a sentinel process
 *   (sentinel.ts) sets keepalived to FAULT when the node stops renewing its claim (frozen, killed).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { sleep } from '../../kernel/process.js';
import { type KeepalivedSettings, renderKeepalivedConfig } from './keepalived-config.js';

const run = promisify(execFile);

export interface VipDriver {
  readonly kind: 'none' | 'local' | 'iproute' | 'keepalived';
  /** Listeners are open only while the node holds the address (false for `none`). */
  readonly gatesListeners: boolean;
  start(): Promise<void>;
  /**
   * Called at every lease renewal: the node may hold the address until `deadlineMs` (renewal +
   * lease TTL − margin). Only `keepalived` uses it (its sentinel drops the address past it).
   */
  holdUntil(deadlineMs: number): void;
  up(): Promise<void>;
  down(): Promise<void>;
  stop(): Promise<void>;
  status(): Record<string, unknown>;
}

export class NoVip implements VipDriver {
  readonly kind = 'none';
  readonly gatesListeners = false;
  async start() {}
  holdUntil() {}
  async up() {}
  async down() {}
  async stop() {}
  status() {
    return { driver: 'none' };
  }
}

export class LocalVip implements VipDriver {
  readonly kind = 'local';
  readonly gatesListeners = true;
  private held = false;
  constructor(private readonly address: string) {}
  async start() {}
  holdUntil() {}
  async up() {
    this.held = true;
  }
  async down() {
    this.held = false;
  }
  async stop() {
    this.held = false;
  }
  status() {
    return { driver: 'local', address: this.address, held: this.held };
  }
}

async function addressPresent(iface: string, address: string): Promise<boolean> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', iface]);
  return stdout.split('\n').some((l) => l.includes(` ${address}/`));
}

async function removeAddress(iface: string, address: string, prefix: number): Promise<void> {
  if (await addressPresent(iface, address))
    await run('ip', ['addr', 'del', `${address}/${prefix}`, 'dev', iface]);
}

export class IprouteVip implements VipDriver {
  readonly kind = 'iproute';
  readonly gatesListeners = true;
  constructor(
    private readonly iface: string,
    private readonly address: string,
    private readonly prefix: number,
    private readonly log: Logger,
  ) {}
  async start() {
    await this.down(); // a crashed predecessor may have left it
  }
  holdUntil() {}
  async up() {
    if (!(await addressPresent(this.iface, this.address)))
      await run('ip', ['addr', 'add', `${this.address}/${this.prefix}`, 'dev', this.iface]);
    // Neighbours still have the old node's MAC: announce ours (best effort, in the background).
    const arp = spawn('arping', ['-q', '-U', '-c', '2', '-i', this.iface, '-S', this.address, this.address], {
      stdio: 'ignore',
    });
    arp.on('error', (err) => this.log.warn({ err: err.message }, 'arping failed'));
  }
  async down() {
    await removeAddress(this.iface, this.address, this.prefix);
  }
  async stop() {
    await this.down();
  }
  status() {
    return { driver: 'iproute', address: `${this.address}/${this.prefix}`, interface: this.iface };
  }
}

export class KeepalivedVip implements VipDriver {
  readonly kind = 'keepalived';
  readonly gatesListeners = true;
  private child: ChildProcess | undefined;
  private sentinel: ChildProcess | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  private wanted = false;
  restarts = 0;

  constructor(
    private readonly k: KeepalivedSettings,
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  async start() {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.k.trackFile, '1\n');
    writeFileSync(join(this.dir, 'keepalived.conf'), renderKeepalivedConfig(this.k));
    writeFileSync(this.deadlineFile, '0\n');
    writeFileSync(this.k.sentinelTrackFile, '1\n');
    await removeAddress(this.k.interface, this.k.logicalIp, this.k.prefixLength);
    this.spawn();
    this.spawnSentinel();
    this.watchdog = setInterval(() => void this.check(), 250);
  }

  private get deadlineFile(): string {
    return join(this.dir, 'hold-until');
  }

  holdUntil(deadlineMs: number) {
    // Atomically: the sentinel must never read a half-written (empty) file as "no claim".
    const tmp = `${this.deadlineFile}.tmp`;
    writeFileSync(tmp, `${deadlineMs}\n`);
    renameSync(tmp, this.deadlineFile);
  }

  async up() {
    this.wanted = true;
    writeFileSync(this.k.trackFile, '0\n');
    // keepalived leaves FAULT, finds no master (the peer is in FAULT or gone) and adds the address.
    for (let i = 0; i < 100 && !(await addressPresent(this.k.interface, this.k.logicalIp)); i++)
      await sleep(30);
  }

  async down() {
    this.wanted = false;
    writeFileSync(this.k.trackFile, '1\n');
    for (let i = 0; i < 30 && (await addressPresent(this.k.interface, this.k.logicalIp)); i++)
      await sleep(30);
    await removeAddress(this.k.interface, this.k.logicalIp, this.k.prefixLength); // in case keepalived is slow
  }

  async stop() {
    this.stopping = true;
    clearInterval(this.watchdog);
    this.sentinel?.kill('SIGTERM');
    this.child?.kill('SIGTERM');
    await sleep(300);
    this.child?.kill('SIGKILL');
    await removeAddress(this.k.interface, this.k.logicalIp, this.k.prefixLength).catch(() => undefined);
  }

  status() {
    return {
      driver: 'keepalived',
      address: `${this.k.logicalIp}/${this.k.prefixLength}`,
      interface: this.k.interface,
      keepalivedPid: this.child?.pid ?? null,
      sentinelPid: this.sentinel?.pid ?? null,
      restarts: this.restarts,
    };
  }

  private spawn() {
    const d = this.dir;
    const args = [
      '-n',
      '-l',
      '-D',
      '-G',
      '-P',
      '-f',
      join(d, 'keepalived.conf'),
      '-p',
      join(d, 'keepalived.pid'),
    ];
    args.push('-r', join(d, 'vrrp.pid'), '-c', join(d, 'checkers.pid'));
    // keepalived logs to the console (-l): keep it beside its configuration for the operator.
    const out = openSync(join(d, 'keepalived.log'), 'a');
    this.child = spawn('keepalived', args, { stdio: ['ignore', out, out] });
    closeSync(out);
    this.child.on('error', (err) => this.log.error({ err: err.message }, 'keepalived could not be started'));
  }

  /** See sentinel.ts: it outlives a frozen or killed node process. */
  private spawnSentinel() {
    const script = fileURLToPath(new URL('./sentinel.js', import.meta.url));
    const args = [
      script,
      this.deadlineFile,
      this.k.sentinelTrackFile,
      String(process.pid),
      join(this.dir, 'keepalived.pid'),
    ];
    const out = openSync(join(this.dir, 'sentinel.log'), 'a');
    this.sentinel = spawn(process.execPath, args, { stdio: ['ignore', out, out] });
    closeSync(out);
    this.sentinel.on('error', (err) =>
      this.log.error({ err: err.message }, 'the sentinel could not be started'),
    );
  }

  /** keepalived gone: drop the address it may have left behind (two nodes must never hold it). */
  private async check() {
    if (this.stopping) return;
    if (this.sentinel && (this.sentinel.exitCode !== null || this.sentinel.signalCode !== null)) {
      this.log.error({ exitCode: this.sentinel.exitCode }, 'the keepalived sentinel died; restarting it');
      this.spawnSentinel();
    }
    if (!this.child || (this.child.exitCode === null && this.child.signalCode === null)) return;
    this.log.error(
      { exitCode: this.child.exitCode },
      'keepalived died; removing the logical IP and restarting it',
    );
    await removeAddress(this.k.interface, this.k.logicalIp, this.k.prefixLength).catch(() => undefined);
    this.restarts++;
    this.spawn();
    if (this.wanted) writeFileSync(this.k.trackFile, '0\n');
  }
}

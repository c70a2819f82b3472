/**
 * A real SNMP trap receiver for tests and the demo: Debian's `snmptrapd` on loopback, decoding
 * with the shipped TANDEM-ALARM-MIB, accepting one v2c community and one SNMPv3 USM user. What it
 * logs is read back as traps with their variable bindings by name.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../kernel/process.js';
import { tandemRoot } from '../kernel/version.js';

/** Where the MIB and the SNMPv2 base MIBs (shipped by net-snmp on npm; Debian ships none) are. */
export const MIB_DIRS = ['ops/mib', 'node_modules/net-snmp/lib/mibs']
  .map((d) => join(tandemRoot(), d))
  .join(':');

export interface LocalTrapdOptions {
  dir: string;
  port: number;
  community: string;
  /** The USM user; its engine ID is the sender's (traps are sent by the authoritative engine). */
  v3?: { user: string; engineId: string; authProtocol: 'SHA-256' | 'SHA'; authKey: string; privKey: string };
}

export interface ReceivedTrap {
  /** The notification, by name: TANDEM-ALARM-MIB::tandemAlarmRaised. */
  notification: string;
  /** Variable bindings by decoded name without the instance: tandemAlarmName → 'STRING: DiskMonMajor'. */
  values: Record<string, string>;
}

export class LocalTrapd {
  private daemon: Daemon | undefined;
  private readonly log: string;

  constructor(private readonly o: LocalTrapdOptions) {
    this.log = join(o.dir, 'snmptrapd.log');
  }

  get address(): string {
    return `127.0.0.1:${this.o.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.o.dir, { recursive: true });
    const conf = join(this.o.dir, 'snmptrapd.conf');
    const v3 = this.o.v3;
    writeFileSync(
      conf,
      [
        `authCommunity log ${this.o.community}`,
        ...(v3
          ? [
              `createUser -e 0x${v3.engineId} ${v3.user} ${v3.authProtocol} ${v3.authKey} AES ${v3.privKey}`,
              `authUser log ${v3.user} priv`,
            ]
          : []),
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const args = ['-f', '-n', '-C', '-c', conf, '-Lf', this.log, '-M', MIB_DIRS, '-m', 'TANDEM-ALARM-MIB'];
    const daemon = spawnDaemon('snmptrapd', 'snmptrapd', [...args, `udp:127.0.0.1:${this.o.port}`], {
      logFile: join(this.o.dir, 'snmptrapd.out'),
      // Its persistent state (engine boots, users) stays in the test's directory.
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(this.o.dir, 'persist') },
    });
    this.daemon = daemon;
    let exited: number | string | undefined;
    void daemon.exited.then((code) => {
      exited = code;
    });
    await waitFor(
      `snmptrapd on udp ${this.o.port} (log: ${this.log})`,
      async () => {
        if (exited !== undefined) throw new Error(`snmptrapd exited (${exited}): ${this.text()}`);
        return /NET-SNMP version/.test(this.text()) ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  /** Every trap received so far, in order. */
  traps(): ReceivedTrap[] {
    const out: ReceivedTrap[] = [];
    for (const line of this.text().split('\n')) {
      if (!line.includes(' = ')) continue;
      const values: Record<string, string> = {};
      let notification = '';
      for (const binding of line.split('\t')) {
        const at = binding.indexOf(' = ');
        const name = binding.slice(0, at).replace(/^.*::/, '').replace(/\.0$/, '');
        const value = binding.slice(at + 3);
        if (name === 'snmpModules.1.1.4.1') notification = value.replace(/^OID: /, '');
        else values[name] = value;
      }
      out.push({ notification, values });
    }
    return out;
  }

  async stop(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = undefined;
    if (daemon) await stopWithDeadline(daemon, 5000);
  }

  private text(): string {
    return existsSync(this.log) ? readFileSync(this.log, 'utf8') : '';
  }
}

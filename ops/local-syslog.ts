/**
 * A real RFC 5424 syslog receiver for tests and the demo: Debian's `rsyslogd` on loopback, UDP and
 * TCP (octet counting), its STRUCTURED-DATA parsed by rsyslog's own mmpstrucdata and written as one
 * JSON object per message, read back here.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../kernel/process.js';

export interface LocalSyslogOptions {
  dir: string;
  udpPort: number;
  tcpPort: number;
}

export interface ReceivedSyslog {
  pri: number;
  host: string;
  app: string;
  procId: string;
  msgId: string;
  msg: string;
  /** SD-ID → parameter → value, as rsyslog parsed them. */
  sd: Record<string, Record<string, string>>;
}

export class LocalSyslog {
  private daemon: Daemon | undefined;
  private readonly out: string;

  constructor(private readonly o: LocalSyslogOptions) {
    this.out = join(o.dir, 'messages.jsonl');
  }

  get udpAddress(): string {
    return `127.0.0.1:${this.o.udpPort}`;
  }

  get tcpAddress(): string {
    return `127.0.0.1:${this.o.tcpPort}`;
  }

  async start(): Promise<void> {
    const work = join(this.o.dir, 'work');
    mkdirSync(work, { recursive: true });
    const conf = join(this.o.dir, 'rsyslog.conf');
    const field = (name: string, property: string, first = false) =>
      `constant(value="${first ? '{' : ','}\\"${name}\\":\\"") property(name="${property}" format="json") constant(value="\\"")`;
    writeFileSync(
      conf,
      `global(workDirectory="${work}")
module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")
input(type="imudp" address="127.0.0.1" port="${this.o.udpPort}")
input(type="imtcp" address="127.0.0.1" port="${this.o.tcpPort}")
template(name="tandemJson" type="list") {
  ${field('pri', 'pri', true)} ${field('host', 'hostname')} ${field('app', 'app-name')}
  ${field('procId', 'procid')} ${field('msgId', 'msgid')} ${field('msg', 'msg')}
  constant(value=",\\"sd\\":") property(name="$!rfc5424-sd") constant(value="}\\n")
}
action(type="mmpstrucdata" sd_name.lowercase="off")
action(type="omfile" file="${this.out}" template="tandemJson")
`,
    );
    const log = join(this.o.dir, 'rsyslogd.out');
    const daemon = spawnDaemon('rsyslogd', 'rsyslogd', ['-n', '-f', conf, '-i', join(work, 'pid')], {
      logFile: log,
    });
    this.daemon = daemon;
    let exited: number | string | undefined;
    void daemon.exited.then((code) => {
      exited = code;
    });
    // Inputs are opened before the main loop; the TCP port answering means both are.
    await waitFor(
      `rsyslogd on tcp ${this.o.tcpPort} (log: ${log})`,
      async () => {
        if (exited !== undefined)
          throw new Error(`rsyslogd exited (${exited}): ${readFileSync(log, 'utf8')}`);
        return (await accepts(this.o.tcpPort)) ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  messages(): ReceivedSyslog[] {
    if (!existsSync(this.out)) return [];
    return readFileSync(this.out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const m = JSON.parse(l) as Omit<ReceivedSyslog, 'pri'> & { pri: string };
        return { ...m, pri: Number(m.pri) };
      });
  }

  async stop(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = undefined;
    if (daemon) await stopWithDeadline(daemon, 5000);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

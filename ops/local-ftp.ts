/**
 * A real FTP server for tests and the demo: Debian's vsftpd on loopback, one local user chrooted
 * into `<dir>/root`, an xferlog of every transfer, optionally FTPS, a throttled upload rate, or a
 * small tmpfs as its disk (a full remote disk). Needs root (vsftpd, useradd, mount).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { sleep, waitFor } from '../kernel/process.js';

export const FTP_TEST_USER = 'tandemftp';

export interface LocalFtpOptions {
  dir: string;
  port: number;
  password: string;
  /** Upload rate limit in bytes/s (vsftpd local_max_rate), to make transfers slow enough to interrupt. */
  maxRateBytes?: number;
  tls?: boolean;
  /** Size of a tmpfs mounted as the FTP root (a remote disk that fills up). */
  rootSizeBytes?: number;
}

export class LocalFtpServer {
  private child: ChildProcess | undefined;
  readonly root: string;
  readonly certFile: string;
  private mounted = false;

  constructor(private readonly o: LocalFtpOptions) {
    this.root = join(o.dir, 'root');
    this.certFile = join(o.dir, 'cert.pem');
  }

  get port(): number {
    return this.o.port;
  }

  /** Creates the system user (once per machine) and sets its password. */
  private ensureUser(): void {
    try {
      execFileSync('id', [FTP_TEST_USER], { stdio: 'ignore' });
    } catch {
      // vsftpd enters the home directory before local_root: it must exist.
      execFileSync('useradd', [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/',
        '--shell',
        '/bin/bash',
        FTP_TEST_USER,
      ]);
    }
    execFileSync('chpasswd', { input: `${FTP_TEST_USER}:${this.o.password}\n` });
  }

  async start(): Promise<void> {
    const { dir } = this.o;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755); // the FTP user must reach root/ (mkdtemp makes 0700)
    this.ensureUser();
    mkdirSync(this.root, { recursive: true });
    if (this.o.rootSizeBytes && !this.mounted) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.o.rootSizeBytes}`, 'tandem-ftp', this.root]);
      this.mounted = true;
    }
    const uid = Number(execFileSync('id', ['-u', FTP_TEST_USER]).toString().trim());
    chownSync(this.root, uid, 0);
    mkdirSync('/var/run/vsftpd/empty', { recursive: true });
    if (this.o.tls && !existsSync(this.certFile)) {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '2',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          this.certFile,
        ],
        { stdio: 'ignore' },
      );
    }
    const conf = join(dir, 'vsftpd.conf');
    writeFileSync(conf, this.config());
    this.child = spawn('vsftpd', [conf], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    this.child.stderr!.on('data', (d) => {
      stderr += d;
    });
    await waitFor(
      `vsftpd on port ${this.o.port}`,
      async () => {
        if (this.child?.exitCode !== null) throw new Error(`vsftpd exited: ${stderr.trim()}`);
        return (await greets(this.o.port)) ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
  }

  /** Stops the listener and every session process (the server is "down"). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    // Session processes may have left the group; they carry the config path on their command line.
    try {
      execFileSync('pkill', ['-9', '-f', join(this.o.dir, 'vsftpd.conf')], { stdio: 'ignore' });
    } catch {}
    await sleep(100);
  }

  /** Gives the tmpfs root more room (the operator frees space on the OSS). */
  grow(bytes: number): void {
    execFileSync('mount', ['-o', `remount,size=${bytes}`, this.root]);
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.mounted) {
      execFileSync('umount', ['-l', this.root]);
      this.mounted = false;
    }
  }

  /** Uploads, in order (a killed client's partial upload included: FTP sees only the end of data), as paths under the FTP root (from vsftpd's xferlog). */
  completedUploads(): string[] {
    const log = join(this.o.dir, 'xferlog');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 18 && f[11] === 'i' && f.at(-1) === 'c')
      .map((f) => f[8]!);
  }

  /** Paths renamed into place (RNTO answered 250), in order, from vsftpd's protocol log. */
  completedRenames(): string[] {
    const log = join(this.o.dir, 'vsftpd.log');
    if (!existsSync(log)) return [];
    const pending = new Map<string, string>();
    const done: string[] = [];
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const m = /\[pid (\d+)\].*FTP (command|response): Client "[^"]*", "(.*)"$/.exec(line);
      if (!m) continue;
      const [, pid, kind, text] = m as unknown as [string, string, string, string];
      if (kind === 'command') {
        if (text.startsWith('RNTO ')) pending.set(pid, text.slice(5));
        else pending.delete(pid);
      } else if (pending.has(pid)) {
        if (text.startsWith('250')) done.push(pending.get(pid)!);
        pending.delete(pid);
      }
    }
    return done;
  }

  private config(): string {
    const { port, maxRateBytes, tls, dir } = this.o;
    const lines = [
      'listen=YES',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=NO',
      'local_enable=YES',
      'write_enable=YES',
      'local_umask=022',
      `local_root=${this.root}`,
      'chroot_local_user=YES',
      'allow_writeable_chroot=YES',
      'pasv_enable=YES',
      'pasv_address=127.0.0.1',
      'connect_from_port_20=NO',
      'seccomp_sandbox=NO',
      'secure_chroot_dir=/var/run/vsftpd/empty',
      'pam_service_name=vsftpd',
      'xferlog_enable=YES',
      'xferlog_std_format=YES',
      `xferlog_file=${join(dir, 'xferlog')}`,
      // Also the protocol log (every command and answer), where renames can be counted.
      'dual_log_enable=YES',
      'log_ftp_protocol=YES',
      `vsftpd_log_file=${join(dir, 'vsftpd.log')}`,
      'use_localtime=NO',
      'max_per_ip=20',
    ];
    if (maxRateBytes) lines.push(`local_max_rate=${maxRateBytes}`);
    if (tls)
      lines.push(
        'ssl_enable=YES',
        `rsa_cert_file=${this.certFile}`,
        `rsa_private_key_file=${join(dir, 'key.pem')}`,
        'force_local_logins_ssl=YES',
        'force_local_data_ssl=YES',
        'require_ssl_reuse=NO',
        'ssl_ciphers=HIGH',
      );
    return `${lines.join('\n')}\n`;
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('220'));
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * A test network of namespaces (root only): a bridge in its own namespace, one namespace per host
 * with `eth0` on 198.18.0.0/24 and no default route, and a veth from this (the test's) namespace at
 * 198.18.0.254 so the test can reach the hosts' admin APIs and databases. `cut(host)` unplugs a host
 * from the bridge (a partition); `destroy()` deletes everything it made.
 */
import { execFileSync } from 'node:child_process';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export class TestNetwork {
  readonly lan: string;
  readonly hostLink: string;
  private readonly hosts = new Map<string, string>();

  constructor(private readonly prefix: string) {
    this.lan = `${prefix}-lan`;
    this.hostLink = `${prefix}h`.slice(0, 15);
  }

  /** Namespace of a host created by `add`. */
  ns(host: string): string {
    const ns = this.hosts.get(host);
    if (!ns) throw new Error(`no host ${host} in ${this.prefix}`);
    return ns;
  }

  create(): void {
    this.destroy(); // leftovers of a crashed run with the same prefix
    ip('netns', 'add', this.lan);
    ip('-n', this.lan, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.lan, 'link', 'set', 'br0', 'up');
    ip('link', 'add', this.hostLink, 'type', 'veth', 'peer', 'name', 'vtest', 'netns', this.lan);
    ip('-n', this.lan, 'link', 'set', 'vtest', 'master', 'br0', 'up');
    ip('addr', 'add', '198.18.0.254/24', 'dev', this.hostLink);
    ip('link', 'set', this.hostLink, 'up');
  }

  add(host: string, address: string): string {
    const ns = `${this.prefix}-${host}`;
    ip('netns', 'add', ns);
    ip('-n', this.lan, 'link', 'add', `v${host}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.lan, 'link', 'set', `v${host}`, 'master', 'br0', 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    this.hosts.set(host, ns);
    return ns;
  }

  /** Unplugs the host from the bridge: it can reach nobody, nobody can reach it. */
  cut(host: string): void {
    ip('-n', this.lan, 'link', 'set', `v${host}`, 'down');
  }

  heal(host: string): void {
    ip('-n', this.lan, 'link', 'set', `v${host}`, 'up');
  }

  /** IPv4 addresses on a host's eth0. */
  addresses(host: string): string[] {
    const out = execFileSync('ip', ['-n', this.ns(host), '-o', '-4', 'addr', 'show', 'dev', 'eth0'], {
      encoding: 'utf8',
    });
    return [...out.matchAll(/inet (\S+)\//g)].map((m) => m[1]!);
  }

  /** A host's addresses, neighbours and TCP sockets, for a failure message. */
  describe(host: string): string {
    const run = (cmd: string, ...args: string[]) => {
      try {
        return execFileSync('ip', ['netns', 'exec', this.ns(host), cmd, ...args], {
          encoding: 'utf8',
        }).trim();
      } catch (err) {
        return `(${cmd} failed: ${(err as Error).message})`;
      }
    };
    return [
      `--- ${host}: addresses ${this.addresses(host).join(' ')}`,
      run('ip', 'neigh', 'show'),
      run('ss', '-tanp'),
    ].join('\n');
  }

  /** Kills every process in a host's namespace (kill -9 of "everything on that server"). */
  killAll(host: string): void {
    const pids = execFileSync('ip', ['netns', 'pids', this.ns(host)], { encoding: 'utf8' })
      .split(/\s+/)
      .filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
  }

  destroy(): void {
    const existing = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const line of existing.split('\n')) {
      const name = line.split(' ')[0];
      if (name?.startsWith(`${this.prefix}-`)) {
        try {
          const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
            .split(/\s+/)
            .filter(Boolean);
          for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
        } catch {}
        try {
          ip('netns', 'del', name);
        } catch {}
      }
    }
    try {
      ip('link', 'del', this.hostLink);
    } catch {}
    this.hosts.clear();
  }
}

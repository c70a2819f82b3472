/**
 * Pure rendering of MariaDB Galera member and garbd settings.
 * The facts behind each option are in docs/decisions.md ("Database: MariaDB Galera + garbd").
 */

/** PEM files as mariadbd or garbd reads them (owned by the member's OS user, the key 0600). */
export interface GaleraTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The shared test cluster only: TCP clients without TLS are served too. */
  allowPlainSql?: boolean;
}

export interface GaleraMemberLayout {
  name: string;
  host: string;
  sqlPort: number;
  groupPort: number;
  istPort: number;
  sstPort: number;
  dataDir: string;
  socket: string;
  pidFile: string;
  errorLog: string;
  /** TLS on replication (socket.ssl), state transfer (rsync through stunnel) and the SQL port. */
  tls?: GaleraTlsFiles;
}

export interface GaleraClusterLayout {
  clusterName: string;
  members: GaleraMemberLayout[];
  arbitrator: { host: string; groupPort: number; tls?: GaleraTlsFiles };
  /** Faster EVS timeouts: the dead member is evicted in ~3.6 s instead of ~6.5 s. */
  fastEviction: boolean;
  gcacheSize: string;
  /** innodb_buffer_pool_size, e.g. 1024M. */
  bufferPoolSize: string;
  osUser: string;
}

/** EVS timeouts: writes block until a dead member is evicted, so these bound failover time. */
export const FAST_EVS_OPTIONS = [
  'evs.keepalive_period=PT0.5S',
  'evs.suspect_timeout=PT2S',
  'evs.inactive_timeout=PT4S',
  'evs.inactive_check_period=PT0.5S',
  'evs.install_timeout=PT3S',
];

export function clusterAddress(layout: GaleraClusterLayout): string {
  const peers = layout.members.map((m) => `${m.host}:${m.groupPort}`);
  peers.push(`${layout.arbitrator.host}:${layout.arbitrator.groupPort}`);
  return `gcomm://${peers.join(',')}`;
}

function providerOptions(
  layout: GaleraClusterLayout,
  listenHost: string,
  groupPort: number,
  istPort?: number,
  tls?: GaleraTlsFiles,
) {
  const options = [`gmcast.listen_addr=tcp://${listenHost}:${groupPort}`];
  if (istPort !== undefined)
    options.push(`ist.recv_addr=${listenHost}:${istPort}`, `gcache.size=${layout.gcacheSize}`);
  if (layout.fastEviction) options.push(...FAST_EVS_OPTIONS);
  // Every group connection (members and garbd) and IST: TLS, the peer's certificate checked
  // against the CA. A member or witness without TLS, or with another CA's certificate, cannot join.
  if (tls)
    options.push(
      'socket.ssl=YES',
      `socket.ssl_ca=${tls.caFile}`,
      `socket.ssl_cert=${tls.certFile}`,
      `socket.ssl_key=${tls.keyFile}`,
    );
  return options.join(';');
}

/** The SQL port serves TLS only; the state transfer runs through stunnel, the peer checked. */
function memberTlsLines(tls: GaleraTlsFiles | undefined): { mysqld: string[]; sst: string[] } {
  if (!tls) return { mysqld: [], sst: [] };
  return {
    mysqld: [
      `ssl_ca=${tls.caFile}`,
      `ssl_cert=${tls.certFile}`,
      `ssl_key=${tls.keyFile}`,
      // TCP clients must use TLS; the Unix socket (local tooling, SST scripts) stays allowed.
      ...(tls.allowPlainSql ? [] : ['require_secure_transport=ON']),
    ],
    sst: [`tca=${tls.caFile}`, `tcert=${tls.certFile}`, `tkey=${tls.keyFile}`, 'ssl-mode=VERIFY_CA'],
  };
}

/** The my.cnf of one member, used with `mariadbd --defaults-file=…`. */
export function renderMemberConfig(layout: GaleraClusterLayout, member: GaleraMemberLayout): string {
  const tls = memberTlsLines(member.tls);
  const lines = [
    '[mysqld]',
    `user=${layout.osUser}`,
    `datadir=${member.dataDir}`,
    `socket=${member.socket}`,
    `pid-file=${member.pidFile}`,
    `log-error=${member.errorLog}`,
    `port=${member.sqlPort}`,
    `bind-address=${member.host}`,
    'skip-name-resolve',
    'performance_schema=OFF',
    'max_connections=200',
    // Galera requirements
    'binlog_format=ROW',
    'default_storage_engine=InnoDB',
    'innodb_autoinc_lock_mode=2',
    // Durability: an acknowledged block must survive a crash of this member.
    'innodb_flush_log_at_trx_commit=1',
    `innodb_buffer_pool_size=${layout.bufferPoolSize}`,
    'innodb_log_file_size=16M',
    'wsrep_on=ON',
    'wsrep_provider=/usr/lib/galera/libgalera_smm.so',
    `wsrep_cluster_name=${layout.clusterName}`,
    `wsrep_cluster_address=${clusterAddress(layout)}`,
    `wsrep_node_name=${member.name}`,
    `wsrep_node_address=${member.host}:${member.groupPort}`,
    `wsrep_provider_options="${providerOptions(layout, member.host, member.groupPort, member.istPort, member.tls)}"`,
    `wsrep_sst_receive_address=${member.host}:${member.sstPort}`,
    'wsrep_sst_method=rsync',
    ...tls.mysqld,
    '',
    // Without this the SST scripts log to an absent syslog and a failing SST says nothing.
    '[sst]',
    'sst-syslog=-1',
    ...tls.sst,
    '',
  ];
  return lines.join('\n');
}

export function garbdArgs(layout: GaleraClusterLayout): string[] {
  const members = layout.members.map((m) => `${m.host}:${m.groupPort}`).join(',');
  return [
    '--address',
    `gcomm://${members}`,
    '--group',
    layout.clusterName,
    '--options',
    providerOptions(
      layout,
      layout.arbitrator.host,
      layout.arbitrator.groupPort,
      undefined,
      layout.arbitrator.tls,
    ),
  ];
}

/** Parses "WSREP: Recovered position: <uuid>:<seqno>" from `mariadbd --wsrep_recover` output. */
export function parseRecoveredPosition(log: string): string | undefined {
  const matches = [...log.matchAll(/WSREP: Recovered position:\s+([0-9a-f-]{36}:-?\d+)/g)];
  return matches.at(-1)?.[1];
}

/** Human-readable rendering of a node's /status document (pure). */
import type { EventsStatus } from '../kernel/events/publisher.js';

interface StatusDoc {
  node?: { id?: string; version?: string; profile?: string | null; uptimeS?: number };
  accepting?: boolean;
  refusal?: string | null;
  database?: {
    writable?: boolean;
    clusterStatus?: string | null;
    clusterSize?: number | null;
    localState?: string | null;
  };
  listeners?: { host?: string; primaryPort?: number; recoveryPort?: number };
  ingest?: {
    blocksStored?: number;
    blocksDuplicate?: number;
    rusStored?: number;
    batches?: number;
    queued?: number;
  } | null;
  dtp?: {
    streams?: { lamId: string; stream: string; peer: string; blocksAcked: number; inFlight: number }[];
  } | null;
  active?: boolean;
  role?: {
    role: string;
    acking: boolean;
    reason: string;
    since: string;
    maintenance: boolean;
    preferred: string | null;
    lease: { owner: string; epoch: number; expiresInMs: number } | null;
  } | null;
  peer?: {
    id: string;
    address: string;
    alive: boolean;
    lastBeatAgoMs: number | null;
    lastBeat: { role: string; db_writable: boolean; reason: string; version?: string } | null;
    lastError: string | null;
    versionProblem?: string | null;
  } | null;
  vip?: { driver: string; address?: string; interface?: string; held?: boolean } | null;
  galera?: { managed: boolean; state?: string; decision?: { action: string; why: string } | null } | null;
  delivery?: {
    ftp: {
      target: string;
      backlogFiles: number | null;
      deliveredFiles: number;
      lastSuccessAt: string | null;
      lastError: string | null;
      failingSince: string | null;
    } | null;
    feed:
      | {
          series: string;
          target: string;
          connected: boolean;
          writtenThrough: number;
          confirmedThrough: number;
          backlogRecords: number | null;
          lastSuccessAt: string | null;
          lastError: string | null;
          failingSince: string | null;
        }[]
      | null;
  } | null;
  disks?: { what: string; usedPercent: number }[];
  raid?: { arrays: { name: string; health: string; text: string }[] } | null;
  alarms?: { name: string; severity: string; reason: string; raisedAt: string }[];
  events?: EventsStatus;
}

const problem = (c: { lastError: string | null; failingSince: string | null }) =>
  c.lastError ? `; FAILING since ${c.failingSince}: ${c.lastError}` : '';

export function formatStatus(body: unknown): string {
  const s = body as StatusDoc;
  const lines: string[] = [];
  lines.push(
    `node        ${s.node?.id ?? '?'}  (tandem ${s.node?.version ?? '?'}${s.node?.profile ? `, profile ${s.node.profile}` : ''}, up ${s.node?.uptimeS ?? '?'} s)`,
  );
  lines.push(`accepting   ${s.accepting ? 'yes' : `NO — ${s.refusal ?? 'unknown reason'}`}`);
  const r = s.role;
  if (r) {
    const lease = r.lease
      ? `lease ${r.lease.owner} epoch ${r.lease.epoch}, expires in ${r.lease.expiresInMs} ms`
      : 'no lease';
    lines.push(
      `role        ${r.role.toUpperCase()} since ${r.since} — ${r.reason}; ${lease}${r.preferred ? `; preferred ${r.preferred}` : ''}`,
    );
  }
  const p = s.peer;
  if (p) {
    const b = p.lastBeat;
    lines.push(
      p.alive && b
        ? `peer        ${p.id} at ${p.address}: ${b.role}${b.db_writable ? '' : ', database NOT writable'}${b.version ? `, ${b.version}` : ''} (beat ${p.lastBeatAgoMs} ms ago)${p.versionProblem ? ` — INCOMPATIBLE: ${p.versionProblem}` : ''}`
        : `peer        ${p.id} at ${p.address}: NO HEARTBEAT${p.lastError ? ` (${p.lastError})` : ''}`,
    );
  }
  if (s.galera?.managed)
    lines.push(
      `galera      own member ${s.galera.state}${s.galera.decision ? ` — ${s.galera.decision.action}: ${s.galera.decision.why}` : ''}`,
    );
  if (s.vip && s.vip.driver !== 'none')
    lines.push(
      `logical IP  ${s.vip.address} via ${s.vip.driver}${s.vip.interface ? ` on ${s.vip.interface}` : ''}`,
    );
  const d = s.database;
  lines.push(
    `database    ${d?.writable ? 'writable' : 'NOT writable'}  (${d?.clusterStatus ?? '?'}, size ${d?.clusterSize ?? '?'}, ${d?.localState ?? '?'})`,
  );
  const l = s.listeners;
  lines.push(`listeners   ${l?.host}:${l?.primaryPort} primary, ${l?.host}:${l?.recoveryPort} recovery`);
  const i = s.ingest;
  if (i) {
    lines.push(
      `ingest      ${i.blocksStored} blocks stored (${i.rusStored} RUs), ${i.blocksDuplicate} duplicates, ${i.batches} batches, ${i.queued} queued`,
    );
  }
  const streams = s.dtp?.streams ?? [];
  lines.push(`LAM streams ${streams.length}`);
  for (const st of streams)
    lines.push(
      `  ${st.lamId} ${st.stream} from ${st.peer}: ${st.blocksAcked} acked, ${st.inFlight} in flight`,
    );
  const ftp = s.delivery?.ftp;
  if (ftp)
    lines.push(
      `FTP push    ${ftp.target}: ${ftp.backlogFiles ?? '?'} files waiting, ${ftp.deliveredFiles} delivered, last success ${ftp.lastSuccessAt ?? 'never'}${problem(ftp)}`,
    );
  for (const f of s.delivery?.feed ?? [])
    lines.push(
      `TCP feed    ${f.series} → ${f.target}: ${f.connected ? 'connected' : 'NOT connected'}, written ${f.writtenThrough}, confirmed ${f.confirmedThrough}, ${f.backlogRecords ?? '?'} records waiting${problem(f)}`,
    );
  if (s.delivery && !s.active) lines.push('delivery    standby: the active node delivers');
  for (const disk of s.disks ?? []) lines.push(`disk        ${disk.what}: ${disk.usedPercent}% used`);
  if (s.raid)
    lines.push(`RAID        ${s.raid.arrays.map((a) => a.text).join('; ') || 'no arrays in mdstat'}`);
  if (s.events?.enabled) lines.push(`events      ${formatEvents(s.events)}`);
  const alarms = s.alarms ?? [];
  lines.push(`alarms      ${alarms.length === 0 ? 'none' : alarms.length}`);
  for (const a of alarms)
    lines.push(`  ${a.severity.toUpperCase()} ${a.name}: ${a.reason} (since ${a.raisedAt})`);
  return `${lines.join('\n')}\n`;
}

/** One line about the events publisher (node and LAM status alike). */
export function formatEvents(e: EventsStatus): string {
  const where = e.connected
    ? `connected to ${e.server}`
    : `NOT connected${e.lastError ? ` (${e.lastError})` : ''}`;
  return `${where}, ${e.published} published, ${e.buffered} waiting, ${e.dropped} dropped`;
}

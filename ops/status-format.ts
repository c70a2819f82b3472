/** Human-readable rendering of a node's /status document (pure). */
interface StatusDoc {
  node?: { id?: string; version?: string; uptimeS?: number };
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
  alarms?: { name: string; severity: string; reason: string; raisedAt: string }[];
}

export function formatStatus(body: unknown): string {
  const s = body as StatusDoc;
  const lines: string[] = [];
  lines.push(
    `node        ${s.node?.id ?? '?'}  (tandem ${s.node?.version ?? '?'}, up ${s.node?.uptimeS ?? '?'} s)`,
  );
  lines.push(`accepting   ${s.accepting ? 'yes' : `NO — ${s.refusal ?? 'unknown reason'}`}`);
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
  const alarms = s.alarms ?? [];
  lines.push(`alarms      ${alarms.length === 0 ? 'none' : alarms.length}`);
  for (const a of alarms)
    lines.push(`  ${a.severity.toUpperCase()} ${a.name}: ${a.reason} (since ${a.raisedAt})`);
  return `${lines.join('\n')}\n`;
}

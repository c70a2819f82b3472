/**
 * Which member may bootstrap a new Primary component after both servers went down (power loss),
 * decided from what each member recorded (pure; table-tested). Galera's rule: bootstrap from the
 * member with the most recent state — `safe_to_bootstrap: 1` in grastate.dat after a clean shutdown,
 * else the highest seqno recovered by `mariadbd --wsrep_recover` — and never while another member
 * might still be running in a Primary component (that would split the cluster in two).
 */

export interface RecordedMemberState {
  member: string;
  /** Is the member's server process known to be down? `unknown` when its host cannot be asked. */
  running: boolean | 'unknown';
  /** Cluster state UUID and seqno recovered from the datadir (null: could not be recovered). */
  uuid: string | null;
  seqno: number | null;
  safeToBootstrap: boolean;
}

export type BootstrapDecision = { bootstrap: string; why: string } | { refused: string };

export function chooseBootstrap(states: RecordedMemberState[]): BootstrapDecision {
  if (states.length === 0) return { refused: 'no members' };
  for (const s of states) {
    if (s.running === true)
      return { refused: `${s.member} is running: start the others normally so they join it` };
    if (s.running === 'unknown')
      return {
        refused: `${s.member} cannot be asked: it may hold a Primary component; check that server first`,
      };
  }
  const unknown = states.find((s) => s.uuid === null || s.seqno === null);
  if (unknown)
    return { refused: `${unknown.member}: its position could not be recovered (see its recover log)` };
  const uuids = new Set(states.map((s) => s.uuid));
  if (uuids.size > 1) return { refused: `members belong to different clusters (${[...uuids].join(', ')})` };
  const safe = states.filter((s) => s.safeToBootstrap);
  if (safe.length === 1)
    return { bootstrap: safe[0]!.member, why: `${safe[0]!.member} shut down last (safe_to_bootstrap)` };
  const best = [...states].sort((x, y) => y.seqno! - x.seqno! || x.member.localeCompare(y.member))[0]!;
  const tie = states.filter((s) => s.seqno === best.seqno).length > 1;
  return {
    bootstrap: best.member,
    why: tie
      ? `all members at seqno ${best.seqno}; ${best.member} chosen by name`
      : `${best.member} has the highest seqno (${best.seqno})`,
  };
}

/** Parses grastate.dat (uuid, seqno, safe_to_bootstrap). */
export function parseGrastate(text: string): {
  uuid: string | null;
  seqno: number | null;
  safeToBootstrap: boolean;
} {
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(text)?.[1];
  const uuid = field('uuid') ?? null;
  const seqno = Number(field('seqno'));
  return {
    uuid: uuid && !/^0{8}-/.test(uuid) ? uuid : null,
    seqno: Number.isInteger(seqno) && seqno >= 0 ? seqno : null,
    safeToBootstrap: field('safe_to_bootstrap') === '1',
  };
}

/** What a node's heartbeat says about its own member (proto/peer.proto). */
export interface PeerMember {
  /** down: the node waits to decide; starting: mariadbd runs, not yet in a Primary component. */
  state: 'down' | 'starting' | 'primary';
  uuid: string | null;
  seqno: number | null;
  safeToBootstrap: boolean;
}

export type MemberStart =
  | { action: 'join'; why: string }
  | { action: 'bootstrap'; why: string }
  | { action: 'wait'; why: string };

/**
 * How a node starts its own Galera member (pure; table-tested). Join when the peer's member is in a
 * Primary component; when both members are down, the one `chooseBootstrap` picks bootstraps and the
 * other waits to join it; while the peer cannot be asked, wait — it may hold a Primary component —
 * unless the operator said `bootstrapAlone`.
 */
export function decideMemberStart(o: {
  self: { id: string; uuid: string | null; seqno: number | null; safeToBootstrap: boolean };
  peer: { id: string; member: PeerMember } | undefined;
  bootstrapAlone: boolean;
}): MemberStart {
  const { self, peer } = o;
  if (!peer) {
    if (o.bootstrapAlone)
      return { action: 'bootstrap', why: 'the operator allowed bootstrapping alone (galera.bootstrapAlone)' };
    return { action: 'wait', why: 'the peer cannot be asked: it may hold a Primary component' };
  }
  if (peer.member.state === 'primary')
    return { action: 'join', why: `${peer.id}'s member is in a Primary component` };
  if (peer.member.state === 'starting') return { action: 'wait', why: `${peer.id}'s member is starting` };
  const d = chooseBootstrap([
    {
      member: self.id,
      running: false,
      uuid: self.uuid,
      seqno: self.seqno,
      safeToBootstrap: self.safeToBootstrap,
    },
    { member: peer.id, running: false, ...peer.member },
  ]);
  if ('refused' in d) return { action: 'wait', why: d.refused };
  return d.bootstrap === self.id
    ? { action: 'bootstrap', why: d.why }
    : { action: 'wait', why: `${d.bootstrap} bootstraps (${d.why}); this member joins it` };
}

/**
 * Which releases may run side by side in a pair, as a pure decision (table-tested in
 * test/unit/version-skew.test.ts). A rolling upgrade runs the two nodes one release apart for a
 * while: same major version, minor versions at most one apart (patch releases are free). Anything
 * else is a skew the pair was never tested with: the node raises PeerVersionIncompatible and
 * refuses to hand its role to such a peer (a failover after a crash still happens: serving on an
 * untested pair beats not serving).
 */
export const ALARM_PEER_VERSION = 'PeerVersionIncompatible';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

/** undefined: the two may run together; else why not. */
export function versionSkewProblem(own: string, peerId: string, peer: string): string | undefined {
  if (!peer) return `${peerId} sends no version (a release before version checks)`;
  const a = SEMVER.exec(own);
  const b = SEMVER.exec(peer);
  if (!a) return `this node's version ${JSON.stringify(own)} is not major.minor.patch`;
  if (!b) return `${peerId}'s version ${JSON.stringify(peer)} is not major.minor.patch`;
  if (a[1] !== b[1])
    return `${peerId} runs ${peer}, this node ${own}: another major version (upgrade one release at a time)`;
  if (Math.abs(Number(a[2]) - Number(b[2])) > 1)
    return `${peerId} runs ${peer}, this node ${own}: more than one release apart (upgrade one release at a time)`;
  return undefined;
}

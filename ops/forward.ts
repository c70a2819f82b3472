/**
 * Where the CLI forwards a command the standby refused (pure). The peer's admin address comes from
 * its heartbeat; when it is the address the CLI already talks to (e.g. both nodes keep adminListen
 * on 127.0.0.1:7600, each reachable only from its own server), forwarding would ask the standby
 * again: refuse and say what to do instead.
 */
const canonical = (hostPort: string) =>
  hostPort
    .trim()
    .toLowerCase()
    .replace(/^localhost:/, '127.0.0.1:');

export function forwardTarget(calledAdmin: string, peerAdmin: string): { to: string } | { refused: string } {
  if (!peerAdmin) return { refused: 'the active node did not say where its admin API listens' };
  if (canonical(peerAdmin) === canonical(calledAdmin))
    return {
      refused:
        `the active node's admin address ${peerAdmin} is the one just asked (this standby's own): ` +
        'run the command on the active server, or give each node an adminListen the other server can reach',
    };
  return { to: peerAdmin };
}

/** Whether the admin API is reachable by more than this host's users without a token. Pure. */
import type { AlarmRegistry } from '../../kernel/alarms.js';

export const ALARM_ADMIN_OPEN = 'AdminApiUnauthenticated';

/** 127.0.0.0/8, ::1 or localhost: only this host's users can reach it. */
export function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Raises AdminApiUnauthenticated when the API listens off loopback with no tokens file. */
export function alarmIfAdminOpen(
  node: { adminListen: string; adminTokensFile: string },
  alarms: Pick<AlarmRegistry, 'raise'>,
): void {
  if (node.adminTokensFile || isLoopbackListen(node.adminListen)) return;
  alarms.raise(
    ALARM_ADMIN_OPEN,
    'major',
    `the admin API listens on ${node.adminListen} without authentication: set node.adminTokensFile (docs/security.md)`,
  );
}

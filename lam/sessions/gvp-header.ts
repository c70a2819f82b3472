/**
 * The `X-Genesys-GVP-Session-ID` header (sessions.md §2): the session's identifier followed by the
 * Resource Manager's parameters. The seed does not give the syntax; we read it as SIP generic
 * parameters (D34): `<id>;gvp.rm.datanodes=1|2;gvp.rm.tenant-id=<IVR Profile name>`, the
 * identifier being everything before the first `;`, parameter names case-insensitive.
 */
export const GVP_SESSION_HEADER = 'x-genesys-gvp-session-id';

export interface GvpSessionId {
  id: string;
  /** `gvp.rm.tenant-id`: despite its name, the IVR Profile the session runs under. */
  ivrProfile?: string;
  /** `gvp.rm.datanodes`, as sent (`1`, `1|2`, `2|1`). */
  dataNodes?: string;
  /** `gvp.rm.cti-call=1`: routed through the CTI Connector. */
  ctiCall: boolean;
}

/** undefined when the value has no identifier (an empty header names no session). */
export function parseGvpSessionId(value: string): GvpSessionId | undefined {
  const [head, ...params] = value.split(';');
  const id = (head ?? '').trim();
  if (!id) return undefined;
  const named = new Map<string, string>();
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name) named.set(name, eq < 0 ? '' : p.slice(eq + 1).trim());
  }
  return {
    id,
    ivrProfile: named.get('gvp.rm.tenant-id') || undefined,
    dataNodes: named.get('gvp.rm.datanodes') || undefined,
    ctiCall: named.get('gvp.rm.cti-call') === '1',
  };
}

export function formatGvpSessionId(s: GvpSessionId): string {
  const params = [
    s.dataNodes ? `gvp.rm.datanodes=${s.dataNodes}` : '',
    s.ctiCall ? 'gvp.rm.cti-call=1' : '',
    s.ivrProfile ? `gvp.rm.tenant-id=${s.ivrProfile}` : '',
  ].filter(Boolean);
  return [s.id, ...params].join(';');
}

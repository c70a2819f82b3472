/**
 * keepalived.conf for the logical IP (pure). keepalived only follows the role manager: the track file
 * (weight 0) holds 0 on the active node and 1 elsewhere, so the standby is in FAULT and can never
 * become VRRP master on its own; a second one, the sentinel's, goes to 1 when the node stops
 * renewing its claim (frozen or dead; sentinel.ts); VRRP contributes the address moves and gratuitous ARPs, and a
 * second barrier against two nodes holding the address. VRRPv3 with 0.1 s adverts (sub-second needs
 * v3), unicast to the peer, `nopreempt` with both nodes in BACKUP.
 */
export interface KeepalivedSettings {
  nodeId: string;
  interface: string;
  virtualRouterId: number;
  priority: number;
  advertIntervalS: number;
  sourceIp: string;
  peerIp: string;
  logicalIp: string;
  prefixLength: number;
  trackFile: string;
  /** Written by the sentinel (sentinel.ts): "1" when the node's claim ran out or it died. */
  sentinelTrackFile: string;
}

export function renderKeepalivedConfig(k: KeepalivedSettings): string {
  return `# Rendered by tandem node ${k.nodeId}; do not edit (the node rewrites it at start-up).
global_defs {
  router_id tandem-${k.nodeId}
  vrrp_version 3
  script_user root
  enable_script_security
}

vrrp_track_file tandem_role {
  file "${k.trackFile}"
  weight 0
}

vrrp_track_file tandem_sentinel {
  file "${k.sentinelTrackFile}"
  weight 0
}

vrrp_instance tandem_${k.virtualRouterId} {
  state BACKUP
  nopreempt
  interface ${k.interface}
  virtual_router_id ${k.virtualRouterId}
  priority ${k.priority}
  advert_int ${k.advertIntervalS}
  unicast_src_ip ${k.sourceIp}
  unicast_peer {
    ${k.peerIp}
  }
  virtual_ipaddress {
    ${k.logicalIp}/${k.prefixLength} dev ${k.interface}
  }
  track_file {
    tandem_role
    tandem_sentinel
  }
}
`;
}

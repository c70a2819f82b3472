// Original file: proto/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface Beat {
  'node_id'?: (string);
  'role'?: (string);
  'acking'?: (boolean);
  'epoch'?: (number | string | Long);
  'lease_owner'?: (string);
  'db_writable'?: (boolean);
  'reason'?: (string);
  'blocks_stored'?: (number | string | Long);
  'rendered_primary'?: (number | string | Long);
  'rendered_recovery'?: (number | string | Long);
  'admin_listen'?: (string);
  'sent_at_ms'?: (number | string | Long);
  'version'?: (string);
  'member_state'?: (string);
  'member_uuid'?: (string);
  'member_seqno'?: (number | string | Long);
  'member_safe_to_bootstrap'?: (boolean);
}

export interface Beat__Output {
  'node_id': (string);
  'role': (string);
  'acking': (boolean);
  'epoch': (number);
  'lease_owner': (string);
  'db_writable': (boolean);
  'reason': (string);
  'blocks_stored': (number);
  'rendered_primary': (number);
  'rendered_recovery': (number);
  'admin_listen': (string);
  'sent_at_ms': (number);
  'version': (string);
  'member_state': (string);
  'member_uuid': (string);
  'member_seqno': (number);
  'member_safe_to_bootstrap': (boolean);
}

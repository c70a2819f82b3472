// Original file: proto/dtp.proto

import type { RecordingUnit as _tandem_dtp_v1_RecordingUnit, RecordingUnit__Output as _tandem_dtp_v1_RecordingUnit__Output } from '../../../tandem/dtp/v1/RecordingUnit.js';
import type { Long } from '@grpc/proto-loader';

export interface Block {
  'lam_id'?: (string);
  'block_seq'?: (number | string | Long);
  'created_at_ms'?: (number | string | Long);
  'rus'?: (_tandem_dtp_v1_RecordingUnit)[];
}

export interface Block__Output {
  'lam_id': (string);
  'block_seq': (number);
  'created_at_ms': (number);
  'rus': (_tandem_dtp_v1_RecordingUnit__Output)[];
}

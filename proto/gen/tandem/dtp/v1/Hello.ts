// Original file: proto/dtp.proto

import type { StreamKind as _tandem_dtp_v1_StreamKind, StreamKind__Output as _tandem_dtp_v1_StreamKind__Output } from '../../../tandem/dtp/v1/StreamKind.js';
import type { Long } from '@grpc/proto-loader';

export interface Hello {
  'protocol_version'?: (number);
  'lam_id'?: (string);
  'software_version'?: (string);
  'stream'?: (_tandem_dtp_v1_StreamKind);
  'oldest_unacked_seq'?: (number | string | Long);
  'lam_instance'?: (string);
}

export interface Hello__Output {
  'protocol_version': (number);
  'lam_id': (string);
  'software_version': (string);
  'stream': (_tandem_dtp_v1_StreamKind__Output);
  'oldest_unacked_seq': (number);
  'lam_instance': (string);
}

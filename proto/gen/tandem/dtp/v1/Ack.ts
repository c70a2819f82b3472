// Original file: proto/dtp.proto

import type { AckStatus as _tandem_dtp_v1_AckStatus, AckStatus__Output as _tandem_dtp_v1_AckStatus__Output } from '../../../tandem/dtp/v1/AckStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface Ack {
  'block_seq'?: (number | string | Long);
  'status'?: (_tandem_dtp_v1_AckStatus);
}

export interface Ack__Output {
  'block_seq': (number);
  'status': (_tandem_dtp_v1_AckStatus__Output);
}

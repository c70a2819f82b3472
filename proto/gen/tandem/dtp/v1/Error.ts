// Original file: proto/dtp.proto

import type { ErrorCode as _tandem_dtp_v1_ErrorCode, ErrorCode__Output as _tandem_dtp_v1_ErrorCode__Output } from '../../../tandem/dtp/v1/ErrorCode.js';
import type { Long } from '@grpc/proto-loader';

export interface Error {
  'code'?: (_tandem_dtp_v1_ErrorCode);
  'message'?: (string);
  'block_seq'?: (number | string | Long);
  'field'?: (string);
}

export interface Error__Output {
  'code': (_tandem_dtp_v1_ErrorCode__Output);
  'message': (string);
  'block_seq': (number);
  'field': (string);
}

// Original file: proto/dtp.proto

import type { Long } from '@grpc/proto-loader';

export interface Welcome {
  'protocol_version'?: (number);
  'cam_node_id'?: (string);
  'window'?: (number);
  'max_rus_per_block'?: (number);
  'max_block_bytes'?: (number);
  'highest_stored_seq'?: (number | string | Long);
}

export interface Welcome__Output {
  'protocol_version': (number);
  'cam_node_id': (string);
  'window': (number);
  'max_rus_per_block': (number);
  'max_block_bytes': (number);
  'highest_stored_seq': (number);
}

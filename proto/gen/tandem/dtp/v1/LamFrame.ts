// Original file: proto/dtp.proto

import type { Hello as _tandem_dtp_v1_Hello, Hello__Output as _tandem_dtp_v1_Hello__Output } from '../../../tandem/dtp/v1/Hello.js';
import type { Block as _tandem_dtp_v1_Block, Block__Output as _tandem_dtp_v1_Block__Output } from '../../../tandem/dtp/v1/Block.js';

export interface LamFrame {
  'hello'?: (_tandem_dtp_v1_Hello | null);
  'block'?: (_tandem_dtp_v1_Block | null);
  'frame'?: "hello"|"block";
}

export interface LamFrame__Output {
  'hello'?: (_tandem_dtp_v1_Hello__Output | null);
  'block'?: (_tandem_dtp_v1_Block__Output | null);
  'frame'?: "hello"|"block";
}

// Original file: proto/dtp.proto

import type { Welcome as _tandem_dtp_v1_Welcome, Welcome__Output as _tandem_dtp_v1_Welcome__Output } from '../../../tandem/dtp/v1/Welcome.js';
import type { Ack as _tandem_dtp_v1_Ack, Ack__Output as _tandem_dtp_v1_Ack__Output } from '../../../tandem/dtp/v1/Ack.js';
import type { Error as _tandem_dtp_v1_Error, Error__Output as _tandem_dtp_v1_Error__Output } from '../../../tandem/dtp/v1/Error.js';

export interface CamFrame {
  'welcome'?: (_tandem_dtp_v1_Welcome | null);
  'ack'?: (_tandem_dtp_v1_Ack | null);
  'error'?: (_tandem_dtp_v1_Error | null);
  'frame'?: "welcome"|"ack"|"error";
}

export interface CamFrame__Output {
  'welcome'?: (_tandem_dtp_v1_Welcome__Output | null);
  'ack'?: (_tandem_dtp_v1_Ack__Output | null);
  'error'?: (_tandem_dtp_v1_Error__Output | null);
  'frame'?: "welcome"|"ack"|"error";
}

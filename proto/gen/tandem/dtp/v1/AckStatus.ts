// Original file: proto/dtp.proto

export const AckStatus = {
  ACK_STATUS_UNSPECIFIED: 'ACK_STATUS_UNSPECIFIED',
  ACK_STATUS_STORED: 'ACK_STATUS_STORED',
  ACK_STATUS_DUPLICATE: 'ACK_STATUS_DUPLICATE',
} as const;

export type AckStatus =
  | 'ACK_STATUS_UNSPECIFIED'
  | 0
  | 'ACK_STATUS_STORED'
  | 1
  | 'ACK_STATUS_DUPLICATE'
  | 2

export type AckStatus__Output = typeof AckStatus[keyof typeof AckStatus]

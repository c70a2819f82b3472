// Original file: proto/dtp.proto

export const StreamKind = {
  STREAM_KIND_UNSPECIFIED: 'STREAM_KIND_UNSPECIFIED',
  STREAM_KIND_PRIMARY: 'STREAM_KIND_PRIMARY',
  STREAM_KIND_RECOVERY: 'STREAM_KIND_RECOVERY',
} as const;

export type StreamKind =
  | 'STREAM_KIND_UNSPECIFIED'
  | 0
  | 'STREAM_KIND_PRIMARY'
  | 1
  | 'STREAM_KIND_RECOVERY'
  | 2

export type StreamKind__Output = typeof StreamKind[keyof typeof StreamKind]

// Original file: proto/dtp.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CamFrame as _tandem_dtp_v1_CamFrame, CamFrame__Output as _tandem_dtp_v1_CamFrame__Output } from '../../../tandem/dtp/v1/CamFrame.js';
import type { LamFrame as _tandem_dtp_v1_LamFrame, LamFrame__Output as _tandem_dtp_v1_LamFrame__Output } from '../../../tandem/dtp/v1/LamFrame.js';

export interface DataTransportClient extends grpc.Client {
  Transfer(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tandem_dtp_v1_LamFrame, _tandem_dtp_v1_CamFrame__Output>;
  Transfer(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tandem_dtp_v1_LamFrame, _tandem_dtp_v1_CamFrame__Output>;
  transfer(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tandem_dtp_v1_LamFrame, _tandem_dtp_v1_CamFrame__Output>;
  transfer(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tandem_dtp_v1_LamFrame, _tandem_dtp_v1_CamFrame__Output>;
  
}

export interface DataTransportHandlers extends grpc.UntypedServiceImplementation {
  Transfer: grpc.handleBidiStreamingCall<_tandem_dtp_v1_LamFrame__Output, _tandem_dtp_v1_CamFrame>;
  
}

export interface DataTransportDefinition extends grpc.ServiceDefinition {
  Transfer: MethodDefinition<_tandem_dtp_v1_LamFrame, _tandem_dtp_v1_CamFrame, _tandem_dtp_v1_LamFrame__Output, _tandem_dtp_v1_CamFrame__Output>
}

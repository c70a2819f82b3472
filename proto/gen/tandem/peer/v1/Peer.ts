// Original file: proto/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Beat as _tandem_peer_v1_Beat, Beat__Output as _tandem_peer_v1_Beat__Output } from '../../../tandem/peer/v1/Beat.js';

export interface PeerClient extends grpc.Client {
  Beat(argument: _tandem_peer_v1_Beat, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  Beat(argument: _tandem_peer_v1_Beat, metadata: grpc.Metadata, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  Beat(argument: _tandem_peer_v1_Beat, options: grpc.CallOptions, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  Beat(argument: _tandem_peer_v1_Beat, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  beat(argument: _tandem_peer_v1_Beat, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  beat(argument: _tandem_peer_v1_Beat, metadata: grpc.Metadata, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  beat(argument: _tandem_peer_v1_Beat, options: grpc.CallOptions, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  beat(argument: _tandem_peer_v1_Beat, callback: grpc.requestCallback<_tandem_peer_v1_Beat__Output>): grpc.ClientUnaryCall;
  
}

export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  Beat: grpc.handleUnaryCall<_tandem_peer_v1_Beat__Output, _tandem_peer_v1_Beat>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  Beat: MethodDefinition<_tandem_peer_v1_Beat, _tandem_peer_v1_Beat, _tandem_peer_v1_Beat__Output, _tandem_peer_v1_Beat__Output>
}

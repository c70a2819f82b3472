import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Beat as _tandem_peer_v1_Beat, Beat__Output as _tandem_peer_v1_Beat__Output } from './tandem/peer/v1/Beat.js';
import type { PeerClient as _tandem_peer_v1_PeerClient, PeerDefinition as _tandem_peer_v1_PeerDefinition } from './tandem/peer/v1/Peer.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tandem: {
    peer: {
      v1: {
        Beat: MessageTypeDefinition<_tandem_peer_v1_Beat, _tandem_peer_v1_Beat__Output>
        Peer: SubtypeConstructor<typeof grpc.Client, _tandem_peer_v1_PeerClient> & { service: _tandem_peer_v1_PeerDefinition }
      }
    }
  }
}


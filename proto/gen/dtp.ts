import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _tandem_dtp_v1_Ack, Ack__Output as _tandem_dtp_v1_Ack__Output } from './tandem/dtp/v1/Ack.js';
import type { Block as _tandem_dtp_v1_Block, Block__Output as _tandem_dtp_v1_Block__Output } from './tandem/dtp/v1/Block.js';
import type { CamFrame as _tandem_dtp_v1_CamFrame, CamFrame__Output as _tandem_dtp_v1_CamFrame__Output } from './tandem/dtp/v1/CamFrame.js';
import type { DataTransportClient as _tandem_dtp_v1_DataTransportClient, DataTransportDefinition as _tandem_dtp_v1_DataTransportDefinition } from './tandem/dtp/v1/DataTransport.js';
import type { Error as _tandem_dtp_v1_Error, Error__Output as _tandem_dtp_v1_Error__Output } from './tandem/dtp/v1/Error.js';
import type { Hello as _tandem_dtp_v1_Hello, Hello__Output as _tandem_dtp_v1_Hello__Output } from './tandem/dtp/v1/Hello.js';
import type { LamFrame as _tandem_dtp_v1_LamFrame, LamFrame__Output as _tandem_dtp_v1_LamFrame__Output } from './tandem/dtp/v1/LamFrame.js';
import type { Media as _tandem_dtp_v1_Media, Media__Output as _tandem_dtp_v1_Media__Output } from './tandem/dtp/v1/Media.js';
import type { RecordingUnit as _tandem_dtp_v1_RecordingUnit, RecordingUnit__Output as _tandem_dtp_v1_RecordingUnit__Output } from './tandem/dtp/v1/RecordingUnit.js';
import type { SupplementaryService as _tandem_dtp_v1_SupplementaryService, SupplementaryService__Output as _tandem_dtp_v1_SupplementaryService__Output } from './tandem/dtp/v1/SupplementaryService.js';
import type { Welcome as _tandem_dtp_v1_Welcome, Welcome__Output as _tandem_dtp_v1_Welcome__Output } from './tandem/dtp/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tandem: {
    dtp: {
      v1: {
        Ack: MessageTypeDefinition<_tandem_dtp_v1_Ack, _tandem_dtp_v1_Ack__Output>
        AckStatus: EnumTypeDefinition
        Block: MessageTypeDefinition<_tandem_dtp_v1_Block, _tandem_dtp_v1_Block__Output>
        CamFrame: MessageTypeDefinition<_tandem_dtp_v1_CamFrame, _tandem_dtp_v1_CamFrame__Output>
        DataTransport: SubtypeConstructor<typeof grpc.Client, _tandem_dtp_v1_DataTransportClient> & { service: _tandem_dtp_v1_DataTransportDefinition }
        Error: MessageTypeDefinition<_tandem_dtp_v1_Error, _tandem_dtp_v1_Error__Output>
        ErrorCode: EnumTypeDefinition
        Hello: MessageTypeDefinition<_tandem_dtp_v1_Hello, _tandem_dtp_v1_Hello__Output>
        LamFrame: MessageTypeDefinition<_tandem_dtp_v1_LamFrame, _tandem_dtp_v1_LamFrame__Output>
        Media: MessageTypeDefinition<_tandem_dtp_v1_Media, _tandem_dtp_v1_Media__Output>
        RecordType: EnumTypeDefinition
        RecordingUnit: MessageTypeDefinition<_tandem_dtp_v1_RecordingUnit, _tandem_dtp_v1_RecordingUnit__Output>
        ServiceType: EnumTypeDefinition
        StreamKind: EnumTypeDefinition
        SupplementaryService: MessageTypeDefinition<_tandem_dtp_v1_SupplementaryService, _tandem_dtp_v1_SupplementaryService__Output>
        Welcome: MessageTypeDefinition<_tandem_dtp_v1_Welcome, _tandem_dtp_v1_Welcome__Output>
      }
    }
  }
}


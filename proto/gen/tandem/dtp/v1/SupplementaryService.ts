// Original file: proto/dtp.proto

import type { ServiceType as _tandem_dtp_v1_ServiceType, ServiceType__Output as _tandem_dtp_v1_ServiceType__Output } from '../../../tandem/dtp/v1/ServiceType.js';
import type { Media as _tandem_dtp_v1_Media, Media__Output as _tandem_dtp_v1_Media__Output } from '../../../tandem/dtp/v1/Media.js';

export interface SupplementaryService {
  'servType'?: (_tandem_dtp_v1_ServiceType);
  'corrID'?: (string);
  'referBy'?: (string);
  'referTo'?: (string);
  'referArrival'?: (string);
  'referStatus'?: (number);
  'subscriberID'?: (string);
  'succStatus'?: (string);
  'failRsn'?: (string);
  'fromAddr'?: (string);
  'fromPSTNnum'?: (string);
  'toAddr'?: (string);
  'attemptList'?: (string);
  'connParty'?: (string);
  'sessionName'?: (string);
  'phoneNo'?: (string);
  'media'?: (_tandem_dtp_v1_Media)[];
  '_corrID'?: "corrID";
  '_referBy'?: "referBy";
  '_referTo'?: "referTo";
  '_referArrival'?: "referArrival";
  '_referStatus'?: "referStatus";
  '_subscriberID'?: "subscriberID";
  '_succStatus'?: "succStatus";
  '_failRsn'?: "failRsn";
  '_fromAddr'?: "fromAddr";
  '_fromPSTNnum'?: "fromPSTNnum";
  '_toAddr'?: "toAddr";
  '_attemptList'?: "attemptList";
  '_connParty'?: "connParty";
  '_sessionName'?: "sessionName";
  '_phoneNo'?: "phoneNo";
}

export interface SupplementaryService__Output {
  'servType': (_tandem_dtp_v1_ServiceType__Output);
  'corrID'?: (string);
  'referBy'?: (string);
  'referTo'?: (string);
  'referArrival'?: (string);
  'referStatus'?: (number);
  'subscriberID'?: (string);
  'succStatus'?: (string);
  'failRsn'?: (string);
  'fromAddr'?: (string);
  'fromPSTNnum'?: (string);
  'toAddr'?: (string);
  'attemptList'?: (string);
  'connParty'?: (string);
  'sessionName'?: (string);
  'phoneNo'?: (string);
  'media': (_tandem_dtp_v1_Media__Output)[];
  '_corrID'?: "corrID";
  '_referBy'?: "referBy";
  '_referTo'?: "referTo";
  '_referArrival'?: "referArrival";
  '_referStatus'?: "referStatus";
  '_subscriberID'?: "subscriberID";
  '_succStatus'?: "succStatus";
  '_failRsn'?: "failRsn";
  '_fromAddr'?: "fromAddr";
  '_fromPSTNnum'?: "fromPSTNnum";
  '_toAddr'?: "toAddr";
  '_attemptList'?: "attemptList";
  '_connParty'?: "connParty";
  '_sessionName'?: "sessionName";
  '_phoneNo'?: "phoneNo";
}

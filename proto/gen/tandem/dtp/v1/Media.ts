// Original file: proto/dtp.proto


export interface Media {
  'mediaName'?: (string);
  'sdpProtocol'?: (string);
  'sdpPort'?: (number);
  'connAddr'?: (string);
  'codecList'?: (string)[];
  '_connAddr'?: "connAddr";
}

export interface Media__Output {
  'mediaName': (string);
  'sdpProtocol': (string);
  'sdpPort': (number);
  'connAddr'?: (string);
  'codecList': (string)[];
  '_connAddr'?: "connAddr";
}

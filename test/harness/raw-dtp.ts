/** A bare DTP client for hostile-input tests: writes exactly the frames (or bytes) it is given. */
import * as grpc from '@grpc/grpc-js';
import { type CamFrame, dataTransportClientConstructor, type LamFrame } from '../../proto/dtp.js';

export interface Exchange {
  frames: CamFrame[];
  status: grpc.StatusObject | undefined;
}

/** Sends the frames (objects, or raw Buffers that bypass encoding), then collects until the end. */
export async function exchange(
  target: string,
  outgoing: (LamFrame | Buffer)[],
  opts: { halfClose?: boolean; timeoutMs?: number; betweenMs?: number } = {},
): Promise<Exchange> {
  const Client = dataTransportClientConstructor();
  const client = new Client(target, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const def = Client.service.Transfer!;
  const call = client.makeBidiStreamRequest(
    def.path,
    (m: LamFrame | Buffer) => (Buffer.isBuffer(m) ? m : def.requestSerialize(m)),
    (b: Buffer) => def.responseDeserialize(b) as CamFrame,
  );
  const frames: CamFrame[] = [];
  // 'status' is the last event of a call; 'close' never comes while our side is still open.
  const done = new Promise<Exchange>((resolve) => {
    const timer = setTimeout(() => call.cancel(), opts.timeoutMs ?? 10_000);
    call.on('data', (f: CamFrame) => frames.push(f));
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => {
      clearTimeout(timer);
      resolve({ frames, status });
    });
  });
  for (const m of outgoing) {
    call.write(m);
    if (opts.betweenMs) await new Promise((r) => setTimeout(r, opts.betweenMs));
  }
  if (opts.halfClose ?? false) call.end();
  const result = await done;
  client.close();
  return result;
}

export const errorOf = (ex: Exchange) => ex.frames.find((f) => f.frame === 'error');

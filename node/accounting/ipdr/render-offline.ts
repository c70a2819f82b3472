/**
 * `tandem ipdr render`: RUs from a JSON-lines file into IPDR files, through the same writer the CAM
 * uses. The RU's recTime serves as the clock (record time, rotation time, file names), so the same
 * input always renders the same files.
 */
import type { RecordingUnit } from '../../../proto/ru.js';
import { recorderId } from './document.js';
import { type ClosedFile, IpdrFileWriter } from './writer.js';

export interface OfflineRenderOptions {
  outDir: string;
  camIpAddress: string;
  version: string;
  compress: boolean;
  fileRotationSize: number;
  fileRotationTime: number;
}

export async function renderOffline(rus: RecordingUnit[], opts: OfflineRenderOptions): Promise<ClosedFile[]> {
  const writer = new IpdrFileWriter({
    dir: opts.outDir,
    recorderId: recorderId(opts.camIpAddress),
    version: opts.version,
    fileRotationSize: opts.fileRotationSize,
    fileRotationTime: opts.fileRotationTime,
    compress: opts.compress,
  });
  let clock = 0;
  for (const ru of rus) {
    // Never let the clock run backwards (recTimes need not be ordered).
    clock = Math.max(clock, Date.parse(ru.recTime));
    await writer.append(ru, clock);
  }
  await writer.close(clock);
  return writer.closed;
}

/**
 * What emitting an event costs the emitter, with NATS up, down (an address where nothing listens)
 * and off, in one run: bursts of `--events` alarm events (an alarm storm) through EventPublisher,
 * the time each `emit` takes and the event loop's delay meanwhile (what an ack waiting on the same
 * loop would feel), and what was published, held and dropped.
 *
 *   npm run build && node dist/bench/events.js [--events 20000] [--buffer 10000]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eventsSchema } from '../kernel/events/config.js';
import { EventPublisher } from '../kernel/events/publisher.js';
import { silentLogger } from '../kernel/logger.js';
import { sleep, waitFor } from '../kernel/process.js';
import { freePort } from '../ops/local-cam.js';
import { LocalNatsServer } from '../ops/local-nats.js';
import { arg, percentile, runBench, writeResults } from './common.js';

type Mode = 'off' | 'up' | 'down';

async function measure(mode: Mode, servers: string, events: number, buffer: number) {
  const cfg = eventsSchema.parse(mode === 'off' ? {} : { natsServers: servers, bufferEvents: buffer });
  const p = new EventPublisher(cfg, { component: 'cam', id: 'bench' }, silentLogger());
  p.start();
  if (mode === 'up')
    await waitFor('the publisher to connect', async () => (p.status().connected ? true : undefined), {
      timeoutMs: 10_000,
    });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const costs: number[] = [];
  const alarm = {
    name: 'BenchAlarm',
    severity: 'major' as const,
    reason: 'storm',
    raisedAt: new Date().toISOString(),
    raiseCount: 1,
  };
  const t0 = performance.now();
  // Bursts of 100 with a turn of the event loop between them, as a storm of alarm changes would come.
  for (let i = 0; i < events; i += 100) {
    for (let k = 0; k < 100; k++) {
      const s = performance.now();
      p.emit('alarm.updated', { ...alarm, reason: `storm ${i + k}` });
      costs.push(performance.now() - s);
    }
    await sleep(0);
  }
  const elapsed = performance.now() - t0;
  loop.disable();
  const status = p.status();
  await p.close(1000);
  costs.sort((a, b) => a - b);
  return {
    mode,
    emitsPerS: Math.round(events / (elapsed / 1000)),
    emitP50Us: Number((percentile(costs, 50) * 1000).toFixed(1)),
    emitP99Us: Number((percentile(costs, 99) * 1000).toFixed(1)),
    emitMaxUs: Number((costs[costs.length - 1]! * 1000).toFixed(0)),
    loopDelayP99Ms: Number((loop.percentile(99) / 1e6).toFixed(2)),
    loopDelayMaxMs: Number((loop.max / 1e6).toFixed(2)),
    published: status.published,
    buffered: status.buffered,
    dropped: status.dropped,
  };
}

async function main(): Promise<void> {
  const events = arg('events', 20_000);
  const buffer = arg('buffer', 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-events-'));
  const nats = new LocalNatsServer({ dir, port: await freePort(), monitorPort: await freePort() });
  await nats.start();
  const down = `127.0.0.1:${await freePort()}`;
  const loadBefore = loadavg();
  const results = [];
  try {
    for (const mode of ['off', 'up', 'down', 'off', 'up', 'down'] as const)
      results.push(await measure(mode, mode === 'up' ? nats.address : down, events, buffer));
  } finally {
    await nats.stop();
  }
  const lines = [
    `Events benchmark — ${new Date().toISOString()}`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `${events} alarm events per run in bursts of 100, buffer ${buffer}`,
    '',
    '| NATS | emits/s | emit p50 / p99 / max (µs) | event-loop delay p99 / max (ms) | published | held | dropped |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.mode} | ${r.emitsPerS} | ${r.emitP50Us} / ${r.emitP99Us} / ${r.emitMaxUs} | ${r.loopDelayP99Ms} / ${r.loopDelayMaxMs} | ${r.published} | ${r.buffered} | ${r.dropped} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResults('events', { loadBefore, events, buffer, results });
}

runBench(main);

/**
 * A CAM that accepts a stream and then stays silent (frozen process, a Hello check stuck on its
 * database) must not hold a LAM's blocks forever: a real gRPC server on loopback that never
 * welcomes, one that welcomes and never acks, a TCP peer that never speaks HTTP/2 (a frozen
 * process's listen backlog), and the LAM's sender gives each stream up, counts it, names why, and
 * delivers the block once a CAM answers. And a connect attempt that hangs while grpc-js fails
 * every call at once with the previous connect error: the sender opens a new connection.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { freePort } from '../../ops/local-process.js';
import { type CamFrame, dataTransportClientConstructor, type LamFrame } from '../../proto/dtp.js';

type Behaviour = 'silent' | 'welcome-only' | 'good';
type ServerCall = grpc.ServerDuplexStream<LamFrame, CamFrame>;

/** A DTP server whose behaviour can be switched while streams come and go. */
async function fakeCam(port: number) {
  const state = { behaviour: 'silent' as Behaviour, streams: 0, blocksSeen: [] as number[] };
  const server = new grpc.Server();
  server.addService(dataTransportClientConstructor().service, {
    Transfer: (call: ServerCall) => {
      state.streams++;
      const behaviour = state.behaviour; // fixed for the life of this stream
      call.on('data', (f: LamFrame) => {
        if ('undecodable' in f) return;
        if (f.frame === 'hello' && behaviour !== 'silent')
          call.write({ frame: 'welcome', welcome: { window: 8, highest_stored_seq: 0 } } as CamFrame);
        if (f.frame === 'block') {
          state.blocksSeen.push(f.block.block_seq ?? 0);
          if (behaviour === 'good')
            call.write({
              frame: 'ack',
              ack: { block_seq: f.block.block_seq, status: 'ACK_STATUS_STORED' },
            } as CamFrame);
        }
      });
      call.on('error', () => undefined);
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return { state, stop: () => server.forceShutdown() };
}

const sender = (port: number, acks: number[]) =>
  new DtpSender({
    target: `127.0.0.1:${port}`,
    lamId: 'Silent1',
    stream: 'primary',
    log: silentLogger(),
    onAck: (seq) => acks.push(seq),
    watchdog: { welcomeTimeoutMs: 300, ackTimeoutMs: 300 },
  });

describe('a silent CAM does not hold a LAM sender', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
  });

  it('no Welcome, then no Ack: each stream is given up and named; the block reaches the CAM that answers', async () => {
    const port = await freePort();
    const cam = await fakeCam(port);
    stops.push(cam.stop);
    const acks: number[] = [];
    const s = sender(port, acks);
    stops.push(() => s.stop());
    s.start();
    s.send({ blockSeq: 1, createdAtMs: 0, rus: syntheticBlockRus('Silent1', 1, 3) });

    await waitFor(
      'a stream given up for want of a Welcome',
      async () => (s.stats.stalls >= 1 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 20,
      },
    );
    expect(s.stats.lastError).toBe('no Welcome within 300 ms');
    expect(s.connected).toBe(false);

    cam.state.behaviour = 'welcome-only';
    await waitFor(
      'a stream given up for want of an Ack',
      async () => (s.stats.lastError.startsWith('no Ack') ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(s.stats.lastError).toBe('no Ack for 300 ms with 1 blocks in flight');
    expect(cam.state.blocksSeen).toContain(1);
    expect(acks).toEqual([]);

    cam.state.behaviour = 'good';
    await s.drained();
    expect(acks).toEqual([1]);
    expect(s.pending).toBe(0);
    // Idle on a good stream is not a stall: nothing is in flight.
    const stalls = s.stats.stalls;
    await new Promise((r) => setTimeout(r, 900)); // longer than both limits, to show nothing fires
    expect(s.stats.stalls).toBe(stalls);
    expect(s.connected).toBe(true);
  });

  it('a connection on which the server never speaks: the sender drops it and reaches the CAM now at that port', async () => {
    const port = await freePort();
    // A frozen node: the kernel completes the TCP handshake, the process never answers. The socket
    // stays open and silent even after the listener goes, as when the node's address moves away.
    const held: Socket[] = [];
    const frozen = createServer((socket) => {
      held.push(socket);
      socket.resume(); // reads, never writes
    });
    await new Promise<void>((resolve) => frozen.listen(port, '127.0.0.1', resolve));
    stops.push(() => {
      for (const h of held) h.destroy();
    });
    const acks: number[] = [];
    const s = sender(port, acks);
    stops.push(() => s.stop());
    s.start();
    s.send({ blockSeq: 7, createdAtMs: 0, rus: syntheticBlockRus('Silent1', 7, 2) });
    await waitFor(
      'a connection held by the frozen server',
      async () => (held.length > 0 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 20,
      },
    );
    frozen.close(); // stops listening now; its callback would wait for the held connections
    const cam = await fakeCam(port);
    stops.push(cam.stop);
    cam.state.behaviour = 'good';
    await waitFor(
      'the block acknowledged by the CAM now at the port',
      async () => (acks.includes(7) ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 20,
      },
    );
    expect(s.stats.stalls).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('calls failing at once with a stale "refused" while the connect hangs: the sender opens a new connection', async () => {
    const port = await freePort();
    const acks: number[] = [];
    const s = sender(port, acks);
    stops.push(() => s.stop());
    s.start();
    s.send({ blockSeq: 9, createdAtMs: 0, rus: syntheticBlockRus('Silent1', 9, 2) });
    await waitFor(
      'a refused connection',
      async () => (s.stats.lastError.includes('ECONNREFUSED') ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    // Now SYNs to the port go unanswered, as to a logical IP nobody holds: a listener that never
    // accepts, its backlog full (perl: Node's own servers always accept).
    const deaf: ChildProcess = spawn(
      'perl',
      [
        '-MSocket',
        '-e',
        `socket(S,PF_INET,SOCK_STREAM,0) or die "socket: $!"; setsockopt(S,SOL_SOCKET,SO_REUSEADDR,1);
         bind(S, sockaddr_in(${port}, inet_aton("127.0.0.1"))) or die "bind: $!"; listen(S,0) or die "listen: $!";
         $| = 1; print "listening\n"; sleep 600`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    stops.push(() => deaf.kill('SIGKILL'));
    await new Promise((resolve, reject) => {
      deaf.stdout!.once('data', resolve);
      deaf.once('exit', (code) => reject(new Error(`the deaf listener exited (${code})`)));
    });
    const fillers = [0, 1, 2].map(() => connect(port, '127.0.0.1').on('error', () => undefined));
    stops.push(() => {
      for (const f of fillers) f.destroy();
    });
    // Without a new connection every call would go on failing with the stale ECONNREFUSED and the
    // watchdog would never see a waiting call; a new connection's call waits and is named.
    await waitFor(
      'the hang named, not the stale refusal',
      async () => (s.stats.lastError === 'no Welcome within 300 ms' ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(s.stats.newConnections).toBeGreaterThanOrEqual(1);
    const gone = new Promise((resolve) => deaf.once('exit', resolve));
    deaf.kill('SIGKILL');
    await gone; // its port is free only once it has exited
    for (const f of fillers) f.destroy();
    const cam = await fakeCam(port);
    stops.push(cam.stop);
    cam.state.behaviour = 'good';
    await waitFor('the block acknowledged', async () => (acks.includes(9) ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
  }, 40_000);
});

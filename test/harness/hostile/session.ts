/**
 * One hostile session, shared by the CI test (short profile) and bench/fuzz.ts (long profile): a
 * CAM process with operator tokens on a real database, a LAM process with its API on TCP and a
 * token, a good application submitting durable RUs through that LAM all along, and the DTP and
 * HTTP fuzzers against both at once. Reports what the fuzzers saw, whether the good acks went on
 * (the longest time without one), the ledger check of every confirmed RU (once) and of the hostile
 * RUs (never), and each process's resident memory before and after.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { sha256Hex } from '../../../kernel/http/bearer.js';
import { sleep } from '../../../kernel/process.js';
import { syntheticRu } from '../../../lam/synthetic.js';
import { CamProcess, type LocalDatabase } from '../../../ops/local-cam.js';
import { LamProcess } from '../../../ops/local-lam.js';
import { type DtpFuzzReport, fuzzDtp } from './dtp.js';
import { fuzzHttp, type HttpFuzzReport } from './http.js';
import { prng } from './prng.js';

export interface HostileProfile {
  name: string;
  dtpFrames: number;
  dtpConcurrency: number;
  dtpChannels: number;
  rawConnections: number;
  httpRequests: number;
  httpConcurrency: number;
}

export const SHORT_PROFILE: HostileProfile = {
  name: 'short',
  dtpFrames: 4_000,
  dtpConcurrency: 16,
  dtpChannels: 3,
  rawConnections: 30,
  httpRequests: 600,
  httpConcurrency: 8,
};

export const LONG_PROFILE: HostileProfile = {
  name: 'long',
  dtpFrames: 120_000,
  dtpConcurrency: 48,
  dtpChannels: 4,
  rawConnections: 500,
  httpRequests: 12_000,
  httpConcurrency: 16,
};

interface Rss {
  before: number;
  after: number;
  max: number;
}

export interface HostileReport {
  profile: string;
  seed: number;
  durationMs: number;
  dtp: DtpFuzzReport;
  http: HttpFuzzReport;
  good: {
    submits: number;
    confirmedRus: number;
    /** Confirmed RUs not in the ledger, and RUs in the ledger more than once. */
    missing: number;
    doubled: number;
    /** Longest time the good LAM went without a new ack while the fuzzers ran. */
    longestAckGapMs: number;
    /** Submits refused while the fuzzers ran (status other than 200), by status. */
    refused: Record<string, number>;
  };
  /** Hostile RUs found in the ledger (must be 0). */
  hostileStored: number;
  rssMb: { cam: Rss; lam: Rss };
  alive: { cam: boolean; lam: boolean };
}

export async function runHostileSession(o: {
  dir: string;
  database: LocalDatabase;
  profile: HostileProfile;
  seed: number;
}): Promise<HostileReport> {
  const random = prng(o.seed);
  const t0 = Date.now();
  const tokens = {
    operator: randomBytes(24).toString('base64url'),
    reader: randomBytes(24).toString('base64url'),
  };
  const tokensFile = join(o.dir, 'admin-tokens.yaml');
  writeFileSync(
    tokensFile,
    `- name: fuzz-operator\n  role: operator\n  tokenSha256: ${sha256Hex(tokens.operator)}\n` +
      `- name: fuzz-reader\n  role: reader\n  tokenSha256: ${sha256Hex(tokens.reader)}\n`,
    { mode: 0o600 },
  );
  const cam = await CamProcess.create({
    id: 'cam-hostile',
    dir: o.dir,
    database: o.database,
    logLevel: 'warn',
    admin: { tokensFile, token: tokens.operator },
  });
  const goodId = `Good${o.seed}`;
  const lam = await LamProcess.create({
    componentName: goodId,
    dir: join(o.dir, 'lam'),
    cam: { primaryPort: cam.primaryPort, recoveryPort: cam.recoveryPort },
    tcpApi: true,
  });
  const rss = { cam: { before: 0, after: 0, max: 0 }, lam: { before: 0, after: 0, max: 0 } };
  try {
    cam.start();
    await cam.waitAccepting(60_000);
    lam.start();
    await lam.waitReady();

    // The good application: durable submits of 5 RUs, all along.
    const confirmed = new Set<string>();
    const refused: Record<string, number> = {};
    let submits = 0;
    let producing = true;
    let n = 0;
    const producer = (async () => {
      while (producing) {
        const batch = Array.from({ length: 5 }, () => ({
          ...syntheticRu(goodId, n),
          uID: `${goodId}-ru-${n++}`,
        }));
        submits++;
        try {
          const res = await lam.call('POST', '/rus?durable=true', batch, 10_000);
          if (res.status === 200) for (const ru of batch) confirmed.add(ru.uID);
          else refused[res.status] = (refused[res.status] ?? 0) + 1;
        } catch {
          refused.noAnswer = (refused.noAnswer ?? 0) + 1;
        }
        await sleep(10);
      }
    })();
    // Warm up before the baseline: the first acks, the JIT, the database pool.
    const acked = async () => {
      const c = (await lam.status()).counters;
      return c.blocksAckedPrimary + c.blocksAckedRecovery;
    };
    while ((await acked()) < 5) await sleep(100);
    await sleep(1000);
    rss.cam.before = cam.rssMb();
    rss.lam.before = lam.rssMb();

    let fuzzing = true;
    let longestAckGapMs = 0;
    const monitor = (async () => {
      let last = await acked();
      let lastAt = Date.now();
      while (fuzzing) {
        await sleep(100);
        rss.cam.max = Math.max(rss.cam.max, cam.rssMb());
        rss.lam.max = Math.max(rss.lam.max, lam.rssMb());
        const now = await acked().catch(() => last);
        if (now > last) {
          last = now;
          lastAt = Date.now();
        } else longestAckGapMs = Math.max(longestAckGapMs, Date.now() - lastAt);
      }
    })();

    const uidPrefix = `hostile-${o.seed}-`;
    const [dtp, http] = await Promise.all([
      fuzzDtp(
        {
          target: cam.primaryTarget,
          frames: o.profile.dtpFrames,
          concurrency: o.profile.dtpConcurrency,
          channels: o.profile.dtpChannels,
          rawConnections: o.profile.rawConnections,
          lamPrefix: `Fz${o.seed}-`,
        },
        random,
      ),
      fuzzHttp(
        {
          targets: [
            { url: cam.adminUrl, kind: 'admin', tokens },
            { url: `http://${lam.api.listen}`, kind: 'lam', tokens: { operator: lam.api.token } },
          ],
          requests: o.profile.httpRequests,
          concurrency: o.profile.httpConcurrency,
          uidPrefix,
        },
        random,
      ),
    ]);
    fuzzing = false;
    await monitor;
    producing = false;
    await producer;
    await lam.waitDrained(60_000);
    rss.cam.after = cam.rssMb();
    rss.lam.after = lam.rssMb();
    const alive = { cam: cam.alive, lam: lam.alive };

    const conn = await mariadb.createConnection({ ...o.database, bigIntAsNumber: true });
    let missing = 0;
    let doubled = 0;
    let hostileStored = 0;
    try {
      const rows: { payload: string }[] = await conn.query(
        'SELECT payload FROM ledger_block WHERE lam_id = ?',
        [goodId],
      );
      const counts = new Map<string, number>();
      for (const r of rows)
        for (const ru of JSON.parse(r.payload) as { uID: string }[])
          counts.set(ru.uID, (counts.get(ru.uID) ?? 0) + 1);
      for (const id of confirmed) if (!counts.has(id)) missing++;
      for (const c of counts.values()) if (c > 1) doubled++;
      const [h] = await conn.query('SELECT COUNT(*) AS n FROM ledger_block WHERE payload LIKE ?', [
        `%${uidPrefix}%`,
      ]);
      hostileStored = (h as { n: number }).n;
    } finally {
      await conn.end();
    }
    return {
      profile: o.profile.name,
      seed: o.seed,
      durationMs: Date.now() - t0,
      dtp,
      http,
      good: { submits, confirmedRus: confirmed.size, missing, doubled, longestAckGapMs, refused },
      hostileStored,
      rssMb: rss,
      alive,
    };
  } finally {
    await lam.stop().catch(() => undefined);
    await cam.stop().catch(() => undefined);
  }
}

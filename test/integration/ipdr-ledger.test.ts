import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { recorderId } from '../../node/accounting/ipdr/document.js';
import { IpdrPlanner, IpdrRenderer } from '../../node/accounting/ipdr/ledger-ipdr.js';
import { IpdrPlacement } from '../../node/accounting/ipdr/placement.js';
import { verifyIpdrDir } from '../../node/accounting/ipdr/verify.js';
import { Ledger } from '../../node/accounting/ledger.js';
import { databasesOnBothMembers } from '../harness/galera.js';
import { closedIpdrFiles, sha256File } from '../harness/ipdr-files.js';
import { uniqueLamId } from '../harness/nodes.js';

const limits = {
  fileRotationSize: 30_000,
  fileRotationTime: 1000,
  recorderId: recorderId('198.18.0.100'),
  version: '2.0 Tandem/test',
};

describe('IPDR rendering from the ledger', () => {
  const dbs = databasesOnBothMembers();

  it('both nodes hold byte-identical, valid closed files with every RU exactly once', async () => {
    const lam = uniqueLamId('ipdr');
    const ledger = new Ledger(dbs.a, { nodeId: 'cam-a' });
    for (let start = 1; start <= 300; start += 50) {
      await ledger.storeBatch(
        Array.from({ length: 50 }, (_, i) => {
          const seq = start + i;
          const rus = syntheticBlockRus(lam, seq, 4);
          return {
            lamId: lam,
            blockSeq: seq,
            stream: seq % 3 === 0 ? 'recovery' : 'primary',
            createdAtMs: 0,
            ruCount: 4,
            payload: JSON.stringify(rus),
          } as const;
        }),
      );
    }
    // Unfenced: no node holds a role here, the test is the only planner.
    const planner = new IpdrPlanner(dbs.a, new IpdrPlacement(limits), silentLogger());
    // Plan until everything is placed.
    let now = Date.now();
    for (;;) {
      const r = await planner.round(now, 2000);
      if (r.placed === 0) break;
      now += 10;
    }
    expect((await planner.round(now + 5000)).placed).toBe(0); // File Rotation Time closes the open files

    const dirs = {
      a: mkdtempSync(join(tmpdir(), 'tandem-ipdr-a-')),
      b: mkdtempSync(join(tmpdir(), 'tandem-ipdr-b-')),
    };
    const renderers = {
      a: new IpdrRenderer(
        dbs.a,
        join(dirs.a, 'acct'),
        dirs.a,
        { ...limits, compress: false },
        silentLogger(),
      ),
      b: new IpdrRenderer(
        dbs.b,
        join(dirs.b, 'acct'),
        dirs.b,
        { ...limits, compress: false },
        silentLogger(),
      ),
    };
    for (const r of Object.values(renderers)) while ((await r.round()) > 0);

    const closedFiles = (dir: string) => closedIpdrFiles(join(dir, 'acct'));
    const namesA = closedFiles(dirs.a).sort();
    expect(namesA.length).toBeGreaterThan(2);
    expect(closedFiles(dirs.b).sort()).toEqual(namesA);
    for (const n of namesA)
      expect(sha256File(join(dirs.b, 'acct', n))).toBe(sha256File(join(dirs.a, 'acct', n)));

    const checks = await verifyIpdrDir(join(dirs.a, 'acct'));
    expect(checks.filter((c) => c.problems.length > 0)).toEqual([]);
    const ours = namesA.flatMap(
      (n) => readFileSync(join(dirs.a, 'acct', n), 'utf8').match(new RegExp(`<uID>${lam}-\\d+@`, 'g')) ?? [],
    );
    expect(ours).toHaveLength(1200);
    expect(new Set(ours).size).toBe(1200);

    // A renderer that lost its position (crash before saving it) renders the same files again.
    rmSync(join(dirs.a, 'ipdr-primary.json'));
    const again = new IpdrRenderer(
      dbs.a,
      join(dirs.a, 'acct'),
      dirs.a,
      { ...limits, compress: false },
      silentLogger(),
    );
    while ((await again.round()) > 0);
    expect(closedFiles(dirs.a).sort()).toEqual(namesA);
    for (const n of namesA)
      expect(sha256File(join(dirs.a, 'acct', n))).toBe(sha256File(join(dirs.b, 'acct', n)));
  });
});

/**
 * Operational measurements as an operator's Prometheus sees them: a real Prometheus (Debian's) scrapes
 * a running pair (two `tandem node` processes) and a `tandem lam run` daemon; after a known load,
 * PromQL over its HTTP API returns the RUs acked and stored, one active node, and every target up.
 * Every exposition passes `promtool check metrics`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { freePort } from '../../ops/local-cam.js';
import { LamProcess } from '../../ops/local-lam.js';
import { createLocalPair, type LocalPair, startActiveThenStandby } from '../../ops/local-pair.js';
import { LocalPrometheus } from '../../ops/local-prometheus.js';
import { freshDatabase, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { uniqueLamId } from '../harness/nodes.js';

const RUS = 240;

describe('metrics scraped by a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-metrics-'));
  let pair: LocalPair;
  let lam: LamProcess;
  let prometheus: LocalPrometheus;
  const lamId = uniqueLamId('metrics').slice(0, 32);

  beforeAll(async () => {
    await waitForHealthyCluster();
    const database = await freshDatabase('metrics');
    const c = testCluster();
    const logicalIp = `127.0.${10 + (process.pid % 200)}.${10 + Math.floor(Math.random() * 200)}`;
    pair = await createLocalPair({
      dir,
      databases: { a: { ...c.connectionFor('a'), database }, b: { ...c.connectionFor('b'), database } },
      logicalIp,
      ids: { a: 'cam-ma', b: 'cam-mb' },
    });
    await startActiveThenStandby(pair);
    lam = await LamProcess.create({
      componentName: lamId,
      dir,
      cam: { primaryPort: pair.a.primaryPort, recoveryPort: pair.a.recoveryPort },
      lam: { primaryCamIpAddress: logicalIp, recoveryCamIpAddress: logicalIp },
      tcpApi: true, // Prometheus scrapes over TCP, with the LAM's token
    });
    lam.start();
    await lam.waitReady();
    prometheus = new LocalPrometheus({
      dir: join(dir, 'prometheus'),
      port: await freePort(),
      jobs: [
        { job: 'tandem-cam', targets: pair.nodes.map((n) => `127.0.0.1:${n.adminPort}`) },
        { job: 'tandem-lam', targets: [lam.api.listen], bearerToken: lam.api.token },
      ],
    });
    await prometheus.start();
  });
  const lamAuth = () => ({ authorization: `Bearer ${lam.api.token}` });
  afterAll(async () => {
    await prometheus?.stop();
    await lam?.stop();
    for (const n of pair?.nodes ?? []) await n.stop();
  });

  /** The single value of a PromQL query, once it equals `want` (scrapes are every second). */
  async function eventually(promql: string, want: number): Promise<number> {
    let last: number | undefined;
    try {
      return await waitFor(
        `${promql} == ${want}`,
        async () => {
          const r = await prometheus.query(promql);
          last = r.length === 1 ? r[0]!.value : undefined;
          return last === want ? last : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message} (last value: ${last})`);
    }
  }

  it('PromQL returns the RUs acked by the LAM and stored by the pair after a known load', async () => {
    for (let i = 0; i < RUS; i += 40) {
      const batch = Array.from({ length: 40 }, (_, k) => ({
        ...syntheticRu(lamId, i + k),
        uID: `${lamId}-${i + k}`,
      }));
      const res = await lam.call('POST', '/rus?durable=true', batch);
      expect(res.status).toBe(200);
    }
    await lam.waitDrained();

    expect(await eventually('sum(tandem_lam_rus_acked_total)', RUS)).toBe(RUS);
    expect(await eventually('sum(tandem_cam_rus_stored_total)', RUS)).toBe(RUS);
    expect(await eventually('sum(tandem_lam_rus_submitted_total)', RUS)).toBe(RUS);
    // Exactly one active node, the standby sees its peer, and every target answers.
    expect(await eventually('sum(tandem_cam_role{role="active"})', 1)).toBe(1);
    expect(await eventually('tandem_cam_peer_alive{node="cam-mb"}', 1)).toBe(1);
    expect(await eventually('count(up == 1)', 3)).toBe(3);
    // The ack latency histograms saw every block the LAM sent on its primary stream.
    const acked = await prometheus.query('sum(tandem_lam_blocks_acked_total)');
    expect(acked[0]!.value).toBeGreaterThan(0);
    expect(await eventually('sum(tandem_lam_ack_latency_seconds_count)', acked[0]!.value)).toBe(
      acked[0]!.value,
    );
    const camAcks = await prometheus.query('sum(tandem_cam_ack_latency_seconds_count)');
    expect(camAcks[0]!.value).toBeGreaterThanOrEqual(acked[0]!.value);
  });

  it('every exposition passes promtool check metrics', async () => {
    const bodies: [string, string][] = [];
    for (const n of pair.nodes) {
      const res = await fetch(`http://127.0.0.1:${n.adminPort}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      bodies.push([n.id, await res.text()]);
    }
    const lamRes = await fetch(`http://${lam.api.listen}/metrics`, { headers: lamAuth() });
    bodies.push([lamId, await lamRes.text()]);
    for (const [who, body] of bodies) {
      expect(body, who).toMatch(/^tandem_(cam|lam)_info\{/m);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`.trim(), who).toBe('');
      expect(check.status, who).toBe(0);
    }
    // The alarm history beside it, filtered; a wrong filter is named.
    const alarms = await fetch(`http://127.0.0.1:${pair.a.adminPort}/alarms?kind=raised`);
    expect(alarms.status).toBe(200);
    expect(Object.keys((await alarms.json()) as object).sort()).toEqual(['active', 'history']);
    const wrong = await fetch(`http://127.0.0.1:${pair.a.adminPort}/alarms?kind=open`);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/^kind: "open"/);
    // The tool itself rejects what it should (the check can fail).
    const bad = spawnSync('promtool', ['check', 'metrics'], {
      input: '# TYPE tandem_bad counter\ntandem_bad 1\n',
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
    expect(execFileSync('promtool', ['--version']).toString()).toMatch(/promtool/);
  });

  it('the Grafana dashboard (ops/grafana) runs on Prometheus and names only exported metrics', async () => {
    const dashboard = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../ops/grafana/tandem-dashboard.json'), 'utf8'),
    ) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = new Set<string>();
    for (const [url, headers] of [
      ...pair.nodes.map((n) => [`http://127.0.0.1:${n.adminPort}/metrics`, {}] as const),
      [`http://${lam.api.listen}/metrics`, lamAuth()] as const,
    ])
      for (const m of (await (await fetch(url, { headers })).text()).matchAll(/^# TYPE (\S+) (\w+)/gm))
        exported.add(m[1]!);
    let queries = 0;
    for (const panel of dashboard.panels)
      for (const { expr } of panel.targets) {
        for (const [name] of expr.matchAll(/\btandem_[a-z_]+/g))
          expect(exported.has(name.replace(/_(bucket|sum|count)$/, '')), `${panel.title}: ${name}`).toBe(
            true,
          );
        // Grafana's interval variable, as Grafana would fill it in; Prometheus names a bad query.
        await prometheus.query(expr.replaceAll('$__rate_interval', '1m'));
        queries++;
      }
    expect(queries).toBeGreaterThan(20);
    // Queries over live data return something: the active node and the stored RUs.
    expect((await prometheus.query('max by (node) (tandem_cam_role{role="active"})')).length).toBe(2);
  });
});

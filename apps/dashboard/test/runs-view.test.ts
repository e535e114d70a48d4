// The runs page's URL state against a real tracker: every filter narrows to exactly the runs it
// names, sort fields come from a whitelist, and hostile values become warnings, never SQL.
import type { Tracker } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { toRunRow } from '../src/lib/run-row';
import { DEFAULT_RUNS_VIEW, hasFilters, parseRunsView, RUN_SORTS, runsQuery, runsViewHref } from '../src/lib/runs-view';
import { KAPPA_BITS, LATENT_BITS, type LabDatabase, SEEDS } from './fixtures/lab-database';
import { withLabDatabase } from './helpers/lab-reader';

let lab: LabDatabase;
let tracker: Tracker;
withLabDatabase('ftlab-dashboard-runs-view-', (opened) => {
  ({ lab, reader: tracker } = opened);
});

const names = async (params: Record<string, string | string[]>) =>
  (await tracker.listRuns(runsQuery(parseRunsView(params)))).runs.map((run) => run.name);

describe('parseRunsView + runsQuery on a real tracker', () => {
  it('lists every run, newest first, when nothing is asked', async () => {
    const view = parseRunsView({});
    expect(view).toEqual({ ...DEFAULT_RUNS_VIEW, warnings: [] });
    expect(hasFilters(view)).toBe(false);
    const list = await tracker.listRuns(runsQuery(view));
    expect(list.total).toBe(lab.allRunIds.length);
    expect(list.runs[0]?.id).toBe(lab.xssRun.id);
  });

  it('filters κ by a range typed in bits (stored in nats)', async () => {
    expect(await names({ kappa_min: '1', kappa_max: '1' })).toHaveLength(LATENT_BITS.length * SEEDS.length);
    expect(await names({ kappa_min: '0.9' })).toHaveLength(2 * LATENT_BITS.length * SEEDS.length);
    expect(await names({ kappa_max: '0.3' })).toHaveLength(LATENT_BITS.length * SEEDS.length);
  });

  it('filters by H, placement, seed, status, variant, sweep, name and tag, together', async () => {
    expect(await names({ H: '8', seed: '1', sweep: lab.sweepId })).toEqual(
      expect.arrayContaining(KAPPA_BITS.map((k) => `free kappa=${k} H=8 seed=1`)),
    );
    expect(await names({ H: ['4', '8'], m: '2', status: 'FINISHED' })).toHaveLength(
      KAPPA_BITS.length * LATENT_BITS.length * SEEDS.length,
    );
    expect(await names({ variant: 'baseline' })).toEqual(['baseline seed=1', 'baseline seed=0']);
    expect(await names({ status: 'RUNNING' })).toEqual([lab.xssRun.name]);
    expect(await names({ status: 'RUNNING,FINISHED', q: 'SEED=0', variant: 'baseline' })).toEqual(['baseline seed=0']);
    expect(await names({ tag: 'seed-group:b' })).toEqual([lab.collapsedRun.name]);
    expect(await names({ tag: 'seed-group:a' })).toEqual([]);
    expect(await names({ tag: 'owner' })).toEqual([lab.xssRun.name]);
  });

  it('finds collapsed runs (latest train KL at or below the threshold), never baselines', async () => {
    expect(await names({ collapsed: '1' })).toEqual([lab.collapsedRun.name]);
    const now = Date.now();
    const rows = (await tracker.listRuns(runsQuery(parseRunsView({})))).runs.map((run) => toRunRow(run, now));
    expect(rows.filter((row) => row.collapsed).map((row) => row.id)).toEqual([lab.collapsedRun.id]);
    const baseline = rows.find((row) => row.variant === 'baseline');
    expect(baseline?.hasLatent).toBe(false);
    expect(baseline?.kappaBits).toBeNull();
  });

  it('sorts by every whitelisted field, both ways, and by metric values in order', async () => {
    for (const sort of Object.keys(RUN_SORTS)) {
      for (const dir of ['asc', 'desc']) {
        const list = await tracker.listRuns(runsQuery(parseRunsView({ sort, dir })));
        expect(list.runs).toHaveLength(lab.allRunIds.length);
      }
    }
    const byPriorCe = (await tracker.listRuns(runsQuery(parseRunsView({ sort: 'priorCe' })))).runs
      .map((run) => run.latestMetrics['val/prior_ce']?.value)
      .filter((value): value is number => value !== undefined);
    expect(byPriorCe).toEqual([...byPriorCe].sort((a, b) => a - b));
  });

  it('turns hostile or malformed values into warnings and still queries safely', async () => {
    const view = parseRunsView({
      sort: 'name; DROP TABLE runs',
      dir: 'sideways',
      status: "FINISHED' OR 1=1 --",
      variant: 'baseline"; DELETE FROM runs',
      sweep: "x' OR '1'='1",
      H: '8 OR 1=1',
      kappa_min: 'abc',
      page: '-3',
      tag: 'bad key!:x',
      q: "' OR 1=1 --",
    });
    expect(view.warnings).toHaveLength(9);
    expect(view.sort).toBe('created');
    expect(view.statuses).toEqual([]);
    expect(view.latentBits).toEqual([]);
    expect(view.page).toBe(1);
    const list = await tracker.listRuns(runsQuery(view));
    expect(list.total).toBe(0); // the search is a literal substring
    expect((await tracker.listRuns({ limit: 1 })).total).toBe(lab.allRunIds.length);
  });

  it('writes the view back to a URL that parses to the same view', () => {
    const view = parseRunsView({
      q: 'kappa',
      status: ['FINISHED', 'RUNNING'],
      variant: 'free-transformer',
      sweep: lab.sweepId,
      kappa_min: '0.25',
      kappa_max: '4',
      H: '4,8',
      m: '2',
      seed: '0,1',
      collapsed: '1',
      tag: 'seed-group:b',
      sort: 'kl',
      dir: 'desc',
      page: '3',
    });
    expect(view.warnings).toEqual([]);
    const href = runsViewHref(view, { page: 3 });
    const reparsed = parseRunsView(Object.fromEntries(new URL(href, 'http://x').searchParams));
    expect(reparsed).toEqual(view);
    expect(runsViewHref(DEFAULT_RUNS_VIEW)).toBe('/');
  });
});

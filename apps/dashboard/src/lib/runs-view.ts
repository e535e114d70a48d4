// The runs page's state, read from and written back to the URL: filters, sort and page. Sort
// fields and filter keys are whitelisted here; the tracker binds every value it receives.
import { variantHasLatent } from '@ftlab/contract';
import type { ListRunsOptions, RunOrder, RunStatus } from '@ftlab/tracker';
import { COLLAPSE_THRESHOLD_BITS, METRIC, NATS_PER_BIT, PARAM, RUN_STATUSES, VARIANTS } from './keys';
import { ID_PATTERN, KEY_PATTERN, QueryReader, queryString, type SearchParams } from './search-params';

export const RUNS_PAGE_SIZE = 100;

/** The sortable columns: URL name -> what the tracker orders by. Duration is not sortable in SQL. */
export const RUN_SORTS = {
  created: 'createdAt',
  started: 'startedAt',
  name: 'name',
  status: 'status',
  step: 'lastStep',
  seed: 'seed',
  variant: { param: PARAM.variant },
  kappa: { param: PARAM.kappaNats },
  H: { param: PARAM.latentBits },
  placement: { param: PARAM.encoderPlacement },
  loss: { metric: METRIC.trainLoss },
  elbo: { metric: METRIC.valElbo },
  priorCe: { metric: METRIC.valPriorCe },
  kl: { metric: METRIC.trainKlBits },
  tokensPerSec: { metric: METRIC.tokensPerSec },
} as const satisfies Record<string, RunOrder>;

export type RunSortKey = keyof typeof RUN_SORTS;
const SORT_KEYS = Object.keys(RUN_SORTS) as RunSortKey[];

export interface RunsView {
  statuses: RunStatus[];
  variants: string[];
  search: string;
  sweepId: string;
  kappaMinBits: number | null;
  kappaMaxBits: number | null;
  latentBits: number[];
  placements: number[];
  seeds: number[];
  collapsedOnly: boolean;
  /** `key` or `key:value`. */
  tag: { key: string; value: string | true } | null;
  sort: RunSortKey;
  descending: boolean;
  page: number;
  /** Query values that were ignored, shown above the table. */
  warnings: string[];
}

export const DEFAULT_RUNS_VIEW: Omit<RunsView, 'warnings'> = {
  statuses: [],
  variants: [],
  search: '',
  sweepId: '',
  kappaMinBits: null,
  kappaMaxBits: null,
  latentBits: [],
  placements: [],
  seeds: [],
  collapsedOnly: false,
  tag: null,
  sort: 'created',
  descending: true,
  page: 1,
};

const VARIANT_PATTERN = /^[A-Za-z0-9_.+-]{1,64}$/;

export function parseRunsView(params: SearchParams): RunsView {
  const read = new QueryReader(params);
  const sweepIds = read.matching('sweep', ID_PATTERN, 1);
  let tag: RunsView['tag'] = null;
  const rawTag = read.text('tag', 300);
  if (rawTag !== '') {
    const split = rawTag.indexOf(':');
    const key = split < 0 ? rawTag : rawTag.slice(0, split);
    if (KEY_PATTERN.test(key)) tag = { key, value: split < 0 ? true : rawTag.slice(split + 1) };
    else read.warnings.push(`Ignored tag=${JSON.stringify(rawTag.slice(0, 80))}: write tag=key or tag=key:value.`);
  }
  const sort = read.choice('sort', SORT_KEYS, DEFAULT_RUNS_VIEW.sort);
  const direction = read.choice('dir', ['asc', 'desc'] as const, sort === 'created' ? 'desc' : 'asc');
  return {
    statuses: read.matching('status', RUN_STATUSES) as RunStatus[],
    variants: read.matching('variant', VARIANT_PATTERN, 20),
    search: read.text('q'),
    sweepId: sweepIds[0] ?? '',
    kappaMinBits: read.number('kappa_min', { min: 0 }),
    kappaMaxBits: read.number('kappa_max', { min: 0 }),
    latentBits: read.numbers('H'),
    placements: read.numbers('m'),
    seeds: read.numbers('seed'),
    collapsedOnly: read.flag('collapsed'),
    tag,
    sort,
    descending: direction === 'desc',
    page: Math.floor(read.number('page', { min: 1, max: 1e6 }) ?? 1),
    warnings: read.warnings,
  };
}

/** The URL of the view with some fields changed (page goes back to 1 unless given). */
export function runsViewHref(
  view: Omit<RunsView, 'warnings'>,
  changes: Partial<Omit<RunsView, 'warnings'>> = {},
): string {
  const next = { ...view, page: 1, ...changes };
  const defaultDirection = next.sort === 'created';
  return `/${queryString({
    q: next.search,
    status: next.statuses,
    variant: next.variants,
    sweep: next.sweepId,
    kappa_min: next.kappaMinBits,
    kappa_max: next.kappaMaxBits,
    H: next.latentBits.map(String),
    m: next.placements.map(String),
    seed: next.seeds.map(String),
    collapsed: next.collapsedOnly,
    tag: next.tag === null ? null : next.tag.value === true ? next.tag.key : `${next.tag.key}:${next.tag.value}`,
    sort: next.sort === 'created' ? null : next.sort,
    dir: next.descending === defaultDirection ? null : next.descending ? 'desc' : 'asc',
    page: next.page > 1 ? next.page : null,
  })}`;
}

export function hasFilters(view: RunsView): boolean {
  return (
    view.statuses.length > 0 ||
    view.variants.length > 0 ||
    view.search !== '' ||
    view.sweepId !== '' ||
    view.kappaMinBits !== null ||
    view.kappaMaxBits !== null ||
    view.latentBits.length > 0 ||
    view.placements.length > 0 ||
    view.seeds.length > 0 ||
    view.collapsedOnly ||
    view.tag !== null
  );
}

// kappa is stored in nats and typed in bits: widen the bounds by a hair so that 0.5 bits
// matches a config written as 0.5 * ln 2 nats, however it was rounded.
const KAPPA_SLACK = 1e-6;

/** The tracker query for the view, with only the params the table shows. */
export function runsQuery(view: RunsView): ListRunsOptions {
  const params: NonNullable<ListRunsOptions['params']> = {};
  if (view.kappaMinBits !== null || view.kappaMaxBits !== null) {
    params[PARAM.kappaNats] = {
      ...(view.kappaMinBits === null ? {} : { min: view.kappaMinBits * NATS_PER_BIT - KAPPA_SLACK }),
      ...(view.kappaMaxBits === null ? {} : { max: view.kappaMaxBits * NATS_PER_BIT + KAPPA_SLACK }),
    };
  }
  if (view.latentBits.length > 0) params[PARAM.latentBits] = { in: view.latentBits };
  if (view.placements.length > 0) params[PARAM.encoderPlacement] = { in: view.placements };
  if (view.seeds.length > 0) params[PARAM.seed] = { in: view.seeds };
  let variants = view.variants;
  if (view.collapsedOnly && variants.length === 0) {
    // Only runs with a latent can collapse.
    variants = VARIANTS.filter(variantHasLatent);
  }
  const options: ListRunsOptions = {
    orderBy: RUN_SORTS[view.sort],
    descending: view.descending,
    limit: RUNS_PAGE_SIZE,
    offset: (view.page - 1) * RUNS_PAGE_SIZE,
    paramKeys: Object.values(PARAM),
    params,
  };
  if (view.statuses.length > 0) options.status = view.statuses;
  if (variants.length > 0) options.variant = variants;
  if (view.search !== '') options.search = view.search;
  if (view.sweepId !== '') options.sweepId = view.sweepId;
  if (view.collapsedOnly) options.metrics = { [METRIC.trainKlBits]: { max: COLLAPSE_THRESHOLD_BITS } };
  if (view.tag !== null) options.tags = { [view.tag.key]: view.tag.value };
  return options;
}

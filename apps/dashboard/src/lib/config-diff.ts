// Which config params tell a set of runs apart, and short labels made of them ("κ=0.5 bits, H=8"):
// how the compare page names runs and seed groups, and which columns its table shows.
import type { ParamValue, RunSummary } from '@ftlab/tracker';
import { formatNumber } from './format';
import { NATS_PER_BIT, PARAM } from './keys';

const SHORT_NAMES: Record<string, string> = {
  [PARAM.kappaNats]: 'κ',
  [PARAM.latentBits]: 'H',
  [PARAM.encoderPlacement]: 'm',
  [PARAM.variant]: 'variant',
  [PARAM.estimator]: 'estimator',
};

export function isSeedPath(path: string): boolean {
  const last = path.split('.').at(-1) ?? '';
  return last === 'seed' || last.endsWith('Seed');
}

/** Param paths whose text differs between the given param sets (seeds optional), sorted. */
export function differingParams(paramSets: Array<Record<string, ParamValue>>, includeSeeds = false): string[] {
  const keys = new Set(paramSets.flatMap((params) => Object.keys(params)));
  return [...keys]
    .filter((key) => includeSeeds || !isSeedPath(key))
    .filter((key) => new Set(paramSets.map((params) => params[key]?.text ?? '\u0000absent')).size > 1)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(key: string): number {
  const index = Object.keys(SHORT_NAMES).indexOf(key);
  return index < 0 ? 100 : index;
}

export function paramLabel(key: string, value: ParamValue | undefined): string {
  const name = SHORT_NAMES[key] ?? key.split('.').at(-1) ?? key;
  if (value === undefined) return `${name}=-`;
  if (key === PARAM.kappaNats && value.number !== null) return `κ=${formatNumber(value.number / NATS_PER_BIT, 3)} bits`;
  if (key === PARAM.variant) return value.text;
  return `${name}=${value.text}`;
}

export function configLabel(params: Record<string, ParamValue>, keys: string[]): string {
  return keys.map((key) => paramLabel(key, params[key])).join(', ');
}

/**
 * Runs grouped by config hash (the seeds of one config), in first-seen order, each group labelled
 * by the params that tell the groups apart (else by its first run's name).
 */
export function configGroups(runs: readonly RunSummary[]): Array<{ runs: RunSummary[]; label: string }> {
  const groups = new Map<string, RunSummary[]>();
  for (const run of runs) {
    const group = groups.get(run.configHash);
    if (group) group.push(run);
    else groups.set(run.configHash, [run]);
  }
  const members = [...groups.values()];
  const labelKeys = differingParams(members.map((group) => (group[0] as RunSummary).params));
  return members.map((group) => {
    const first = group[0] as RunSummary;
    return { runs: group, label: configLabel(first.params, labelKeys) || first.name };
  });
}

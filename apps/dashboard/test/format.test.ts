import { describe, expect, it } from 'vitest';
import { configLabel, differingParams, isSeedPath, paramLabel } from '../src/lib/config-diff';
import { attachment, safeFileName } from '../src/lib/download';
import { formatBytes, formatCount, formatDuration, formatMeanStd, formatNumber, formatTime } from '../src/lib/format';
import { listValue, QueryReader, queryString } from '../src/lib/search-params';
import { unitOf } from '../src/lib/units';

describe('number and time formatting', () => {
  it('keeps significant digits, marks what is missing or not finite', () => {
    expect(formatNumber(1.23456)).toBe('1.235');
    expect(formatNumber(1.5)).toBe('1.5');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-0.000012345)).toBe('-1.234e-5');
    expect(formatNumber(2_500_000)).toBe('2.5e+6');
    expect(formatNumber(null)).toBe('-');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(formatCount(2099.6)).toBe('2,100');
    expect(formatMeanStd(1.2346, 0.0123)).toBe('1.235 ± 0.012');
    expect(formatMeanStd(1.2346, null)).toBe('1.235');
  });

  it('writes durations in the largest sensible unit, times in UTC, sizes in binary units', () => {
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3 * 3600_000 + 60_000)).toBe('3 h 1 min');
    expect(formatDuration(-1)).toBe('-');
    expect(formatTime(0)).toBe('1970-01-01 00:00:00 UTC');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});

describe('labels and units', () => {
  it('finds the params that differ, seeds aside, and names them the paper way', () => {
    const a = {
      'model.kappaNats': { number: Math.LN2, text: String(Math.LN2) },
      seed: { number: 0, text: '0' },
      'model.width': { number: 64, text: '64' },
    };
    const b = {
      'model.kappaNats': { number: 4 * Math.LN2, text: String(4 * Math.LN2) },
      seed: { number: 1, text: '1' },
      'model.width': { number: 64, text: '64' },
    };
    expect(differingParams([a, b])).toEqual(['model.kappaNats']);
    expect(differingParams([a, b], true)).toEqual(['model.kappaNats', 'seed']);
    expect(configLabel(a, ['model.kappaNats'])).toBe('κ=1 bits');
    expect(paramLabel('training.lr', { number: 0.003, text: '0.003' })).toBe('lr=0.003');
    expect(isSeedPath('data.evaluationSeed')).toBe(true);
    expect(isSeedPath('model.seedless')).toBe(false);
  });

  it('knows the unit of each metric key', () => {
    expect(unitOf('train/loss')).toBe('nats/token');
    expect(unitOf('val/kl_bits')).toBe('bits/token');
    expect(unitOf('train/tokens_per_sec')).toBe('tokens/s');
    expect(unitOf('train/lr')).toBe('learning rate');
    expect(unitOf('custom/thing')).toBe('');
  });
});

describe('query strings and downloads', () => {
  it('reads lists both ways and drops what does not parse', () => {
    expect(listValue({ a: ['x,y', 'z', ''] }, 'a')).toEqual(['x', 'y', 'z']);
    const read = new QueryReader({ n: '1e3', bad: '12abc', pick: 'c', long: 'x'.repeat(300) });
    expect(read.number('n')).toBe(1000);
    expect(read.number('bad')).toBeNull();
    expect(read.choice('pick', ['a', 'b'] as const, 'a')).toBe('a');
    expect(read.text('long')).toHaveLength(200);
    expect(read.warnings).toHaveLength(3);
    expect(queryString({ a: 'x y', b: null, c: false, d: true, e: [], f: ['1', '2'] })).toBe('?a=x+y&d=1&f=1%2C2');
    expect(queryString({})).toBe('');
  });

  it('makes file names safe for a Content-Disposition header', async () => {
    expect(safeFileName('toy "kappa"/sweep\r\n.csv')).toBe('toy-kappa-sweep-.csv');
    expect(safeFileName('<>')).toBe('export');
    const response = attachment('a,b\n', 'my sweep.csv', 'text/csv');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="my-sweep.csv"');
    expect(await response.text()).toBe('a,b\n');
  });
});

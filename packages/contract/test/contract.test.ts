import { describe, expect, it } from 'vitest';
import { flattenConfig, isPostgresUrl, isSeedKey, redactUrl } from '../src/index.js';

describe('redactUrl', () => {
  it('hides the password of a server URL and keeps everything else', () => {
    expect(redactUrl('postgresql://ftlab:s3cret@db.local:5432/lab')).toBe('postgresql://ftlab:***@db.local:5432/lab');
    expect(redactUrl('postgres://u:p%40ss@h/db?sslmode=require')).toBe('postgres://u:***@h/db?sslmode=require');
  });

  it('leaves URLs without a password and plain paths exactly as given', () => {
    for (const location of ['postgres://ftlab@db.local/lab', 'postgres://db.local', './ftlab.db', '/tmp/a b.db']) {
      expect(redactUrl(location)).toBe(location);
    }
  });

  it('still hides the password of a URL the URL parser refuses', () => {
    expect(redactUrl('postgres://u:pa ss@h:notaport/db')).toBe('postgres://u:***@h:notaport/db');
  });
});

describe('isPostgresUrl', () => {
  it('is true for postgres:// and postgresql:// in any case, false for files and other schemes', () => {
    for (const url of ['postgres://h/db', 'postgresql://u:p@h:5432/db', 'PostgreSQL://h/db', 'POSTGRES://h']) {
      expect(isPostgresUrl(url)).toBe(true);
    }
    for (const location of ['ftlab.db', './postgres://x', 'sqlite:///tmp/x.db', 'mysql://h/db', 'postgres:/h/db']) {
      expect(isPostgresUrl(location)).toBe(false);
    }
  });
});

describe('config params', () => {
  it('flattens nested configs into sorted dotted paths with typed values', () => {
    expect(
      flattenConfig({ model: { kappaNats: 0.35, variant: 'ft' }, seed: 3, tags: [1], empty: {}, on: true }),
    ).toEqual([
      ['empty', { number: null, text: '{}' }],
      ['model.kappaNats', { number: 0.35, text: '0.35' }],
      ['model.variant', { number: null, text: 'ft' }],
      ['on', { number: 1, text: 'true' }],
      ['seed', { number: 3, text: '3' }],
      ['tags', { number: null, text: '[1]' }],
    ]);
  });

  it('knows seed keys at any depth', () => {
    expect(['seed', 'dataSeed', 'initSeed'].every(isSeedKey)).toBe(true);
    expect(['seeds', 'seeding', 'Seedling'].some(isSeedKey)).toBe(false);
  });
});

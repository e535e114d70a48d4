import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@ftlab/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8Offset, loadCorpus, sha256Hex, TINY_SHAKESPEARE } from '../src/corpus.js';
import { splitText } from '../src/splits.js';
import { randomUnicode } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ftlab-data-corpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadCorpus', () => {
  it('loads the bundled tiny-shakespeare and verifies its size and SHA-256', () => {
    const corpus = loadCorpus();
    expect(corpus.bytes).toBe(1_115_394);
    expect(corpus.sha256).toBe('86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed');
    expect(corpus.path).toBe(TINY_SHAKESPEARE.path);
    expect(corpus.text.startsWith('First Citizen:\nBefore we proceed any further, hear me speak.')).toBe(true);
  });

  it('reads any UTF-8 file by path, multi-byte characters included', () => {
    const text = 'Ünïcödé 🙂 漢字\nline two\n';
    const corpus = loadCorpus(file('unicode.txt', text));
    expect(corpus.text).toBe(text);
    expect(corpus.bytes).toBe(new TextEncoder().encode(text).length);
    expect(corpus.sha256).toBe(sha256Hex(text));
    expect(loadCorpus(file('same.txt', text), { expectedSha256: sha256Hex(text).toUpperCase() }).text).toBe(text);
  });

  it('refuses a file whose checksum is not the expected one', () => {
    const damaged = file('damaged.txt', 'First Citizen:\nBefore we proceed');
    expect(() => loadCorpus(damaged, { expectedSha256: TINY_SHAKESPEARE.sha256 })).toThrow(
      new RegExp(
        `damaged.txt has SHA-256 ${sha256Hex('First Citizen:\nBefore we proceed')}, but ${TINY_SHAKESPEARE.sha256} was expected`,
      ),
    );
  });

  it('refuses an empty file, a non-UTF-8 file and a missing file, saying which and why', () => {
    expect(() => loadCorpus(file('empty.txt', ''))).toThrow(/empty.txt is empty \(0 bytes\)/);
    const latin1 = file('latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]));
    expect(() => loadCorpus(latin1)).toThrow(
      /latin1.txt is not valid UTF-8 \(first invalid byte 0xe9 at offset 3\).*iconv/,
    );
    expect(() => loadCorpus(join(dir, 'nope.txt'))).toThrow(/Corpus file not found: .*nope.txt/);
    expect(() => loadCorpus(dir)).toThrow(/Corpus file not found/);
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('agrees with a fatal TextDecoder on random bytes and on valid text', () => {
    const rng = Rng.fromSeed(1);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const valid = (bytes: Uint8Array) => {
      try {
        decoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    for (let trial = 0; trial < 3000; trial++) {
      // Mostly valid UTF-8 with a few random bytes spliced in, so both answers occur often.
      const bytes = Array.from(new TextEncoder().encode(randomUnicode(rng, 6)));
      if (rng.bernoulli(0.5)) bytes.splice(rng.int(bytes.length + 1), 0, rng.int(256));
      const array = Uint8Array.from(bytes);
      const offset = firstInvalidUtf8Offset(array);
      expect(offset === -1).toBe(valid(array));
      if (offset >= 0) {
        expect(valid(array.subarray(0, offset))).toBe(true);
      }
    }
  });
});

describe('splitText', () => {
  it('cuts contiguous, disjoint splits that cover the text exactly, at code point boundaries', () => {
    const rng = Rng.fromSeed(2);
    for (let trial = 0; trial < 200; trial++) {
      const text = randomUnicode(rng, 50);
      const a = rng.nextFloat();
      const b = rng.nextFloat() * (1 - a);
      const splits = splitText(text, { train: a, validation: b, test: 1 - a - b });
      expect(splits.train + splits.validation + splits.test).toBe(text);
      // No split starts or ends inside a surrogate pair.
      for (const part of [splits.train, splits.validation, splits.test]) expect(hasLoneSurrogate(part)).toBe(false);
      expect([...splits.train].length).toBe(splits.validationStart);
      expect([...splits.train, ...splits.validation].length).toBe(splits.testStart);
      expect(splits.characters).toBe([...text].length);
    }
  });

  it('gives 90/5/5 of tiny-shakespeare by default fractions', () => {
    const splits = splitText(loadCorpus().text, { train: 0.9, validation: 0.05, test: 0.05 });
    expect(splits.validationStart).toBe(Math.round(1_115_394 * 0.9));
    expect(splits.train.length + splits.validation.length + splits.test.length).toBe(1_115_394);
  });
});

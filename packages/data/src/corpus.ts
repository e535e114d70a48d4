// Reads a text corpus from disk, refusing anything that would silently change the data: a file
// whose checksum is not the expected one, an empty file, bytes that are not UTF-8.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Corpus {
  /** Absolute path of the file read. */
  path: string;
  text: string;
  bytes: number;
  /** SHA-256 of the file's bytes, lowercase hex. */
  sha256: string;
}

/** The bundled default corpus (public domain), resolved next to this module in src/ and dist/ alike. */
export const TINY_SHAKESPEARE = {
  name: 'tinyshakespeare',
  path: fileURLToPath(new URL('../corpora/tinyshakespeare.txt', import.meta.url)),
  bytes: 1_115_394,
  sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
} as const;

export interface LoadCorpusOptions {
  /** Refuse the file unless its SHA-256 is this (lowercase hex). Defaults to the bundled corpus's when path is omitted. */
  expectedSha256?: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Offset of the first byte that makes `bytes` invalid UTF-8 (as WHATWG TextDecoder judges it:
 * no overlongs, no surrogates, nothing above U+10FFFF), or -1 when all of it is valid.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? low : 0x80;
      const hi = k === 1 ? high : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += length;
  }
  return -1;
}

/** Reads a UTF-8 text file; without a path, the bundled tiny-shakespeare, checked against its known SHA-256. */
export function loadCorpus(path?: string, options: LoadCorpusOptions = {}): Corpus {
  const file = path ?? TINY_SHAKESPEARE.path;
  const expected = options.expectedSha256 ?? (path === undefined ? TINY_SHAKESPEARE.sha256 : undefined);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new Error(
      path === undefined
        ? `The bundled corpus ${file} is missing: restore it with \`git checkout -- packages/data/corpora\`.`
        : `Corpus file not found: ${file}. Give the path of an existing UTF-8 text file, or omit it for tiny-shakespeare.`,
    );
  }
  const bytes = readFileSync(file);
  if (bytes.length === 0) {
    throw new Error(`Corpus file ${file} is empty (0 bytes): a corpus needs text to train and evaluate on.`);
  }
  const sha256 = sha256Hex(bytes);
  if (expected !== undefined && sha256 !== expected.toLowerCase()) {
    throw new Error(
      `Corpus file ${file} has SHA-256 ${sha256}, but ${expected} was expected (${bytes.length} bytes read). ` +
        'The file is damaged or not the intended one: restore it, or pass the expected checksum of the file you mean.',
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    throw new Error(
      `Corpus file ${file} is not valid UTF-8 (first invalid byte 0x${bytes[offset]?.toString(16)} at offset ${offset}). ` +
        'Convert it to UTF-8 first, e.g. `iconv -f latin1 -t utf-8`.',
    );
  }
  return { path: file, text, bytes: bytes.length, sha256 };
}

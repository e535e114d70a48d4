import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-atomic-'));
  dirs.push(dir);
  return dir;
}

describe('writeFileAtomic', () => {
  it('writes text and bytes, replacing the old file, and leaves no temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new text');
    expect(readFileSync(path, 'utf8')).toBe('new text');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('writes content that comes in pieces, and keeps the old file when the source fails half-way', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    async function* pieces(fail: boolean) {
      yield 'a,b\n';
      yield new TextEncoder().encode('1,é\n');
      if (fail) throw new Error('the database went away');
      yield '2,3\n';
    }
    await writeFileAtomic(path, pieces(false));
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,é\n2,3\n');
    await expect(writeFileAtomic(path, pieces(true))).rejects.toThrow(
      /^cannot write .*out.csv: the database went away$/,
    );
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,é\n2,3\n');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('refuses a directory as the target, says so, and leaves the directory as it was', async () => {
    const dir = tempDir();
    const target = join(dir, 'folder');
    mkdirSync(target);
    writeFileSync(join(target, 'kept.txt'), 'kept');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(/folder: it is a directory; give a file name inside it/);
    expect(readdirSync(dir)).toEqual(['folder']);
    expect(readdirSync(target)).toEqual(['kept.txt']);
  });

  it('a target in a missing folder fails with the system error and creates nothing', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'old');
    const missingFolder = join(dir, 'missing', 'out.txt');
    await expect(writeFileAtomic(missingFolder, 'x')).rejects.toThrow(/^cannot write .*missing\/out.txt: ENOENT$/);
    expect(readdirSync(dir)).toEqual(['out.txt']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });
});

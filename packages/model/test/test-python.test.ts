// When the tests that run Python (the NumPy reference, the PyTorch twin) run: with a Python that
// imports what they need; without one they skip and say how to install it, except in CI, where
// the missing Python is a failure.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runPythonJson, testPythonPath } from '../src/index.js';
import { TEST_PYTHON_ENV, testPython } from '../src/test-python.js';

const NOWHERE = '/nonexistent/ftlab/python3';

describe('testPython', () => {
  it('uses the Python FTLAB_TEST_PYTHON names when it imports the modules, in CI or not', () => {
    const found = testPython('these tests', ['json'], {});
    expect(found).toHaveProperty('python');
    const python = (found as { python: string }).python;
    expect(testPython('these tests', ['json'], { FTLAB_TEST_PYTHON: python, CI: 'true' })).toEqual({ python });
    expect(testPythonPath('these tests', ['json'], { FTLAB_TEST_PYTHON: python, CI: 'true' })).toBe(python);
    expect(
      runPythonJson(python, ['-c', 'import json, sys; print(json.dumps(json.load(sys.stdin)[::-1]))'], [1, 2]),
    ).toEqual([2, 1]);
  });

  it('skips without such a Python outside CI, saying how to install one', () => {
    for (const env of [
      { FTLAB_TEST_PYTHON: NOWHERE },
      { FTLAB_TEST_PYTHON: NOWHERE, CI: 'false' },
      { FTLAB_TEST_PYTHON: NOWHERE, CI: '0' },
    ]) {
      const result = testPython('these tests', ['json'], env);
      expect(result).toHaveProperty('skip');
      const message = (result as { skip: string }).skip;
      expect(message).toMatch(/^these tests skipped: no Python among \/nonexistent\/ftlab\/python3 imports json\./);
      expect(message).toContain('apt-get install -y python3-torch libopenblas0-openmp');
      expect(testPythonPath('these tests', ['json'], env)).toBeUndefined();
    }
    const noModule = testPython('these tests', ['ftlab_no_such_module'], {});
    expect((noModule as { skip: string }).skip).toMatch(
      /no Python among python3, \/usr\/bin\/python3 imports ftlab_no_such_module/,
    );
  });

  it('fails without such a Python in CI', () => {
    for (const CI of ['true', '1', 'TRUE']) {
      const result = testPython('these tests', ['ftlab_no_such_module'], { CI });
      expect(result).toHaveProperty('missing');
      expect((result as { missing: string }).missing).toContain(
        `CI=${CI} but no Python among python3, /usr/bin/python3`,
      );
      expect(() => testPythonPath('these tests', ['ftlab_no_such_module'], { CI })).toThrow(/must not be skipped/);
    }
  });

  it("is part of turbo's cache key: a skip outside CI never replays as a pass in CI", async () => {
    const turbo = JSON.parse(await readFile(new URL('../../../turbo.json', import.meta.url), 'utf8'));
    expect(turbo.tasks.test.env).toEqual(expect.arrayContaining([...TEST_PYTHON_ENV]));
  });

  it('says what Python printed when it fails', () => {
    const python = (testPython('these tests', ['json'], {}) as { python: string }).python;
    expect(() => runPythonJson(python, ['-c', 'import sys; sys.exit("no such checkpoint")'], null)).toThrow(
      /exited 1:\nno such checkpoint/,
    );
  });
});

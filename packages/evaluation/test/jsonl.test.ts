import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlError, parseJsonlItems, readJsonlItems } from '../src/harness/jsonl.js';
import type { LanguageModel } from '../src/harness/model-calls.js';
import { TaskConfigError } from '../src/harness/registry.js';
import { runTask } from '../src/harness/run-task.js';
import { createTaskRegistry, registerTaskFile } from '../src/index.js';
import { tempDir } from './helpers.js';

const MC = [
  '{"question": "2+2=", "choices": ["4", "5"], "answer": 0}',
  '',
  '{"id": "b", "question": "3+3=", "choices": ["5", "6", "7"], "answer": 1, "topic": "sums"}',
].join('\n');

describe('JSONL items', () => {
  it('reads the multiple-choice and the generative shapes, skipping blank lines', () => {
    const mc = parseJsonlItems(MC, 'mc.jsonl');
    expect(mc.output).toBe('multiple_choice');
    expect(mc.items).toHaveLength(2);
    expect(mc.items[1]).toMatchObject({ id: 'b', topic: 'sums' });
    const gen = parseJsonlItems(
      '{"prompt": "1+1=", "reference": "2"}\r\n{"prompt": "x", "reference": ""}\r\n',
      'gen.jsonl',
    );
    expect(gen).toEqual({
      output: 'generate_until',
      items: [
        { prompt: '1+1=', reference: '2' },
        { prompt: 'x', reference: '' },
      ],
    });
  });

  it('reports every malformed line with its file and line number and loads nothing', () => {
    const text = [
      '{"question": "ok", "choices": ["a", "b"], "answer": 1}',
      '{"question": "bad answer", "choices": ["a", "b"], "answer": 2}',
      'not json',
      '',
      '[1, 2]',
      '{"question": "one choice", "choices": ["a"], "answer": 0}',
      '{"prompt": "a generative item", "reference": "x"}',
      '{"nothing": "recognisable"}',
    ].join('\n');
    let error: unknown;
    try {
      parseJsonlItems(text, 'tasks/mine.jsonl');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonlError);
    const e = error as JsonlError;
    expect(e.problems.map((p) => p.line)).toEqual([2, 3, 5, 6, 7, 8]);
    expect(e.message).toMatch(/tasks\/mine.jsonl: 6 malformed line\(s\); nothing from this file was loaded/);
    expect(e.message).toMatch(
      /tasks\/mine.jsonl:2: multiple choice: "answer" must be the index of the correct choice, 0..1; got 2/,
    );
    expect(e.message).toMatch(/tasks\/mine.jsonl:3: not valid JSON/);
    expect(e.message).toMatch(/tasks\/mine.jsonl:5: expected a JSON object, got \[1,2\]/);
    expect(e.message).toMatch(/tasks\/mine.jsonl:6: multiple choice: "choices" must be a list of at least two strings/);
    expect(e.message).toMatch(/tasks\/mine.jsonl:7: a generate_until item in a multiple_choice file/);
    expect(e.message).toMatch(/tasks\/mine.jsonl:8: no known shape/);
  });

  it('refuses an empty file, a missing file and the wrong shape for the task', () => {
    expect(() => parseJsonlItems('\n\n', 'empty.jsonl')).toThrow(/empty.jsonl:1: the file holds no items/);
    expect(() => readJsonlItems('/nonexistent/dir/x.jsonl')).toThrow(/x.jsonl:0: cannot read the file/);
    expect(() => parseJsonlItems(MC, 'mc.jsonl', 'generate_until')).toThrow(
      /mc.jsonl:1: a multiple_choice item in a generate_until file/,
    );
  });
});

describe('user tasks from files', () => {
  const scorer: LanguageModel = {
    // The longer continuation is more likely: "6" < "16" etc. Only the file's answers matter here.
    loglikelihood: (requests) =>
      requests.map((r) => ({
        logLikelihood: -1 / r.continuation.length,
        isGreedy: false,
        tokens: 1,
        truncatedTokens: 0,
      })),
    generateUntil: () => {
      throw new Error('unused');
    },
  };

  it('registers a JSON task config whose JSONL path is relative to it, and runs it', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'items.jsonl'),
      [
        '{"question": "a", "choices": ["x", "yy"], "answer": 1}',
        '{"question": "b", "choices": ["zz", "w"], "answer": 1}',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'task.json'),
      JSON.stringify({ name: 'mine', output: 'multiple_choice', data: { path: 'items.jsonl' }, metrics: ['acc'] }),
    );
    const registry = createTaskRegistry();
    expect(registerTaskFile(registry, join(dir, 'task.json'))).toEqual(['mine']);
    expect(registry.get('mine').items).toHaveLength(2);
    const result = runTask('mine', scorer, { seed: 1 }, registry);
    expect(result.metrics[0]).toMatchObject({ metric: 'acc', value: 0.5, n: 2 });
  });

  it('fails cleanly on a malformed line: the error names the line, and no task of the file is registered', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'good.jsonl'), '{"prompt": "p", "reference": "r"}\n');
    writeFileSync(join(dir, 'bad.jsonl'), '{"prompt": "p", "reference": "r"}\n{"prompt": 3, "reference": "r"}\n');
    writeFileSync(
      join(dir, 'tasks.json'),
      JSON.stringify([
        { name: 'first', output: 'generate_until', data: { path: 'good.jsonl' }, metrics: ['exact_match'] },
        { name: 'second', output: 'generate_until', data: { path: 'bad.jsonl' }, metrics: ['exact_match'] },
      ]),
    );
    const registry = createTaskRegistry();
    const before = registry.names();
    expect(() => registerTaskFile(registry, join(dir, 'tasks.json'))).toThrow(
      /bad.jsonl:2: generative: "prompt" must be a string/,
    );
    expect(registry.names()).toEqual(before);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    expect(() => registerTaskFile(registry, join(dir, 'broken.json'))).toThrow(TaskConfigError);
    expect(() => registerTaskFile(registry, join(dir, 'broken.json'))).toThrow(
      /broken.json: cannot read a JSON task config/,
    );
  });
});

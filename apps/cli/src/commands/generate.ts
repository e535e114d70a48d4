// ftlab generate <run>: sample from a run's model. With --z pinned, every sample of a group
// shares one Z sequence (drawn from the prior, or given with --codes), so what Z controls shows
// as what the group's samples have in common; --z prior draws a fresh Z per token.

import { deriveSeed, Rng } from '@ftlab/contract';
import { hasLatent } from '@ftlab/model';
import { type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput } from '../output.js';
import { loadRunModel } from '../run-model.js';

export interface GenerateOptions extends GlobalOptions {
  prompt?: string;
  z: 'prior' | 'pinned';
  codes?: string;
  groups: number;
  samples: number;
  maxTokens?: number;
  temperature: number;
  topK: number;
  promptZ?: 'posterior' | 'prior';
  seed: number;
}

export async function generateCommand(runId: string, options: GenerateOptions): Promise<number> {
  const out = createOutput(options);
  await startBackend(options, out.info);
  const tracker = await openStore(options, { readonly: true });
  try {
    const run = await tracker.getRun(runId);
    const { dataset, model, config } = await loadRunModel(run);
    try {
      const tokenizer = dataset.tokenizer;
      const promptText = options.prompt ?? (config.data.kind === 'toy' ? 'A>' : '\n');
      const prompt = tokenizer.encode(promptText);
      if (prompt.length === 0) throw new Error('--prompt encodes to no tokens; give at least one character');
      const room = config.model.contextLength + 1 - prompt.length;
      const maxNewTokens = Math.min(options.maxTokens ?? dataset.fixedSequenceLength ?? 200, room);
      if (maxNewTokens < 1)
        throw new Error(`--prompt is ${prompt.length} tokens; the model's context is ${config.model.contextLength}`);
      const latent = hasLatent(model.config);
      if (options.z === 'pinned' && !latent) {
        out.warn(`note: run ${runId} is a ${model.config.variant}: it has no Z, so --z pinned changes nothing`);
      }
      const positions = prompt.length + maxNewTokens;
      const codeCount = 2 ** model.config.latentBits;
      const given = options.codes?.split(',').map((c) => Number(c.trim()));
      if (given?.some((c) => !Number.isInteger(c) || c < 0 || c >= codeCount)) {
        throw new Error(
          `--codes must be integers in [0, ${codeCount}) (H = ${model.config.latentBits}), got ${options.codes}`,
        );
      }
      const rng = Rng.fromSeed(deriveSeed(options.seed, 'cli-generate-z'));
      const groups: Array<{ z: number[] | null; samples: string[] }> = [];
      for (let g = 0; g < options.groups; g++) {
        let pinned: Int32Array | undefined;
        if (options.z === 'pinned' && latent) {
          pinned = Int32Array.from({ length: positions }, (_, t) =>
            given ? given[t % given.length] : rng.int(codeCount),
          );
        }
        const result = model.generate(
          Array.from({ length: options.samples }, () => prompt),
          {
            maxNewTokens,
            temperature: options.temperature,
            topK: options.topK,
            seed: deriveSeed(options.seed, 'cli-generate', g) % 2147483647,
            ...(pinned ? { z: { pinned } } : {}),
            ...(options.promptZ ? { promptZ: options.promptZ } : {}),
          },
        );
        groups.push({
          z: pinned ? Array.from(pinned) : null,
          samples: result.tokens.map((row) => tokenizer.decode(row)),
        });
      }
      out.result({ run: runId, prompt: promptText, z: options.z, groups }, () =>
        groups
          .map((group, g) => {
            const head = group.z
              ? `group ${g + 1}: pinned Z ${group.z.slice(0, 12).join(',')}${group.z.length > 12 ? ',...' : ''}`
              : `group ${g + 1}: Z from the prior per token`;
            return [head, ...group.samples.map((s) => `  ${JSON.stringify(s).slice(1, -1)}`)].join('\n');
          })
          .join('\n\n'),
      );
      return 0;
    } finally {
      model.dispose();
    }
  } finally {
    await tracker.close();
  }
}

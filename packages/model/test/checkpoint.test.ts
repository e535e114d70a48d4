import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, tf } from '@ftlab/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  createModel,
  loadCheckpoint,
  readSafetensors,
  SafetensorsError,
  saveCheckpoint,
  writeSafetensors,
} from '../src/index.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../src/safetensors.js';
import { ENGINES, randomizeWeights, randomTokens, tinyConfig, tokens2d, useEngine } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ftlab-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('safetensors', () => {
  const tensors: Record<string, SafetensorsTensor> = {
    weights: { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1.5, -2, 3.25, 0, Number.MIN_VALUE, -0]) },
    steps: { dtype: 'I32', shape: [2], data: Int32Array.from([7, -9]) },
    wide: { dtype: 'F64', shape: [1], data: Float64Array.from([Math.PI]) },
    big: { dtype: 'I64', shape: [2], data: BigInt64Array.from([2n ** 40n, -3n]) },
    half: { dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
    mask: { dtype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    scalar: { dtype: 'F32', shape: [], data: Float32Array.from([4]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };

  it('round-trips every dtype and the metadata bit-exactly, in the standard layout', async () => {
    const path = join(dir, 'all.safetensors');
    const written = await writeSafetensors(path, tensors, { format: 'pt', note: 'hello' });
    const read = await readSafetensors(path);
    expect(read.metadata).toEqual({ format: 'pt', note: 'hello' });
    expect(read.sha256).toBe(written.sha256);
    expect(read.bytes).toBe(written.bytes);
    for (const [name, tensor] of Object.entries(tensors)) {
      expect(read.tensors[name]?.dtype).toBe(tensor.dtype);
      expect(read.tensors[name]?.shape).toEqual(tensor.shape);
      expect(Array.from(read.tensors[name]?.data as ArrayLike<number | bigint>)).toEqual(
        Array.from(tensor.data as ArrayLike<number | bigint>),
      );
    }
    expect(Object.is((read.tensors.weights as SafetensorsTensor).data[5], -0)).toBe(true);
    // layout: u64 little-endian header size, JSON header padded to 8 bytes, then the data
    const bytes = await readFile(path);
    const headerSize = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerSize) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerSize).toString('utf8'));
    expect(header.weights).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(bytes.readFloatLE(8 + headerSize)).toBe(1.5);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses malformed files, naming the problem', () => {
    const good = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } });
    const headerSize = Number(new DataView(good.buffer).getBigUint64(0, true));
    const withHeader = (header: object, data = new Uint8Array(8)) => {
      let json = JSON.stringify(header);
      while ((8 + json.length) % 8) json += ' ';
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(new TextEncoder().encode(json), 8);
      out.set(data, 8 + json.length);
      return out;
    };
    const bad: Array<[Uint8Array, RegExp]> = [
      [good.subarray(0, 4), /only 4 bytes/],
      [good.subarray(0, 8 + headerSize + 4), /ends at byte 8 beyond the data \(4 bytes\): truncated/],
      [
        Uint8Array.from([...good.subarray(0, 8).map((b, i) => (i === 7 ? 1 : b)), ...good.subarray(8)]),
        /header length .* exceeds the file/,
      ],
      [withHeader({ a: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }), /unknown dtype "F33"/],
      [withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), /hold 8 bytes, but F32 \[3\] needs 12/],
      [
        withHeader({
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        }),
        /overlaps|trailing/,
      ],
      [withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), /a gap of unindexed bytes before "a"/],
      [withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }), /4 trailing bytes not covered/],
      [
        withHeader({ __metadata__: { n: 3 }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }),
        /__metadata__.n is not a string/,
      ],
      [withHeader([1, 2]), /header is not a JSON object/],
    ];
    for (const [bytes, message] of bad) {
      expect(() => decodeSafetensors(bytes, 'x.safetensors')).toThrow(SafetensorsError);
      expect(() => decodeSafetensors(bytes, 'x.safetensors')).toThrow(message);
    }
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /shape \[3\] \(3 values\) but 2 values/,
    );
    expect(() => encodeSafetensors({ a: { dtype: 'I32', shape: [2], data: new Float32Array(2) } })).toThrow(
      /needs a Int32Array, but its data is a Float32Array/,
    );
  });
});

describe.each(ENGINES)('checkpoints on %s', (engine) => {
  it.each(['free-transformer', 'cvae', 'baseline'] as const)(
    'round-trip %s bit-exactly with Hugging Face names and layouts',
    async (variant) => {
      await useEngine(engine);
      const config = tinyConfig({ variant, zeroInitPostSampler: false, latentBits: 3 });
      const model = createModel(config, 1);
      randomizeWeights(model, 2);
      const target = join(dir, `${engine}-${variant}`);
      const saved = await saveCheckpoint(target, model, { metadata: { step: '100' } });
      expect(saved.sha256).toMatch(/^[0-9a-f]{64}$/);
      const manifest = JSON.parse(await readFile(saved.configPath, 'utf8'));
      expect(manifest.weights).toEqual({ file: 'model.safetensors', sha256: saved.sha256, bytes: saved.bytes });
      expect(manifest.config).toEqual(config);
      expect(manifest.metadata).toEqual({ step: '100' });
      // HF layout: q_proj stored [out, in] = the transpose of the in-memory [in, out] weight
      const file = await readSafetensors(saved.weightsPath);
      expect(file.metadata.format).toBe('pt');
      const q = model.variables.find((v) => v.name === 'model.layers.0.self_attn.q_proj.weight')?.variable as Tensor;
      expect(Array.from(file.tensors['model.layers.0.self_attn.q_proj.weight']?.data as Float32Array)).toEqual(
        Array.from(tf.transpose(q).dataSync()),
      );
      expect(file.tensors['lm_head.weight']?.shape).toEqual([7, 8]);
      expect(Object.keys(file.tensors)).toContain('model.embed_tokens.weight');

      const loaded = await loadCheckpoint(target);
      expect(loaded.config).toEqual(config);
      expect(loaded.variables.map((v) => v.name)).toEqual(model.variables.map((v) => v.name));
      loaded.variables.forEach(({ variable }, i) => {
        expect(Array.from(variable.dataSync())).toEqual(Array.from(model.variables[i]?.variable.dataSync() ?? []));
      });
      const x = tokens2d(randomTokens(2, 5, 7, 3), 2, 5);
      const a = model.forward(x, x, { seed: 4 });
      const b = loaded.forward(x, x, { seed: 4 });
      expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
      expect(Array.from(b.codes.dataSync())).toEqual(Array.from(a.codes.dataSync()));
      expect((await loadCheckpoint(saved.configPath)).config).toEqual(config); // the manifest path works too
      tf.dispose([...(Object.values(a) as Tensor[]), ...(Object.values(b) as Tensor[])]);
      model.dispose();
      loaded.dispose();
    },
  );

  it('refuses a flipped byte, mismatched configs and wrong tensors', async () => {
    await useEngine(engine);
    const model = createModel(tinyConfig({ zeroInitPostSampler: false }), 1);
    const target = join(dir, `${engine}-corrupt`);
    const saved = await saveCheckpoint(target, model);
    const original = await readFile(saved.weightsPath);
    for (const position of [original.length - 3, 20]) {
      const flipped = Buffer.from(original);
      flipped[position] = flipped[position] ^ 0x10;
      await writeFile(saved.weightsPath, flipped);
      await expect(loadCheckpoint(target)).rejects.toThrow(CheckpointError);
      await expect(loadCheckpoint(target)).rejects.toThrow(
        /has SHA-256 [0-9a-f]{64}, but ftlab-model.json records [0-9a-f]{64}: the file is corrupt/,
      );
    }
    await writeFile(saved.weightsPath, original);
    await expect(loadCheckpoint(target, { expectConfig: { latentBits: 4, width: 8 } })).rejects.toThrow(
      /config mismatch: latentBits: checkpoint has 2, expected 4/,
    );
    expect((await loadCheckpoint(target, { expectConfig: { latentBits: 2 } })).config.latentBits).toBe(2);

    // a manifest that lost its weights entry: a CheckpointError that says so, not a TypeError
    const intact = await readFile(saved.configPath, 'utf8');
    const withoutWeights = JSON.parse(intact);
    delete withoutWeights.weights;
    await writeFile(saved.configPath, JSON.stringify(withoutWeights));
    await expect(loadCheckpoint(target)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(target)).rejects.toThrow(/records no weights file and checksum/);
    await writeFile(saved.configPath, intact);

    // weights of another model under this manifest (hash updated): the names and shapes disagree
    const other = createModel(tinyConfig({ variant: 'baseline' }), 1);
    const otherDir = join(dir, `${engine}-other`);
    const otherSaved = await saveCheckpoint(otherDir, other);
    const manifest = JSON.parse(await readFile(saved.configPath, 'utf8'));
    await writeFile(saved.weightsPath, await readFile(otherSaved.weightsPath));
    manifest.weights.sha256 = otherSaved.sha256;
    await writeFile(saved.configPath, JSON.stringify(manifest));
    await expect(loadCheckpoint(target)).rejects.toThrow(
      /the config inside model.safetensors differs from ftlab-model.json/,
    );
    // a tensor missing and another with the wrong shape, everything else consistent
    const file = await readSafetensors(otherSaved.weightsPath);
    const ownFile = decodeSafetensors(original);
    delete ownFile.tensors['model.norm.weight'];
    ownFile.tensors['lm_head.weight'] = { dtype: 'F32', shape: [8, 7], data: new Float32Array(56) };
    const rewritten = await writeSafetensors(saved.weightsPath, ownFile.tensors, ownFile.metadata);
    manifest.weights.sha256 = rewritten.sha256;
    await writeFile(saved.configPath, JSON.stringify(manifest));
    await expect(loadCheckpoint(target)).rejects.toThrow(
      /weights do not match its config: missing tensor model.norm.weight; lm_head.weight has shape \[8,7\], expected \[7,8\]/,
    );
    expect(file.metadata.format).toBe('pt');
    await expect(loadCheckpoint(join(dir, 'missing'))).rejects.toThrow(
      /cannot read ftlab-model.json \(ENOENT.*\), nor config.json, its name in older checkpoints/,
    );
    model.dispose();
    other.dispose();
  });
});

describe('the manifest file name', () => {
  it('is ftlab-model.json; checkpoints written before, with config.json, still load', async () => {
    await useEngine('wasm');
    const model = createModel(tinyConfig({ zeroInitPostSampler: false }), 1);
    randomizeWeights(model, 5);
    const target = join(dir, 'manifest-name');
    const saved = await saveCheckpoint(target, model);
    expect((await readdir(target)).sort()).toEqual(['ftlab-model.json', 'model.safetensors']);
    expect(saved.configPath).toBe(join(target, 'ftlab-model.json'));

    // The old layout: the same manifest under config.json (as saveCheckpoint wrote it until the rename).
    const legacy = join(dir, 'manifest-legacy');
    await saveCheckpoint(legacy, model);
    await rename(join(legacy, 'ftlab-model.json'), join(legacy, 'config.json'));
    const x = tokens2d(randomTokens(2, 5, 7, 3), 2, 5);
    const expected = model.forward(x, x, { seed: 4 });
    for (const path of [legacy, join(legacy, 'config.json')]) {
      const loaded = await loadCheckpoint(path, { expectConfig: model.config });
      const out = loaded.forward(x, x, { seed: 4 });
      expect(Array.from(out.logits.dataSync())).toEqual(Array.from(expected.logits.dataSync()));
      tf.dispose(Object.values(out) as Tensor[]);
      loaded.dispose();
    }
    // A corrupt legacy checkpoint names the file it read.
    const manifest = JSON.parse(await readFile(join(legacy, 'config.json'), 'utf8'));
    await writeFile(
      join(legacy, 'config.json'),
      JSON.stringify({ ...manifest, weights: { ...manifest.weights, sha256: '0'.repeat(64) } }),
    );
    await expect(loadCheckpoint(legacy)).rejects.toThrow(/but config.json records 0{64}/);

    // A Hugging Face config.json alone is not a checkpoint; beside ftlab-model.json it is ignored.
    const hf = join(dir, 'manifest-hf');
    await saveCheckpoint(hf, model);
    await writeFile(join(hf, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 8 }));
    // A path to another file of the folder (the Hugging Face config.json, the weights) loads the folder.
    for (const path of [hf, join(hf, 'config.json'), join(hf, 'model.safetensors')]) {
      const loaded = await loadCheckpoint(path);
      expect(loaded.config, path).toEqual(model.config);
      loaded.dispose();
    }
    // A damaged ftlab-model.json named outright is refused, not passed over.
    const manifestText = await readFile(join(hf, 'ftlab-model.json'), 'utf8');
    await writeFile(join(hf, 'ftlab-model.json'), manifestText.slice(0, 20));
    await expect(loadCheckpoint(join(hf, 'ftlab-model.json'))).rejects.toThrow(/cannot read ftlab-model.json/);
    await rm(join(hf, 'ftlab-model.json'));
    await expect(loadCheckpoint(join(hf, 'model.safetensors'))).rejects.toThrow(
      /config.json is not an ftlab-model-checkpoint manifest \(and there is no ftlab-model.json\)/,
    );
    await expect(loadCheckpoint(hf)).rejects.toThrow(
      /config.json is not an ftlab-model-checkpoint manifest \(and there is no ftlab-model.json\)/,
    );
    tf.dispose(Object.values(expected) as Tensor[]);
    model.dispose();
  });
});

// The safetensors format (https://github.com/huggingface/safetensors), written and read here
// because no maintained JS library covers Node writing:
//
//   [8 bytes: N, little-endian u64] [N bytes: JSON header, space-padded] [tensor bytes]
//   header = { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
//              "__metadata__": { "<key>": "<string value>" } }
//
// Offsets are relative to the start of the tensor bytes, which they must cover exactly, without
// holes or overlaps. Values are little-endian. Files are written atomically (temp file, fsync,
// rename) and their SHA-256 is returned, so a checkpoint can record it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'U64'
  | 'I32'
  | 'U32'
  | 'I16'
  | 'U16'
  | 'I8'
  | 'U8'
  | 'BOOL';

export type SafetensorsData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** F16 and BF16 are raw 16-bit patterns in a Uint16Array; BOOL is a Uint8Array of 0/1. */
  data: SafetensorsData;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A malformed or unreadable safetensors file; the message names the file and the problem. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

type ArrayConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => SafetensorsData;

const DTYPES: Record<SafetensorsDtype, { bytes: number; array: ArrayConstructor }> = {
  F64: { bytes: 8, array: Float64Array },
  F32: { bytes: 4, array: Float32Array },
  F16: { bytes: 2, array: Uint16Array },
  BF16: { bytes: 2, array: Uint16Array },
  I64: { bytes: 8, array: BigInt64Array },
  U64: { bytes: 8, array: BigUint64Array },
  I32: { bytes: 4, array: Int32Array },
  U32: { bytes: 4, array: Uint32Array },
  I16: { bytes: 2, array: Int16Array },
  U16: { bytes: 2, array: Uint16Array },
  I8: { bytes: 1, array: Int8Array },
  U8: { bytes: 1, array: Uint8Array },
  BOOL: { bytes: 1, array: Uint8Array },
};

/** The format caps the header at 100 MB; larger ones are refused as corrupt. */
const MAX_HEADER_BYTES = 100_000_000;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises tensors and string metadata to the bytes of a safetensors file. */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (!littleEndian) throw new Error('encodeSafetensors: big-endian hosts are not supported');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string')
        throw new Error(`encodeSafetensors: metadata "${key}" must be a string, got ${typeof value}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === '__metadata__')
      throw new Error('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const info = DTYPES[tensor.dtype];
    if (info === undefined) throw new Error(`encodeSafetensors: tensor "${name}" has unknown dtype ${tensor.dtype}`);
    if (!tensor.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`encodeSafetensors: tensor "${name}" has an invalid shape [${tensor.shape}]`);
    }
    if (!(tensor.data instanceof info.array)) {
      throw new Error(
        `encodeSafetensors: tensor "${name}" is ${tensor.dtype}, which needs a ${info.array.name}, but its data is a ${tensor.data.constructor.name}`,
      );
    }
    const count = elementCount(tensor.shape);
    if (tensor.data.length !== count) {
      throw new Error(
        `encodeSafetensors: tensor "${name}" has shape [${tensor.shape}] (${count} values) but ${tensor.data.length} values`,
      );
    }
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, count * info.bytes);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the tensor bytes start 8-byte aligned, as the reference writer does.
  const jsonBytes = () => new TextEncoder().encode(json);
  while ((8 + jsonBytes().length) % 8 !== 0) json += ' ';
  const encodedHeader = jsonBytes();
  const out = new Uint8Array(8 + encodedHeader.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(encodedHeader.length), true);
  out.set(encodedHeader, 8);
  let position = 8 + encodedHeader.length;
  for (const part of parts) {
    out.set(part, position);
    position += part.length;
  }
  return out;
}

/** Parses and validates the bytes of a safetensors file; `source` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${source}: ${problem}`);
  };
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, not a safetensors file`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes): truncated or not safetensors`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    fail(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const entries = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const rawMetadata = entries.__metadata__;
  if (rawMetadata !== undefined) {
    if (rawMetadata === null || typeof rawMetadata !== 'object' || Array.isArray(rawMetadata))
      fail('__metadata__ is not an object');
    for (const [key, value] of Object.entries(rawMetadata as Record<string, unknown>)) {
      if (typeof value !== 'string') fail(`__metadata__.${key} is not a string`);
      metadata[key] = value as string;
    }
  }
  const dataLength = bytes.length - dataStart;
  const spans: Array<{ name: string; begin: number; end: number }> = [];
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [name, raw] of Object.entries(entries)) {
    if (name === '__metadata__') continue;
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry?.dtype as SafetensorsDtype;
    const info = DTYPES[dtype];
    if (info === undefined) fail(`tensor "${name}" has unknown dtype ${JSON.stringify(entry?.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = elementCount(shape as number[]);
    if (end - begin !== count * info.bytes) {
      fail(
        `tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} [${shape}] needs ${count * info.bytes}`,
      );
    }
    if (end > dataLength)
      fail(`tensor "${name}" ends at byte ${end} beyond the data (${dataLength} bytes): truncated file`);
    spans.push({ name, begin, end });
    // A copy into a fresh buffer: aligned for the typed array, and detached from the file bytes.
    const copy = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { dtype, shape: shape as number[], data: new info.array(copy.buffer, 0, count) };
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const span of spans) {
    if (span.begin !== expected) {
      fail(
        span.begin < expected
          ? `tensor "${span.name}" overlaps another tensor`
          : `a gap of unindexed bytes before "${span.name}"`,
      );
    }
    expected = span.end;
  }
  if (expected !== dataLength) fail(`${dataLength - expected} trailing bytes not covered by any tensor`);
  return { tensors, metadata };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes a safetensors file atomically; returns its SHA-256 (hex) and size in bytes. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
): Promise<{ sha256: string; bytes: number }> {
  const bytes = encodeSafetensors(tensors, metadata);
  await writeFileAtomic(path, bytes);
  return { sha256: sha256Hex(bytes), bytes: bytes.length };
}

/** Reads and validates a safetensors file; also returns the SHA-256 of its bytes. */
export async function readSafetensors(path: string): Promise<SafetensorsFile & { sha256: string; bytes: number }> {
  let bytes: Uint8Array;
  try {
    const buffer = await readFile(path);
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new SafetensorsError(`${path}: cannot be read (${(error as Error).message})`);
  }
  return { ...decodeSafetensors(bytes, path), sha256: sha256Hex(bytes), bytes: bytes.length };
}

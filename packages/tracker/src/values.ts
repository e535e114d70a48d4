// Input checks shared by every write path (each throws before anything is written), the
// encoding of non-finite numbers, and id generation.
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from './errors.js';
import type { NonFinite } from './types.js';

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export const MAX_KEY_LENGTH = 250;
/** A failure reason longer than this is stored cut, with a marker; the run's notes keep it whole. */
export const MAX_FAILURE_REASON_LENGTH = 1000;

/** A short random id (12 base-36 characters, ~62 bits): readable in a terminal, unique in practice. */
export function newId(): string {
  const bytes = randomBytes(12);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte % 36];
  return id;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return String(value);
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}

export function checkStep(step: unknown, where: string): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new InvalidInputError(`${where}: step must be a non-negative integer, got ${show(step)}.`);
  }
  return step;
}

export function checkKey(key: unknown, where: string, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new InvalidInputError(
      `${where}: ${what} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${show(key)}.`,
    );
  }
  return key;
}

export function checkId(id: unknown, where: string, what = 'run id'): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidInputError(`${where}: ${what} must be a non-empty string, got ${show(id)}.`);
  }
  return id;
}

export function checkText(value: unknown, where: string, what: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(`${where}: ${what} must be a string, got ${show(value)}.`);
  return value;
}

export function checkOptionalInteger(value: unknown, where: string, what: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(`${where}: ${what} must be an integer, got ${show(value)}.`);
  }
  return value;
}

export function checkPositiveInteger(value: unknown, where: string, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${where}: ${what} must be a positive integer, got ${show(value)}.`);
  }
  return value;
}

export function checkNonNegativeInteger(value: unknown, where: string, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${where}: ${what} must be a non-negative integer, got ${show(value)}.`);
  }
  return value;
}

export function checkOptionalNumber(value: unknown, where: string, what: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(`${where}: ${what} must be a finite number, got ${show(value)}.`);
  }
  return value;
}

export interface EncodedValue {
  value: number | null;
  nonFinite: NonFinite | null;
}

/** Finite numbers are stored as they are; NaN and +-Infinity as NULL plus a marker. Non-numbers are refused. */
export function encodeValue(value: unknown, where: string): EncodedValue {
  if (typeof value !== 'number') {
    throw new InvalidInputError(`${where}: value must be a number (NaN and Infinity are allowed), got ${show(value)}.`);
  }
  if (Number.isFinite(value)) return { value, nonFinite: null };
  if (Number.isNaN(value)) return { value: null, nonFinite: 'NaN' };
  return { value: null, nonFinite: value > 0 ? 'Infinity' : '-Infinity' };
}

/** The number a stored (value, marker) pair stands for. */
export function decodeValue(value: number | null, nonFinite: NonFinite | null): number {
  if (nonFinite === 'NaN') return Number.NaN;
  if (nonFinite === 'Infinity') return Number.POSITIVE_INFINITY;
  if (nonFinite === '-Infinity') return Number.NEGATIVE_INFINITY;
  return value ?? Number.NaN;
}

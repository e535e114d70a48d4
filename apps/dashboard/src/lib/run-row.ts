// What the runs table shows for one run, computed from the tracker's run summary: the config
// axes of the paper (variant, kappa, H, placement, seed), the latest honest metrics, throughput,
// duration and whether the latent has collapsed.
import { variantHasLatent } from '@ftlab/contract';
import type { RunStatus, RunSummary } from '@ftlab/tracker';
import { BASELINE_VARIANTS, COLLAPSE_THRESHOLD_BITS, METRIC, NATS_PER_BIT, PARAM, SILENT_AFTER_MS } from './keys';

export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  variant: string | null;
  /** kappa in bits per token (the config stores nats). */
  kappaBits: number | null;
  latentBits: number | null;
  encoderPlacement: number | null;
  seed: number | null;
  loss: number | null;
  elbo: number | null;
  priorCe: number | null;
  klBits: number | null;
  tokensPerSec: number | null;
  durationMs: number | null;
  lastStep: number | null;
  totalSteps: number | null;
  /** The variant has a latent Z (not a baseline). */
  hasLatent: boolean;
  /** A latent run whose latest KL is at or below COLLAPSE_THRESHOLD_BITS. */
  collapsed: boolean;
  /** How long a RUNNING run has been without a heartbeat, when longer than SILENT_AFTER_MS. */
  silentForMs: number | null;
  failureReason: string | null;
  tags: Record<string, string>;
}

function latest(run: RunSummary, key: string): number | null {
  return run.latestMetrics[key]?.value ?? null;
}

function paramNumber(run: RunSummary, key: string): number | null {
  return run.params[key]?.number ?? null;
}

export function runVariant(run: Pick<RunSummary, 'variant' | 'params'>): string | null {
  return run.variant ?? run.params[PARAM.variant]?.text ?? null;
}

export function isBaselineVariant(variant: string | null): boolean {
  return variant !== null && BASELINE_VARIANTS.includes(variant);
}

/** Wall time from first start to end; a RUNNING run counts up to `now`. */
export function runDurationMs(run: Pick<RunSummary, 'startedAt' | 'endedAt' | 'heartbeatAt' | 'status'>, now: number) {
  if (run.startedAt === null) return null;
  const end = run.endedAt ?? (run.status === 'RUNNING' ? now : run.heartbeatAt);
  return end === null ? null : Math.max(0, end - run.startedAt);
}

/** How long a RUNNING run has gone without a heartbeat, when that is longer than SILENT_AFTER_MS; else null. */
export function silentForMs(run: Pick<RunSummary, 'status' | 'heartbeatAt'>, now: number): number | null {
  if (run.status !== 'RUNNING' || run.heartbeatAt === null) return null;
  const silent = now - run.heartbeatAt;
  return silent > SILENT_AFTER_MS ? silent : null;
}

export function toRunRow(run: RunSummary, now: number): RunRow {
  const variant = runVariant(run);
  const kappaNats = paramNumber(run, PARAM.kappaNats);
  const klBits = latest(run, METRIC.trainKlBits);
  const hasLatent = variant !== null && variantHasLatent(variant);
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    variant,
    kappaBits: kappaNats === null ? null : kappaNats / NATS_PER_BIT,
    latentBits: paramNumber(run, PARAM.latentBits),
    encoderPlacement: paramNumber(run, PARAM.encoderPlacement),
    seed: run.seed ?? paramNumber(run, PARAM.seed),
    loss: latest(run, METRIC.trainLoss),
    elbo: latest(run, METRIC.valElbo),
    priorCe: latest(run, METRIC.valPriorCe),
    klBits,
    tokensPerSec: latest(run, METRIC.tokensPerSec),
    durationMs: runDurationMs(run, now),
    lastStep: run.lastStep,
    totalSteps: run.totalSteps,
    hasLatent,
    collapsed: hasLatent && klBits !== null && klBits <= COLLAPSE_THRESHOLD_BITS,
    silentForMs: silentForMs(run, now),
    failureReason: run.failureReason,
    tags: run.tags,
  };
}

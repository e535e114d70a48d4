// How a run config becomes a tracker run: the resolved config as JSON, its hash without the
// seed, the environment, and where its files live.
import { resolve } from 'node:path';
import { type JsonObject, type RunInput, configHash as trackerConfigHash } from '@ftlab/tracker';
import type { RunConfig } from './config.js';
import { runEnvironment } from './environment.js';

/**
 * Groups runs that differ only by seed (or name/description): the tracker's hash of the config
 * without its seed keys and the fields that do not change what is trained: cosmetic ones, and
 * training.divergence, which only decides when a run is stopped (so it can be changed for a run
 * that already has checkpoints).
 */
export function configHash(config: RunConfig): string {
  const { name: _name, description: _description, ...rest } = config;
  const { divergence: _divergence, ...training } = rest.training;
  return trackerConfigHash({ ...rest, training } as unknown as JsonObject);
}

/** Directory holding every run's files when none is configured: beside the database file. */
export function defaultArtifactRoot(dbPath: string): string {
  return resolve(dbPath === ':memory:' ? '.' : resolve(dbPath, '..'), 'ftlab-runs');
}

/** The run's own directory under the artifact root. */
export function runDirectory(artifactRoot: string, runId: string): string {
  return resolve(artifactRoot, runId);
}

export function runInput(
  config: RunConfig,
  options: { artifactRoot: string; backend?: string | null; tags?: Record<string, string> },
): RunInput {
  const env = runEnvironment();
  return {
    name: config.name,
    config: config as unknown as JsonObject,
    seed: config.seed,
    variant: config.model.variant,
    configHash: configHash(config),
    gitCommit: env.gitCommit,
    gitDirty: env.gitDirty,
    backend: options.backend ?? null,
    host: env.host,
    packageVersions: { node: env.node, ...env.packages },
    artifactRoot: options.artifactRoot,
    totalSteps: config.training.steps,
    ...(options.tags ? { tags: options.tags } : {}),
  };
}

// One vitest configuration for every package: tests import sibling packages from their
// TypeScript sources (the "@ftlab/source" export condition), so a test never runs against a
// stale dist/ build.
import type { ViteUserConfig } from 'vitest/config';

export interface FtlabTestOptions {
  testTimeout?: number;
  /** Test files that must not run concurrently with others (heavy CPU, child processes). */
  serial?: boolean;
}

export function ftlabTestConfig(options: FtlabTestOptions = {}): ViteUserConfig {
  // No 'import': vitest hands these to Node as --conditions, and pg fails to load under 'import'.
  const conditions = ['@ftlab/source', 'node', 'default'];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['node'] } },
    test: {
      environment: 'node',
      include: ['test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Two cores: more parallel files only thrash the CPU-bound tensor tests.
      maxWorkers: options.serial ? 1 : 2,
      fileParallelism: !options.serial,
    },
  };
}

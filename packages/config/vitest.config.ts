import { defineConfig } from 'vitest/config';
import { ftlabTestConfig } from '../../vitest.shared.js';

export default defineConfig(ftlabTestConfig({ testTimeout: 60_000 }));

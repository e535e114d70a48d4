import { defineConfig } from 'vitest/config';
import { ftlabTestConfig } from '../../vitest.shared.js';

// Serial: the browser test starts a Next server and Chromium, which need both cores.
export default defineConfig(ftlabTestConfig({ testTimeout: 60_000, serial: true }));

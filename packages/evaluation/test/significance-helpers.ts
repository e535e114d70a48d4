import { resolveToyTaskConfig } from '@ftlab/data';

export * from '../src/index.js';
export const resolveToyConfigForTests = () => resolveToyTaskConfig();

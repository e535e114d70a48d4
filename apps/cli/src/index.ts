// @ftlab/cli: the `ftlab` command (src/main.ts). Exported for tests and for embedding.
export { buildProgram } from './program.js';

// Builds the C++ addon with node-gyp (g++, the local Node headers) into dist/ftlab_native.node
// and records the outcome in dist/native-build.json. The addon is optional: when it cannot be
// built (no compiler, no headers, an unsupported platform) this prints why, records it, and
// exits 0, so installs and builds still pass and the wasm engine is used instead.
//
//   FTLAB_NATIVE_BUILD=skip     do not try (records "skipped")
//   FTLAB_NATIVE_BUILD=require  the addon must build: a failure exits 1 (CI sets it, so that a
//                               broken build cannot silently remove the default engine's tests)
//   FTLAB_NODE_GYP=<file>     the node-gyp script to run (default: a dependency, else npm's copy)
//   --out <dir>               write the addon and the status there instead of dist/ (tests)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const addonDir = join(root, 'addon');
const outAt = process.argv.indexOf('--out');
const distDir = outAt >= 0 ? process.argv[outAt + 1] : join(root, 'dist');
const target = join(distDir, 'ftlab_native.node');
const statusFile = join(distDir, 'native-build.json');
const BUILD_TIMEOUT_MS = 300_000;
// The rule as the package states it (dist/ is compiled just before this script runs).
const { nativeRequired } = await import(pathToFileURL(join(root, 'dist', 'load.js')).href);
const required = nativeRequired();

function record(status) {
  mkdirSync(distDir, { recursive: true });
  writeFileSync(
    statusFile,
    `${JSON.stringify({ ...status, node: process.version, platform: process.platform, arch: process.arch }, null, 2)}\n`,
  );
}

function notBuilt(reason, detail = '') {
  rmSync(target, { force: true });
  record({ built: false, reason });
  const tail = detail.trim().split('\n').slice(-15).join('\n');
  process.stderr.write(
    `@ftlab/native: the C++ kernels were NOT built: ${reason}.\n` +
      '  Nothing else is affected: the "native" engine reports itself unavailable and "auto" uses wasm.\n' +
      '  To build them: install g++, make and python3, then run `pnpm --filter @ftlab/native build`.\n' +
      (tail ? `  Last lines of the build output:\n${tail.replace(/^/gm, '    ')}\n` : ''),
  );
  if (required) {
    process.stderr.write('@ftlab/native: FTLAB_NATIVE_BUILD=require: failing the build.\n');
    process.exit(1);
  }
  process.exit(0);
}

/** node-gyp: a node-gyp dependency if one is installed, else the copy bundled with npm. */
function findNodeGyp() {
  if (process.env.FTLAB_NODE_GYP) return process.env.FTLAB_NODE_GYP;
  const candidates = [];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a dependency: look for npm's copy
  }
  const prefixes = [dirname(dirname(process.execPath))];
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) prefixes.push(dirname(dirname(realpathSync(which.stdout.trim()))));
  for (const prefix of prefixes) {
    candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    candidates.push(join(prefix, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** The local Node headers, so that node-gyp never tries to download them. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

if (process.env.FTLAB_NATIVE_BUILD === 'skip') notBuilt('skipped because FTLAB_NATIVE_BUILD=skip');
if (process.platform !== 'linux' && process.platform !== 'darwin') notBuilt(`unsupported platform ${process.platform}`);

const nodeGyp = findNodeGyp();
if (nodeGyp === null) notBuilt('node-gyp was not found (neither as a dependency nor bundled with npm)');
const headers = nodeDir();
if (headers === null) {
  notBuilt(`the Node.js headers (include/node/node_api.h) are not under ${dirname(dirname(process.execPath))}`);
}

const started = Date.now();
const build = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--directory', addonDir, '--loglevel', 'warn'], {
  encoding: 'utf8',
  env: { ...process.env, npm_config_nodedir: headers },
  timeout: BUILD_TIMEOUT_MS,
});
const output = `${build.stdout ?? ''}${build.stderr ?? ''}`;
if (build.error) notBuilt(`node-gyp could not run (${build.error.message})`, output);
if (build.status !== 0) notBuilt(`node-gyp rebuild failed with exit code ${build.status}`, output);
const built = join(addonDir, 'build', 'Release', 'ftlab_native.node');
if (!existsSync(built)) notBuilt(`node-gyp succeeded but ${built} is missing`, output);
mkdirSync(distDir, { recursive: true });
copyFileSync(built, target);

// Load it in a fresh process and run the self-check the engine runs before using it.
const check = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { loadNative } from ${JSON.stringify(join(distDir, 'index.js'))}; const s = loadNative(); console.log(JSON.stringify(s.available ? { ok: true, kernel: s.info.gemmKernel } : { ok: false, reason: s.reason }));`,
  ],
  { encoding: 'utf8', timeout: 60_000 },
);
let verdict = null;
try {
  verdict = JSON.parse(check.stdout.trim().split('\n').pop() ?? '');
} catch {
  // reported below
}
if (verdict?.ok !== true) {
  notBuilt(
    `the built addon failed its self-check (${verdict?.reason ?? `exit ${check.status}`})`,
    `${check.stdout}${check.stderr}`,
  );
}
record({ built: true, gemmKernel: verdict.kernel, seconds: Math.round((Date.now() - started) / 1000) });
process.stderr.write(`@ftlab/native: built the C++ kernels (GEMM micro-kernel: ${verdict.kernel}).\n`);

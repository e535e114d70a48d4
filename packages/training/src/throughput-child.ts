// The child process of runBenchmarks (throughput-benchmark.ts), so that each case's peak RSS is its
// own: measures the one case its JSON argument names and prints the record as one JSON line. The
// benchmark starts it (as dist/throughput-child.js under `ftlab bench`); people do not.
import { type ChildSpec, measureCase } from './throughput-benchmark.js';

const [spec, ...rest] = process.argv.slice(2);
if (spec === undefined || rest.length > 0) {
  process.stderr.write('throughput-child: takes one argument, the JSON case spec that runBenchmarks writes\n');
  process.exit(2);
}
const record = await measureCase(JSON.parse(spec) as ChildSpec);
process.stdout.write(`${JSON.stringify(record)}\n`);

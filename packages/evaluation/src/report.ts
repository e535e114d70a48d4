// @ftlab/evaluation/report: what a sweep's report is computed from recorded values alone (the
// paper-style comparison with its verdicts and paired intervals, the live table the dashboard
// keeps, its exports and the toy figure). It loads no TensorFlow.js and no database driver, so
// a page or a script that only reads the tracker can import it directly.
export {
  type CompareSweepOptions,
  type ComparisonCell,
  ComparisonError,
  type ComparisonTable,
  compareSweep,
  defaultComparisonRows,
} from './compare.js';
export { LiveComparison } from './live-comparison.js';
export { type PairedInterval, pairedInterval } from './stats.js';
export {
  exportComparison,
  type TableFormat,
  type TableFormatOptions,
  verdictLines,
  verdictsToCsv,
} from './table-export.js';
export {
  type SweepFigureOptions,
  sweepToyFigure,
  type ToyFigure,
  type ToyFigureGroup,
  type ToyFigureLine,
  type ToyFigurePanel,
  toyFigureMarkdown,
  toyFigureSvg,
} from './toy-figure.js';
export type { ColumnVerdict } from './verdicts.js';

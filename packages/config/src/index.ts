// @ftlab/config: what every config schema shares. The schemas themselves live with the package
// that owns each section (model, data, evaluation, training).
export { closestName, editDistance } from './closest-name.js';
export {
  type ConfigCheck,
  type ConfigIssue,
  type ConfigPath,
  checkConfig,
  type FieldRules,
  fieldRules,
  formatIssue,
  formatPath,
  ordered,
  parseConfig,
} from './issues.js';
export { jsonSchemaOf } from './json-schema.js';

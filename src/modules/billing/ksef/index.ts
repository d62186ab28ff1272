export { FA3_NAMESPACE, type RenderFa3Options, renderFa3 } from './fa3-xml.ts';
export { ksefErrors } from './ksef-errors.ts';
export {
  DEFAULT_FA3_XSD_DIR,
  FA3_SCHEMA_FILE,
  type Fa3ValidationResult,
  type Fa3Validator,
  makeFa3Validator,
} from './validate-fa3.ts';

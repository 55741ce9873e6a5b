/** The closed registry of owner systems, the module every owner system describes itself with, and the phases. */
export * from './registry';
export * from './owner-module';
export * from './field-path';
export * from './field-rules';
export * from './check-module';
export * from './embedded-types';

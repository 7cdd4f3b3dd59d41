/**
 * Bumped only when the JSON document changes incompatibly (2: legs, typed evidence, the request
 * as fields; the README says what changed). Kept apart from schema.ts so that printing a report
 * does not load zod.
 */
export const SCHEMA_VERSION = 2;

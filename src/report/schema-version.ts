/** Bumped only when the JSON document changes incompatibly. Kept apart from schema.ts so that printing a report does not load zod. */
export const SCHEMA_VERSION = 1;

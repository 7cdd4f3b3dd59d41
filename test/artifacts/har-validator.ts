/**
 * Validates HAR documents against the `har-schema` JSON schemas (HAR 1.2) with ajv 8.
 * The ready-made `har-validator` package is unmaintained (pinned to ajv 6), so the schemas it
 * wraps are used directly with a maintained validator. har-schema is draft-06 and uses two
 * keywords that are not JSON Schema ("min", "optional"), hence strict: false.
 */
import { createRequire } from "node:module";
import type { AnySchemaObject, ErrorObject, Plugin } from "ajv";

const require = createRequire(import.meta.url);
const Ajv = require("ajv") as typeof import("ajv").default;
const addFormats = require("ajv-formats") as Plugin<unknown>;
const harSchemas = require("har-schema") as Record<string, AnySchemaObject>;
const draft06 = require("ajv/dist/refs/json-schema-draft-06.json") as AnySchemaObject;

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addMetaSchema(draft06);
addFormats(ajv, undefined);
for (const schema of Object.values(harSchemas)) ajv.addSchema(schema);
const validateHar = ajv.getSchema("har.json#");
if (validateHar === undefined) throw new Error("har-schema has no har.json#");

/** The schema errors of `har`, empty when it is a valid HAR 1.2 document. */
export function harErrors(har: unknown): ErrorObject[] {
  // Validate what a reader of the file sees: the JSON text, not the in-memory object.
  const valid = validateHar?.(JSON.parse(JSON.stringify(har)));
  return valid ? [] : [...(validateHar?.errors ?? [])];
}

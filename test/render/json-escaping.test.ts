/** The --json text escapes what a terminal could obey, and still parses back to the same value. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stringifyJsonForTerminal } from "../../src/text/escape.js";

describe("stringifyJsonForTerminal", () => {
  it("writes DEL, C1, bidi controls and line separators as \\u escapes", () => {
    const text = stringifyJsonForTerminal({ reason: "OK \x9b31m \x7f \u202e \u2028 \x1b" });
    assert.equal(text, '{"reason":"OK \\u009b31m \\u007f \\u202e \\u2028 \\u001b"}');
  });

  it("gives back exactly the same value through JSON.parse, for any value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: "binary", maxLength: 64 }), (value, text) => {
        const document = { value, text };
        const written = stringifyJsonForTerminal(document, 2);
        assert.deepEqual(JSON.parse(written), JSON.parse(JSON.stringify(document)));
        // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
        assert.doesNotMatch(written, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The YAML subset of `diag520 serve --config`: what it accepts means what YAML 1.2 says it means,
 * and everything outside the subset is refused with the line it is on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseYamlSubset, YamlSubsetError, type YamlValue } from "../../src/serve/yaml-subset.js";

const ACCEPTED: ReadonlyArray<readonly [string, string, YamlValue]> = [
  ["empty document", "", null],
  ["comments only", "# nothing\n   # still nothing\n", null],
  ["a mapping", "a: 1\nb: two\n", { a: 1, b: "two" }],
  ["a leading ---", "---\na: 1\n", { a: 1 }],
  ["a BOM and CRLF line ends", "\uFEFFa: 1\r\nb: 2\r\n", { a: 1, b: 2 }],
  ["nested mappings", "a:\n  b:\n    c: x\n  d: z\n", { a: { b: { c: "x" }, d: "z" } }],
  ["a sequence under a key, indented", "list:\n  - a\n  - b\n", { list: ["a", "b"] }],
  ["a sequence at the key's own indentation", "list:\n- a\n- b\nnext: 1\n", { list: ["a", "b"], next: 1 }],
  ["mappings in a sequence", "- name: a\n  port: 1\n- name: b\n", [{ name: "a", port: 1 }, { name: "b" }]],
  ["a sequence in a sequence", "- - a\n  - b\n- c\n", [["a", "b"], "c"]],
  ["a dash alone, then its block", "-\n  a: 1\n", [{ a: 1 }]],
  ["an empty value is null", "a:\nb: 1\n", { a: null, b: 1 }],
  ["null spellings", "a: null\nb: ~\nc: NULL\n", { a: null, b: null, c: null }],
  ["booleans", "a: true\nb: False\n", { a: true, b: false }],
  ["numbers", "a: 10\nb: -2.5\nc: 1.\nd: .5\ne: +7\n", { a: 10, b: -2.5, c: 1, d: 0.5, e: 7 }],
  ["zero", "a: 0\n", { a: 0 }],
  [
    "strings that look close to numbers",
    "a: 10s\nb: 1.2.3\nc: 127.0.0.1:53\n",
    { a: "10s", b: "1.2.3", c: "127.0.0.1:53" },
  ],
  ["IPv6 and CIDR plain", "a: 2001:db8::/32\nb: ::1\n", { a: "2001:db8::/32", b: "::1" }],
  ["a URL plain", "a: http://example.com/x?y=1#frag\n", { a: "http://example.com/x?y=1#frag" }],
  ["a comment after a value", "a: b # note\n", { a: "b" }],
  ["a hash without a space before it", "a: b#c\n", { a: "b#c" }],
  ["a colon without a space after it", "a: b:c\n", { a: "b:c" }],
  ["double-quoted escapes", 'a: "x\\ty\\n\\"z\\"\\\\ \\u00e9\\x41"\n', { a: 'x\ty\n"z"\\ éA' }],
  ["single-quoted", "a: 'it''s # not a comment'\n", { a: "it's # not a comment" }],
  ["quoted keys", "\"a b\": 1\n'c': 2\n", { "a b": 1, c: 2 }],
  ["quoted numbers stay strings", "a: \"10\"\nb: 'true'\n", { a: "10", b: "true" }],
  ["a quoted glob", 'a: "*.example.com"\n', { a: "*.example.com" }],
  ["flow sequences", 'a: [x, "y z", 3, true]\nb: []\nc: {}\n', { a: ["x", "y z", 3, true], b: [], c: {} }],
  ["a flow sequence with a trailing comma", "a: [x, z, ]\n", { a: ["x", "z"] }],
  ["a flow sequence with a comment after it", "a: [x] # c\n", { a: ["x"] }],
  ["a top-level scalar", "hello\n", "hello"],
  ["a key __proto__ is an own key", "__proto__: 1\n", JSON.parse('{"__proto__": 1}') as YamlValue],
  ["unicode", "a: bücher ✓\n", { a: "bücher ✓" }],
  ["trailing spaces", "a: b   \n", { a: "b" }],
  ["a blank line between entries", "a: 1\n\n   \nb: 2\n", { a: 1, b: 2 }],
];

for (const [name, source, expected] of ACCEPTED) {
  test(`yaml subset accepts ${name}`, () => {
    assert.deepEqual(parseYamlSubset(source).value, expected);
  });
}

test("yaml subset: a key __proto__ does not change the prototype", () => {
  const value = parseYamlSubset("__proto__:\n  polluted: 1\n").value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

/** [name, source, line, a fragment of the reason] */
const REFUSED: ReadonlyArray<readonly [string, string, number, string]> = [
  ["an alias", "a: *x\n", 1, "alias"],
  ["an unquoted glob (YAML reads an alias)", "targets:\n  - *.example.com\n", 2, 'quote it, as in "*.example.com"'],
  ["an anchor", "a: &x 1\n", 1, "anchors"],
  ["a tag", "a: !!str 1\n", 1, "tags"],
  ["a literal block scalar", "a: |\n  text\n", 1, "block scalars"],
  ["a folded block scalar", "a: >\n  text\n", 1, "block scalars"],
  ["a flow mapping", "a: {b: 1}\n", 1, "flow mappings"],
  ["a nested flow sequence", "a: [[1]]\n", 1, "nested flow"],
  ["an unclosed flow sequence", "a: [x,\n  y]\n", 1, "same line"],
  ["a multi-line plain scalar", "a: first\n  second\n", 2, "next line"],
  ["a multi-line quoted scalar", 'a: "first\n  second"\n', 1, "same line"],
  ["a tab in the indentation", "a:\n\tb: 1\n", 2, "tab"],
  ["a duplicate key", "a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first on line 1)"],
  ["a duplicate quoted key", 'a: 1\n"a": 2\n', 2, "duplicate key"],
  ["a complex key", "? a\n: b\n", 1, "complex keys"],
  ["a second document", "a: 1\n---\nb: 2\n", 2, "one document"],
  ["a document end marker", "a: 1\n...\n", 2, "one document"],
  ["content on the --- line", "--- a: 1\n", 1, "'---' line"],
  ["a directive", "%YAML 1.2\n---\na: 1\n", 1, "directives"],
  ["a wrongly indented entry", "a:\n    b: 1\n  c: 2\n", 3, "indentation"],
  ["a deeper line after a scalar", "a: 1\n  b: 2\n", 2, "indentation"],
  ["a first line indented", "  a: 1\n", 1, "column 1"],
  ["a missing space after the colon", "a: 1\nb:2\n", 2, "key: value"],
  ["a sequence entry among keys", "a: 1\n- b\n", 2, "sequence entry"],
  ["a key among sequence entries", "- a\nb: 1\n", 2, "mapping key"],
  ["': ' inside a plain value", "a: b: c\n", 1, "quote it"],
  ["a plain value ending in ':'", "a: b:\n", 1, "quote it"],
  ["yes (a boolean to YAML 1.1)", "a: yes\n", 1, "write true or false"],
  ["off (a boolean to YAML 1.1)", "a: off\n", 1, "write true or false"],
  ["a leading zero", "a: 010\n", 1, "leading zero"],
  ["hexadecimal", "a: 0x1f\n", 1, "decimal"],
  ["octal", "a: 0o17\n", 1, "decimal"],
  ["infinity", "a: .inf\n", 1, "decimal"],
  ["NaN", "a: .nan\n", 1, "decimal"],
  ["an underscore in a number", "a: 1_000\n", 1, "'_'"],
  ["a base-60 number", "a: 1:30\n", 1, "base-60"],
  ["an unsafe integer", "a: 9007199254740993\n", 1, "too large"],
  ["an exponent (a string to YAML 1.1 without a dot and a sign)", "a: 1e3\n", 1, "write it as 1000"],
  ["a signed leading dot (a string to YAML 1.1)", "a: -.5\n", 1, "write it as"],
  [
    "a float out of range",
    "a: 1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000.5\n",
    1,
    "out of range",
  ],
  ["an unknown escape", 'a: "\\q"\n', 1, "unknown escape"],
  ["a short \\u escape", 'a: "\\u12"\n', 1, "hexadecimal digits"],
  ["a surrogate escape", 'a: "\\ud800"\n', 1, "hexadecimal digits"],
  ["text after a quoted value", 'a: "b" c\n', 1, "unexpected 'c'"],
  ["a comment glued to a quoted value", 'a: "b"#c\n', 1, "unexpected"],
  ["a NUL byte", "a: b\u0000\n", 1, "U+0000"],
  ["an escape character", "a: \u001b[31mred\n", 1, "U+001B"],
  ["a value starting with @", "a: @b\n", 1, "quoted"],
  ["a value starting with a backquote", "a: `b`\n", 1, "quoted"],
  ["a stray closing bracket", "a: ]\n", 1, "unexpected ']'"],
  ["an empty key", ": b\n", 1, "without a key"],
  ["y (a boolean to YAML 1.1)", "a: [y]\n", 1, "write true or false"],
];

for (const [name, source, line, fragment] of REFUSED) {
  test(`yaml subset refuses ${name} (line ${line})`, () => {
    assert.throws(
      () => parseYamlSubset(source),
      (error: unknown) => {
        assert.ok(error instanceof YamlSubsetError, String(error));
        assert.equal(error.line, line, error.message);
        assert.ok(error.reason.includes(fragment), `'${error.reason}' should mention '${fragment}'`);
        assert.ok(!error.message.includes("\n"), "one line");
        return true;
      },
    );
  });
}

test("yaml subset: nesting is bounded, so a hostile file cannot exhaust the stack", () => {
  const deep = Array.from({ length: 200 }, (_, i) => `${" ".repeat(i * 2)}k${i}:`).join("\n");
  assert.throws(() => parseYamlSubset(deep), /nested deeper than 32 levels/);
  const dashes = `${"- ".repeat(5000)}x\n`;
  assert.throws(() => parseYamlSubset(dashes), /nested deeper than 32 levels/);
});

test("yaml subset: a large flat file parses in linear time", () => {
  const source = Array.from({ length: 20_000 }, (_, i) => `key${i}: "value ${i}" # comment`).join("\n");
  const value = parseYamlSubset(source).value as Record<string, string>;
  assert.equal(value.key19999, "value 19999");
});

test("yaml subset: lineOf finds the line of a key, of an item, and falls back to the nearest parent", () => {
  const document = parseYamlSubset(
    ["# header", "modules:", "  https:", "    port: 70000", "allow:", "  targets:", "    - a", "    - b"].join("\n"),
  );
  assert.equal(document.lineOf(["modules", "https", "port"]), 4);
  assert.equal(document.lineOf(["modules", "https"]), 3);
  assert.equal(document.lineOf(["allow", "targets", 1]), 8);
  assert.equal(document.lineOf(["modules", "https", "missing"]), 3);
  assert.equal(document.lineOf(["nowhere"]), null);
});

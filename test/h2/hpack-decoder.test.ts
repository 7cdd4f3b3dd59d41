import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type HeaderField, HpackDecoder } from "../../src/h2/hpack-decoder.js";
import { encodeHeaderBlock } from "../../src/h2/hpack-encoder.js";
import { decodeInteger, encodeInteger } from "../../src/h2/hpack-integer.js";
import { decodeHuffman, EOS_SYMBOL, encodeHuffman, HUFFMAN_CODES, huffmanLength } from "../../src/h2/huffman.js";

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");
const LARGE = 1 << 20;

describe("HPACK integers (RFC 7541 §5.1, Appendix C.1)", () => {
  const cases: Array<[string, number, number, string]> = [
    ["C.1.1: 10 on a 5-bit prefix", 10, 5, "0a"],
    ["C.1.2: 1337 on a 5-bit prefix", 1337, 5, "1f9a0a"],
    ["C.1.3: 42 on an 8-bit prefix", 42, 8, "2a"],
    ["the prefix's own maximum", 31, 5, "1f00"],
  ];
  for (const [name, value, prefix, encoded] of cases) {
    it(name, () => {
      assert.equal(encodeInteger(value, prefix).toString("hex"), encoded);
      assert.deepEqual(decodeInteger(hex(encoded), 0, prefix), { ok: true, value, next: encoded.length / 2 });
    });
  }

  it("refuses integers beyond 2^31-1 and endless continuation bytes", () => {
    assert.deepEqual(decodeInteger(hex("1fffffffff0f"), 0, 5), { ok: false, error: "integer_overflow" });
    assert.deepEqual(decodeInteger(Buffer.from([0x1f, ...new Array(100).fill(0x80), 0]), 0, 5), {
      ok: false,
      error: "integer_overflow",
    });
    assert.deepEqual(decodeInteger(hex("1f9a"), 0, 5), { ok: false, error: "truncated" });
  });
});

describe("the Huffman code (RFC 7541 Appendix B)", () => {
  // [symbol, "code as hex", "len in bits"], copied from Appendix B, across every length.
  const rows: Array<[number, number, number]> = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [9, 0xffffea, 24],
    [10, 0x3ffffffc, 30],
    [22, 0x3ffffffe, 30],
    [32, 0x14, 6],
    [47, 0x18, 6],
    [48, 0x0, 5],
    [60, 0x7ffc, 15],
    [92, 0x7fff0, 19],
    [97, 0x3, 5],
    [122, 0x7b, 7],
    [123, 0x7ffe, 15],
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [153, 0x1fffdc, 21],
    [195, 0x7fff1, 19],
    [199, 0x1ffffec, 25],
    [203, 0x7ffffde, 27],
    [220, 0xffffffd, 28],
    [249, 0xffffffe, 28],
    [254, 0x7fffff0, 27],
    [255, 0x3ffffee, 26],
    [EOS_SYMBOL, 0x3fffffff, 30],
  ];
  for (const [symbol, code, bits] of rows) {
    it(`symbol ${symbol} is ${code.toString(16)} on ${bits} bits`, () => {
      assert.deepEqual(HUFFMAN_CODES[symbol], { code, bits });
    });
  }

  it("is a complete prefix code (Kraft sum exactly 1, all codes distinct)", () => {
    assert.equal(
      HUFFMAN_CODES.reduce((sum, { bits }) => sum + 2 ** -bits, 0),
      1,
    );
    assert.equal(new Set(HUFFMAN_CODES.map(({ code, bits }) => `${bits}:${code}`)).size, 257);
  });

  it("round-trips any bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const encoded = encodeHuffman(bytes);
        assert.equal(encoded.length, huffmanLength(bytes));
        assert.deepEqual(decodeHuffman(encoded, bytes.length), { ok: true, bytes: Buffer.from(bytes) });
      }),
      { numRuns: 300 },
    );
  });

  const errors: Array<[string, string, string]> = [
    ["EOS inside the string (§5.2)", "ffffffff", "eos_in_string"],
    ["padding longer than 7 bits (§5.2)", "07ff", "padding_too_long"],
    ["padding that is not EOS's prefix (§5.2)", "18", "padding_not_eos"],
  ];
  for (const [name, input, error] of errors) {
    it(`refuses ${name}`, () => {
      assert.deepEqual(decodeHuffman(hex(input), 100), { ok: false, error });
    });
  }

  it("stops at the output cap", () => {
    assert.deepEqual(decodeHuffman(encodeHuffman(Buffer.from("aaaa")), 3), { ok: false, error: "too_long" });
  });
});

/** RFC 7541 Appendix C.3–C.6: consecutive header blocks on one connection, each with the table after it. */
const SEQUENCES: Array<{
  name: string;
  huffman: boolean;
  tableSize: number;
  blocks: Array<[string, HeaderField[], number, number]>;
}> = [
  {
    name: "C.3 requests without Huffman",
    huffman: false,
    tableSize: 4096,
    blocks: [
      ["828684410f7777772e6578616d706c652e636f6d", request("http", "/"), 1, 57],
      ["828684be58086e6f2d6361636865", [...request("http", "/"), ["cache-control", "no-cache"]], 2, 110],
      [
        "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
        [...request("https", "/index.html"), ["custom-key", "custom-value"]],
        3,
        164,
      ],
    ],
  },
  {
    name: "C.4 requests with Huffman",
    huffman: true,
    tableSize: 4096,
    blocks: [
      ["828684418cf1e3c2e5f23a6ba0ab90f4ff", request("http", "/"), 1, 57],
      ["828684be5886a8eb10649cbf", [...request("http", "/"), ["cache-control", "no-cache"]], 2, 110],
      [
        "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
        [...request("https", "/index.html"), ["custom-key", "custom-value"]],
        3,
        164,
      ],
    ],
  },
  {
    name: "C.5 responses without Huffman, table of 256 (evictions)",
    huffman: false,
    tableSize: 256,
    blocks: [
      [
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        response("302", "21"),
        4,
        222,
      ],
      ["4803333037c1c0bf", response("307", "21"), 4, 222],
      [
        "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
        thirdResponse(),
        3,
        215,
      ],
    ],
  },
  {
    name: "C.6 responses with Huffman, table of 256 (evictions)",
    huffman: true,
    tableSize: 256,
    blocks: [
      [
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        response("302", "21"),
        4,
        222,
      ],
      ["4883640effc1c0bf", response("307", "21"), 4, 222],
      [
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
        thirdResponse(),
        3,
        215,
      ],
    ],
  },
];

function request(scheme: string, path: string): HeaderField[] {
  return [
    [":method", "GET"],
    [":scheme", scheme],
    [":path", path],
    [":authority", "www.example.com"],
  ];
}

function response(status: string, second: string): HeaderField[] {
  return [
    [":status", status],
    ["cache-control", "private"],
    ["date", `Mon, 21 Oct 2013 20:13:${second} GMT`],
    ["location", "https://www.example.com"],
  ];
}

function thirdResponse(): HeaderField[] {
  return [
    ...response("200", "22"),
    ["content-encoding", "gzip"],
    ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
  ];
}

describe("HpackDecoder against RFC 7541 Appendix C", () => {
  const single: Array<[string, string, HeaderField[], number]> = [
    [
      "C.2.1 literal with indexing",
      "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
      [["custom-key", "custom-header"]],
      55,
    ],
    ["C.2.2 literal without indexing", "040c2f73616d706c652f70617468", [[":path", "/sample/path"]], 0],
    ["C.2.3 literal never indexed", "100870617373776f726406736563726574", [["password", "secret"]], 0],
    ["C.2.4 indexed", "82", [[":method", "GET"]], 0],
  ];
  for (const [name, block, fields, tableSize] of single) {
    it(name, () => {
      const decoder = new HpackDecoder({ maxHeaderListBytes: LARGE });
      const result = decoder.decode(hex(block));
      assert.deepEqual(result.fields, fields);
      assert.equal(result.error, null);
      assert.equal(decoder.dynamicTable.size, tableSize);
    });
  }

  for (const { name, huffman, tableSize, blocks } of SEQUENCES) {
    it(name, () => {
      const decoder = new HpackDecoder({ maxTableSize: tableSize, maxHeaderListBytes: LARGE });
      for (const [block, fields, entries, size] of blocks) {
        const result = decoder.decode(hex(block));
        assert.equal(result.error, null);
        assert.deepEqual(result.fields, fields);
        assert.deepEqual(decoder.dynamicTable, { entries, size, maxSize: tableSize });
        assert.equal(result.huffmanStrings > 0, huffman);
      }
    });
  }
});

describe("HpackDecoder: typed errors, never an exception", () => {
  const cases: Array<[string, string, string, number]> = [
    ["index 0 (§6.1)", "80", "index_zero", 0],
    ["an index beyond both tables (§2.3.3)", "82be", "index_out_of_range", 1],
    ["a literal cut short", "400a637573", "truncated", 0],
    ["an integer too large", "ffffffffff0f", "integer_overflow", 0],
    [
      "a table size update above the setting (§6.3)",
      encodeInteger(4097, 5, 0x20).toString("hex"),
      "table_size_above_limit",
      0,
    ],
    ["a table size update after a field (§4.2)", "8220", "table_size_update_after_field", 1],
    ["a Huffman string with EOS (§5.2)", "0084ffffffff", "huffman_eos_in_string", 0],
  ];
  for (const [name, block, code, offset] of cases) {
    it(name, () => {
      const decoder = new HpackDecoder({ maxHeaderListBytes: LARGE });
      const result = decoder.decode(hex(block));
      assert.deepEqual(result.error, { code, offset });
      // The table can no longer be trusted: the connection is over for HPACK (RFC 9113 §4.3).
      assert.deepEqual(decoder.decode(hex("82")).error, { code: "decoder_failed_earlier", offset: 0 });
    });
  }

  it("a size update to 0 empties the table", () => {
    const decoder = new HpackDecoder({ maxHeaderListBytes: LARGE });
    decoder.decode(hex("828684410f7777772e6578616d706c652e636f6d"));
    assert.equal(decoder.dynamicTable.entries, 1);
    assert.equal(decoder.decode(hex("20")).error, null);
    assert.deepEqual(decoder.dynamicTable, { entries: 0, size: 0, maxSize: 0 });
    assert.equal(decoder.decode(hex("be")).error?.code, "index_out_of_range");
  });

  it("never throws on random blocks (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), (blocks) => {
        const decoder = new HpackDecoder({ maxHeaderListBytes: 4096 });
        for (const block of blocks) decoder.decode(block);
        assert.ok(decoder.dynamicTable.size <= 4096);
      }),
      { numRuns: 500 },
    );
  });
});

describe("HpackDecoder: the header list cap", () => {
  it("keeps fields while Σ(name + value + 32) fits, counts the rest, and still indexes them", () => {
    const decoder = new HpackDecoder({ maxHeaderListBytes: 100 });
    const first = decoder.decode(hex("828684410f7777772e6578616d706c652e636f6d"));
    assert.deepEqual(first.fields, [
      [":method", "GET"],
      [":scheme", "http"],
    ]);
    assert.equal(first.fieldsDropped, 2);
    assert.equal(first.listSize, 42 + 43 + 38 + 57);
    // :authority was dropped from the list but entered the dynamic table: the next block still decodes.
    const second = decoder.decode(hex("be"));
    assert.deepEqual(second.fields, [[":authority", "www.example.com"]]);
  });

  it("bounds a block that repeats one large dynamic entry", () => {
    const decoder = new HpackDecoder({ maxHeaderListBytes: 10_000 });
    const big = encodeHeaderBlock([["x", "y".repeat(3000)]]);
    big[0] = 0x40; // literal with incremental indexing, new name
    const block = Buffer.concat([big, Buffer.alloc(10_000, 0xbe)]);
    const result = decoder.decode(block);
    assert.equal(result.error, null);
    assert.equal(result.fields.length, 3);
    assert.equal(result.fieldsDropped, 10_001 - 3);
  });
});

describe("encodeHeaderBlock (the lab's encoder)", () => {
  it("writes what it is given, and the decoder reads it back exactly", () => {
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)).toString("latin1");
    const fields: HeaderField[] = [
      [":status", "200"],
      ["connection", "keep-alive"],
      ["X-Upper", "1"],
      ["x-all-bytes", allBytes],
      ["x-long", "v".repeat(1000)],
      ["", ""],
    ];
    const result = new HpackDecoder({ maxHeaderListBytes: LARGE }).decode(encodeHeaderBlock(fields));
    assert.deepEqual(result.fields, fields);
    assert.equal(result.huffmanStrings, 0);
  });
});

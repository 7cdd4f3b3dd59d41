import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CDN_IPV4_RANGES,
  CDN_IPV6_RANGES,
  CDN_RANGES_PUBLISHED,
  findCdnRange,
  isCdnAddress,
} from "../../src/cdn/cloudflare-ranges.js";

// [block, one below the first address, first, last, one above the last] (computed with Python's ipaddress).
const EDGES: ReadonlyArray<readonly [string, string, string, string, string]> = [
  ["173.245.48.0/20", "173.245.47.255", "173.245.48.0", "173.245.63.255", "173.245.64.0"],
  ["103.21.244.0/22", "103.21.243.255", "103.21.244.0", "103.21.247.255", "103.21.248.0"],
  ["103.22.200.0/22", "103.22.199.255", "103.22.200.0", "103.22.203.255", "103.22.204.0"],
  ["103.31.4.0/22", "103.31.3.255", "103.31.4.0", "103.31.7.255", "103.31.8.0"],
  ["141.101.64.0/18", "141.101.63.255", "141.101.64.0", "141.101.127.255", "141.101.128.0"],
  ["108.162.192.0/18", "108.162.191.255", "108.162.192.0", "108.162.255.255", "108.163.0.0"],
  ["190.93.240.0/20", "190.93.239.255", "190.93.240.0", "190.93.255.255", "190.94.0.0"],
  ["188.114.96.0/20", "188.114.95.255", "188.114.96.0", "188.114.111.255", "188.114.112.0"],
  ["197.234.240.0/22", "197.234.239.255", "197.234.240.0", "197.234.243.255", "197.234.244.0"],
  ["198.41.128.0/17", "198.41.127.255", "198.41.128.0", "198.41.255.255", "198.42.0.0"],
  ["162.158.0.0/15", "162.157.255.255", "162.158.0.0", "162.159.255.255", "162.160.0.0"],
  ["104.16.0.0/13", "104.15.255.255", "104.16.0.0", "104.23.255.255", "104.24.0.0"],
  ["104.24.0.0/14", "104.23.255.255", "104.24.0.0", "104.27.255.255", "104.28.0.0"],
  ["172.64.0.0/13", "172.63.255.255", "172.64.0.0", "172.71.255.255", "172.72.0.0"],
  ["131.0.72.0/22", "131.0.71.255", "131.0.72.0", "131.0.75.255", "131.0.76.0"],
  [
    "2400:cb00::/32",
    "2400:caff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2400:cb00::",
    "2400:cb00:ffff:ffff:ffff:ffff:ffff:ffff",
    "2400:cb01::",
  ],
  [
    "2606:4700::/32",
    "2606:46ff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2606:4700::",
    "2606:4700:ffff:ffff:ffff:ffff:ffff:ffff",
    "2606:4701::",
  ],
  [
    "2803:f800::/32",
    "2803:f7ff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2803:f800::",
    "2803:f800:ffff:ffff:ffff:ffff:ffff:ffff",
    "2803:f801::",
  ],
  [
    "2405:b500::/32",
    "2405:b4ff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2405:b500::",
    "2405:b500:ffff:ffff:ffff:ffff:ffff:ffff",
    "2405:b501::",
  ],
  [
    "2405:8100::/32",
    "2405:80ff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2405:8100::",
    "2405:8100:ffff:ffff:ffff:ffff:ffff:ffff",
    "2405:8101::",
  ],
  [
    "2a06:98c0::/29",
    "2a06:98bf:ffff:ffff:ffff:ffff:ffff:ffff",
    "2a06:98c0::",
    "2a06:98c7:ffff:ffff:ffff:ffff:ffff:ffff",
    "2a06:98c8::",
  ],
  [
    "2c0f:f248::/32",
    "2c0f:f247:ffff:ffff:ffff:ffff:ffff:ffff",
    "2c0f:f248::",
    "2c0f:f248:ffff:ffff:ffff:ffff:ffff:ffff",
    "2c0f:f249::",
  ],
];

describe("the CDN's published ranges", () => {
  test("the table covers every published block (FACTS.md, 2026-06)", () => {
    assert.equal(CDN_RANGES_PUBLISHED, "2026-06");
    assert.deepEqual(
      EDGES.map(([block]) => block),
      [...CDN_IPV4_RANGES, ...CDN_IPV6_RANGES],
    );
  });

  for (const [block, below, first, last, above] of EDGES) {
    test(`${block}: both edges inside, the neighbours outside`, () => {
      assert.equal(findCdnRange(first), block);
      assert.equal(findCdnRange(last), block);
      // A neighbour may belong to the adjacent block (104.16.0.0/13 meets 104.24.0.0/14), never to this one.
      assert.notEqual(findCdnRange(below), block);
      assert.notEqual(findCdnRange(above), block);
    });
  }

  const cases: ReadonlyArray<readonly [string, string | null]> = [
    ["104.16.132.229", "104.16.0.0/13"],
    ["::ffff:104.16.0.1", "104.16.0.0/13"],
    ["::ffff:6810:1", "104.16.0.0/13"],
    ["[2606:4700::6810:84e5]", "2606:4700::/32"],
    ["2606:4700:0000:0000:0000:0000:0000:0001", "2606:4700::/32"],
    ["2606:4700::1%eth0", "2606:4700::/32"],
    ["2A06:98C7::1", "2a06:98c0::/29"],
    ["127.0.0.1", null],
    ["203.0.113.7", null],
    ["10.0.0.1", null],
    ["172.63.255.255", null],
    ["::1", null],
    ["::ffff:127.0.0.1", null],
    ["2001:db8::1", null],
    ["::104.16.0.1", null],
    ["example.com", null],
    ["", null],
    ["104.16.0.0/13", null],
  ];
  for (const [address, expected] of cases) {
    test(`${JSON.stringify(address)} → ${expected ?? "not the CDN's"}`, () => {
      assert.equal(findCdnRange(address), expected);
      assert.equal(isCdnAddress(address), expected !== null);
    });
  }
});

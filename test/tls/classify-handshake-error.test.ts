import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { classifyHandshakeError, type HandshakeFailureKind } from "../../src/tls/classify-handshake-error.js";

const opensslError = (code: string, reason: string): Error =>
  Object.assign(new Error(`SSL routines::${reason}`), { code, reason });

describe("classifyHandshakeError", () => {
  const rows: ReadonlyArray<readonly [string, unknown, HandshakeFailureKind, string | null, string | null]> = [
    [
      "wrong version number: plain text",
      opensslError("ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number"),
      "not_tls",
      "ERR_SSL_WRONG_VERSION_NUMBER",
      null,
    ],
    [
      "packet length too long: plain text",
      opensslError("ERR_SSL_PACKET_LENGTH_TOO_LONG", "packet length too long"),
      "not_tls",
      "ERR_SSL_PACKET_LENGTH_TOO_LONG",
      null,
    ],
    [
      "plain text recognised by the message alone",
      new Error("...:wrong version number:../ssl/record/ssl3_record.c"),
      "not_tls",
      null,
      null,
    ],
    [
      "handshake_failure alert",
      opensslError("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "sslv3 alert handshake failure"),
      "alert",
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
      "handshake_failure",
    ],
    [
      "handshake_failure alert, as OpenSSL 3.5 (Node 22, 24) names it",
      opensslError("ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE", "ssl/tls alert handshake failure"),
      "alert",
      "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE",
      "handshake_failure",
    ],
    [
      "protocol_version alert",
      opensslError("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", "tlsv1 alert protocol version"),
      "alert",
      "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
      "protocol_version",
    ],
    [
      "unrecognized_name alert",
      opensslError("ERR_SSL_TLSV1_UNRECOGNIZED_NAME", "tlsv1 unrecognized name"),
      "alert",
      "ERR_SSL_TLSV1_UNRECOGNIZED_NAME",
      "unrecognized_name",
    ],
    [
      "TLS 1.3 certificate_required alert",
      opensslError("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "tlsv13 alert certificate required"),
      "alert",
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
      "certificate_required",
    ],
    [
      "unsupported protocol",
      opensslError("ERR_SSL_UNSUPPORTED_PROTOCOL", "unsupported protocol"),
      "no_common_protocol",
      "ERR_SSL_UNSUPPORTED_PROTOCOL",
      null,
    ],
    [
      "a real RST (errno from read)",
      Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", errno: -104, syscall: "read" }),
      "reset",
      "ECONNRESET",
      null,
    ],
    [
      "Node's EOF before the handshake ended",
      Object.assign(new Error("Client network socket disconnected before secure TLS connection was established"), {
        code: "ECONNRESET",
      }),
      "closed",
      "ECONNRESET",
      null,
    ],
    [
      "anything else",
      Object.assign(new Error("odd"), { code: "ERR_SSL_SOMETHING_NEW" }),
      "other",
      "ERR_SSL_SOMETHING_NEW",
      null,
    ],
  ];
  for (const [name, error, kind, errorCode, alert] of rows) {
    test(name, () => {
      const failure = classifyHandshakeError(error);
      assert.equal(failure.kind, kind);
      assert.equal(failure.errorCode, errorCode);
      assert.equal(failure.alert, alert);
    });
  }

  test("the OpenSSL reason is kept as evidence", () => {
    assert.equal(
      classifyHandshakeError(opensslError("ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number")).reason,
      "wrong version number",
    );
  });
});

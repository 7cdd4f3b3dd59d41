/**
 * Names what answered when a reply is not HTTP/1.x: the first bytes of the usual suspects on a
 * web port. A TLS record (RFC 8446 §5.1: content type, then version 3.x) means the port speaks
 * TLS and got plain HTTP; HTTP/2 frames (RFC 9113 §4.1: a SETTINGS or GOAWAY frame on stream 0)
 * mean an h2-only server; the rest are banners of services that speak first (SMTP and FTP
 * "220", SSH, POP3, IMAP) or answer a GET in their own way (Redis, memcached, MySQL's handshake).
 */
export type RecognisedProtocol =
  | "tls"
  | "http2"
  | "smtp"
  | "ftp"
  | "ssh"
  | "pop3"
  | "imap"
  | "redis"
  | "memcached"
  | "mysql";

/** The protocol `bytes` (latin1) look like, or null when they look like nothing known. */
export function recogniseProtocol(bytes: string): RecognisedProtocol | null {
  const code = (index: number) => bytes.charCodeAt(index);
  if (bytes.length >= 3 && [0x14, 0x15, 0x16, 0x17].includes(code(0)) && code(1) === 0x03 && code(2) <= 0x04) {
    return "tls";
  }
  if (bytes.length >= 9 && [0x04, 0x07].includes(code(3)) && (code(5) | code(6) | code(7) | code(8)) === 0) {
    // A 24-bit length, then SETTINGS (4) or GOAWAY (7) on stream 0: what an h2 server sends first.
    return "http2";
  }
  if (/^SSH-\d\.\d+-/.test(bytes)) return "ssh";
  if (/^220[ -]/.test(bytes)) return /ftp/i.test(bytes.slice(0, 200)) ? "ftp" : "smtp";
  if (/^\+OK/.test(bytes)) return "pop3";
  if (/^\* (OK|PREAUTH)/.test(bytes)) return "imap";
  if (/^-(ERR|NOAUTH|WRONGPASS|DENIED)\b/.test(bytes)) return "redis";
  if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)\r\n/.test(bytes)) return "memcached";
  // MySQL's initial handshake: a 3-byte length, sequence 0, protocol version 10, a version string.
  if (bytes.length >= 6 && code(3) === 0x00 && code(4) === 0x0a && /^[0-9]/.test(bytes.slice(5))) return "mysql";
  return null;
}

/** How the report names each protocol. */
export const PROTOCOL_NAMES: Readonly<Record<RecognisedProtocol, string>> = {
  tls: "a TLS record (the port speaks TLS)",
  http2: "HTTP/2 frames (the server speaks only HTTP/2)",
  smtp: "an SMTP mail server's banner",
  ftp: "an FTP server's banner",
  ssh: "an SSH server's banner",
  pop3: "a POP3 mail server's greeting",
  imap: "an IMAP mail server's greeting",
  redis: "a Redis server's error reply",
  memcached: "a memcached server's error reply",
  mysql: "a MySQL server's handshake",
};

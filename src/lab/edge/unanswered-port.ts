/**
 * A loopback port whose SYNs go unanswered, so that a connect to it neither completes nor
 * fails: what the edge meets behind a firewall that drops its packets (522), without
 * privileges or leaving loopback.
 *
 * How: Linux drops a SYN when the listener's accept queue is full (`sk_acceptq_is_full` in
 * `tcp_conn_request`; no RST unless net.ipv4.tcp_abort_on_overflow is set), and a queue of
 * backlog 1 holds two connections (full means *more* than the backlog). Node accepts as fast
 * as connections arrive, so the listener lives in a worker thread that blocks in Atomics.wait
 * right after listening and never accepts; two connections fill its queue. Other systems
 * answer a full queue differently: Linux only.
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { Worker } from "node:worker_threads";

export interface UnansweredPort {
  readonly port: number;
  close(): Promise<void>;
}

const LISTENER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:net");
const server = createServer();
// backlog 0 would mean node's default (511): 1 is the smallest queue.
server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Same callback, so the event loop never turns in between: nothing is ever accepted.
  Atomics.wait(workerData, 0, 0);
  server.close();
});
`;

/** The connections that fill a backlog-1 accept queue. */
const FILLERS = 2;

export async function startUnansweredPort(): Promise<UnansweredPort> {
  if (process.platform !== "linux") throw new Error("an unanswered loopback port needs Linux's accept-queue overflow");
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(LISTENER, { eval: true, workerData: wake });
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    Atomics.store(wake, 0, 1);
    Atomics.notify(wake, 0);
    await worker.terminate();
  };
  try {
    const [port] = (await once(worker, "message")) as [number];
    for (let i = 0; i < FILLERS; i++) {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => {});
      fillers.push(socket);
      await once(socket, "connect");
    }
    return { port, close };
  } catch (error) {
    await close();
    throw error;
  }
}

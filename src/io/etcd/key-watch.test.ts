// One watch against a stand-in for etcd's gateway that answers as etcd 3.4 does, line by line.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdConfig, RecordingLog } from '../../testing/etcd-voter-harness.js';
import { monotonicMs } from '../clock.js';
import { EtcdClient } from './etcd-client.js';
import type { WatchMessage } from './gateway.js';
import { KeyWatch } from './key-watch.js';

const CREATED =
  '{"result":{"header":{"cluster_id":"14434102604260354197","member_id":"3816135163567021689","revision":"1","raft_term":"2"},"created":true}}';
/** What etcd 3.4.23's gateway sends on a watch stream when the member shuts down (SIGTERM), with no newline after it. */
const SHUTDOWN = '{"error":{"grpc_code":14,"http_code":503,"message":"transport is closing","http_status":"Service Unavailable"}}';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  server = null;
});

/** A gateway on 127.0.0.1 that answers a watch with `status` and `lines`, then ends the answer. */
async function gateway(status: number, lines: string): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.write(lines);
      setTimeout(() => res.end(), 20);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function watchUntilEnd(url: string): Promise<{ messages: WatchMessage[]; ended: string }> {
  const client = new EtcdClient({ config: etcdConfig([url]), now: monotonicMs, log: new RecordingLog() });
  const messages: WatchMessage[] = [];
  const ended = await new Promise<string>((resolve) => {
    new KeyWatch(client, client.endpoint(), '/hastmon/web/holder', 0, { onMessage: (m) => messages.push(m), onEnd: resolve });
  });
  return { messages, ended };
}

describe('a key watch', () => {
  it('ends with the reason etcd gives when it closes the stream on shutdown, not as a malformed answer', async () => {
    const { messages, ended } = await watchUntilEnd(await gateway(200, `${CREATED}\n${SHUTDOWN}`));
    expect(messages.map((m) => m.created)).toEqual([true]);
    expect(ended).toBe('etcd closed the watch: transport is closing');
  });

  it('reads that line alike when a newline follows it', async () => {
    const { ended } = await watchUntilEnd(await gateway(200, `${CREATED}\n${SHUTDOWN}\n`));
    expect(ended).toBe('etcd closed the watch: transport is closing');
  });

  it('still calls a stream without its result malformed', async () => {
    const { ended } = await watchUntilEnd(await gateway(200, `${CREATED}\n{"header":{}}\n`));
    expect(ended).toBe('malformed: watch.result: expected an object');
  });

  it('calls an answer other than 200 refused', async () => {
    const { ended } = await watchUntilEnd(await gateway(503, '{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}\n'));
    expect(ended).toBe('refused: etcdserver: no leader');
  });
});

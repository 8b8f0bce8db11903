// One watch of one key: POST /v3/watch with a create_request, then a long-lived answer of
// newline-delimited JSON objects. Each line is bounded in size and checked; the first wrong one
// ends the watch (its owner opens another, resuming from the last revision it saw).
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EtcdEndpoint } from '../../config/model.js';
import type { EtcdClient } from './etcd-client.js';
import { readError, readWatchMessage, toBase64, type WatchMessage } from './gateway.js';
import { connectionErrorText, MAX_ANSWER_BYTES } from './http-post.js';

export interface KeyWatchHandlers {
  onMessage(message: WatchMessage): void;
  /** The watch ended (never after close()); `why` says how. */
  onEnd(why: string): void;
}

export class KeyWatch {
  private request: ClientRequest | null = null;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;

  /** Watches `key` from `startRevision` (0: from now) through `endpoint`. */
  constructor(
    private readonly client: EtcdClient,
    readonly endpoint: EtcdEndpoint,
    private readonly key: string,
    private readonly startRevision: number,
    private readonly handlers: KeyWatchHandlers,
  ) {
    void this.open();
  }

  /** Stops the watch; no handler is called after this. */
  close(): void {
    this.ended = true;
    clearTimeout(this.timer);
    this.request?.destroy();
    this.request = null;
  }

  private end(why: string): void {
    if (this.ended) return;
    this.close();
    this.handlers.onEnd(why);
  }

  private async open(): Promise<void> {
    let token: string | null;
    try {
      token = await this.client.authToken(this.endpoint);
    } catch (error) {
      this.end(`cannot authenticate: ${(error as Error).message}`);
      return;
    }
    if (this.ended) return;
    const createRequest: Record<string, string> = { key: toBase64(this.key) };
    if (this.startRevision > 0) createRequest['start_revision'] = String(this.startRevision);
    const payload = Buffer.from(JSON.stringify({ create_request: createRequest }), 'utf8');
    const send = this.endpoint.scheme === 'https' ? httpsRequest : httpRequest;
    const req = send({
      host: this.endpoint.host,
      port: this.endpoint.port,
      method: 'POST',
      path: '/v3/watch',
      agent: this.client.streamAgent,
      headers: {
        'content-type': 'application/json',
        'content-length': payload.length,
        ...(token === null ? {} : { authorization: token }),
      },
    });
    this.request = req;
    // Until etcd confirms the watch, it is one more request bounded by the timeout; then it may idle.
    this.timer = setTimeout(() => this.end(`not created within ${this.client.config.timeout} ms`), this.client.config.timeout);
    req.on('error', (error) => this.end(connectionErrorText(error)));
    req.on('response', (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        for (let newline = pending.indexOf('\n'); newline >= 0 && !this.ended; newline = pending.indexOf('\n')) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line !== '') this.line(line, res.statusCode ?? 0);
        }
        if (pending.length > MAX_ANSWER_BYTES) this.end(`a line longer than ${MAX_ANSWER_BYTES} bytes`);
      });
      res.on('end', () => {
        if (pending.trim() !== '') this.line(pending.trim(), res.statusCode ?? 0);
        this.end('etcd closed the watch');
      });
      res.on('error', (error) => this.end(error.message));
      res.on('aborted', () => this.end('watch cut short'));
    });
    req.end(payload);
  }

  private line(text: string, status: number): void {
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      this.end('a line that is not JSON');
      return;
    }
    const error = readError(json);
    if (status !== 200) {
      if (status === 401 || /auth token/.test(error?.message ?? '')) this.client.forgetToken();
      this.end(`refused: ${error?.message ?? `status ${status}`}`);
      return;
    }
    if (typeof json === 'object' && json !== null && 'error' in json && !('result' in json)) {
      // The stream itself failed after it began: the gateway's last line, as etcd 3.4 sends when
      // it shuts down, `{"error":{"grpc_code":14,"http_code":503,"message":"transport is closing",…}}`.
      if (/auth token/.test(error?.message ?? '')) this.client.forgetToken();
      this.end(`etcd closed the watch: ${error?.message ?? 'no reason given'}`);
      return;
    }
    let message: WatchMessage;
    try {
      message = readWatchMessage(json);
    } catch (wrong) {
      this.end(`malformed: ${(wrong as Error).message}`);
      return;
    }
    if (message.canceled && message.compactRevision === 0) {
      // Refused (a token etcd no longer knows, no permission on the key): the stream stays open
      // but will never carry an event, so it ends here and its owner opens another.
      if (/^Unauthenticated:|invalid auth token/.test(message.cancelReason)) this.client.forgetToken();
      this.end(`canceled by etcd: ${message.cancelReason === '' ? 'no reason given' : message.cancelReason}`);
      return;
    }
    if (message.created) clearTimeout(this.timer);
    this.handlers.onMessage(message);
  }
}

// The Chrome DevTools Protocol over `--remote-debugging-pipe`: the browser reads commands from its
// fd 3 and writes answers and events to its fd 4, each message one JSON object ended by a NUL byte.
// Every command has a timeout; when the pipe closes or breaks, every command still waiting fails,
// and so does every later one.
import type { Readable, Writable } from 'node:stream';

/** An event the browser sent unasked, e.g. `Target.detachedFromTarget`. */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

interface Pending {
  method: string;
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A message larger than this is not one the helper asked for: page text is read in small pieces. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class CdpPipe {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private failure: Error | undefined;
  private readonly listeners = new Set<(event: CdpEvent) => void>();

  /**
   * @param toBrowser the browser's fd 3
   * @param fromBrowser the browser's fd 4
   */
  constructor(
    private readonly toBrowser: Writable,
    fromBrowser: Readable,
  ) {
    fromBrowser.on('data', (chunk: Buffer) => this.receive(chunk));
    fromBrowser.on('error', (error: Error) => this.fail(new Error(`reading from chromium: ${error.message}`)));
    fromBrowser.on('close', () => this.fail(new Error('chromium closed its DevTools pipe')));
    toBrowser.on('error', (error: Error) => this.fail(new Error(`writing to chromium: ${error.message}`)));
  }

  /** The pipe closed or broke: no command will be answered any more. */
  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Sends `method` and resolves with its result, or rejects with the browser's error or after `timeoutMs`. */
  send(method: string, params: Record<string, unknown>, options: { sessionId?: string; timeoutMs: number }): Promise<Record<string, unknown>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const message: Record<string, unknown> = { id, method, params };
    if (options.sessionId !== undefined) message['sessionId'] = options.sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`chromium did not answer ${method} within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      this.toBrowser.write(`${JSON.stringify(message)}\0`);
    });
  }

  /** Calls `listener` with every event until the returned function is called. */
  onEvent(listener: (event: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fails every waiting command and every later one with `error` (the first reason given wins). */
  fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(new Error(`${pending.method}: ${error.message}`));
    }
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(0, start); end >= 0; end = chunk.indexOf(0, start)) {
      this.received.push(chunk.subarray(start, end));
      const text = Buffer.concat(this.received).toString('utf8');
      this.received = [];
      this.receivedBytes = 0;
      this.dispatch(text);
      start = end + 1;
    }
    if (start < chunk.length) {
      this.received.push(chunk.subarray(start));
      this.receivedBytes += chunk.length - start;
      if (this.receivedBytes > MAX_MESSAGE_BYTES) this.fail(new Error(`chromium sent a message over ${MAX_MESSAGE_BYTES} bytes`));
    }
  }

  private dispatch(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.fail(new Error(`chromium sent a message that is not JSON: ${text.slice(0, 200)}`));
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { id, result, error, method, params, sessionId } = message as Record<string, unknown>;
    if (typeof id === 'number') {
      const pending = this.pending.get(id);
      if (pending === undefined) return; // Answered after its timeout: nobody waits for it any more.
      this.pending.delete(id);
      clearTimeout(pending.timer);
      if (typeof error === 'object' && error !== null) {
        const { code, message: text } = error as { code?: unknown; message?: unknown };
        pending.reject(new Error(`${pending.method}: chromium answered error ${String(code)}: ${String(text)}`));
      } else {
        pending.resolve(typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {});
      }
    } else if (typeof method === 'string') {
      const event: CdpEvent = { method, params: typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {} };
      if (typeof sessionId === 'string') event.sessionId = sessionId;
      for (const listener of this.listeners) listener(event);
    }
  }
}

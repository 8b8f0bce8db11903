// hastmonctl's end of the control socket: one request, one answer, within a time limit.
import { createConnection } from 'node:net';
import {
  MAX_RESPONSE_BYTES,
  encodeLine,
  parseResponse,
  type ControlRequest,
  type ControlResponse,
} from './control-protocol.js';

/**
 * `dropped`: the connection closed or failed before any answer came, which a daemon busy with
 * other clients or stopping does; trying again later may work, unlike after a garbled answer.
 */
export type TransportErrorKind = 'not-running' | 'permission' | 'timeout' | 'dropped' | 'protocol';

export interface TransportError {
  transportError: TransportErrorKind;
  message: string;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why the socket could not be reached, in the words an operator needs. */
export function connectFailure(path: string, error: unknown): TransportError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return { transportError: 'not-running', message: `hastmon is not running (no daemon at ${path})` };
    case 'EACCES':
    case 'EPERM':
      return {
        transportError: 'permission',
        message: `permission denied on the control socket ${path}: run hastmonctl as the user hastmon runs as (root)`,
      };
    case 'ENOTSOCK':
      return { transportError: 'not-running', message: `hastmon is not running (${path} is not a socket)` };
    default:
      return { transportError: 'not-running', message: `cannot reach hastmon at ${path}: ${describe(error)}` };
  }
}

/** A full accept queue (EAGAIN) is tried again this soon, within the request's time limit. */
const FULL_QUEUE_RETRY_MS = 20;

export function sendRequest(path: string, request: ControlRequest, timeoutMs: number): Promise<ControlResponse | TransportError> {
  const deadline = Date.now() + timeoutMs;
  const attempt = async (): Promise<ControlResponse | TransportError | 'full'> => sendOnce(path, request, Math.max(1, deadline - Date.now()));
  return (async () => {
    // A daemon whose accept queue is full (a flood of connections) is busy, not gone: try again.
    // So is one that dropped a status request unanswered to make room (it never acts on a request
    // it did not read; only a read-only one is asked again, so nothing is ever done twice).
    for (;;) {
      const result = await attempt();
      const busy = result === 'full' || (request.command === 'status' && 'transportError' in result && result.transportError === 'dropped');
      if (!busy) return result;
      if (Date.now() + FULL_QUEUE_RETRY_MS >= deadline) {
        if (result !== 'full') return result;
        return { transportError: 'dropped', message: `hastmon at ${path} is busy: its connection queue stayed full for ${timeoutMs / 1000} s; try again` };
      }
      await new Promise((resolve) => setTimeout(resolve, FULL_QUEUE_RETRY_MS));
    }
  })();
}

function sendOnce(path: string, request: ControlRequest, timeoutMs: number): Promise<ControlResponse | TransportError | 'full'> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let settled = false;
    const timer = setTimeout(
      () => finish({ transportError: 'timeout', message: `no answer from hastmon at ${path} within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    function finish(result: ControlResponse | TransportError | 'full'): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    const garbled = (why: string): void => finish({ transportError: 'protocol', message: `garbled answer from hastmon at ${path}: ${why}` });
    const dropped = (why: string): void =>
      finish({ transportError: 'dropped', message: `hastmon at ${path} ${why} without answering (busy or stopping?); try again` });
    const complete = (): void => {
      const response = parseResponse(Buffer.concat(chunks).toString('utf8'));
      if ('error' in response) garbled(response.error);
      else finish(response);
    };

    socket.once('connect', () => {
      connected = true;
      socket.write(encodeLine(request));
    });
    socket.on('data', (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      const part = newline === -1 ? chunk : chunk.subarray(0, newline);
      size += part.length;
      if (size > MAX_RESPONSE_BYTES) {
        garbled(`larger than ${MAX_RESPONSE_BYTES} bytes`);
        return;
      }
      chunks.push(part);
      if (newline !== -1) complete();
    });
    socket.on('end', () => {
      if (size === 0) dropped('closed the connection');
      else complete();
    });
    socket.on('error', (error) => {
      if (!connected && (error as NodeJS.ErrnoException).code === 'EAGAIN') finish('full');
      else if (!connected) finish(connectFailure(path, error));
      else if (size === 0) dropped(`dropped the connection (${describe(error)})`);
      else garbled(`the connection failed: ${describe(error)}`);
    });
  });
}

// One POST of JSON to an etcd gateway over node:http or node:https, bounded in time and size:
// the request is aborted and its socket destroyed when either bound is passed.
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { EtcdEndpoint } from '../../config/model.js';

/** etcd's answers to hastmon are a few hundred bytes; a megabyte is a broken or hostile peer. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface PostOptions {
  endpoint: EtcdEndpoint;
  path: string;
  body: unknown;
  timeoutMs: number;
  agent: HttpAgent | HttpsAgent;
  /** The auth token, sent raw in the Authorization header, or null. */
  token: string | null;
}

export interface PostAnswer {
  status: number;
  /** The answer parsed as JSON: anything, to be checked by the caller. */
  json: unknown;
}

/** Failed to reach or hear the endpoint: the next one may do better. */
export class ConnectionError extends Error {}

/** OpenSSL's alerts from a server that refused our client certificate, or wanted one. */
const CLIENT_CERTIFICATE_REFUSED = /^ERR_SSL_(SSLV3_ALERT_BAD_CERTIFICATE|TLSV13_ALERT_CERTIFICATE_REQUIRED|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN|TLSV1_ALERT_ACCESS_DENIED)$/;
/** Node's codes for a server certificate it does not trust or that names another host. */
const SERVER_CERTIFICATE_UNTRUSTED =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * A socket or TLS error as one short line that says what to check: OpenSSL's own text runs over
 * lines and names its source files.
 */
export function connectionErrorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const alert = /alert ([a-z ]+?)(:|$)/i.exec(error.message)?.[1];
  if (CLIENT_CERTIFICATE_REFUSED.test(code)) {
    return `etcd refused the TLS handshake (${alert ?? code}): it wants a client certificate signed by a CA it trusts, given as 'cert' and 'key'`;
  }
  if (SERVER_CERTIFICATE_UNTRUSTED.test(code)) {
    return `etcd's TLS certificate is not trusted (${error.message.replace(/\s+/g, ' ').trim()}): check 'ca' and the endpoint's host`;
  }
  return error.message.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export function postJson(options: PostOptions): Promise<PostAnswer> {
  const { endpoint } = options;
  const payload = Buffer.from(JSON.stringify(options.body), 'utf8');
  const send = endpoint.scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise<PostAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, answer?: PostAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== null) {
        req.destroy();
        reject(error);
      } else resolve(answer as PostAnswer);
    };
    const req = send({
      host: endpoint.host,
      port: endpoint.port,
      method: 'POST',
      path: options.path,
      agent: options.agent,
      headers: {
        'content-type': 'application/json',
        'content-length': payload.length,
        ...(options.token === null ? {} : { authorization: options.token }),
      },
    });
    const timer = setTimeout(() => finish(new ConnectionError(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (error) => finish(new ConnectionError(connectionErrorText(error))));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) finish(new ConnectionError(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (error) => finish(new ConnectionError(error.message)));
      res.on('aborted', () => finish(new ConnectionError('answer cut short')));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text) as unknown;
        } catch {
          finish(new ConnectionError(`answer with status ${res.statusCode ?? '?'} is not JSON`));
          return;
        }
        finish(null, { status: res.statusCode ?? 0, json });
      });
    });
    req.end(payload);
  });
}

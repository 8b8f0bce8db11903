import { describe, expect, it } from 'vitest';
import { MalformedAnswer, readCreateTxn, readError, readGrant, readHolder, readKeepAlive, readRange, readWatchMessage } from './gateway.js';

const header = { header: { revision: '7' } };

describe("reading etcd's gateway answers", () => {
  it('reads the shapes etcd 3.4 gives, with zero values left out', () => {
    expect(readRange(header)).toEqual({ revision: 7, kv: null });
    expect(readRange({ ...header, kvs: [{ key: 'aw==', value: Buffer.from('{"node":"a","incarnation":3}').toString('base64'), lease: '9223372036854775000', mod_revision: '6' }] })).toEqual({
      revision: 7,
      kv: { value: '{"node":"a","incarnation":3}', lease: '9223372036854775000', modRevision: 6 },
    });
    expect(readCreateTxn({ ...header, succeeded: true, responses: [{ response_put: {} }] })).toEqual({ created: true, revision: 7, kv: null });
    expect(readCreateTxn({ ...header, responses: [{ response_range: { kvs: [{ value: 'eA==', mod_revision: '5' }] } }] })).toMatchObject({ created: false, kv: { value: 'x', lease: '0' } });
    expect(readGrant({ ...header, ID: '4111120338786144519', TTL: '2' })).toEqual({ id: '4111120338786144519', ttlSec: 2 });
    expect(readKeepAlive({ result: { ...header, ID: '1' } })).toEqual({ ttlSec: 0 });
    expect(readWatchMessage({ result: { ...header, events: [{ type: 'DELETE', kv: { mod_revision: '8' } }, { kv: { mod_revision: '9' } }] } }).events.map((e) => e.type)).toEqual(['DELETE', 'PUT']);
    expect(readWatchMessage({ result: { header: {}, canceled: true, compact_revision: '3' } })).toMatchObject({ canceled: true, compactRevision: 3 });
    expect(readWatchMessage({ result: { header: {}, created: true, canceled: true, cancel_reason: 'rpc error: code = PermissionDenied desc = etcdserver: permission denied' } })).toMatchObject({
      created: true,
      canceled: true,
      cancelReason: 'PermissionDenied: etcdserver: permission denied',
    });
  });

  it.each([
    ['a range that is not an object', () => readRange([])],
    ['a revision that is not a number', () => readRange({ header: { revision: 'x' } })],
    ['kvs that are not a list', () => readRange({ ...header, kvs: {} })],
    ['a value that is not base64', () => readRange({ ...header, kvs: [{ value: '%%%' }] })],
    ['a txn without its range', () => readCreateTxn({ ...header, responses: [] })],
    ['succeeded that is not a boolean', () => readCreateTxn({ ...header, succeeded: 'yes' })],
    ['a grant without an ID', () => readGrant({ ...header, TTL: '2' })],
    ['a keepalive without its result', () => readKeepAlive({ ...header })],
    ['an event of an unknown type', () => readWatchMessage({ result: { events: [{ type: 'EXPLODE', kv: {} }] } })],
    ['a cancel reason that is not text', () => readWatchMessage({ result: { canceled: true, cancel_reason: 7 } })],
  ])('refuses %s with a MalformedAnswer', (_what, read) => {
    expect(read).toThrow(MalformedAnswer);
  });

  it("reads etcd's errors, plain and wrapped in a stream", () => {
    expect(readError({ error: 'etcdserver: requested lease not found', message: 'etcdserver: requested lease not found', code: 5 })).toEqual({ code: 5, message: 'etcdserver: requested lease not found' });
    expect(readError({ error: { grpc_code: 16, http_code: 401, message: 'etcdserver: invalid auth token' } })).toEqual({ code: 16, message: 'etcdserver: invalid auth token' });
    expect(readError(header)).toBeNull();
  });

  it('reads a holder value only in its own shape', () => {
    expect(readHolder('{"node":"lolek","incarnation":1795352321569}')).toEqual({ node: 'lolek', incarnation: 1795352321569 });
    for (const bad of ['', 'x', '{"node":""}', '{"node":"a","incarnation":-1}', '{"node":"a","incarnation":"1"}', 'null']) expect(readHolder(bad)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { channelsBeyondLoopback, isLoopback, unansweredPeers } from './exposure.js';
import { defaultConfig } from './freehad.js';
import type { NodeConfig } from './model.js';
import { parseConfig } from './parse.js';
import { resolveForNode } from './resolve.js';

function nodeConfig(text: string, node: string): NodeConfig {
  const parsed = parseConfig(text, 'hastmon.conf');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const resolved = resolveForNode(parsed.config, node);
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  return resolved.config;
}

const RESOURCE = 'resource r {\n  exec /etc/r.sh\n  on a {\n    remote 127.0.0.1:9002\n  }\n  on b {\n    remote 127.0.0.1:9001\n  }\n}\n';

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['192.0.2.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['239.255.42.99', false],
  ])('%s: %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe('channelsBeyondLoopback', () => {
  it('finds none in a cluster kept on loopback, as the tests run it', () => {
    const unicast = nodeConfig(`on a {\n  listen 127.0.0.1:9001\n}\n${RESOURCE}`, 'a');
    expect(channelsBeyondLoopback(unicast, ['127.0.0.1'])).toEqual([]);
    const multicast = nodeConfig(`channel multicast 239.255.1.2:9000 interface 127.0.0.1 ttl 0\nchannel broadcast 127.255.255.255:9003\n${RESOURCE}`, 'a');
    expect(channelsBeyondLoopback(multicast, [])).toEqual([]);
  });

  it('names each channel that reaches beyond this host', () => {
    expect(channelsBeyondLoopback(defaultConfig({ node: 'a', scriptDir: '/s', expectedNodes: 2 }), [])).toEqual([
      'multicast 239.255.42.99:8458 on the interface the system chooses',
    ]);
    const config = nodeConfig(`channel broadcast 192.0.2.255\nchannel unicast\n${RESOURCE}`, 'a');
    expect(channelsBeyondLoopback(config, ['127.0.0.1'])).toEqual(['broadcast 192.0.2.255:8458', 'unicast, listening on 0.0.0.0:8458']);
    const listening = nodeConfig(`on a {\n  listen 127.0.0.1:9001\n}\n${RESOURCE}`, 'a');
    expect(channelsBeyondLoopback(listening, ['192.0.2.7'])).toEqual(['unicast to 192.0.2.7']);
  });
});

describe('unansweredPeers', () => {
  it("warns of HASTMON's one-way remote lists without a key, where a peer would go unheard", () => {
    const seed = 'resource r {\n  exec /etc/r.sh\n  on lolek {\n    remote bolek\n  }\n  on bolek {\n    remote lolek\n  }\n  on reksio {\n    remote lolek bolek\n  }\n}\n';
    expect(unansweredPeers(nodeConfig(seed, 'lolek'))).toEqual({ remotes: 1, others: 2 });
    expect(unansweredPeers(nodeConfig(seed, 'reksio'))).toBeNull();
    expect(unansweredPeers(nodeConfig(`key { secret "k" }\n${seed}`, 'lolek'))).toBeNull();
  });
});

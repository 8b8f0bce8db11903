// The main failover story over multicast on interface 127.0.0.1 with TTL 0 (a group and port of
// its own); with equal priorities the name picks the node.
import { describeFailoverChain } from './failover-chain.js';

describeFailoverChain({
  transport: 'multicast',
  nodes: [{ name: 'lolek' }, { name: 'bolek' }, { name: 'reksio', watchdog: true }],
  preferred: 'bolek',
  other: 'lolek',
  watchdog: 'reksio',
  why: 'equal priorities: bolek before lolek by name',
});

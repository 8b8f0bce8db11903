// The main failover story over unicast heartbeats to 127.0.0.1 ports; priority picks the node.
import { describeFailoverChain } from './failover-chain.js';

describeFailoverChain({
  transport: 'unicast',
  nodes: [
    { name: 'lolek', priority: 0 },
    { name: 'bolek', priority: 1 },
    { name: 'reksio', watchdog: true },
  ],
  preferred: 'lolek',
  other: 'bolek',
  watchdog: 'reksio',
  why: 'priority 0 before 1',
});

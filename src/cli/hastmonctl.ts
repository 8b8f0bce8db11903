// The hastmonctl command. Only its usage exists so far: the control commands come with the
// control socket.
import { EX_USAGE } from './exit-codes.js';

const HASTMONCTL_USAGE = `usage: hastmonctl status [resource ...] [--json]
       hastmonctl role init|primary|secondary|watchdog all|resource ...
       hastmonctl offline [seconds]
       hastmonctl clear
       hastmonctl reload
`;

process.stderr.write(`hastmonctl: the control commands are not available yet\n${HASTMONCTL_USAGE}`);
process.exitCode = EX_USAGE;

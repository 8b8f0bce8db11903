import { describe, expect, it } from 'vitest';
import { clusterOf } from '../sim/given-cluster.test-util.js';
import type { WhatIfFailure, WhatIfResult } from '../sim/what-if.js';
import { describeCluster, MAX_RUNS_LISTED, replayCommand, reportFailures, reportFigures, summaryLine, type ReportSettings } from './what-if-report.js';

const cluster = clusterOf(`
lease 2s
resource web {
  exec /etc/web.sh
  on lolek { priority 0 }
  on bolek { priority 1 }
  on reksio { role_on_start watchdog }
}
resource pair {
  exec /etc/pair.sh
  on lolek { }
  on bolek { }
  on reksio { role_on_start watchdog }
}
`);

const settings: ReportSettings = {
  configPath: '/etc/hastmon.conf',
  trials: 4,
  soakMs: 1_800_000,
  loss: 0.05,
  pauses: { length: 200, every: 600_000 },
  scriptTimes: { start: 500, stop: 300, check: 50 },
  repeat: ['-p', '5%'],
};

const result: WhatIfResult = {
  acts: {
    crash: { trials: 4, samples: [1900, 1700.4, 2100.6, 1800], noTakeover: 0 },
    hup: { trials: 4, samples: [310, 320, 305, 330], noTakeover: 0 },
    term: { trials: 4, samples: [], noTakeover: 4 },
  },
  soak: { runs: 3, ms: 1_800_000, selfFences: 3, outageMs: 4000, resources: 2 },
  failures: [],
  runs: 15,
  simulatedMs: 7_200_000,
};

describe('what hastmon -S prints', () => {
  it('names every node simulated, the timing, each resource with its voters and quorum, and the script times', () => {
    expect(describeCluster(cluster, settings)).toEqual([
      'what-if for /etc/hastmon.conf: every node simulated: lolek, bolek, reksio (watchdog)',
      '  timing: heartbeat_interval 200ms, deadtime 1s, lease 2s (guard 200ms)',
      '  resource web: lolek bolek reksio(watchdog); quorum 2 of 3 voters',
      '  resource pair: lolek bolek reksio(watchdog); quorum 2 of 3 voters',
      '  scripts (simulated, -x): start 500ms, stop 300ms, probe and monitor 50ms',
    ]);
    expect(describeCluster(cluster, { ...settings, seed: 9 }).at(-1)).toBe('  replaying seed 9: one trial of each kind and one soak run');
    const pair = clusterOf('resource r {\n exec /x\n on a { }\n on b { }\n}\n');
    expect(describeCluster(pair, settings)[2]).toMatch(/^ {2}resource r: a b; 2 voters: no quorum possible, FreeHA's two-node rule/);
    // etcd is the third voter: no two-node rule.
    const withEtcd = clusterOf('lease 2s\netcd {\n endpoints http://127.0.0.1:2379\n}\nresource r {\n exec /x\n on a { }\n on b { }\n}\n');
    expect(describeCluster(withEtcd, settings)[2]).toBe('  resource r: a b etcd; quorum 2 of 3 voters');
  });

  it('gives min, median and p99 of each act with what it measures, and the soak per hour', () => {
    expect(reportFigures(result, settings)).toEqual([
      'kill -9 of the holder (its machine and service gone at once), 4 trials on a healthy network:',
      '  failover: min 1700 ms, median 1800 ms, p99 2101 ms (4 samples)',
      "    from the crash to the next holder's start script beginning, each resource it ran",
      'HUP of the holder (kill -HUP: it stops the resource and stays up), 4 trials on a healthy network:',
      '  handover: min 305 ms, median 310 ms, p99 330 ms (4 samples)',
      "    from the HUP to the next holder's start script beginning, each resource it ran; includes the stop script (300ms)",
      'TERM of the holder (it stops the resource and exits), 4 trials on a healthy network:',
      '  handover: no samples',
      "    from the TERM to the next holder's start script beginning, each resource it ran; includes the stop script (300ms)",
      '    and 4 times no other node began to start it before the trial ended',
      'soak: 30 min simulated (3 runs), 5% loss on every link (-p), each node paused 200ms about every 10 min (-g):',
      '  outage: 4.0 s per hour per resource',
      '    time no node runs the resource while every node is up (a quorum exists): only loss and pauses',
      '  self-fences: 6.0 per hour (3 in all)',
      '    a holder stopping the resource for want of endorsements though no node was down',
    ]);
    expect(reportFigures(result, { ...settings, pauses: { length: 0, every: 600_000 } })).toContain(
      'soak: 30 min simulated (3 runs), 5% loss on every link (-p), no pauses:',
    );
  });

  it('lists each failing run once, with its seed and the command line that replays it', () => {
    const failures: WhatIfFailure[] = [
      { experiment: 'soak', seed: 2, kind: 'safety', message: 'web at 10.0 ms: bolek began starting while lolek holds it' },
      { experiment: 'soak', seed: 2, kind: 'safety', message: 'web at 20.0 ms: again' },
      { experiment: 'crash', seed: 5, kind: 'liveness', message: 'web not settled' },
    ];
    expect(reportFailures(failures, settings)).toEqual([
      'seed 2: soak run: SAFETY VIOLATION: web at 10.0 ms: bolek began starting while lolek holds it (and 1 more in this run)',
      '  replay: hastmon -S -c /etc/hastmon.conf -p 5% -r 2',
      'seed 5: kill -9 trial: liveness failure: web not settled',
      '  replay: hastmon -S -c /etc/hastmon.conf -p 5% -r 5',
      'safety: 2 violations (two holders at once); liveness: 1 failure',
    ]);
    expect(reportFailures([], settings)).toEqual(['safety: 0 violations (two holders at once); liveness: 0 failures']);
    const many = Array.from({ length: MAX_RUNS_LISTED + 3 }, (_, i): WhatIfFailure => ({ experiment: 'hup', seed: i + 1, kind: 'liveness', message: 'x' }));
    expect(reportFailures(many, settings).at(-2)).toBe('… and 3 more failing runs');
  });

  it('quotes what the shell would split in a replay', () => {
    expect(replayCommand({ ...settings, configPath: "/tmp/my cluster's.conf", repeat: [] }, 3)).toBe(`hastmon -S -c '/tmp/my cluster'\\''s.conf' -r 3`);
  });

  it('ends with how much it simulated', () => {
    expect(summaryLine(result, 2.345)).toBe('simulated 12 trials and 30 min of soak (2 h in all) in 2.3 s');
  });
});

import { describe, expect, it } from 'vitest';
import { emptyFingerprint, sameFingerprint, type ReportFingerprint } from './report-fingerprint.js';

const running: ReportFingerprint = { state: 'RUNNING', role: 'primary', eligible: false, yielding: false, forced: false, dirty: false, offline: false, vote: 'lolek' };

describe('report fingerprints', () => {
  it('are the same when every field is', () => {
    expect(sameFingerprint(running, { ...running })).toBe(true);
    expect(sameFingerprint(emptyFingerprint(), emptyFingerprint())).toBe(true);
  });

  it('differ when any one field does', () => {
    const changes: Partial<ReportFingerprint>[] = [
      { state: 'STOPPING' },
      { role: 'secondary' },
      { eligible: true },
      { yielding: true },
      { forced: true },
      { dirty: true },
      { offline: true },
      { vote: 'bolek' },
    ];
    for (const change of changes) expect(sameFingerprint(running, { ...running, ...change }), JSON.stringify(change)).toBe(false);
  });
});

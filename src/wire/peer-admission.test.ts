import { describe, expect, it } from 'vitest';
import { MAX_DATAGRAM_BYTES } from './format.js';
import { PeerAdmission } from './peer-admission.js';
import { heartbeatBytes } from './size.js';

const OWN = { node: 'lolek', resources: ['service'], keyed: false };

describe('PeerAdmission', () => {
  it('with a configuration, admits the configured nodes and nobody else', () => {
    const admission = new PeerAdmission({ kind: 'configured', nodes: ['lolek', 'bolek', 'reksio'] }, OWN);
    expect(admission.admit('bolek')).toBe(true);
    expect(admission.admit('reksio')).toBe(true);
    expect(admission.admit('lolek')).toBe(false); // ourselves
    expect(admission.admit('Bolek')).toBe(false); // the wire spelling only
    for (let i = 0; i < 1_000; i++) expect(admission.admit(`forged-${i}`)).toBe(false);
    expect(admission.size).toBe(2);
  });

  it('in freehad mode, admits the first nodes heard up to -n with this one, for good', () => {
    const admission = new PeerAdmission({ kind: 'discovered', expectedNodes: 3 }, OWN);
    expect(admission.admit('bolek')).toBe(true);
    expect(admission.admit('reksio')).toBe(true);
    expect(admission.admit('tola')).toBe(false);
    expect(admission.admit('bolek')).toBe(true);
    expect(admission.admit('lolek')).toBe(false);
    expect(admission.size).toBe(2);
  });

  it('in freehad mode, admits no more nodes than this node can echo within the datagram limit', () => {
    const admission = new PeerAdmission({ kind: 'discovered', expectedNodes: 9_999 }, OWN);
    const names: string[] = [];
    for (let i = 0; i < 100; i++) {
      const name = `${i}`.padEnd(255, 'x');
      if (admission.admit(name)) names.push(name);
    }
    expect(names.length).toBe(4);
    const shape = { ...OWN, resources: [{ name: 'service', vote: 'lolek' }] };
    expect(heartbeatBytes({ ...shape, echoes: names })).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    expect(heartbeatBytes({ ...shape, echoes: [...names, 'y'.repeat(255)] })).toBeGreaterThan(MAX_DATAGRAM_BYTES);
    expect(admission.admit('short')).toBe(true); // a shorter name may still fit
  });

  it('takes a reload of the configured nodes and says who is a peer no more', () => {
    const admission = new PeerAdmission({ kind: 'configured', nodes: ['lolek', 'bolek', 'reksio'] }, OWN);
    expect(admission.reconfigure({ kind: 'configured', nodes: ['lolek', 'bolek', 'tola'] })).toEqual(['reksio']);
    expect(admission.admit('reksio')).toBe(false);
    expect(admission.admit('tola')).toBe(true);
  });
});

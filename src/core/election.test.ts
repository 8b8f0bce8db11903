import { describe, expect, it } from 'vitest';
import { chooseEndorsement, comparePreference, mostPreferred, type Contender } from './election.js';

const c = (node: string, priority = 100, extra: Partial<Contender> = {}): Contender => ({
  node,
  priority,
  primary: false,
  yielding: false,
  forced: false,
  ...extra,
});

describe('order of preference', () => {
  it('prefers the lower priority number', () => {
    expect(mostPreferred([c('alpha', 5), c('beta', 1)])?.node).toBe('beta');
  });

  it('breaks ties by host name, alphabetically, ignoring case', () => {
    expect(mostPreferred([c('bolek'), c('Lolek'), c('Alpha')])?.node).toBe('Alpha');
    expect(mostPreferred([c('beta'), c('ALPHA')])?.node).toBe('ALPHA');
  });

  it('is a total order even for names differing only in case', () => {
    expect(comparePreference(c('Node'), c('node'))).toBeLessThan(0);
    expect(comparePreference(c('node'), c('Node'))).toBeGreaterThan(0);
    expect(comparePreference(c('node'), c('node'))).toBe(0);
  });

  it('puts a node that stepped down after every other one', () => {
    expect(mostPreferred([c('alpha', 0, { yielding: true }), c('zulu', 50)])?.node).toBe('zulu');
  });

  it('puts role primary before priority, and a forced holder before all', () => {
    expect(mostPreferred([c('alpha', 0), c('zulu', 50, { primary: true })])?.node).toBe('zulu');
    expect(mostPreferred([c('alpha', 0, { primary: true }), c('zulu', 50, { forced: true })])?.node).toBe('zulu');
  });
});

describe('endorsement', () => {
  it('sticks to the holder it hears even when a preferred candidate is there', () => {
    expect(chooseEndorsement([c('bolek', 1)], [c('lolek', 0)])).toBe('bolek');
  });

  it('endorses the most preferred candidate when nobody holds', () => {
    expect(chooseEndorsement([], [c('bolek', 1), c('lolek', 0)])).toBe('lolek');
  });

  it('endorses nobody when there is nobody', () => {
    expect(chooseEndorsement([], [])).toBe('');
  });
});

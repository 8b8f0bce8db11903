import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { shortHostname } from './node-name.js';

describe('shortHostname', () => {
  it('is the host name up to the first dot', () => {
    const name = shortHostname();
    expect(name).not.toContain('.');
    expect(name.length).toBeGreaterThan(0);
    expect(hostname().startsWith(name)).toBe(true);
  });
});

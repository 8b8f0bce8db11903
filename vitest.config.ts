import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Process-level tests start real daemons on loopback; give them room but keep the suite short.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});

// Going into the background (hastmon without -F): the command re-runs itself as a detached child
// with no terminal, waits until that child says it is up (pid file taken, sockets bound) or has
// failed, and exits with the child's verdict, so `hastmon && echo started` means what it says.

import { spawn } from 'node:child_process';

/** Set in the child's environment: it is the detached daemon and must not detach again. */
export const DETACHED_ENV = 'HASTMON_DETACHED';

/** How long the parent waits for the child to report before giving up on it. */
const READY_TIMEOUT_MS = 30_000;

export function isDetachedChild(): boolean {
  return process.env[DETACHED_ENV] === '1' && typeof process.send === 'function';
}

/** In the child: tell the waiting parent that start-up is over (0) or failed (an exit code). */
export function reportStartup(code: number): void {
  if (!isDetachedChild()) return;
  process.send?.({ hastmonStartup: code });
  process.disconnect?.();
}

/** In the parent: start the detached daemon and resolve with its start-up verdict. */
export function detach(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, [DETACHED_ENV]: '1' },
    });
    const timer = setTimeout(() => {
      process.stderr.write(`hastmon: the daemon (pid ${child.pid}) did not report within ${READY_TIMEOUT_MS / 1000} s\n`);
      settle(70);
    }, READY_TIMEOUT_MS);
    const settle = (code: number): void => {
      clearTimeout(timer);
      child.removeAllListeners();
      child.disconnect?.();
      child.unref();
      resolve(code);
    };
    child.on('message', (message: unknown) => {
      const code = (message as { hastmonStartup?: unknown }).hastmonStartup;
      if (typeof code === 'number') settle(code);
    });
    child.on('exit', (code) => settle(code ?? 70));
    child.on('error', (error) => {
      process.stderr.write(`hastmon: cannot start the daemon: ${error.message}\n`);
      settle(71);
    });
  });
}

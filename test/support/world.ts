/**
 * Test support for vitest files on the whole local system: one system per file, started
 * before its tests and closed after them. (Apart from local-system.ts, which the benches
 * load outside vitest.)
 */
import { afterAll, beforeAll } from 'vitest';
import type { LocalRuntimeOptions } from '../../lib/local/runtime';
import { startTestSystem, type TestSystem } from './local-system';

/**
 * Starts this file's local system before its tests and hands it to `ready` (which keeps it and
 * sets up what every test shares); closes it after the file's own afterAll hooks have run.
 */
export function useTestSystem(options: LocalRuntimeOptions, ready: (system: TestSystem) => void | Promise<void>): void {
  let started: TestSystem | undefined;
  beforeAll(async () => {
    started = await startTestSystem(options);
    await ready(started);
  });
  afterAll(async () => {
    await started?.close();
  });
}

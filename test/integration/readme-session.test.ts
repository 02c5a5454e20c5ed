/**
 * The README's "Your first session, by hand", run as written against the whole local system:
 * its curl commands (parsed from the README, sent with fetch) and its simulated charger
 * (`bin/charger.ts`, started as the README starts it). A newcomer who follows the README gets
 * a session committed at docs/pricing.md's $7.64, and sees it where the README says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/local/wait-for';
import { ROOT, bashBlockAfter, parseCurl, type CurlCall } from '../docs/readme-commands';
import { FAST_WAITS } from '../support/paid-session';
import { INSTALLER_TOKEN, OPS_TOKEN, startTestSystem, type TestSystem } from '../support/local-system';

let system: TestSystem;
let charger: ChildProcess | undefined;
let chargerOutput = '';

beforeAll(async () => {
  system = await startTestSystem({ timeScale: FAST_WAITS });
});

afterAll(async () => {
  charger?.kill();
  await system?.close();
});

/** `$H`, `$J` as the README sets them (with the test system's token). */
const HEADERS: Record<string, [string, string]> = {
  $H: ['authorization', `Bearer ${INSTALLER_TOKEN}`],
  $O: ['authorization', `Bearer ${OPS_TOKEN}`],
  $J: ['content-type', 'application/json'],
};

async function send(call: CurlCall): Promise<{ status: number; body: any }> {
  const body = call.body && ('json' in call.body ? call.body.json : readFileSync(join(ROOT, call.body.file), 'utf8'));
  const response = await fetch(`${system.runtime.httpUrl}${call.path}`, {
    method: call.method,
    headers: Object.fromEntries(call.headers.map((h) => HEADERS[h] ?? (h.split(/:\s*/, 2) as [string, string]))),
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** `npx tsx bin/charger.ts <station> <password> &`, pointed at the test system. */
async function startCharger(command: string): Promise<void> {
  const [, , script, ...args] = command.replace(/\s*&$/, '').split(/\s+/);
  expect(script).toBe('bin/charger.ts');
  charger = spawn(process.execPath, ['--import', 'tsx', script!, ...args], {
    cwd: ROOT,
    env: { ...process.env, OCPP_URL: system.runtime.ocppUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  charger.stdout!.on('data', (chunk: Buffer) => (chargerOutput += chunk.toString()));
  charger.stderr!.on('data', (chunk: Buffer) => (chargerOutput += chunk.toString()));
  await waitFor(() => chargerOutput.includes('connected to') || undefined, 30_000, `the charger to connect (${chargerOutput})`);
}

describe("the README's first session", () => {
  it('provisions a site, a station and a reader, and the two taps charge $7.64, committed at Payter', async () => {
    const payter = system.runtime.payter!;
    const commands = bashBlockAfter('## Your first session, by hand');
    let serial: string | undefined;
    for (const command of commands) {
      if (/^[A-Z]=/.test(command)) continue; // B, H, J: the test system's are used
      if (command.startsWith('npx tsx bin/charger.ts')) {
        await startCharger(command);
        continue;
      }
      const call = parseCurl(command);
      if (call.path.endsWith('/tap')) {
        // The README's reader waits for the card (a person takes a second between the commands).
        serial = /readers\/([^/]+)\/tap/.exec(call.path)![1]!;
        const current = serial;
        await waitFor(() => payter.reader(current).state === 'READING' && !['authorizing', 'plugIn', 'stopping'].includes(payter.currentScreen(current)?.id ?? '') || undefined, 20_000, 'a reader waiting for a card');
        // The stopping tap, once the charger says its car paused and it may be stopped (as a
        // person reads it): a stop before that would bill the pause as still going on.
        if (payter.currentScreen(current)?.id === 'charging') {
          await waitFor(() => chargerOutput.includes('tap the same card again to stop') || undefined, 20_000, `the charger's pause (${chargerOutput})`);
        }
      }
      const answer = await send(call);
      expect(answer.status, `${command}: ${JSON.stringify(answer.body)}`).toBe(200);
      if (call.path.endsWith('/tap')) expect(answer.body).toEqual({ callbackStatus: 200 });
    }
    expect(serial).toBeDefined();

    const [hold] = await waitFor(() => {
      const sessions = payter.sessions(serial!);
      return sessions[0]?.state !== 'AUTHORIZED' ? sessions : undefined;
    }, 20_000, 'the hold to end');
    expect(hold).toMatchObject({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764, currency: 'USD' });

    const list = parseCurl(commands.find((c) => c.includes('/ops/sessions'))!);
    const listed = await waitFor(async () => {
      const answer = await send(list);
      return answer.body.sessions[0]?.status === 'completed' ? answer : undefined;
    }, 20_000, 'the session to complete');
    expect(listed.body.sessions).toEqual([expect.objectContaining({ status: 'completed', captured: 764, tax: 62 })]);
    const receipt = await fetch(`${system.runtime.httpUrl}/receipts/${listed.body.sessions[0].sessionId}`);
    expect(await receipt.text()).toContain('$7.64');
    // The charger's own process says so too, once its output reaches us (the session may settle first).
    await waitFor(() => chargerOutput.includes('StopTransaction sent') || undefined, 10_000, `the charger's stop (${chargerOutput})`);
  });
});

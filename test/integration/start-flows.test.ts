/**
 * The start flows a site chooses per reader (issue 13), whole sessions on the local system:
 * a real OCPP charger with two connectors, the Payter simulator and the session workflow.
 * Whichever flow, the session charges the connector the driver chose, and pays docs/pricing.md's
 * worked example exactly.
 */
import { describe, expect, it } from 'vitest';
import { ocppTimestamp, SimulatedCharger, workedExample } from '../../lib/local/simulated-charger';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { waitFor, type TestSystem } from '../support/local-system';
import { FAST_WORKFLOW } from '../support/paid-session';
import { useTestSystem } from '../support/world';

const PASSWORD = 'start-flows-station-secret';
let system: TestSystem;
let payter: PayterSimulator;
let stations = 0;

useTestSystem({ timeScale: FAST_WORKFLOW, payterTimeoutMs: 1_000 }, (started) => {
  system = started;
  payter = system.payter;
});

/** A two-connector station online (both connectors free), and its reader commissioned with `body`. */
async function twoConnectorStation(script: ReturnType<typeof workedExample>['script'], body: (stationId: string) => Record<string, unknown>) {
  stations += 1;
  const stationId = `CP-F${stations}`;
  const serial = `READER-F${stations}`;
  await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1, 2]);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script).connect();
  await charger.status(2, 'Available');
  payter.addReader(serial, { currency: 'USD' });
  const commissioned = await system.api('PUT', `/installer/readers/${serial}`, body(stationId));
  expect(commissioned.status).toBe(200);
  return { stationId, serial, charger };
}

/** The worked example's hour on `connectorId`: 15 minutes of SuspendedEV, then the stop tap by `cardId`. */
async function chargeTheHourAndStop(t0: number, charger: SimulatedCharger, serial: string, connectorId: number, cardId: string) {
  await charger.waitForTransaction();
  await charger.status(connectorId, 'SuspendedEV', ocppTimestamp(t0 + 1_800_000));
  await charger.status(connectorId, 'Charging', ocppTimestamp(t0 + 2_700_000));
  await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'charging');
  await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
  expect(await payter.tap(serial, { cardId })).toBe(200);
}

/** What the driver and we both see at the end: Payter committed 764 of the 5000 hold, our record says the same. */
async function expectPaidWorkedExample(sessionId: string, serial: string, cardId: string) {
  expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
  expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764, cardId })]);
  expect(await system.sessionRecord(sessionId)).toMatchObject({
    status: 'completed',
    paymentState: 'committed',
    committedAmount: 764,
    split: { captured: { minor: 764 }, taxCollected: { minor: 62 }, platformFee: { minor: 120 }, hostRevenue: { minor: 582 } },
  });
}

describe('plug in to start', () => {
  it('waits for a car, then charges exactly the connector it was plugged into (connector 2 of 2), not the one plugged in after', async () => {
    const t0 = Date.now() - 3_600_000;
    const example = workedExample(t0);
    const { stationId, serial, charger } = await twoConnectorStation(example.script, (stationId) => ({
      stationId,
      connectorIds: [1, 2],
      startFlow: 'plugInToStart',
    }));
    try {
      // Idle: no card is taken before a car is plugged in.
      await waitFor(() => payter.currentScreen(serial)?.id === 'plugInFirst' || undefined, 5_000, 'the plug-in-first screen');
      expect(payter.reader(serial).state).not.toBe('READING');
      await expect(payter.tap(serial, { cardId: 'card-early' })).resolves.toBeUndefined();

      await charger.status(2, 'Preparing');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for connector 2');
      expect(payter.reader(serial).reading?.uiMessage).toMatch(/^2: /);
      // A second car plugged in meanwhile does not take over the first driver's reading.
      await charger.status(1, 'Preparing');
      expect(await system.api('GET', `/installer/readers/${serial}`)).toMatchObject({ body: { reading: { connector: { stationId, connectorId: 2 } } } });

      expect(await payter.tap(serial, { cardId: 'card-bo' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      await chargeTheHourAndStop(t0, charger, serial, 2, 'card-bo');
      await expectPaidWorkedExample(sessionId, serial, 'card-bo');
      expect(charger.remoteStarts).toEqual([expect.objectContaining({ connectorId: 2 })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ stationId, connectorId: 2 });
    } finally {
      await charger.close();
    }
  });

  it('is never stuck: a car plugged in while another charges is read for, also once that session ends', async () => {
    const t0 = Date.now() - 3_600_000;
    const { stationId, serial, charger } = await twoConnectorStation(workedExample(t0).script, (stationId) => ({
      stationId,
      connectorIds: [1, 2],
      startFlow: 'plugInToStart',
    }));
    try {
      await waitFor(() => payter.currentScreen(serial)?.id === 'plugInFirst' || undefined, 5_000, 'the plug-in-first screen');
      await charger.status(1, 'Preparing');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for connector 1');
      expect(await payter.tap(serial, { cardId: 'card-fay' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      await charger.waitForTransaction();
      await charger.status(1, 'SuspendedEV', ocppTimestamp(t0 + 1_800_000));
      await charger.status(1, 'Charging', ocppTimestamp(t0 + 2_700_000));
      await waitFor(async () => ((await system.sessionRecord(sessionId)).status === 'charging' && payter.reader(serial).state === 'READING') || undefined, 5_000, 'charging');

      // Gus plugs into connector 2 while Fay charges: the reader reads for his car, and Fay's card still stops hers.
      await charger.status(2, 'Preparing');
      await waitFor(() => /^2: /.test(payter.reader(serial).reading?.uiMessage ?? '') || undefined, 5_000, 'reading for connector 2');
      expect(await payter.tap(serial, { cardId: 'card-fay' })).toBe(200);
      await expectPaidWorkedExample(sessionId, serial, 'card-fay');
      // Fay's session is over (her connector unplugged): the reader goes on reading for Gus's car, not back to idle.
      await waitFor(async () => ((await system.api('GET', `/installer/readers/${serial}`)).body.sessionsByConnector?.[`${stationId}#1`] === undefined) || undefined, 5_000, 'released');
      await waitFor(() => (payter.reader(serial).state === 'READING' && /^2: /.test(payter.reader(serial).reading?.uiMessage ?? '')) || undefined, 5_000, 'reading for connector 2 again');
      expect(payter.currentScreen(serial)?.id).not.toBe('plugInFirst');
    } finally {
      await charger.close();
    }
  });
});

describe('tap to start', () => {
  it('never guesses between two cars plugged in: the tap asks which, and the session charges the one picked', async () => {
    const t0 = Date.now() - 3_600_000;
    const { stationId, serial, charger } = await twoConnectorStation(workedExample(t0).script, (stationId) => ({
      connectors: [
        { stationId, connectorId: 1, label: 'Left' },
        { stationId, connectorId: 2, label: 'Right' },
      ],
    }));
    try {
      await charger.status(1, 'Preparing');
      await charger.status(2, 'Preparing');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'the tap-card reading');
      expect(await payter.tap(serial, { cardId: 'card-eve' })).toBe(200);
      // No session and no hold yet: the card is let go and the driver is asked.
      expect(payter.currentScreen(serial)).toMatchObject({ type: 'selection', properties: { 'items.0.label': 'Left', 'items.1.label': 'Right' } });
      expect(payter.reader(serial).state).not.toBe('CARD');
      expect(payter.sessions(serial)).toEqual([]);
      expect((await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId).toBeUndefined();

      expect(await payter.pressButton(serial, 'selection', '1')).toBe(200);
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for Right');
      expect(payter.reader(serial).reading?.uiMessage).toMatch(/^Right: /);
      expect(await payter.tap(serial, { cardId: 'card-eve' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      await chargeTheHourAndStop(t0, charger, serial, 2, 'card-eve');
      await expectPaidWorkedExample(sessionId, serial, 'card-eve');
      expect(charger.remoteStarts).toEqual([expect.objectContaining({ connectorId: 2 })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ stationId, connectorId: 2 });
    } finally {
      await charger.close();
    }
  });
});

describe('UI start', () => {
  it('lists the free connectors by label with the price; with both plugged in it charges the one the driver picked', async () => {
    const t0 = Date.now() - 3_600_000;
    const example = workedExample(t0);
    const { stationId, serial, charger } = await twoConnectorStation(example.script, (stationId) => ({
      startFlow: 'uiStart',
      connectors: [
        { stationId, connectorId: 1, label: 'Left' },
        { stationId, connectorId: 2, label: 'Right' },
      ],
    }));
    try {
      await waitFor(() => payter.currentScreen(serial)?.id === 'selection' || undefined, 5_000, 'the selection screen');
      const selection = payter.currentScreen(serial)!;
      expect(selection).toMatchObject({ type: 'selection', properties: { 'items.0.label': 'Left', 'items.1.label': 'Right' } });
      expect(selection.properties.title).toContain('$50.00');
      expect(payter.reader(serial).state).not.toBe('READING');

      await charger.status(1, 'Preparing');
      await charger.status(2, 'Preparing');
      await waitFor(() => payter.currentScreen(serial)?.id === 'selection' || undefined, 5_000, 'the selection again');
      expect(await payter.pressButton(serial, 'selection', '1')).toBe(200);
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for Right');
      expect(payter.reader(serial).reading?.uiMessage).toMatch(/^Right: /);

      expect(await payter.tap(serial, { cardId: 'card-cy' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      await chargeTheHourAndStop(t0, charger, serial, 2, 'card-cy');
      await expectPaidWorkedExample(sessionId, serial, 'card-cy');
      expect(charger.remoteStarts).toEqual([expect.objectContaining({ connectorId: 2 })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ stationId, connectorId: 2 });

      // The next driver picks the same connector on the next list: a new press, not a redelivery
      // of the first driver's (which would be answered again and read no card).
      await charger.status(2, 'Available');
      await waitFor(() => payter.currentScreen(serial)?.properties['items.1.label'] === 'Right' || undefined, 5_000, 'Right listed again');
      expect(await payter.pressButton(serial, 'selection', '1')).toBe(200);
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for Right again');
      expect(payter.reader(serial).reading?.uiMessage).toMatch(/^Right: /);
    } finally {
      await charger.close();
    }
  });

  it('lists only free connectors, and a pick of one that is not free reads no card', async () => {
    const { serial, charger } = await twoConnectorStation({}, (stationId) => ({
      startFlow: 'uiStart',
      connectors: [
        { stationId, connectorId: 1, label: 'Left' },
        { stationId, connectorId: 2, label: 'Right' },
      ],
    }));
    try {
      await waitFor(() => payter.currentScreen(serial)?.properties['items.1.label'] === 'Right' || undefined, 5_000, 'both listed');
      await charger.status(2, 'Faulted');
      await waitFor(() => (payter.currentScreen(serial)?.properties['items.1.label'] === undefined ? true : undefined), 5_000, 'Right no longer listed');
      expect(payter.currentScreen(serial)).toMatchObject({ id: 'selection', properties: { 'items.0.label': 'Left' } });
      // A stale screen's pick (or a forged one) of the faulted connector, and one of no connector at all.
      expect(await payter.pressButton(serial, 'selection', '1')).toBe(200);
      expect(await payter.pressButton(serial, 'selection', '7')).toBe(200);
      expect(payter.reader(serial).state).not.toBe('READING');
      expect(payter.currentScreen(serial)?.id).toBe('selection');
    } finally {
      await charger.close();
    }
  });
});

describe('a kiosk reader serving two stations', () => {
  it('plug in to start at the station it is not indexed by: reads for that station and charges it', async () => {
    const t0 = Date.now() - 3_600_000;
    const example = workedExample(t0);
    stations += 1;
    const [first, second] = [`CP-K${stations}A`, `CP-K${stations}B`];
    const serial = `READER-K${stations}`;
    await system.provisionStation(first, PASSWORD, 'site-main-st', [1]);
    await system.provisionStation(second, PASSWORD, 'site-main-st', [1]);
    const chargerA = await new SimulatedCharger(system.runtime.ocppUrl, first, PASSWORD, {}).connect();
    const chargerB = await new SimulatedCharger(system.runtime.ocppUrl, second, PASSWORD, example.script).connect();
    try {
      payter.addReader(serial, { currency: 'USD' });
      const body = {
        startFlow: 'plugInToStart',
        connectors: [
          { stationId: first, connectorId: 1, label: 'Bay A' },
          { stationId: second, connectorId: 1, label: 'Bay B' },
        ],
      };
      expect((await system.api('PUT', `/installer/readers/${serial}`, body)).status).toBe(200);
      await waitFor(() => payter.currentScreen(serial)?.id === 'plugInFirst' || undefined, 5_000, 'the plug-in-first screen');

      await chargerB.status(1, 'Preparing');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for Bay B');
      expect(payter.reader(serial).reading?.uiMessage).toMatch(/^Bay B: /);
      expect(await payter.tap(serial, { cardId: 'card-di' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      await chargeTheHourAndStop(t0, chargerB, serial, 1, 'card-di');
      await expectPaidWorkedExample(sessionId, serial, 'card-di');
      expect(chargerA.remoteStarts).toEqual([]);
      expect(chargerB.remoteStarts).toEqual([expect.objectContaining({ connectorId: 1 })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ stationId: second, connectorId: 1 });
    } finally {
      await chargerA.close();
      await chargerB.close();
    }
  });
});

/** Two stations of one connector each, online, with their worked-example chargers, and a kiosk reader serving both. */
async function kiosk(startFlow: string, t0: number) {
  stations += 1;
  const [first, second] = [`CP-M${stations}A`, `CP-M${stations}B`];
  const serial = `READER-M${stations}`;
  await system.provisionStation(first, PASSWORD, 'site-main-st', [1]);
  await system.provisionStation(second, PASSWORD, 'site-main-st', [1]);
  const chargerA = await new SimulatedCharger(system.runtime.ocppUrl, first, PASSWORD, workedExample(t0).script).connect();
  const chargerB = await new SimulatedCharger(system.runtime.ocppUrl, second, PASSWORD, workedExample(t0).script).connect();
  payter.addReader(serial, { currency: 'USD' });
  const body = {
    startFlow,
    connectors: [
      { stationId: first, connectorId: 1, label: 'Bay A' },
      { stationId: second, connectorId: 1, label: 'Bay B' },
    ],
  };
  expect((await system.api('PUT', `/installer/readers/${serial}`, body)).status).toBe(200);
  return { first, second, serial, chargerA, chargerB };
}

/** The sessions running on the reader, as the installer API shows it. */
const runningOn = async (serial: string): Promise<Record<string, string>> =>
  (await system.api('GET', `/installer/readers/${serial}`)).body.sessionsByConnector ?? {};

/** The worked example's idle quarter on the charger's connector 1, charging again by the end. */
async function idleQuarter(t0: number, charger: SimulatedCharger) {
  await charger.status(1, 'SuspendedEV', ocppTimestamp(t0 + 1_800_000));
  await charger.status(1, 'Charging', ocppTimestamp(t0 + 2_700_000));
}

describe('a kiosk reader running several sessions at once', () => {
  it('charges two stations at once, each stopped by its own card, each paying the worked example', async () => {
    const t0 = Date.now() - 3_600_000;
    const { first, second, serial, chargerA, chargerB } = await kiosk('tapToStart', t0);
    try {
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'the tap-card reading');
      await chargerA.status(1, 'Preparing');
      expect(await payter.tap(serial, { cardId: 'card-ann' })).toBe(200);
      const sessionA = await system.activeSession(serial);
      await chargerA.waitForTransaction();
      await idleQuarter(t0, chargerA);
      // Bay B is free: the reader reads again for the next driver, the hold shown.
      await waitFor(async () => ((await system.sessionRecord(sessionA)).status === 'charging' && payter.reader(serial).state === 'READING') || undefined, 5_000, 'reading while A charges');
      expect(payter.reader(serial).reading).toMatchObject({ hideAmount: false, authorizedAmount: 5000 });

      await chargerB.status(1, 'Preparing');
      // Ben's tap delivered twice at once (Payter delivers at least once): the two race, one session wins.
      payter.setDeliveries(2);
      try {
        expect(await payter.tap(serial, { cardId: 'card-ben' })).toBe(200);
      } finally {
        payter.setDeliveries(1);
      }
      const sessionB = await waitFor(async () => Object.values(await runningOn(serial)).find((id) => id !== sessionA), 5_000, 'the second session');
      await chargerB.waitForTransaction();
      await idleQuarter(t0, chargerB);
      await waitFor(async () => ((await system.sessionRecord(sessionB)).status === 'charging' && payter.reader(serial).state === 'READING') || undefined, 5_000, 'both charging');
      expect(await runningOn(serial)).toEqual({ [`${first}#1`]: sessionA, [`${second}#1`]: sessionB });
      expect(payter.sessions(serial).map((s) => s.state)).toEqual(['AUTHORIZED', 'AUTHORIZED']);

      // Ann's card stops Ann's session only; Ben's goes on charging.
      expect(await payter.tap(serial, { cardId: 'card-ann' })).toBe(200);
      expect((await system.executionEnded(sessionA)).status).toBe('SUCCEEDED');
      expect((await system.sessionRecord(sessionB)).status).toBe('charging');
      expect(chargerB.remoteStops).toEqual([]);
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for Ben');
      expect(await payter.tap(serial, { cardId: 'card-ben' })).toBe(200);
      expect((await system.executionEnded(sessionB)).status).toBe('SUCCEEDED');

      const byCard = Object.fromEntries(payter.sessions(serial).map((s) => [s.cardId, s]));
      for (const [sessionId, cardId, stationId] of [[sessionA, 'card-ann', first], [sessionB, 'card-ben', second]] as const) {
        expect(byCard[cardId]).toMatchObject({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 });
        expect(await system.sessionRecord(sessionId)).toMatchObject({
          stationId,
          cardId,
          status: 'completed',
          paymentState: 'committed',
          committedAmount: 764,
          split: { captured: { minor: 764 }, taxCollected: { minor: 62 }, platformFee: { minor: 120 }, hostRevenue: { minor: 582 } },
        });
      }
      expect(payter.sessions(serial)).toHaveLength(2);
      expect(await runningOn(serial)).toEqual({});
    } finally {
      await chargerA.close();
      await chargerB.close();
    }
  });

  it('two taps racing for one connector: one session gets it; racing for two, each gets its own; a record from before kiosks stays its session\'s', async () => {
    const { DynamoReaderRepository } = await import('../../lambdas/aws/reader-repository');
    const readers = new DynamoReaderRepository();
    const { first, second, serial, chargerA, chargerB } = await kiosk('tapToStart', Date.now());
    try {
      const bayA = { stationId: first, connectorId: 1 };
      const bayB = { stationId: second, connectorId: 1 };
      // A fresh record (no sessions yet): both writers make its map at once and neither loses the other.
      expect(await Promise.all([readers.attachSession(serial, 's-ann', bayA), readers.attachSession(serial, 's-ben', bayB)])).toEqual([true, true]);
      expect(await Promise.all([readers.attachSession(serial, 's-cy', bayA), readers.attachSession(serial, 's-di', bayA)])).toEqual([false, false]);
      await readers.detachSession(serial, 's-ann', bayA);
      const raced = await Promise.all([readers.attachSession(serial, 's-cy', bayA), readers.attachSession(serial, 's-di', bayA)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      const winner = raced[0] ? 's-cy' : 's-di';
      expect(await runningOn(serial)).toEqual({ [`${first}#1`]: winner, [`${second}#1`]: 's-ben' });

      // Stored before kiosks: one session and no map. It holds the whole reader until it ends.
      const { localDynamoDb } = await import('../support/local-system');
      const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
      await localDynamoDb().send(
        new UpdateCommand({ TableName: process.env.READERS_TABLE!, Key: { serialNumber: serial }, UpdateExpression: 'SET activeSessionId = :s REMOVE sessionsByConnector', ExpressionAttributeValues: { ':s': 's-old' } }),
      );
      expect(await readers.attachSession(serial, 's-new', bayB)).toBe(false);
      expect(await system.api('PUT', `/installer/readers/${serial}`, { stationId: first, connectorIds: [1] })).toMatchObject({ status: 409 });
      await readers.detachSession(serial, 's-old', bayA);
      expect(await readers.attachSession(serial, 's-new', bayB)).toBe(true);
      expect(await runningOn(serial)).toEqual({ [`${second}#1`]: 's-new' });
    } finally {
      await chargerA.close();
      await chargerB.close();
    }
  });
});

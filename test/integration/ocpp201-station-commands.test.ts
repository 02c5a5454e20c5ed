/**
 * The operators' station commands on a strict OCPP 2.0.1 charger (an ocpp-rpc peer with the
 * official 2.0.1 schemas), and what such a charger tells of itself outside its transactions:
 * - Reset, ChangeAvailability, UnlockConnector and TriggerMessage go out from 1.6's payload
 *   (or 2.0.1's own) as 2.0.1's; the calls only 2.0.1 has go by their 2.0.1 names; every
 *   payload the charger receives meets the official schema, and its answer comes back;
 * - a call the station's version does not have is a 400 and is never sent;
 * - MeterValues, NotifyEvent and NotifyReport are accepted, the report's display capability kept;
 * - a remote start's TransactionEvent that carries only its remoteStartId starts the transaction.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableName } from '../../lambdas/aws/dynamo';
import { DynamoTransactionRepository } from '../../lambdas/aws/transaction-repository';
import { remoteStartIdOf } from '../../lambdas/csms/model';
import { localDynamoDb, startTestSystem, type TestSystem } from '../support/local-system';

const require = createRequire(import.meta.url);
const { createValidator } = require('ocpp-rpc/lib/validator') as typeof import('ocpp-rpc');
const official = createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json'));

const PASSWORD = 'very-secret-password-201';
const BOOT = { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } };
const STATION = 'CP-201-CMD';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ heartbeatIntervalSeconds: 120 });
  for (const id of [STATION, 'CP-16-CMD']) await system.provisionStation(id, PASSWORD, 'site-main-st', [1, 2]);
});

afterAll(async () => {
  await system?.close();
});

/** A 2.0.1 charger that answers each command with `answers[action]` and keeps what it received. */
async function connected201(answers: Record<string, object>) {
  const charger = system.charger(STATION, PASSWORD, ['ocpp2.0.1']);
  const received: { action: string; params: unknown }[] = [];
  for (const [action, answer] of Object.entries(answers)) {
    charger.handle(action, ({ params }: { params: unknown }) => {
      received.push({ action, params });
      return answer;
    });
  }
  await charger.connect();
  await charger.call('BootNotification', BOOT);
  return { charger, received };
}

const command = (stationId: string, action: string, payload: object) => system.api('POST', `/ops/stations/${stationId}/calls`, { action, payload });
/** The station as the operators' overview shows it. */
const overview = async () => (await system.api('GET', '/ops/stations')).body.stations.find((s: { stationId: string }) => s.stationId === STATION);

describe('station commands on a strict OCPP 2.0.1 charger', () => {
  it('sends every command as the official 2.0.1 payload and answers with the charger\'s reply', async () => {
    const component = { name: 'DisplayMessageCtrlr' };
    const { charger, received } = await connected201({
      Reset: { status: 'Scheduled' },
      ChangeAvailability: { status: 'Accepted' },
      UnlockConnector: { status: 'UnknownConnector' },
      TriggerMessage: { status: 'Accepted' },
      GetVariables: { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: 'true', component, variable: { name: 'Available' } }] },
      SetVariables: { setVariableResult: [{ attributeStatus: 'RebootRequired', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
      GetBaseReport: { status: 'Accepted' },
      GetTransactionStatus: { ongoingIndicator: false, messagesInQueue: false },
      SetDisplayMessage: { status: 'Accepted' },
      ClearDisplayMessage: { status: 'Unknown' },
    });
    try {
      const commands: [string, object, object, unknown][] = [
        // [action, what the operator sends, what the charger receives, what the operator hears]
        ['Reset', { type: 'Soft' }, { type: 'OnIdle' }, { status: 'Scheduled' }],
        ['Reset', { type: 'Immediate' }, { type: 'Immediate' }, { status: 'Scheduled' }],
        ['ChangeAvailability', { connectorId: 2, type: 'Inoperative' }, { operationalStatus: 'Inoperative', evse: { id: 2 } }, { status: 'Accepted' }],
        ['UnlockConnector', { connectorId: 2 }, { evseId: 2, connectorId: 1 }, { status: 'UnknownConnector' }],
        ['TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 }, { requestedMessage: 'StatusNotification', evse: { id: 1 } }, { status: 'Accepted' }],
        [
          'GetVariables',
          { getVariableData: [{ component, variable: { name: 'Available' } }] },
          { getVariableData: [{ component, variable: { name: 'Available' } }] },
          { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: 'true', component, variable: { name: 'Available' } }] },
        ],
        [
          'SetVariables',
          { setVariableData: [{ attributeValue: '60', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
          { setVariableData: [{ attributeValue: '60', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
          { setVariableResult: [{ attributeStatus: 'RebootRequired', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
        ],
        ['GetBaseReport', { requestId: 7, reportBase: 'FullInventory' }, { requestId: 7, reportBase: 'FullInventory' }, { status: 'Accepted' }],
        ['GetTransactionStatus', { transactionId: 'tx-9' }, { transactionId: 'tx-9' }, { ongoingIndicator: false, messagesInQueue: false }],
        [
          'SetDisplayMessage',
          { message: { id: 1, priority: 'InFront', message: { format: 'UTF8', content: 'Card payments at the reader' } } },
          { message: { id: 1, priority: 'InFront', message: { format: 'UTF8', content: 'Card payments at the reader' } } },
          { status: 'Accepted' },
        ],
        ['ClearDisplayMessage', { id: 1 }, { id: 1 }, { status: 'Unknown' }],
      ];
      for (const [action, payload, expected, answer] of commands) {
        const { status, body } = await command(STATION, action, payload);
        expect({ action, status, result: body.result }).toEqual({ action, status: 200, result: answer });
        const last = received.at(-1);
        expect(last).toEqual({ action, params: expected });
        expect(official.validate(`urn:${action}.req`, last?.params)).toBe(true);
      }
      expect(received).toHaveLength(commands.length);
    } finally {
      await charger.close();
    }
  });

  it('refuses a call the station\'s version does not have with a 400 and sends nothing', async () => {
    const { charger, received } = await connected201({ GetConfiguration: {}, Reset: { status: 'Accepted' } });
    const charger16 = system.charger('CP-16-CMD', PASSWORD, ['ocpp1.6']);
    const received16: unknown[] = [];
    charger16.handle('GetVariables', ({ params }: { params: unknown }) => received16.push(params) && {});
    await charger16.connect();
    try {
      await charger16.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const to201 = await command(STATION, 'GetConfiguration', {});
      expect(to201.status).toBe(400);
      expect(to201.body).toMatchObject({ error: 'NotSupportedByStation', details: [{ field: 'action' }] });
      expect(to201.body.message).toContain('ocpp2.0.1');
      const to16 = await command('CP-16-CMD', 'GetVariables', { getVariableData: [{ component: { name: 'X' }, variable: { name: 'Y' } }] });
      expect(to16.status).toBe(400);
      expect(to16.body).toMatchObject({ error: 'NotSupportedByStation' });
      expect(to16.body.message).toContain('ocpp1.6');
      // A payload that is neither 1.6's nor 2.0.1's form: refused in 2.0.1's words.
      const bad = await command(STATION, 'Reset', { type: 'Gentle' });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].message).toContain('PropertyConstraintViolation');
      expect({ received, received16 }).toEqual({ received: [], received16: [] });
    } finally {
      await Promise.all([charger.close(), charger16.close()]);
    }
  });
});

describe('what a strict OCPP 2.0.1 charger tells of itself', () => {
  const report = (value: string) => ({
    requestId: 7,
    generatedAt: '2026-12-01T10:00:00Z',
    seqNo: 0,
    tbc: false,
    reportData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ value: '120' }] },
      { component: { name: 'DisplayMessageCtrlr' }, variable: { name: 'Available' }, variableAttribute: [{ type: 'Actual', value, mutability: 'ReadOnly' }] },
    ],
  });

  it('accepts MeterValues, NotifyEvent and NotifyReport, and keeps whether the station has a display', async () => {
    const { charger } = await connected201({});
    try {
      const meter = { evseId: 1, meterValue: [{ timestamp: '2026-12-01T10:00:00Z', sampledValue: [{ value: 5000, measurand: 'Energy.Active.Import.Register' }] }] };
      expect(await charger.call('MeterValues', meter)).toEqual({});
      const fault = {
        generatedAt: '2026-12-01T10:00:00Z',
        seqNo: 0,
        eventData: [
          {
            eventId: 1,
            timestamp: '2026-12-01T10:00:00Z',
            trigger: 'Alerting',
            actualValue: 'true',
            eventNotificationType: 'HardWiredNotification',
            component: { name: 'Connector', evse: { id: 1, connectorId: 1 } },
            variable: { name: 'Problem' },
          },
        ],
      };
      expect(await charger.call('NotifyEvent', fault)).toEqual({});
      expect(await charger.call('NotifyReport', report('false'))).toEqual({});
      expect(await overview()).toMatchObject({ display: false });
      expect(await charger.call('NotifyReport', report('true'))).toEqual({});
      expect(await overview()).toMatchObject({ display: true });
      // A report part that does not name the display leaves what is known of it.
      expect(await charger.call('NotifyReport', { ...report('true'), seqNo: 1, reportData: report('x').reportData.slice(0, 1) })).toEqual({});
      expect(await overview()).toMatchObject({ display: true });
    } finally {
      await charger.close();
    }
  });

  it('starts the transaction of a remote start whose TransactionEvent carries only its remoteStartId', async () => {
    const transactions = new DynamoTransactionRepository(localDynamoDb(), tableName('transactions'));
    const { charger, received } = await connected201({ RequestStartTransaction: { status: 'Accepted' }, GetTransactionStatus: { ongoingIndicator: true, messagesInQueue: false } });
    try {
      const sent = await command(STATION, 'RemoteStartTransaction', { connectorId: 2, idTag: 'PTREMOTEONLY' });
      expect(sent.body.result).toEqual({ status: 'Accepted' });
      const started = {
        eventType: 'Started',
        seqNo: 0,
        timestamp: '2026-12-01T10:00:00Z',
        triggerReason: 'RemoteStart',
        evse: { id: 2, connectorId: 1 },
        meterValue: [{ timestamp: '2026-12-01T10:00:00Z', sampledValue: [{ value: 2000, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register' }] }],
        transactionInfo: { transactionId: 'remote-only-1', chargingState: 'Charging', remoteStartId: remoteStartIdOf('PTREMOTEONLY') },
      };
      // No idToken came, so no idTokenInfo goes back.
      expect(await charger.call('TransactionEvent', started)).toEqual({});
      const transactionId = await transactions.findChargerTransaction(STATION, 'remote-only-1');
      expect(transactionId).toEqual(expect.any(Number));
      const { body } = await system.api('GET', `/ops/transactions/${transactionId}`);
      expect(body).toMatchObject({ stationId: STATION, connectorId: 2, idTag: 'PTREMOTEONLY', meterStart: 2000, status: 'active', chargerTransactionId: 'remote-only-1' });
      // An operator asks about it by our number; the charger hears its own id.
      const asked = await command(STATION, 'GetTransactionStatus', { transactionId });
      expect({ status: asked.status, result: asked.body.result }).toEqual({ status: 200, result: { ongoingIndicator: true, messagesInQueue: false } });
      expect(received.at(-1)).toEqual({ action: 'GetTransactionStatus', params: { transactionId: 'remote-only-1' } });
      // A remoteStartId the CSMS never sent starts nothing.
      const foreign = { ...started, transactionInfo: { ...started.transactionInfo, transactionId: 'remote-only-2', remoteStartId: 12345 } };
      expect(await charger.call('TransactionEvent', foreign)).toEqual({});
      expect(await transactions.findChargerTransaction(STATION, 'remote-only-2')).toBeUndefined();
    } finally {
      await charger.close();
    }
  });
});

/**
 * OCPP 2.0.1's TransactionEvent onto the domain's transaction events, the ones 1.6's
 * StartTransaction, MeterValues and StopTransaction give, so that the session workflow, pricing
 * and the reader's screens serve both versions:
 * - our transaction starts with the first event that names the charger's transaction and
 *   carries an idToken, or the remoteStartId of our remote start, and an EVSE (Started, or an
 *   Updated once authorized), its meter start that event's energy register; the charger's
 *   transaction id is linked to ours;
 * - the readings of every event are the transaction's meter values, but for the starting
 *   event's Transaction.Begin register, which is the meter start (as 1.6's meterStart is);
 * - Ended stops it, its meter stop the event's register or else the last one seen;
 * - chargingState is the EVSE's connector state (SuspendedEV: idle, docs/pricing.md);
 * - the answers to Updated and Ended carry the session's cost for the charger's own display.
 * A replayed event (the same seqNo again, live or queued offline) changes nothing and tells the
 * session nothing; its id token is answered again.
 */
import type { ChargingStations } from '../../csms/charging-stations';
import { latestEnergyReading } from '../../csms/charging-stations';
import type { ConnectorState, MeterReading, Transaction } from '../../csms/model';
import type { ChargerToCsmsMessages, ChargingState, MeterValue } from './schemas';
import type { z } from 'zod';

type Request = ChargerToCsmsMessages['TransactionEvent']['request'];
type Response = ChargerToCsmsMessages['TransactionEvent']['response'];

const CHARGING_STATES: Record<z.infer<typeof ChargingState>, ConnectorState> = {
  Charging: 'charging',
  EVConnected: 'preparing',
  SuspendedEV: 'suspendedByVehicle',
  SuspendedEVSE: 'suspendedByCharger',
  Idle: 'preparing',
};

/** 2.0.1's numeric samples in the domain's (1.6's) words: the value as text, its multiplier applied. */
export function readingsOf(meterValues: readonly z.infer<typeof MeterValue>[] = []): MeterReading[] {
  return meterValues.map(({ timestamp, sampledValue }) => ({
    timestamp,
    sampledValue: sampledValue.map((sample) => ({
      value: String(sample.value * 10 ** (sample.unitOfMeasure?.multiplier ?? 0)),
      ...(sample.measurand !== undefined && { measurand: sample.measurand }),
      ...(sample.unitOfMeasure?.unit !== undefined && { unit: sample.unitOfMeasure.unit }),
      ...(sample.context !== undefined && { context: sample.context }),
      ...(sample.phase !== undefined && { phase: sample.phase }),
      ...(sample.location !== undefined && { location: sample.location }),
    })),
  }));
}

export async function transactionEvent(stations: ChargingStations, stationId: string, req: Request): Promise<Response> {
  const chargerTransactionId = req.transactionInfo.transactionId;
  if (!(await stations.firstChargerEvent(stationId, chargerTransactionId, req.seqNo))) {
    return req.idToken ? { idTokenInfo: { status: await stations.authorizeIdTag(stationId, req.idToken.idToken) } } : {};
  }
  const readings = readingsOf(req.meterValue);
  const energy = latestEnergyReading(readings)?.wh;
  let transaction = await stations.chargerTransaction(stationId, chargerTransactionId);
  let response: Response = {};
  let metered = readings;
  if (!transaction) {
    // Before authorization (a cable plugged in first) there is nothing to pay for yet, but the
    // EVSE's state counts: EVConnected is a car plugged in, what plug in to start waits for. A
    // remote start's events may carry only its remoteStartId: the id tag it issued.
    const { remoteStartId } = req.transactionInfo;
    const idTag = req.idToken?.idToken ?? (remoteStartId === undefined ? undefined : await stations.remoteStartIdTag(stationId, remoteStartId));
    if (idTag === undefined || !req.evse) {
      if (req.evse) await recordChargingState(stations, stationId, req.evse.id, req);
      return {};
    }
    const start = { connectorId: req.evse.id, idTag, meterStart: energy ?? 0, timestamp: req.timestamp };
    const { transactionId, idTagStatus } = await stations.startChargerTransaction(stationId, chargerTransactionId, start);
    // idTokenInfo answers an idToken the event carried.
    if (req.idToken) response = { idTokenInfo: { status: idTagStatus } };
    transaction = await stations.chargerTransaction(stationId, chargerTransactionId);
    if (!transaction) throw new Error(`transaction ${transactionId} linked but not found`);
    // Told as a meter value, the start register would be the charging screen's first reading
    // and hold back the first energy drawn for the screen's 30 s.
    metered = readings.filter((reading) => !reading.sampledValue.every((sample) => sample.context === 'Transaction.Begin'));
  }
  const { transactionId, connectorId } = transaction;
  await recordChargingState(stations, stationId, connectorId, req);
  if (req.eventType === 'Ended') {
    await stations.stopTransaction(stationId, {
      transactionId,
      meterStop: energy ?? transaction.lastMeterWh ?? transaction.meterStart,
      timestamp: req.timestamp,
      ...(req.transactionInfo.stoppedReason !== undefined && { reason: req.transactionInfo.stoppedReason }),
      ...(readings.length > 0 && { readings }),
    });
  } else if (metered.length > 0) {
    await stations.meterValues(stationId, { connectorId, transactionId, readings: metered });
  }
  if (req.eventType === 'Started') return response;
  // The transaction as read before this event, but for its end: the cost needs no more of it.
  const current = req.eventType === 'Ended' ? { ...transaction, status: 'stopped' as const } : transaction;
  return { ...response, ...(await costOnDisplay(stations, stationId, current)) };
}

/**
 * The session's running cost while charging and its final cost at Ended, for the charger's
 * display: `totalCost` always, the driver's message only to a station that may show it (not one
 * its installer or its NotifyReport's DisplayMessageCtrlr says has no display).
 */
async function costOnDisplay(stations: ChargingStations, stationId: string, transaction: Transaction): Promise<Response> {
  const shown = await stations.costToShow(stationId, transaction);
  if (!shown) return {};
  const { cost, display } = shown;
  return {
    totalCost: Number(cost.amount),
    ...(display && { updatedPersonalMessage: { format: 'UTF8', language: cost.language, content: cost.text } }),
  };
}

/** The EVSE's chargingState as its connector's status (an Ended transaction's says nothing new). */
async function recordChargingState(stations: ChargingStations, stationId: string, connectorId: number, req: Request): Promise<void> {
  const { chargingState } = req.transactionInfo;
  if (chargingState === undefined || req.eventType === 'Ended') return;
  await stations.connectorStatus(stationId, { connectorId, state: CHARGING_STATES[chargingState], status: chargingState, errorCode: 'NoError', timestamp: req.timestamp });
}

/**
 * The steps the race and fault scenarios share: a fresh pair, the driver's taps, and the
 * settlement check (Payter's final state and our ledger agree with docs/pricing.md, nothing left
 * AUTHORIZED, the reader free).
 */
import { expect } from 'vitest';
import { waitFor, type TestSystem } from '../support/local-system';
import { charging, ended, givenPair, newSession, openHolds, readerFree, reportOf, scriptFor, settlementProblems, type ChargerReport, type Pair } from './support';
import type { ChargerScript } from '../../lib/local/simulated-charger';

/** One hour, 12.345 kWh: 703 at PROPERTY_SITE's prices. */
export const ONE_HOUR = () => reportOf(10_000, 12_345, 3600);

export function scenarios(prefix: string, systemOf: () => TestSystem) {
  let pairs = 0;
  const payter = () => systemOf().runtime.payter!;

  /** A fresh pair whose charger will report `report`. */
  const given = (report: ChargerReport, extra: ChargerScript = {}): Promise<Pair> => {
    pairs += 1;
    return givenPair(systemOf(), `${prefix}${pairs}`, scriptFor(report, extra));
  };

  /** The driver taps to start; resolves to the session it started. */
  const tap = async (pair: Pair, cardId: string): Promise<string> => {
    expect(await payter().tap(pair.serial, { cardId })).toBe(200);
    return newSession(pair.stationId, new Set());
  };

  /** The driver taps; resolves once the session charges. */
  const startCharging = async (pair: Pair, cardId: string): Promise<string> => {
    const sessionId = await tap(pair, cardId);
    expect(await charging(systemOf(), sessionId)).toBe(true);
    return sessionId;
  };

  const tapToStop = async (pair: Pair, cardId: string): Promise<number | undefined> => {
    await waitFor(() => payter().reader(pair.serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
    return payter().tap(pair.serial, { cardId });
  };

  /** Payter's final state and our ledger agree with docs/pricing.md (`report` undefined: never started), and the reader is free. */
  const expectSettled = async (pair: Pair, sessionId: string, cardId: string, report: ChargerReport | undefined) => {
    const system = systemOf();
    expect(await ended(system, sessionId)).toBe('SUCCEEDED');
    expect(await settlementProblems(system, { sessionId, serial: pair.serial, cardId, started: report })).toEqual([]);
    expect(await readerFree(system, pair.serial)).toBeUndefined();
    expect(openHolds(payter(), [pair.serial])).toEqual([]);
  };

  return { given, tap, startCharging, tapToStop, expectSettled };
}

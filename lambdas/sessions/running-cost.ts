/**
 * What a charging session has cost so far: the same pricing as the final receipt, up to now.
 * Runs on every meter value, so it reads nothing it can be handed: the prices kept on the
 * session at the tap, the statuses kept on the transaction (the connector's history is read
 * only for a transaction that kept none, or too many).
 */
import { keptStatuses, type KeptStatus, type Transaction } from '../csms/model';
import type { StationRepository, TransactionRepository } from '../csms/ports';
import type { Money } from '../money/money';
import { priceSession, type PricingSite } from '../pricing/price';
import { measureUsageSoFar, type Usage } from '../pricing/usage';
import type { ScreenLook } from '../readers/reader-display';
import type { ChargingSession } from './model';

export interface RunningCost {
  readonly usage: Usage;
  readonly total: Money;
  /** Whether the charger has reported an energy reading yet (without one, the energy so far shows 0). */
  readonly metered: boolean;
}

type CostedTransaction = { readonly meterStart: number; readonly startedAt: string; readonly lastMeterWh?: number } & Pick<Transaction, 'statuses'>;

/** A session's prices and live-screen wording as kept at the tap; undefined for a session from before they were kept. */
export function pricedAtTap(session: Pick<ChargingSession, 'pricing' | 'currency'>): (PricingSite & ScreenLook) | undefined {
  const { pricing, currency } = session;
  if (!pricing || currency === undefined) return undefined;
  const { tariff, tax, language, chargingScreen } = pricing;
  return { currency, tariff, tax, language, ...(chargingScreen !== undefined && { screens: { charging: chargingScreen } }) };
}

/** What prices the session: its prices from the tap, else (older sessions) the site's now. */
export function sessionPrices(session: Pick<ChargingSession, 'pricing' | 'currency'>, site: PricingSite): PricingSite {
  return pricedAtTap(session) ?? site;
}

export async function runningCost(
  stations: StationRepository,
  site: PricingSite,
  session: { readonly stationId: string; readonly connectorId: number },
  transaction: CostedTransaction,
  now: Date,
): Promise<RunningCost> {
  return costSoFar(site, transaction, await statusesSinceStart(stations, session, transaction), now);
}

/** The connector's statuses since the transaction began (when the car charged and when it idled): kept on it, or its history. */
export function statusesSinceStart(
  stations: StationRepository,
  session: { readonly stationId: string; readonly connectorId: number },
  transaction: Pick<CostedTransaction, 'startedAt' | 'statuses'>,
): Promise<readonly KeptStatus[]> {
  const kept = keptStatuses(transaction);
  return kept ? Promise.resolve(kept) : stations.listStatusHistory(session.stationId, session.connectorId, transaction.startedAt);
}

/** `runningCost` from the connector's statuses, found by the caller (alongside what else it reads). */
export function costSoFar(site: PricingSite, transaction: CostedTransaction, statuses: readonly KeptStatus[], now: Date): RunningCost {
  const usage = measureUsageSoFar(
    {
      meterStart: transaction.meterStart,
      startedAt: transaction.startedAt,
      ...(transaction.lastMeterWh !== undefined && { lastMeterWh: transaction.lastMeterWh }),
    },
    statuses.map((h) => ({ state: h.state, timestamp: h.timestamp })),
    now.toISOString(),
  );
  return { usage, total: priceSession(site, usage).total, metered: transaction.lastMeterWh !== undefined };
}

/**
 * What the session's transaction has cost so far, from the meter values it reported (undefined
 * before its StartTransaction): the live screen when charging begins, and the operators' view.
 */
export async function sessionCostSoFar(
  deps: { readonly stations: StationRepository; readonly transactions: Pick<TransactionRepository, 'get'> },
  site: PricingSite,
  session: { readonly stationId: string; readonly connectorId: number; readonly transactionId?: number },
  now: Date,
): Promise<RunningCost | undefined> {
  if (session.transactionId === undefined) return undefined;
  const transaction = await deps.transactions.get(session.transactionId);
  return transaction ? runningCost(deps.stations, site, session, transaction, now) : undefined;
}

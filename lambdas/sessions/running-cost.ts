/**
 * What a charging session has cost so far: the same pricing as the final receipt, up to now.
 * Runs on every meter value, so it reads only the connector's history since the start.
 */
import type { ConnectorStatus } from '../csms/model';
import type { StationRepository, TransactionRepository } from '../csms/ports';
import type { Money } from '../money/money';
import { priceSession, type PricingSite } from '../pricing/price';
import { measureUsageSoFar, type Usage } from '../pricing/usage';

export interface RunningCost {
  readonly usage: Usage;
  readonly total: Money;
  /** Whether the charger has reported an energy reading yet (without one, the energy so far shows 0). */
  readonly metered: boolean;
}

type CostedTransaction = { readonly meterStart: number; readonly startedAt: string; readonly lastMeterWh?: number };

export async function runningCost(
  stations: StationRepository,
  site: PricingSite,
  session: { readonly stationId: string; readonly connectorId: number },
  transaction: CostedTransaction,
  now: Date,
): Promise<RunningCost> {
  return costSoFar(site, transaction, await connectorHistory(stations, session, transaction), now);
}

/** The connector's statuses since the transaction began: when the car charged and when it idled. */
export function connectorHistory(
  stations: StationRepository,
  session: { readonly stationId: string; readonly connectorId: number },
  transaction: Pick<CostedTransaction, 'startedAt'>,
): Promise<readonly ConnectorStatus[]> {
  return stations.listStatusHistory(session.stationId, session.connectorId, transaction.startedAt);
}

/** `runningCost` from the connector's history, read by the caller (alongside what else it reads). */
export function costSoFar(site: PricingSite, transaction: CostedTransaction, history: readonly ConnectorStatus[], now: Date): RunningCost {
  const usage = measureUsageSoFar(
    {
      meterStart: transaction.meterStart,
      startedAt: transaction.startedAt,
      ...(transaction.lastMeterWh !== undefined && { lastMeterWh: transaction.lastMeterWh }),
    },
    history.map((h) => ({ state: h.state, timestamp: h.timestamp })),
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

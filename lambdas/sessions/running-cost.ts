/**
 * What a charging session has cost so far: the same pricing as the final receipt, up to now.
 * Runs on every meter value, so it reads only the connector's history since the start.
 */
import type { StationRepository } from '../csms/ports';
import type { Money } from '../money/money';
import { priceSession, type PricingSite } from '../pricing/price';
import { measureUsageSoFar, type Usage } from '../pricing/usage';

export interface RunningCost {
  readonly usage: Usage;
  readonly total: Money;
}

export async function runningCost(
  stations: StationRepository,
  site: PricingSite,
  session: { readonly stationId: string; readonly connectorId: number },
  transaction: { readonly meterStart: number; readonly startedAt: string; readonly lastMeterWh?: number },
  now: Date,
): Promise<RunningCost> {
  const history = await stations.listStatusHistory(session.stationId, session.connectorId, transaction.startedAt);
  const usage = measureUsageSoFar(
    {
      meterStart: transaction.meterStart,
      startedAt: transaction.startedAt,
      ...(transaction.lastMeterWh !== undefined && { lastMeterWh: transaction.lastMeterWh }),
    },
    history.map((h) => ({ status: h.status, timestamp: h.timestamp })),
    now.toISOString(),
  );
  return { usage, total: priceSession(site, usage).total };
}

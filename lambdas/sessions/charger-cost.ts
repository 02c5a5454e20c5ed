/**
 * What a driver's session has cost, for the charger's own display (OCPP 2.0.1's totalCost):
 * while charging, the running total the reader shows (session-events.ts keeps it on every
 * meter value); once stopped, what the session captures, priced as the workflow prices it.
 */
import type { SessionCost } from '../csms/charging-stations';
import type { SiteRepository, StationRepository } from '../csms/ports';
import type { Transaction } from '../csms/model';
import { formatMoney, Money } from '../money/money';
import { capture, type Capture } from '../pricing/capture';
import { priceSession, type Receipt } from '../pricing/price';
import { measureUsage } from '../pricing/usage';
import type { StoredSite } from '../sites/site-settings';
import type { ChargingSession } from './model';
import { sessionPrices } from './running-cost';
import type { SessionRepository } from './ports';

export interface ChargerCostDeps {
  readonly sessions: Pick<SessionRepository, 'findByIdTag'>;
  readonly sites: Pick<SiteRepository<StoredSite>, 'get'>;
  readonly stations: Pick<StationRepository, 'listStatusHistory'>;
}

type Stopped = ChargingSession & { startedAt: string; stoppedAt: string; meterStart: number; meterStop: number };

/** The stopped session priced (docs/pricing.md) at the prices it was authorized at, and what is captured of its hold. */
export async function pricedSession(
  stations: Pick<StationRepository, 'listStatusHistory'>,
  site: StoredSite,
  session: Stopped,
): Promise<{ receipt: Receipt; payment: Capture }> {
  const history = await stations.listStatusHistory(session.stationId, session.connectorId, session.startedAt);
  const usage = measureUsage(
    { meterStart: session.meterStart, meterStop: session.meterStop, startedAt: session.startedAt, stoppedAt: session.stoppedAt },
    history.map((h) => ({ state: h.state, timestamp: h.timestamp })),
  );
  // The prices kept at the tap, as the live cost used: the commit is what the screen showed.
  const prices = sessionPrices(session, site);
  const receipt = priceSession(prices, usage);
  return { receipt, payment: capture(receipt, Money.of(session.authorizedAmount ?? 0, prices.currency)) };
}

const isStopped = (session: ChargingSession): session is Stopped =>
  session.startedAt !== undefined && session.stoppedAt !== undefined && session.meterStart !== undefined && session.meterStop !== undefined;

/** The cost of the session paying for `transaction`, or undefined when no session of ours does. */
export async function chargerCost(deps: ChargerCostDeps, transaction: Transaction): Promise<SessionCost | undefined> {
  const session = await deps.sessions.findByIdTag(transaction.idTag);
  if (!session || session.stationId !== transaction.stationId || session.transactionId !== transaction.transactionId) return undefined;
  const site = await deps.sites.get(session.siteId);
  if (!site) return undefined;
  let total: Money;
  if (transaction.status === 'stopped') {
    if (!isStopped(session)) return undefined;
    total = (await pricedSession(deps.stations, site, session)).payment.captured;
  } else {
    total = Money.of(session.runningTotal ?? 0, site.currency);
  }
  return { amount: total.toDecimalString(), text: formatMoney(total, site.language), language: site.language };
}

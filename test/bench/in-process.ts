/**
 * The pure layers, called in this process with no I/O: the OCPP 1.6 codec and the pricing of
 * a session. Each workload is checked once before it is timed, so the bench cannot report
 * the speed of a rejection or of a wrong price.
 */
import { ocpp16 } from '../../lambdas/ocpp/adapters';
import type { MeteredUsage } from '../../lambdas/pricing/price';
import { priceSession } from '../../lambdas/pricing/price';
import { capture, splitRevenue } from '../../lambdas/pricing/capture';
import { Money } from '../../lambdas/money/money';
import { aSite } from '../pricing/builders';

/** What `$default` does with a charger's frame before any handler runs: parse and validate. */
export function decodeOf(frame: string): () => unknown {
  const decoded = ocpp16.decode(frame);
  if (decoded.kind !== 'call') throw new Error(`bench frame not accepted by the codec: ${JSON.stringify(decoded)}`);
  return () => ocpp16.decode(frame);
}

/** docs/pricing.md's worked example (exclusive tax): 12.345 kWh, 1 h, 15 min idle. */
const WORKED_USAGE: MeteredUsage = { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 };

/** What the PriceSession step computes: receipt, capture against the hold, revenue split. */
export function workedExamplePricing(): () => unknown {
  const site = aSite();
  const price = () => {
    const receipt = priceSession(site, WORKED_USAGE);
    const payment = capture(receipt, Money.of(site.holdAmount, site.currency));
    return splitRevenue(payment, site.revenueShare);
  };
  const split = price();
  const minors = [split.captured, split.taxCollected, split.platformFee, split.hostRevenue].map((m) => m.minor);
  if (minors.join() !== '764,62,120,582') throw new Error(`worked example priced ${minors.join()}, docs/pricing.md says 764,62,120,582`);
  return price;
}

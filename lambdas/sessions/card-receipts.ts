/**
 * A card's last receipt at a reader: what the reader's Receipt option shows, and a tap of the
 * same card on an idle reader shortly after its session. The card is known by Payter's
 * `cardId` (stable per card, the one tap to stop uses), compared with what the sessions of the
 * reader's stations already hold: nothing new is stored by card, and the card is never logged.
 */
import { Money } from '../money/money';
import { servedConnectors, type Reader } from '../readers/model';
import type { ReceiptScreen } from '../readers/reader-display';
import { DEFAULT_RECEIPT_TAP_MINUTES, type SiteSettings } from '../sites/site-settings';
import type { ChargingSession } from './model';
import type { SessionRepository } from './ports';

/** How far back the Receipt option looks for the card's last session. */
export const RECEIPT_OPTION_HOURS = 24;
/** A session ends (Release) after its commit or cancel, which may be retried for a while. */
const FINALIZE_SLACK_MS = 3600_000;

/** The site's `limits.receiptTapMinutes`, also for sites stored before it. */
export const receiptTapMinutes = (site: Pick<SiteSettings, 'limits'>): number =>
  (site.limits as { receiptTapMinutes?: number }).receiptTapMinutes ?? DEFAULT_RECEIPT_TAP_MINUTES;

/**
 * The last session of `cardId` at this reader that ended at or after `endedSince`, or
 * undefined. `unshownOnly`: leave out a session whose receipt a tap already showed (the next
 * tap of that card charges again).
 */
export async function lastSessionOfCard(
  sessions: Pick<SessionRepository, 'list'>,
  reader: Reader,
  site: Pick<SiteSettings, 'limits'>,
  cardId: string,
  endedSince: Date,
  { unshownOnly = false }: { readonly unshownOnly?: boolean } = {},
): Promise<ChargingSession | undefined> {
  // A session that ended then was created at most its whole length before.
  const longest = (site.limits.maxSessionMinutes * 60 + site.limits.plugInWindowSeconds) * 1000 + FINALIZE_SLACK_MS;
  const from = new Date(endedSince.getTime() - longest).toISOString();
  const since = endedSince.toISOString();
  const found: ChargingSession[] = [];
  for (const stationId of new Set(servedConnectors(reader).map((c) => c.stationId))) {
    const listed = await sessions.list({ stationId, from, limit: 1000 });
    found.push(
      ...listed.filter(
        (s) =>
          s.serialNumber === reader.serialNumber &&
          s.cardId === cardId &&
          s.endedAt !== undefined &&
          s.endedAt >= since &&
          !(unshownOnly && s.receiptShownOnTapAt !== undefined),
      ),
    );
  }
  return found.sort((a, b) => b.endedAt!.localeCompare(a.endedAt!))[0];
}

/** The reader's receipt screen of an ended session: what the card was charged, or that nothing was. */
export function receiptScreen(session: ChargingSession, currency: string, receiptUrl: string): ReceiptScreen {
  if (session.paymentState !== 'committed' || !session.payment || !session.receipt) return { kind: 'nothingCharged', params: { receiptUrl } };
  const usage = (session.receipt as { usage: { energyWh: number; durationSeconds: number } }).usage;
  return {
    kind: 'receipt',
    params: {
      total: Money.of(session.payment.captured.minor, currency),
      tax: Money.of(session.payment.taxCollected.minor, currency),
      energyWh: usage.energyWh,
      durationSeconds: usage.durationSeconds,
      receiptUrl,
    },
  };
}

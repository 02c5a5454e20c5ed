/**
 * A charging-payment session: one tap of a card on a Payter reader, one hold, at most one
 * OCPP transaction, one commit or cancel, one Step Functions execution named after it.
 */

import type { ScreenOverrides } from '../display/screens';
import type { SiteSettings } from '../sites/site-settings';

export type SessionStatus =
  | 'authorizing'
  | 'declined'
  | 'starting'
  | 'charging'
  | 'stopping'
  | 'stopped'
  | 'completed'
  | 'cancelled'
  | 'failed';

/**
 * Why a session ended, set on every path (operators read it in the ops API):
 * - the charge stopped: `driverTap` (the same card tapped again), `driverStopButton` (the
 *   charging screen's Stop), `chargerStopped` (the charger ended the transaction itself; its
 *   OCPP reason is in `stopReason`), `operatorStop` (ops API), `holdReached` (the running
 *   total neared the hold), `maxDuration` (the site's maximum session time), `chargerLost`
 *   (unreachable for `chargerLostSeconds`: billed from its last meter value);
 * - it never charged: `declined`, `cardNotPresent`, `payterUnavailable`, `payterRefused`,
 *   `authorizeFailed` (Payter's answer to authorize was lost), `currencyMismatch`,
 *   `workflowNotStarted`, `noTransaction` (the charger refused or ignored the start, the driver
 *   did not plug in or pressed Cancel).
 */
export const END_REASONS = [
  'driverTap',
  'driverStopButton',
  'chargerStopped',
  'operatorStop',
  'holdReached',
  'maxDuration',
  'chargerLost',
  'declined',
  'cardNotPresent',
  'payterUnavailable',
  'payterRefused',
  'authorizeFailed',
  'currencyMismatch',
  'workflowNotStarted',
  'noTransaction',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Where the money stands at Payter. Every `authorized` must become `committed` or `cancelled`. */
export type PaymentState = 'none' | 'authorized' | 'committed' | 'cancelled' | 'unfinalized';

export interface AmountJson {
  readonly currency: string;
  readonly minor: number;
}

export interface ChargingSession {
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly serialNumber: string;
  readonly stationId: string;
  readonly connectorId: number;
  readonly siteId: string;
  readonly cardId: string;
  readonly ifd: string;
  readonly maskedPan?: string;
  /** The OCPP id tag the CSMS issues for this session's RemoteStartTransaction (CiString20). */
  readonly idTag: string;
  readonly readingId: string;
  readonly createdAt: string;
  readonly updatedAt: string;

  readonly paymentState?: PaymentState;
  readonly payterSessionId?: string;
  readonly authorizedAmount?: number;
  readonly currency?: string;
  /**
   * The holds already open on the reader when this session asked Payter for its own: never
   * this session's to cancel, whatever happens to its authorize answer.
   */
  readonly holdsBeforeAuthorize?: readonly string[];
  /** An authorize call is out and its answer not yet known (still set after a crash mid-call). */
  readonly authorizePending?: boolean;
  /**
   * An authorize answer never came (timeout, crash): a hold that appeared on the reader
   * since `holdsBeforeAuthorize` and that no other session claims is this session's to cancel.
   */
  readonly authorizeAnswerLost?: boolean;

  /**
   * The site's prices and live-screen wording when the card was authorized (docs/pricing.md
   * "The price is the one at the tap"): the live cost and the receipt use these even if the
   * site changes them mid-session. Absent on sessions authorized before it was kept: the site's.
   */
  readonly pricing?: SessionPricing;

  readonly transactionId?: number;
  readonly startedAt?: string;
  readonly meterStart?: number;
  readonly stoppedAt?: string;
  readonly meterStop?: number;
  readonly stopReason?: string;
  /**
   * The charger stamped its start or stop without an offset: read in the site's time zone, so
   * a wrong zone setting would have moved them (operators review such sessions).
   */
  readonly timestampsWithoutOffset?: boolean;
  /**
   * The StopTransaction a lost charger sent after the session was billed from its last meter
   * value: what it really delivered, for reconciliation (never billed again).
   */
  readonly chargerReportedStop?: { readonly stoppedAt: string; readonly meterStop: number; readonly stopReason?: string };
  /** Why the session ended (`END_REASONS`). */
  readonly endReason?: EndReason;
  /** When Release freed its reader: from then on its card's tap on that reader may show its receipt. */
  readonly endedAt?: string;
  /** A tap of its card on the idle reader showed its receipt (the card's next tap charges again). */
  readonly receiptShownOnTapAt?: string;
  /** How often the driver had the e-receipt e-mailed (the addresses are kept nowhere). */
  readonly receiptEmails?: number;

  /** Callback task tokens of the workflow, waiting for the charger's StartTransaction / StopTransaction. */
  readonly startTaskToken?: string;
  readonly stopTaskToken?: string;

  /**
   * Running total shown on the reader (minor units), and when the charging screen last showed
   * the charger's energy (unset while it has reported none: its first reading is shown at once).
   */
  readonly runningTotal?: number;
  readonly chargingScreenAt?: string;

  /** The priced session (docs/pricing.md), as plain JSON. */
  readonly receipt?: unknown;
  /** The driver's e-receipt: labelled lines and amounts as text, in the site's language. */
  readonly receiptView?: unknown;
  readonly payment?: { captured: AmountJson; shortfall: AmountJson; taxCollected: AmountJson; capped: boolean; cancel: boolean };
  readonly split?: { captured: AmountJson; taxCollected: AmountJson; platformFee: AmountJson; hostRevenue: AmountJson };
  readonly committedAmount?: number;

  /** Refunds, newest last; `refundedAmount` counts every one not `failed` (minor units). */
  readonly refunds?: readonly SessionRefund[];
  readonly refundedAmount?: number;
}

export interface SessionPricing {
  readonly tariff: SiteSettings['tariff'];
  readonly tax: SiteSettings['tax'];
  readonly language: string;
  /** The site's own wording of the charging screen, if it has one. */
  readonly chargingScreen?: ScreenOverrides['charging'];
}

/** The snapshot a session keeps of its site when the card is authorized. */
export function pricingAtTap(site: Pick<SiteSettings, 'tariff' | 'tax' | 'language' | 'screens'>): SessionPricing {
  const chargingScreen = (site.screens as ScreenOverrides | undefined)?.charging;
  return { tariff: site.tariff, tax: site.tax, language: site.language, ...(chargingScreen !== undefined && { chargingScreen }) };
}

/**
 * - `pending`: asked of Payter, no answer yet.
 * - `done`: Payter refunded it (said so, or showed it when read again).
 * - `failed`: Payter refused it or showed it did not happen; nothing was refunded.
 * - `unknown`: Payter's answer was lost (timeout, outage, garbled answer): it may have
 *   happened. Payter's state is read again before any retry or new refund of the session.
 * - `toBeRefundedByAcquirer`: CPS refunds are not available (`PAYTER_REFUNDS=acquirer`): the
 *   operator refunds through the acquirer; reconciliation tracks it until Payter shows it.
 */
export type RefundState = 'pending' | 'done' | 'failed' | 'unknown' | 'toBeRefundedByAcquirer';

export interface SessionRefund {
  readonly amount: number;
  /** The refund split back like the revenue split (docs/pricing.md "Refunds"), minor units. */
  readonly tax: number;
  readonly platformFee: number;
  readonly hostRevenue: number;
  readonly reason: string;
  /** The operator tool's Idempotency-Key: a retried request returns this refund, not a second one. */
  readonly requestKey?: string;
  readonly requestedAt: string;
  readonly state: RefundState;
  readonly payterRefundId?: string;
  /** Why the outcome is not a clean yes or no (Payter's answer), or how it was settled. */
  readonly detail?: string;
  /** When it became done or failed. */
  readonly settledAt?: string;
}

/** Sessions still holding the connector and the reader. */
export const OPEN_SESSION_STATUSES: readonly SessionStatus[] = ['authorizing', 'starting', 'charging', 'stopping', 'stopped'];

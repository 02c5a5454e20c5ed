/**
 * A strict OCPP 2.0.1 peer's side of a remotely started transaction, for tests that drive the
 * frames themselves (not the simulated charger): the energy register as 2.0.1 reports it, and a
 * charger that accepts our RequestStartTransaction and answers RequestStopTransaction with its
 * Ended event.
 */
import type { Charger } from '../../lib/local/simulated-charger';

/** One meter value of the energy register (Wh) at `at`, read in `context` (Transaction.Begin ...). */
export const register = (wh: number, at: string, context: string) => [
  { timestamp: at, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] },
];

export interface RemoteStartPeer<Answer> {
  /** Sends the transaction's next TransactionEvent (seqNo counted from 0); answers the CSMS's reply. */
  event(eventType: string, triggerReason: string, timestamp: string, more: Record<string, unknown>, info?: Record<string, unknown>): Promise<Answer>;
  /** The RequestStartTransaction payloads received, in order. */
  readonly starts: { idToken: { idToken: string }; remoteStartId: number }[];
  /** The RequestStopTransaction payloads received, in order. */
  readonly stops: unknown[];
  /** The answer to the Ended event sent after the stop (undefined before any stop). */
  ended(): Promise<Answer> | undefined;
}

/** Transaction `txId` on `charger`, ended at `end` (ms after the clock `at` counts from) with `endWh` on its register. */
export function remoteStartPeer<Answer = unknown>(charger: Charger, txId: string, at: (ms: number) => string, end: { ms: number; wh: number }): RemoteStartPeer<Answer> {
  let seqNo = 0;
  let ended: Promise<Answer> | undefined;
  const peer: RemoteStartPeer<Answer> = {
    event: (eventType, triggerReason, timestamp, more, info = {}) =>
      charger.call('TransactionEvent', { eventType, triggerReason, seqNo: seqNo++, timestamp, ...more, transactionInfo: { transactionId: txId, ...info } }) as Promise<Answer>,
    starts: [],
    stops: [],
    ended: () => ended,
  };
  charger.handle('RequestStartTransaction', ({ params }: { params: RemoteStartPeer<Answer>['starts'][number] }) => {
    peer.starts.push(params);
    return { status: 'Accepted' };
  });
  charger.handle('RequestStopTransaction', ({ params }: { params: unknown }) => {
    peer.stops.push(params);
    // The charger ends the transaction a moment after it accepted the stop, as a real one does.
    ended = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
      peer.event('Ended', 'RemoteStop', at(end.ms), { meterValue: register(end.wh, at(end.ms), 'Transaction.End') }, { stoppedReason: 'Remote' }),
    );
    return { status: 'Accepted' };
  });
  return peer;
}

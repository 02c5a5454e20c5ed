/**
 * The shapes of Payter's Cloud Payment Service as documented (docs/payter.md):
 * what CPS answers, what its callbacks carry, what a screen is. The client validates every
 * answer against these schemas and the simulator produces them, so the two cannot drift.
 * Whatever is our guess rather than Payter's word lives in `cps-assumed.ts`.
 */
import * as z from 'zod';
import { idSchema } from '../shared/ids';
import { CPS_ASSUMED, assumedSessionFields, authorizationCurrencySchema, terminalCurrencySchema } from './cps-assumed';

/** Amounts are integers in the currency's minor units (cents). */
const minorUnits = z.number().int().nonnegative();

/** Only `IDLE` is confirmed; CPS reports other states whose names we do not know, so any string passes. */
export type TerminalState = 'IDLE' | (string & {});
/** The terminal waits for nothing: no card can be there to authorize. */
export const TERMINAL_IDLE: TerminalState = 'IDLE';

export const terminalSchema = z
  .object({
    serialNumber: z.string().min(1),
    online: z.boolean(),
    state: z.string().min(1) as z.ZodType<TerminalState>,
  })
  .extend(terminalCurrencySchema.shape);
export type Terminal = z.infer<typeof terminalSchema>;

export const SESSION_STATES = ['AUTHORIZED', 'COMMITTED', 'CANCELLED'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const authorizationSchema = z
  .object({
    sessionId: z.string().min(1),
    authorizedAmount: minorUnits,
  })
  .extend(authorizationCurrencySchema.shape);
export type Authorization = z.infer<typeof authorizationSchema>;

export const sessionSchema = z.object({
  sessionId: z.string().min(1),
  serialNumber: z.string().min(1),
  state: z.enum(SESSION_STATES),
  authorizedAmount: minorUnits,
  /** Absent (or null) while the session is only authorized. */
  committedAmount: minorUnits.nullish().transform((v) => v ?? undefined),
  currency: z.string().length(3),
  ...assumedSessionFields,
});
export type PayterSession = z.infer<typeof sessionSchema>;

export const sessionListSchema = z.array(sessionSchema);

/** `CANCELLED` only for a commit of 0 (assumed). */
export const commitAnswerSchema = z.object({
  sessionId: z.string().min(1),
  state: z.enum(['COMMITTED', CPS_ASSUMED.commitOfZeroState]),
  committedAmount: minorUnits,
});
export type CommitAnswer = z.infer<typeof commitAnswerSchema>;

export const cancellationSchema = z.object({
  sessionId: z.string().min(1),
  state: z.literal('CANCELLED'),
});
export type Cancellation = z.infer<typeof cancellationSchema>;

/** Built-in screen types; CPS has more, so any string is accepted. */
export type ScreenType = 'message' | 'selection' | 'carousel' | 'dispense' | (string & {});

/**
 * The body of `POST /terminals/{serial}/ui`. Properties are flat string keys, nested ones
 * dotted: `title`, `message`, `buttons.<id>.label`, `items.<id>.label`.
 */
export interface PayterScreen {
  readonly id: string;
  readonly type: ScreenType;
  readonly properties: Readonly<Record<string, string>>;
}

export const screenSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1) as z.ZodType<ScreenType>,
  properties: z.record(z.string(), z.string()),
});

/** `ifd`: how the card was read. */
export type CardInterface = 'CONTACTLESS' | 'CHIP' | 'QR_CODE' | (string & {});

/** POSTed by CPS to the `callbackUrl` of `start`. `cardId` is stable per card ("tap to stop"). */
export const cardReadCallbackSchema = z.object({
  serialNumber: idSchema('serialNumber'),
  ifd: z.string().min(1) as z.ZodType<CardInterface>,
  aid: z.string(),
  cardId: z.string().min(1),
  maskedPan: z.string().optional(),
});
export type CardReadCallback = z.infer<typeof cardReadCallbackSchema>;

/** POSTed by CPS to the `callbackUrl` of `ui` when the driver presses a button. */
export const uiCallbackSchema = z.object({
  serialNumber: idSchema('serialNumber'),
  screenId: z.string().min(1),
  response: z.string(),
});
export type UiCallback = z.infer<typeof uiCallbackSchema>;

/** POSTed by CPS to the account-wide web hook. A serial longer than ours is no reader of ours: refused before it reaches a key. */
export const terminalStateCallbackSchema = terminalSchema.extend({ serialNumber: idSchema('serialNumber') });
export type TerminalStateCallback = Terminal;

/** The value of the `Authorization` header of every call. */
export function cpsAuthorizationHeader(apiKey: string): string {
  return `CPS apikey="${apiKey}"`;
}

/**
 * Local stand-in for Payter's Cloud Payment Service (docs/payter.md): one `node:http`
 * server with virtual card readers, used by `npm start`, `npm run serve` and the tests.
 * It answers every call of the contract (with the guesses of `cps-assumed.ts`), POSTs the card,
 * button and terminal-state callbacks, and records what it received and showed so tests can
 * assert on it. Outcomes (declines, slow answers, failures, conflicts) are scripted per reader
 * or per next call; nothing about them leaks into production code.
 */
import type { StartReadingRequest } from '../../lambdas/payter/cps-client';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  cpsAuthorizationHeader,
  screenSchema,
  type CardInterface,
  type CardReadCallback,
  type PayterScreen,
  type PayterSession,
  type SessionState,
  type Terminal,
  type UiCallback,
} from '../../lambdas/payter/cps-contract';
import { CPS_ASSUMED } from '../../lambdas/payter/cps-assumed';

export type SimulatedCall =
  | 'getTerminal'
  | 'start'
  | 'stop'
  | 'authorize'
  | 'commit'
  | 'cancel'
  | 'getSession'
  | 'listSessions'
  | 'ui'
  | 'refund';

/** Calls a real reader has to take part in; they fail while it is offline. */
const NEEDS_READER: ReadonlySet<SimulatedCall> = new Set(['start', 'stop', 'authorize', 'ui', 'commit', 'cancel']);

/** What the next call(s) of one kind on one reader do instead of the default. */
export type ScriptedOutcome =
  /** Answer `status` with `{error, message}` and change nothing (500, 503, a forced 409...). */
  | { readonly kind: 'fail'; readonly status: number; readonly error?: string; readonly message?: string }
  /** `authorize` only: the card is declined. */
  | { readonly kind: 'decline'; readonly message?: string }
  /** Do the work at once, answer `delayMs` later (so a client timeout can miss a success). */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Do the work, then drop the connection without answering (the answer is lost). */
  | { readonly kind: 'lost' }
  /** Do the work, then answer 200 with a body outside the contract. */
  | { readonly kind: 'garbled' };

export interface ReaderBehaviour {
  /** @default the simulator's currency */
  readonly currency?: string;
  /** @default 'approve' */
  readonly authorize?: 'approve' | 'decline';
  /** Added before every answer of this reader. @default 0 */
  readonly answerDelayMs?: number;
  /** The terminal state names it reports besides IDLE (real CPS may use others). @default CPS_ASSUMED.terminalStates */
  readonly stateNames?: { readonly reading: string; readonly cardPresented: string };
  /** Tell the currency on `GET /terminals/{serial}` (CPS is not known to). @default false */
  readonly currencyOnTerminal?: boolean;
}

export interface ReaderOptions extends ReaderBehaviour {
  /** @default true */
  readonly online?: boolean;
}

export interface TapOptions {
  readonly cardId: string;
  /** @default 'CONTACTLESS' */
  readonly ifd?: CardInterface;
  /** @default Visa's AID */
  readonly aid?: string;
  readonly maskedPan?: string;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly at: string;
  /** Set when the path names a terminal. */
  readonly serial?: string;
  readonly call?: SimulatedCall;
  /** What the simulator answered; 0 when it dropped the answer (a scripted `lost`). */
  readonly status: number;
}

export interface RecordedCallback {
  readonly kind: 'card' | 'ui' | 'terminal-state';
  readonly url: string;
  readonly body: unknown;
  /** The receiver's HTTP status; 0 when it could not be reached. */
  readonly status: number;
  /** The receiver's answer body (parsed JSON, else text); undefined when unreachable. */
  readonly answer?: unknown;
  readonly at: string;
}

export interface ShownScreen {
  readonly screen: PayterScreen;
  readonly callbackUrl?: string;
  readonly at: string;
}

/** The parameters of the current `start` (the client's request, less the serial in the path). */
export type Reading = Omit<StartReadingRequest, 'serial'>;

export interface ReaderSnapshot extends Terminal {
  readonly reading?: Reading;
  /** The card read since the last `start`, until authorize or stop. */
  readonly card?: CardReadCallback;
}

export interface SimulatedRefund {
  readonly refundId: string;
  readonly amount: number;
  readonly at: string;
}

export interface SimulatedSession extends PayterSession {
  readonly cardId: string;
  readonly refunds: readonly SimulatedRefund[];
  /** What Payter's own records (the MyPayter simulator) know beyond CPS's answer. */
  readonly ifd: CardInterface;
  readonly maskedPan?: string;
  readonly authorizedAt: string;
  /** When the session last changed (authorized, committed, cancelled). */
  readonly changedAt: string;
}

export interface PayterSimulatorOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Calls without `Authorization: CPS apikey="<apiKey>"` get 401. */
  readonly apiKey: string;
  /** Sends the callbacks. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Of readers added without one: the demo site's (docs/examples/site.json), so a reader added
   * with `{}` takes that site's payments. @default 'USD'
   */
  readonly currency?: string;
  /** How long a callback receiver gets to answer. @default 5_000 */
  readonly callbackTimeoutMs?: number;
}

export interface PayterSimulator {
  /** http://host:port, the `baseUrl` of a `PayterClient`. */
  readonly url: string;
  close(): Promise<void>;

  addReader(serial: string, options?: ReaderOptions): void;
  /** Payter forgets the terminal: every call naming it gets 404. */
  removeReader(serial: string): void;
  configureReader(serial: string, behaviour: ReaderBehaviour): void;
  reader(serial: string): ReaderSnapshot;
  /**
   * Takes the reader off or on line. Back online it has rebooted: idle, no reading, Payter's
   * own screen. Fires the terminal-state web hook on a change; resolves to its HTTP status
   * (undefined when no hook is set or nothing changed).
   */
  setOnline(serial: string, online: boolean): Promise<number | undefined>;
  setStateWebhook(url: string | undefined): void;
  /**
   * A card held to the reader: while READING it becomes CARD and the card is POSTed to the
   * `callbackUrl` of the last `start`. Resolves to that POST's HTTP status (0: unreachable),
   * undefined when the reader was not reading (a real reader ignores the card too).
   */
  tap(serial: string, card: TapOptions): Promise<number | undefined>;
  /**
   * A button pressed on the current screen: POSTs to that screen's `callbackUrl`. Undefined
   * when `screenId` is not on display or it has no callback.
   */
  pressButton(serial: string, screenId: string, response: string): Promise<number | undefined>;
  /**
   * A hold on the reader made outside this integration's flow (another session, a crashed
   * run): an AUTHORIZED Payter session nobody here asked for. Returns its session id.
   */
  holdElsewhere(serial: string, hold: { readonly cardId: string; readonly amount: number }): string;
  /**
   * An open hold cancelled outside this integration (an operator in MyPayter, the acquirer
   * letting it expire): its session is CANCELLED, and a commit of it gets 409.
   */
  cancelElsewhere(serial: string, sessionId: string): void;
  /**
   * Payter delivers at least once: from now on every callback is POSTed `times` times at
   * once (each recorded in `callbacks()`; `tap` and friends resolve to the first's status).
   * @default 1
   */
  setDeliveries(times: number): void;
  /** The next `times` calls of `call` on this reader (after authentication) do `outcome`. */
  script(serial: string, call: SimulatedCall, outcome: ScriptedOutcome, times?: number): void;

  calls(): RecordedCall[];
  callbacks(): RecordedCallback[];
  screens(serial: string): ShownScreen[];
  /** Undefined: Payter's own idle screen. */
  currentScreen(serial: string): PayterScreen | undefined;
  sessions(serial: string): SimulatedSession[];
  /** Every session of every reader, oldest first. */
  allSessions(): SimulatedSession[];
}

interface MutableSession {
  sessionId: string;
  serialNumber: string;
  state: SessionState;
  authorizedAmount: number;
  committedAmount: number | undefined;
  currency: string;
  cardId: string;
  refunds: SimulatedRefund[];
  ifd: CardInterface;
  maskedPan: string | undefined;
  authorizedAt: string;
  changedAt: string;
}

interface Reader {
  serialNumber: string;
  online: boolean;
  state: 'IDLE' | 'READING' | 'CARD';
  behaviour: Required<ReaderBehaviour>;
  reading: Reading | undefined;
  card: CardReadCallback | undefined;
  screens: ShownScreen[];
  currentScreen: ShownScreen | undefined;
  scripts: Map<SimulatedCall, ScriptedOutcome[]>;
}

interface Answer {
  status: number;
  body?: unknown;
}

class CpsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Route {
  call: SimulatedCall;
  serial: string;
  sessionId?: string;
}

const VISA_AID = 'A0000000031010';

export async function startPayterSimulator(options: PayterSimulatorOptions): Promise<PayterSimulator> {
  const sendFetch = options.fetch ?? globalThis.fetch;
  const defaultCurrency = options.currency ?? 'USD';
  const callbackTimeoutMs = options.callbackTimeoutMs ?? 5_000;
  const expectedAuthorization = cpsAuthorizationHeader(options.apiKey);
  const readers = new Map<string, Reader>();
  const sessions = new Map<string, MutableSession>();
  const recordedCalls: RecordedCall[] = [];
  const recordedCallbacks: RecordedCallback[] = [];
  const pendingAnswers = new Set<NodeJS.Timeout>();
  let stateWebhook: string | undefined;
  let deliveries = 1;

  function readerOf(serial: string): Reader {
    const reader = readers.get(serial);
    if (reader === undefined) throw new Error(`no simulated reader ${serial}`);
    return reader;
  }

  async function deliver(kind: RecordedCallback['kind'], url: string, body: unknown): Promise<number> {
    const statuses = await Promise.all(Array.from({ length: deliveries }, () => deliverOnce(kind, url, body)));
    return statuses[0]!;
  }

  async function deliverOnce(kind: RecordedCallback['kind'], url: string, body: unknown): Promise<number> {
    let status = 0;
    let answer: unknown;
    try {
      const response = await sendFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(callbackTimeoutMs),
      });
      answer = parseLoosely(await response.text());
      status = response.status;
    } catch {
      // Unreachable receiver: CPS does not tell the integrator either.
    }
    recordedCallbacks.push({ kind, url, body, status, answer, at: new Date().toISOString() });
    return status;
  }

  function snapshotSession({ maskedPan, ...session }: MutableSession): SimulatedSession {
    return { ...session, ...(maskedPan !== undefined && { maskedPan }), refunds: [...session.refunds], refundedAmount: refundedOf(session) };
  }

  /**
   * The contract's session shape; `committedAmount` is null until final; `refundedAmount`
   * (assumed: cps-assumed.ts) the refunds so far.
   */
  function sessionAnswer(session: MutableSession) {
    const { sessionId, serialNumber, state, authorizedAmount, committedAmount, currency } = session;
    return { sessionId, serialNumber, state, authorizedAmount, committedAmount: committedAmount ?? null, currency, refundedAmount: refundedOf(session) };
  }

  function sessionOf(route: Route): MutableSession {
    const session = route.sessionId === undefined ? undefined : sessions.get(route.sessionId);
    if (session === undefined || session.serialNumber !== route.serial) {
      throw new CpsError(404, 'SESSION_NOT_FOUND', `no session ${route.sessionId} on terminal ${route.serial}`);
    }
    return session;
  }

  function execute(route: Route, reader: Reader, query: URLSearchParams, body: unknown, script?: ScriptedOutcome): Answer {
    switch (route.call) {
      case 'getTerminal':
        return { status: 200, body: terminalAnswer(reader) };

      case 'start': {
        const authorizedAmount = integerParameter(query, 'authorizedAmount', { required: true });
        const callbackUrl = urlParameter(query, 'callbackUrl');
        const hideAmount = booleanParameter(query, 'hideAmount');
        if (reader.state === 'CARD') {
          const { status, error } = CPS_ASSUMED.cardAlreadyPresented;
          throw new CpsError(status, error, 'a read card waits for authorize or stop');
        }
        reader.reading = {
          authorizedAmount,
          callbackUrl,
          uiMessage: query.get('uiMessage') ?? undefined,
          uiMessageTitle: query.get('uiMessageTitle') ?? undefined,
          language: query.get('language') ?? undefined,
          hideAmount,
        };
        reader.card = undefined;
        reader.state = 'READING';
        return { status: 200 };
      }

      case 'stop':
        integerParameter(query, 'uiMessageTimeout');
        reader.state = 'IDLE';
        reader.reading = undefined;
        reader.card = undefined;
        return { status: 200 };

      case 'authorize': {
        integerParameter(query, 'uiMessageTimeout');
        const { reading, card } = reader;
        if (reader.state !== 'CARD' || reading === undefined || card === undefined) {
          const { status, error } = CPS_ASSUMED.noCardToAuthorize;
          throw new CpsError(status, error, 'no card has been read');
        }
        reader.state = 'IDLE';
        reader.reading = undefined;
        reader.card = undefined;
        if (script?.kind === 'decline' || reader.behaviour.authorize === 'decline') {
          const { status, error } = CPS_ASSUMED.decline;
          throw new CpsError(status, error, (script?.kind === 'decline' && script.message) || 'Card declined');
        }
        const session: MutableSession = {
          sessionId: randomUUID(),
          serialNumber: reader.serialNumber,
          state: 'AUTHORIZED',
          authorizedAmount: reading.authorizedAmount,
          committedAmount: undefined,
          currency: reader.behaviour.currency,
          cardId: card.cardId,
          refunds: [],
          ifd: card.ifd,
          maskedPan: card.maskedPan,
          authorizedAt: new Date().toISOString(),
          changedAt: new Date().toISOString(),
        };
        sessions.set(session.sessionId, session);
        return { status: 200, body: { sessionId: session.sessionId, authorizedAmount: session.authorizedAmount } };
      }

      case 'commit': {
        const commitAmount = integerParameter(query, 'commitAmount', { required: true });
        integerParameter(query, 'uiMessageTimeout');
        const session = sessionOf(route);
        requireOpen(session);
        if (commitAmount > session.authorizedAmount) {
          throw new CpsError(
            CPS_ASSUMED.commitAboveAuthorizedStatus,
            'AMOUNT_TOO_HIGH',
            `commitAmount ${commitAmount} is above the authorized ${session.authorizedAmount}`,
          );
        }
        session.state = commitAmount === 0 ? CPS_ASSUMED.commitOfZeroState : 'COMMITTED';
        session.committedAmount = commitAmount;
        session.changedAt = new Date().toISOString();
        return { status: 200, body: { sessionId: session.sessionId, state: session.state, committedAmount: commitAmount } };
      }

      case 'cancel': {
        integerParameter(query, 'uiMessageTimeout');
        const session = sessionOf(route);
        requireOpen(session);
        session.state = 'CANCELLED';
        session.committedAmount = 0;
        session.changedAt = new Date().toISOString();
        return { status: 200, body: { sessionId: session.sessionId, state: 'CANCELLED' } };
      }

      case 'getSession':
        return { status: 200, body: sessionAnswer(sessionOf(route)) };

      case 'listSessions':
        return {
          status: 200,
          body: [...sessions.values()].filter((s) => s.serialNumber === reader.serialNumber).map(sessionAnswer),
        };

      case 'ui': {
        const callbackUrl = query.has('callbackUrl') ? urlParameter(query, 'callbackUrl') : undefined;
        const screen = screenSchema.safeParse(body);
        if (!screen.success) {
          throw new CpsError(400, 'INVALID_SCREEN', `the body must be {id, type, properties}: ${screen.error.message}`);
        }
        const shown: ShownScreen = { screen: screen.data, callbackUrl, at: new Date().toISOString() };
        reader.screens.push(shown);
        reader.currentScreen = shown;
        return { status: 200 };
      }

      case 'refund': {
        const amount = integerParameter(query, CPS_ASSUMED.refund.amountParameter, { required: true });
        const session = sessionOf(route);
        if (amount === 0) throw new CpsError(400, 'INVALID_PARAMETER', 'amount must be above 0');
        const refundable = (session.committedAmount ?? 0) - refundedOf(session);
        if (session.state !== 'COMMITTED' || amount > refundable) {
          throw new CpsError(
            CPS_ASSUMED.refund.overRefundStatus,
            'REFUND_TOO_HIGH',
            `cannot refund ${amount} of session ${session.sessionId} (${session.state}, ${refundable} refundable)`,
          );
        }
        const refund: SimulatedRefund = { refundId: randomUUID(), amount, at: new Date().toISOString() };
        session.refunds.push(refund);
        return { status: 200, body: { sessionId: session.sessionId, refundId: refund.refundId, refundedAmount: amount } };
      }
    }
  }

  /** The answer to one request, how long to hold it back, and whether it is lost instead. */
  function handle(req: IncomingMessage, url: URL, rawBody: string): { answer: Answer; delayMs: number; route?: Route; lost?: boolean } {
    if (req.headers.authorization !== expectedAuthorization) {
      return { answer: errorAnswer(401, 'UNAUTHORIZED', 'missing or wrong Authorization: CPS apikey="..."'), delayMs: 0 };
    }
    const route = routeOf(req.method ?? 'GET', url.pathname);
    if (route === undefined) return { answer: errorAnswer(404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`), delayMs: 0 };
    const reader = readers.get(route.serial);
    if (reader === undefined) {
      return { answer: errorAnswer(404, 'TERMINAL_NOT_FOUND', `unknown terminal ${route.serial}`), delayMs: 0, route };
    }
    const script = reader.scripts.get(route.call)?.shift();
    const delayMs = reader.behaviour.answerDelayMs + (script?.kind === 'slow' ? script.delayMs : 0);
    if (script?.kind === 'fail') {
      return { answer: errorAnswer(script.status, script.error ?? defaultErrorCode(script.status), script.message ?? 'scripted failure'), delayMs, route };
    }
    if (!reader.online && NEEDS_READER.has(route.call)) {
      const { status, error } = CPS_ASSUMED.offline;
      return { answer: errorAnswer(status, error, `terminal ${reader.serialNumber} is offline`), delayMs, route };
    }
    let body: unknown;
    if (rawBody !== '') {
      try {
        body = JSON.parse(rawBody) as unknown;
      } catch {
        return { answer: errorAnswer(400, 'INVALID_BODY', 'the body is not JSON'), delayMs, route };
      }
    }
    try {
      const answer = execute(route, reader, url.searchParams, body, script);
      if (script?.kind === 'lost') return { answer, delayMs, route, lost: true };
      if (script?.kind === 'garbled' && answer.status === 200) return { answer: { status: 200, body: { ok: 'maybe' } }, delayMs, route };
      return { answer, delayMs, route };
    } catch (error) {
      if (error instanceof CpsError) return { answer: errorAnswer(error.status, error.code, error.message), delayMs, route };
      throw error;
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const rawBody = await readBody(req);
      const { answer, delayMs, route, lost } = handle(req, url, rawBody);
      recordedCalls.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: parseLoosely(rawBody),
        at: new Date().toISOString(),
        serial: route?.serial,
        call: route?.call,
        status: lost ? 0 : answer.status,
      });
      if (delayMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            pendingAnswers.delete(timer);
            resolve();
          }, delayMs);
          pendingAnswers.add(timer);
        });
      }
      if (lost) res.destroy();
      else respond(res, answer);
    })().catch((error: unknown) => {
      respond(res, errorAnswer(500, 'INTERNAL', error instanceof Error ? error.message : String(error)));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,

    async close() {
      for (const timer of pendingAnswers) clearTimeout(timer);
      pendingAnswers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },

    addReader(serial, { online = true, ...behaviour } = {}) {
      if (readers.has(serial)) throw new Error(`simulated reader ${serial} exists already`);
      readers.set(serial, {
        serialNumber: serial,
        online,
        state: 'IDLE',
        behaviour: {
          currency: defaultCurrency,
          authorize: 'approve',
          answerDelayMs: 0,
          stateNames: CPS_ASSUMED.terminalStates,
          currencyOnTerminal: false,
          ...withoutUndefined(behaviour),
        },
        reading: undefined,
        card: undefined,
        screens: [],
        currentScreen: undefined,
        scripts: new Map(),
      });
    },

    removeReader(serial) {
      readerOf(serial);
      readers.delete(serial);
    },

    configureReader(serial, behaviour) {
      const reader = readerOf(serial);
      reader.behaviour = { ...reader.behaviour, ...withoutUndefined(behaviour) };
    },

    reader(serial) {
      const reader = readerOf(serial);
      return { ...terminalAnswer(reader), reading: reader.reading, card: reader.card };
    },

    async setOnline(serial, online) {
      const reader = readerOf(serial);
      if (reader.online === online) return undefined;
      reader.online = online;
      if (online) {
        // Back from a reboot or an outage: Payter's idle screen, custom screens forgotten.
        reader.state = 'IDLE';
        reader.reading = undefined;
        reader.card = undefined;
        reader.currentScreen = undefined;
      }
      return stateWebhook === undefined ? undefined : deliver('terminal-state', stateWebhook, terminalAnswer(reader));
    },

    setStateWebhook(url) {
      stateWebhook = url;
    },

    async tap(serial, { cardId, ifd = 'CONTACTLESS', aid = VISA_AID, maskedPan }) {
      const reader = readerOf(serial);
      if (!reader.online || reader.state !== 'READING' || reader.reading === undefined) return undefined;
      const card: CardReadCallback = { serialNumber: serial, ifd, aid, cardId, ...(maskedPan === undefined ? {} : { maskedPan }) };
      reader.state = 'CARD';
      reader.card = card;
      return deliver('card', reader.reading.callbackUrl, card);
    },

    async pressButton(serial, screenId, response) {
      const reader = readerOf(serial);
      const shown = reader.currentScreen;
      if (!reader.online || shown === undefined || shown.screen.id !== screenId || shown.callbackUrl === undefined) {
        return undefined;
      }
      const press: UiCallback = { serialNumber: serial, screenId, response };
      return deliver('ui', shown.callbackUrl, press);
    },

    holdElsewhere(serial, { cardId, amount }) {
      const reader = readerOf(serial);
      const at = new Date().toISOString();
      const session: MutableSession = {
        sessionId: randomUUID(),
        serialNumber: reader.serialNumber,
        state: 'AUTHORIZED',
        authorizedAmount: amount,
        committedAmount: undefined,
        currency: reader.behaviour.currency,
        cardId,
        refunds: [],
        ifd: 'CONTACTLESS',
        maskedPan: undefined,
        authorizedAt: at,
        changedAt: at,
      };
      sessions.set(session.sessionId, session);
      return session.sessionId;
    },

    cancelElsewhere(serial, sessionId) {
      const session = sessions.get(sessionId);
      if (session === undefined || session.serialNumber !== readerOf(serial).serialNumber) throw new Error(`no Payter session ${sessionId} on ${serial}`);
      requireOpen(session);
      session.state = 'CANCELLED';
      session.committedAmount = 0;
      session.changedAt = new Date().toISOString();
    },

    setDeliveries(times) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`deliveries must be a whole number of at least 1, got ${times}`);
      deliveries = times;
    },

    script(serial, call, outcome, times = 1) {
      if (outcome.kind === 'decline' && call !== 'authorize') throw new Error('only authorize can be declined');
      const reader = readerOf(serial);
      const queue = reader.scripts.get(call) ?? [];
      for (let i = 0; i < times; i++) queue.push(outcome);
      reader.scripts.set(call, queue);
    },

    calls: () => [...recordedCalls],
    callbacks: () => [...recordedCallbacks],
    screens: (serial) => [...readerOf(serial).screens],
    currentScreen: (serial) => readerOf(serial).currentScreen?.screen,
    sessions: (serial) =>
      [...sessions.values()].filter((s) => s.serialNumber === readerOf(serial).serialNumber).map(snapshotSession),
    allSessions: () => [...sessions.values()].map(snapshotSession),
  };
}

function terminalAnswer(reader: Reader): Terminal {
  const { stateNames, currencyOnTerminal, currency } = reader.behaviour;
  const state = reader.state === 'READING' ? stateNames.reading : reader.state === 'CARD' ? stateNames.cardPresented : 'IDLE';
  return { serialNumber: reader.serialNumber, online: reader.online, state, ...(currencyOnTerminal && { currency }) };
}

function refundedOf(session: Pick<MutableSession, 'refunds'>): number {
  return session.refunds.reduce((sum, r) => sum + r.amount, 0);
}

function requireOpen(session: MutableSession): void {
  if (session.state !== 'AUTHORIZED') {
    throw new CpsError(409, 'SESSION_FINAL', `session ${session.sessionId} is already ${session.state}`);
  }
}

const TERMINAL = /^\/terminals\/([^/]+)(?:\/(start|stop|authorize|ui|sessions)(?:\/([^/]+)(?:\/(commit|cancel|refund))?)?)?$/;

function routeOf(method: string, pathname: string): Route | undefined {
  const match = TERMINAL.exec(pathname);
  if (match === null) return undefined;
  const [, rawSerial, action, rawSessionId, sessionAction] = match;
  if (rawSerial === undefined) return undefined;
  const serial = decodeURIComponent(rawSerial);
  const sessionId = rawSessionId === undefined ? undefined : decodeURIComponent(rawSessionId);
  const call = ((): SimulatedCall | undefined => {
    if (action === undefined) return method === 'GET' ? 'getTerminal' : undefined;
    if (action === 'sessions') {
      if (sessionId === undefined) return method === 'GET' ? 'listSessions' : undefined;
      if (sessionAction === undefined) return method === 'GET' ? 'getSession' : undefined;
      return method === 'POST' ? (sessionAction as SimulatedCall) : undefined;
    }
    if (sessionId !== undefined) return undefined;
    return method === 'POST' ? (action as SimulatedCall) : undefined;
  })();
  return call === undefined ? undefined : { call, serial, sessionId };
}

function integerParameter(query: URLSearchParams, name: string, options: { required: true }): number;
function integerParameter(query: URLSearchParams, name: string): number | undefined;
function integerParameter(query: URLSearchParams, name: string, options?: { required: boolean }): number | undefined {
  const raw = query.get(name);
  if (raw === null) {
    if (options?.required) throw new CpsError(400, 'INVALID_PARAMETER', `${name} is required`);
    return undefined;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new CpsError(400, 'INVALID_PARAMETER', `${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function urlParameter(query: URLSearchParams, name: string): string {
  const raw = query.get(name);
  if (raw === null) throw new CpsError(400, 'INVALID_PARAMETER', `${name} is required`);
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new CpsError(400, 'INVALID_PARAMETER', `${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw;
}

function booleanParameter(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (raw !== 'true' && raw !== 'false') {
    throw new CpsError(400, 'INVALID_PARAMETER', `${name} must be true or false, got "${raw}"`);
  }
  return raw === 'true';
}

function errorAnswer(status: number, error: string, message: string): Answer {
  return { status, body: { error, message } };
}

function defaultErrorCode(status: number): string {
  if (status === 409) return 'CONFLICT';
  return status >= 500 ? 'SERVICE_UNAVAILABLE' : 'REJECTED';
}

function respond(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.writableEnded) return;
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseLoosely(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A second OCPP 1.6J implementation for the charger-side tests, written from the OCPP-J
 * specification on a bare `ws` client (not ocpp-rpc): the three RPC frames (section 4), its
 * own message ids, one call of its own in flight at a time (section 4.1.1), waiting for the
 * matching CALLRESULT or CALLERROR, and answers to the CSMS's calls. Every CALL and CALLRESULT
 * it receives from the CSMS is checked against the official OCPP 1.6 JSON schemas (and so is
 * everything it sends itself); what fails is kept in `violations` for the test to assert on.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { officialViolation } from './official-ocpp16-schemas';

type Payload = Record<string, unknown>;
type CsmsCallHandler = (payload: any) => Payload | Promise<Payload>;

export class OcppCallError extends Error {
  constructor(
    readonly code: string,
    description: string,
    readonly details: unknown,
  ) {
    super(`${code}: ${description}`);
  }
}

interface Outstanding {
  messageId: string;
  action: string;
  resolve(payload: any): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RawOcppCharger {
  /** Every frame from the CSMS that broke the OCPP-J RPC rules or the official schemas. */
  readonly violations: string[] = [];
  /** The CSMS's calls, in order: `[action, payload]`. */
  readonly callsReceived: [string, Payload][] = [];
  private readonly handlers = new Map<string, CsmsCallHandler>();
  private outstanding: Outstanding | undefined;
  /** Our calls wait here for the one in flight (section 4.1.1: one at a time). */
  private chain: Promise<unknown> = Promise.resolve();
  private ws: WebSocket | undefined;

  constructor(
    private readonly ocppUrl: string,
    readonly stationId: string,
    private readonly password: string,
    private readonly callTimeoutMs = 10_000,
  ) {}

  /** The handshake: `ocpp1.6` offered, HTTP Basic auth (security profile 1). */
  async connect(): Promise<this> {
    const authorization = `Basic ${Buffer.from(`${this.stationId}:${this.password}`).toString('base64')}`;
    const ws = new WebSocket(`${this.ocppUrl}/${encodeURIComponent(this.stationId)}`, ['ocpp1.6'], { headers: { authorization } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    if (ws.protocol !== 'ocpp1.6') throw new Error(`the CSMS chose subprotocol "${ws.protocol}"`);
    ws.on('message', (data, isBinary) => this.receive(isBinary ? undefined : String(data)));
    ws.on('close', () => this.outstanding?.reject(new Error('connection closed')));
    this.ws = ws;
    return this;
  }

  /** Called with the close code when the connection closes. */
  onClose(listener: (code: number) => void): void {
    this.ws?.once('close', (code) => listener(code));
  }

  /** Answers the CSMS's `action` calls; calls without a handler get NotImplemented. */
  handle(action: string, handler: CsmsCallHandler): this {
    this.handlers.set(action, handler);
    return this;
  }

  /** Sends a CALL and resolves with the CALLRESULT's payload (rejects with OcppCallError on a CALLERROR). */
  call(action: string, payload: Payload = {}): Promise<any> {
    const next = this.chain.then(() => this.callNow(action, payload));
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => ws.terminate(), 1_000).unref();
    });
  }

  private callNow(action: string, payload: Payload): Promise<any> {
    this.checkOwn(`${action}.req`, payload);
    const messageId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.outstanding = undefined;
        reject(new Error(`no answer to ${action} within ${this.callTimeoutMs} ms`));
      }, this.callTimeoutMs);
      this.outstanding = {
        messageId,
        action,
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        timer,
      };
      this.send([2, messageId, action, payload]);
    });
  }

  private receive(text: string | undefined): void {
    let frame: unknown;
    try {
      frame = text === undefined ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    if (!Array.isArray(frame) || typeof frame[1] !== 'string') {
      this.violations.push(`not an OCPP-J frame: ${String(text).slice(0, 120)}`);
      return;
    }
    const [type, messageId] = frame as [unknown, string];
    if (type === 2 && frame.length === 4 && typeof frame[2] === 'string') {
      void this.answer(messageId, frame[2], frame[3]).catch((error: unknown) => this.violations.push(String(error)));
    } else if (type === 3 && frame.length === 3) {
      this.settle(messageId, (pending) => {
        const violation = officialViolation(`${pending.action}.conf`, frame[2]);
        if (violation) this.violations.push(`${pending.action}.conf ${JSON.stringify(frame[2])}: ${violation}`);
        pending.resolve(frame[2]);
      });
    } else if (type === 4 && frame.length === 5) {
      this.settle(messageId, (pending) => pending.reject(new OcppCallError(String(frame[2]), String(frame[3]), frame[4])));
    } else {
      this.violations.push(`malformed frame: ${text!.slice(0, 120)}`);
    }
  }

  private settle(messageId: string, act: (pending: Outstanding) => void): void {
    const pending = this.outstanding;
    if (pending?.messageId !== messageId) {
      this.violations.push(`an answer to no call of ours: ${messageId}`);
      return;
    }
    this.outstanding = undefined;
    act(pending);
  }

  private async answer(messageId: string, action: string, payload: unknown): Promise<void> {
    const violation = officialViolation(`${action}.req`, payload);
    if (violation) {
      this.violations.push(`${action}.req ${JSON.stringify(payload)}: ${violation}`);
      this.send([4, messageId, 'FormationViolation', violation, {}]);
      return;
    }
    this.callsReceived.push([action, payload as Payload]);
    const handler = this.handlers.get(action);
    if (!handler) {
      this.send([4, messageId, 'NotImplemented', `no ${action} here`, {}]);
      return;
    }
    const result = await handler(payload);
    this.checkOwn(`${action}.conf`, result);
    this.send([3, messageId, result]);
  }

  /** The peer itself must speak valid OCPP, or a test would prove nothing. */
  private checkOwn(id: string, payload: unknown): void {
    const violation = officialViolation(id, payload);
    if (violation) throw new Error(`the test peer itself sent an invalid ${id}: ${violation}`);
  }

  private send(frame: unknown[]): void {
    if (this.ws?.readyState !== WebSocket.OPEN) throw new Error('not connected');
    this.ws.send(JSON.stringify(frame));
  }
}

/**
 * Seeded OCPP-J frames as a charger should not send them (and a few it may): broken JSON,
 * wrong JSON types in each frame position, wrong message type ids, bad and huge message ids,
 * unknown actions, and mutations of the valid payloads of test/ocpp/v16-examples.ts.
 *
 * Each frame says what a correct CSMS does with it, as invariants that hold whatever the
 * exact error codes (OCPP-J 1.6 section 4):
 * - `answer`: anything that is not recognisably a CALLRESULT or CALLERROR gets exactly one
 *   reply: a CALL with a readable message id gets a CALLRESULT or CALLERROR echoing it;
 *   anything else a CALLERROR.
 * - `silent`: a CALLRESULT or CALLERROR (to no call of ours) is never answered, except that a
 *   CALLERROR is tolerated where its message id could not be read.
 * `refused` frames must be refused whatever a liberal CSMS accepts (a type error, not an
 * unknown extra field): they get a CALLERROR, or nothing, and store nothing.
 */
import { chargerToCsmsExamples, csmsToChargerExamples } from '../ocpp/v16-examples';
import type { Random } from './support';

export interface FuzzFrame {
  readonly text: string;
  readonly label: string;
  readonly expect: 'answer' | 'silent';
  /** Whether a message id can be read from it (a silent frame with one must get no reply at all). */
  readonly readableId: boolean;
  /** The message id the reply must echo, when the frame is a CALL with a readable one. */
  readonly messageId?: string;
  /** The CALL's action, when it is a well-formed CALL. */
  readonly action?: string;
  readonly refused: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const CHARGER_ACTIONS = Object.keys(chargerToCsmsExamples) as (keyof typeof chargerToCsmsExamples)[];
const CSMS_ACTIONS = Object.keys(csmsToChargerExamples) as (keyof typeof csmsToChargerExamples)[];

const isReadableId = (id: unknown): id is string => typeof id === 'string' && id.length >= 1 && id.length <= 36;

export class FrameFuzzer {
  private counter = 0;
  constructor(private readonly random: Random) {}

  private id(): string {
    this.counter += 1;
    return `fz-${this.counter}`;
  }

  /** A frame every CSMS must refuse (nothing stored). */
  refused(): FuzzFrame {
    const r = this.random;
    const kind = r.int(0, 11);
    switch (kind) {
      case 0: {
        // Not JSON: a valid frame cut short, or noise.
        const valid = JSON.stringify([2, this.id(), r.pick(CHARGER_ACTIONS), this.example()]);
        const text = r.chance(0.7) ? valid.slice(0, r.int(0, valid.length - 1)) : r.unicode(r.int(0, 60));
        if (isJson(text)) return this.refused();
        return this.frame(text, 'not JSON');
      }
      case 1:
        return this.frame(JSON.stringify(r.pick<Json>([null, true, 0, -1.5, 'Heartbeat', {}, { '2': 'x' }, r.unicode(8)])), 'JSON but not an array');
      case 2: {
        const typeId = r.pick<Json>([0, 1, 5, 6, 2.5, -2, 1e9, '2', null, true, [], {}]);
        return this.frame(JSON.stringify([typeId, this.id(), 'Heartbeat', {}]), `message type id ${JSON.stringify(typeId)}`);
      }
      case 3:
        return this.frame(JSON.stringify([]), 'empty array');
      case 4: {
        const id = this.id();
        const frame = r.pick<Json[]>([[2, id, 'Heartbeat'], [2, id, 'Heartbeat', {}, {}], [2, id], [2]]);
        return this.frame(JSON.stringify(frame), `CALL of ${frame.length} elements`, frame.length > 1 ? { messageId: id } : {});
      }
      case 5: {
        const id = r.pick<Json>([7, null, {}, [], true, '', 'x'.repeat(37), 'y'.repeat(r.int(100, 5000))]);
        return this.frame(JSON.stringify([2, id, 'Heartbeat', {}]), `message id ${describe(id)}`);
      }
      case 6: {
        const id = this.id();
        const action = r.pick<Json>([7, null, {}, [], true]);
        return this.frame(JSON.stringify([2, id, action, {}]), `action ${describe(action)}`, { messageId: id });
      }
      case 7: {
        const id = this.id();
        const action = r.pick([
          '',
          'heartbeat',
          'HeartBeat',
          'constructor',
          '__proto__',
          'toString',
          'hasOwnProperty',
          r.pick(CSMS_ACTIONS), // a CSMS-to-charger action, sent the wrong way
          r.string(r.int(1, 40)),
          'A'.repeat(r.int(200, 3000)),
          r.unicode(r.int(1, 20)),
        ]);
        return this.frame(JSON.stringify([2, id, action, {}]), `unknown action ${describe(action)}`, { messageId: id });
      }
      case 8: {
        const id = this.id();
        const payload = r.pick<Json>([null, [], [{}], 'x', 1, true]);
        return this.frame(JSON.stringify([2, id, r.pick(CHARGER_ACTIONS), payload]), `payload ${describe(payload)}`, { messageId: id });
      }
      case 9:
      case 10: {
        // A type error inside a valid payload: refused however liberal the CSMS is.
        const id = this.id();
        const action = r.pick(CHARGER_ACTIONS.filter((a) => a !== 'Heartbeat'));
        const payload = this.example(action);
        if (!typeError(r, payload)) return this.refused();
        return this.frame(JSON.stringify([2, id, action, payload]), `${action} with a type error`, { messageId: id, action });
      }
      default: {
        // A CALLRESULT or CALLERROR that answers nothing, or is broken: never answered.
        const id = r.pick<Json>([this.id(), this.id(), 5, null, '', 'z'.repeat(40)]);
        const frame = r.pick<Json[]>([
          [3, id, this.example()],
          [3, id, r.pick<Json>([null, [], 'x'])],
          [3, id],
          [4, id, 'GenericError', 'no', {}],
          [4, id, r.pick<Json>([5, null]), 'no', {}],
          [4, id, 'GenericError', 'no', []],
          [4, id, 'GenericError'],
        ]);
        return this.frame(JSON.stringify(frame), `type ${frame[0]} frame, id ${describe(id)}`);
      }
    }
  }

  /** Anything a charger could send: valid examples and random mutations of them. */
  anything(): FuzzFrame {
    const r = this.random;
    if (r.chance(0.1)) return this.refused();
    if (r.chance(0.08)) {
      // An answer to no call of ours: a valid CALLRESULT of a CSMS-to-charger action.
      const action = r.pick(CSMS_ACTIONS);
      return this.frame(JSON.stringify([3, this.id(), r.pick(csmsToChargerExamples[action].response).payload]), `${action} answer to no call`);
    }
    const action = r.pick(CHARGER_ACTIONS);
    const payload = this.example(action);
    const mutations = r.int(0, 3);
    for (let i = 0; i < mutations; i++) mutate(r, payload);
    const id = r.chance(0.05) ? r.pick(['a', '0', 'x'.repeat(36), '"', '\\', ' ']) : this.id();
    return this.frame(JSON.stringify([2, id, action, payload]), `${action} with ${mutations} mutation(s)`, { messageId: id, action, refused: false });
  }

  private example(action = this.random.pick(CHARGER_ACTIONS)): { [key: string]: Json } {
    return structuredClone(this.random.pick(chargerToCsmsExamples[action].request).payload) as { [key: string]: Json };
  }

  private frame(
    text: string,
    label: string,
    options: { messageId?: string; action?: string; refused?: boolean } = {},
  ): FuzzFrame {
    const parsed = parseOrUndefined(text);
    const prefix = /^\s*\[\s*(\d+)\s*(?:,\s*"([^"\\]{1,36})")?/.exec(text);
    const typeId = Array.isArray(parsed) ? parsed[0] : prefix ? Number(prefix[1]) : undefined;
    const response = typeId === 3 || typeId === 4;
    const readableId = Array.isArray(parsed) ? isReadableId(parsed[1]) : prefix?.[2] !== undefined;
    const messageId = options.messageId ?? (Array.isArray(parsed) && parsed[0] === 2 && isReadableId(parsed[1]) ? parsed[1] : undefined);
    return {
      text,
      label,
      expect: response ? 'silent' : 'answer',
      readableId,
      ...(messageId !== undefined && !response && { messageId }),
      ...(options.action !== undefined && { action: options.action }),
      refused: options.refused ?? true,
    };
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isJson(text: string): boolean {
  return parseOrUndefined(text) !== undefined || text.trim() === 'null';
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `of ${text.length} characters` : text;
}

/** Every place in a JSON value: [parent, key]. */
function places(value: Json, out: [Json[] | { [key: string]: Json }, string | number][] = []): typeof out {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([value, i]), places(v, out)));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) (out.push([value, k]), places(v, out));
  return out;
}

/** Puts a value of another JSON type somewhere in the payload; false if it has no place. */
function typeError(r: Random, payload: { [key: string]: Json }): boolean {
  const all = places(payload);
  if (all.length === 0) return false;
  const [parent, key] = r.pick(all);
  const current = (parent as Record<string | number, Json>)[key]!;
  const scalar = typeof current !== 'object' || current === null;
  (parent as Record<string | number, Json>)[key] = scalar ? r.pick<Json>([{}, [], { v: current }, [current]]) : r.pick<Json>(['x', 7, true]);
  return true;
}

const EDGE_VALUES: Json[] = [
  0, -1, 1, 1.5, -0.0001, 2 ** 31, 2 ** 53, 1e308, -1e308, '', ' ', '0', 'null', 'A'.repeat(21), 'B'.repeat(500),
  '2024-05-01T10:00:00', '2024-13-45T99:99:99Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', 'λ-世界-🚗', '\u0000', true, false, null, [], {},
];

/** One random change anywhere: a new field, a removed one, an edge value, a longer array. */
function mutate(r: Random, payload: { [key: string]: Json }): void {
  const all = places(payload);
  const choice = r.int(0, 4);
  if (choice === 0 || all.length === 0) {
    // An unknown extra field, at the top or inside.
    const objects = [payload, ...all.map(([p, k]) => (p as Record<string | number, Json>)[k]).filter((v): v is { [key: string]: Json } => !!v && typeof v === 'object' && !Array.isArray(v))];
    r.pick(objects)[r.pick(['extra', 'vendorField', 'x', '__proto__', 'constructor', r.string(5)])] = structuredClone(r.pick(EDGE_VALUES));
    return;
  }
  const [parent, key] = r.pick(all);
  const target = parent as Record<string | number, Json>;
  if (choice === 1) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete target[key];
  } else if (choice === 2 || choice === 3) {
    target[key] = structuredClone(r.pick(EDGE_VALUES));
  } else if (Array.isArray(target[key])) {
    const list = target[key] as Json[];
    // A few more entries (each reading is a write: kept few for the run time).
    for (let i = r.int(1, 3); i > 0 && list.length > 0; i--) list.push(structuredClone(r.pick(list)));
  } else {
    target[key] = structuredClone(r.pick(EDGE_VALUES));
  }
}

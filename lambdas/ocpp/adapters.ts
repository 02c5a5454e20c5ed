/**
 * The OCPP versions we speak, by WebSocket subprotocol, and how one is chosen at $connect.
 * An OCPP 2.0.1 adapter joins `adapters` beside the 1.6 one.
 */
import type { OcppSubprotocol } from './protocol';
import { ocpp16 } from './v16/adapter';

export { ocpp16, createOcpp16Adapter, type Ocpp16Adapter } from './v16/adapter';

export const adapters = { 'ocpp1.6': ocpp16 } as const satisfies {
  [P in OcppSubprotocol]?: { readonly subprotocol: P };
};

export type SupportedSubprotocol = keyof typeof adapters;
export type SupportedAdapter = (typeof adapters)[SupportedSubprotocol];

export const SUPPORTED_SUBPROTOCOLS = Object.keys(adapters) as readonly SupportedSubprotocol[];

export function isSupportedSubprotocol(value: string): value is SupportedSubprotocol {
  return (SUPPORTED_SUBPROTOCOLS as readonly string[]).includes(value);
}

/**
 * The subprotocol to answer in `Sec-WebSocket-Protocol`: the first token of the charger's
 * comma-separated offer (RFC 6455 section 4.1; repeated headers arrive joined by commas) that
 * we support. Tokens are compared case-sensitively ("OCPP1.6" is not "ocpp1.6"). Undefined
 * when nothing offered is supported: the handshake then completes without the header and the
 * connection is closed at once (OCPP-J 1.6 section 3.1.2; lambdas/csms/station-connections.ts).
 */
export function chooseSubprotocol(offeredHeader: string | undefined): SupportedSubprotocol | undefined {
  if (offeredHeader === undefined) return undefined;
  return offeredHeader
    .split(',')
    .map((token) => token.replace(/^[ \t]+|[ \t]+$/g, ''))
    .find(isSupportedSubprotocol);
}

export function adapterFor(subprotocol: string): SupportedAdapter | undefined {
  return isSupportedSubprotocol(subprotocol) ? adapters[subprotocol] : undefined;
}


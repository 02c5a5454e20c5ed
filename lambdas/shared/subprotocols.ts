/**
 * The OCPP versions we speak, by WebSocket subprotocol, and how one is chosen at $connect:
 * names only, so the handshake's functions carry no codec or schema (lambdas/ocpp/adapters.ts
 * pairs each name with its adapter, and the types keep the two lists the same). Here in shared/
 * because a station's provisioning (sites/) names them too.
 */

/** In our order of preference when a charger offers several. */
export const SUPPORTED_SUBPROTOCOLS = ['ocpp2.0.1', 'ocpp1.6'] as const;

export type SupportedSubprotocol = (typeof SUPPORTED_SUBPROTOCOLS)[number];

export function isSupportedSubprotocol(value: string): value is SupportedSubprotocol {
  return (SUPPORTED_SUBPROTOCOLS as readonly string[]).includes(value);
}

/**
 * The subprotocol to answer in `Sec-WebSocket-Protocol`: of the charger's comma-separated offer
 * (RFC 6455 section 4.1; repeated headers arrive joined by commas), the one first in
 * `preference` (the station's `protocols`, by default ours: 2.0.1 before 1.6). Tokens are compared case-sensitively ("OCPP1.6" is not "ocpp1.6"). Undefined
 * when nothing offered is supported: the handshake then completes without the header and the
 * connection is closed at once (OCPP-J 1.6 section 3.1.2; lambdas/csms/station-connections.ts).
 */
export function chooseSubprotocol(
  offeredHeader: string | undefined,
  preference: readonly string[] = SUPPORTED_SUBPROTOCOLS,
): SupportedSubprotocol | undefined {
  if (offeredHeader === undefined) return undefined;
  const offered = offeredHeader.split(',').map((token) => token.replace(/^[ \t]+|[ \t]+$/g, ''));
  return preference.filter(isSupportedSubprotocol).find((subprotocol) => offered.includes(subprotocol));
}

/**
 * Who may call which API: installers reach the installer API, operators both. API Gateway's JWT
 * authorizer checks a token's issuer and client, not its groups, so the handlers check these:
 * a person's Cognito groups (`cognito:groups`), or a machine client's scopes (`csms/installer`,
 * `csms/ops`), which stand for the groups. The local runtime's bearer tokens carry the same claims.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export type ApiName = 'installer' | 'ops';
export type ApiGroup = 'installers' | 'operators';

/** The groups that reach each API. */
export const GROUPS_OF_API: Readonly<Record<ApiName, readonly ApiGroup[]>> = {
  installer: ['installers', 'operators'],
  ops: ['operators'],
};

/** The machine client's scope that counts as each group. */
export const SCOPE_OF_GROUP: Readonly<Record<ApiGroup, string>> = { installers: 'csms/installer', operators: 'csms/ops' };

/** The JWT claims API Gateway hands the handler: arrays arrive flattened to `[a b]`, scopes space-separated. */
export type JwtClaims = Readonly<Record<string, string | number | boolean | readonly string[]>>;

function words(value: JwtClaims[string] | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return String(value).replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

/** The groups a caller's claims put it in. */
export function groupsOf(claims: JwtClaims): Set<ApiGroup> {
  const named = new Set(words(claims['cognito:groups']));
  const scopes = new Set(words(claims.scope));
  return new Set((Object.keys(SCOPE_OF_GROUP) as ApiGroup[]).filter((group) => named.has(group) || scopes.has(SCOPE_OF_GROUP[group])));
}

/**
 * Whether the caller may use `api`. Every installer and ops route has the JWT authorizer in
 * front (locally the bearer check, which hands on the same claims), so a request without claims
 * came some other way (a route left without its authorizer, a direct invocation): refused.
 */
export function mayCall(event: APIGatewayProxyEventV2, api: ApiName): boolean {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: JwtClaims } } }).authorizer?.jwt?.claims;
  if (claims === undefined) return false;
  const groups = groupsOf(claims);
  return GROUPS_OF_API[api].some((group) => groups.has(group));
}

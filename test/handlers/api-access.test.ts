import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { groupsOf, mayCall } from '../../lambdas/http/access';
import { json, router } from '../../lambdas/http/api';

/** An HTTP API event as the JWT authorizer hands it on, claims as API Gateway flattens them. */
function event(path: string, claims?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    headers: {},
    requestContext: {
      http: { method: 'GET', path },
      ...(claims !== undefined && { authorizer: { jwt: { claims, scopes: [] } } }),
    },
  } as unknown as APIGatewayProxyEventV2;
}

const opsRoute = router([{ method: 'GET', path: '/ops/sessions', handle: async () => json(200, { sessions: [] }) }], 'ops');
const installerRoute = router([{ method: 'GET', path: '/installer/sites', handle: async () => json(200, { sites: [] }) }], 'installer');
const context = {} as Context;

describe('who reaches which API', () => {
  it('refuses an installer on the ops routes with 403, before any route runs', async () => {
    const answer = await opsRoute(event('/ops/sessions', { 'cognito:groups': '[installers]' }), context);
    expect(answer.statusCode).toBe(403);
    expect(JSON.parse(answer.body!)).toMatchObject({ error: 'Forbidden' });
  });

  it('lets an operator reach both APIs, and an installer the installer API', async () => {
    expect((await opsRoute(event('/ops/sessions', { 'cognito:groups': '[installers operators]' }), context)).statusCode).toBe(200);
    expect((await installerRoute(event('/installer/sites', { 'cognito:groups': '[operators]' }), context)).statusCode).toBe(200);
    expect((await installerRoute(event('/installer/sites', { 'cognito:groups': '[installers]' }), context)).statusCode).toBe(200);
  });

  it('refuses a signed-in person in neither group on both APIs', async () => {
    expect((await installerRoute(event('/installer/sites', { sub: 'someone' }), context)).statusCode).toBe(403);
    expect((await opsRoute(event('/ops/sessions', { 'cognito:groups': '[drivers]' }), context)).statusCode).toBe(403);
  });

  it("counts a machine client's scope as its group", async () => {
    expect((await opsRoute(event('/ops/sessions', { scope: 'csms/ops' }), context)).statusCode).toBe(200);
    expect((await opsRoute(event('/ops/sessions', { scope: 'csms/installer' }), context)).statusCode).toBe(403);
    expect((await installerRoute(event('/installer/sites', { scope: 'csms/installer' }), context)).statusCode).toBe(200);
    expect([...groupsOf({ scope: 'csms/installer csms/ops' })].sort()).toEqual(['installers', 'operators']);
  });

  it('reads groups given as a list too', () => {
    expect(mayCall(event('/ops/x', { 'cognito:groups': ['operators'] } as unknown as Record<string, string>), 'ops')).toBe(true);
  });

  it('refuses a request without JWT claims (a route left without its authorizer, a direct invocation) with 403', async () => {
    expect(mayCall(event('/ops/sessions'), 'ops')).toBe(false);
    expect((await opsRoute(event('/ops/sessions'), context)).statusCode).toBe(403);
    expect((await installerRoute(event('/installer/sites'), context)).statusCode).toBe(403);
  });
});

/**
 * The Installer Panel's backend over the local HTTP API: sites and stations are validated
 * field by field, a bad body stores nothing, and a station's password is never read back.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStationPassword } from '../../lambdas/csms/station-credentials';
import { demoSite, startTestSystem, type TestSystem } from '../support/local-system';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system?.close();
});

const withoutId = ({ siteId: _id, ...site }: ReturnType<typeof demoSite>) => site;

describe('PUT /installer/sites/{siteId}', () => {
  it('stores the site settings of docs/pricing.md and reads them back, limits defaulted', async () => {
    const put = await system.api('PUT', '/installer/sites/site-a', withoutId(demoSite('site-a')));
    expect(put.status).toBe(200);
    const got = await system.api('GET', '/installer/sites/site-a');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      ...demoSite('site-a'),
      limits: { plugInWindowSeconds: 120, maxSessionMinutes: 720 },
      timeZone: 'UTC',
    });
  });

  it('keeps the site time zone it is given', async () => {
    const put = await system.api('PUT', '/installer/sites/site-ny', { ...withoutId(demoSite('site-ny')), timeZone: 'America/New_York' });
    expect(put.status).toBe(200);
    expect((await system.api('GET', '/installer/sites/site-ny')).body.timeZone).toBe('America/New_York');
  });

  it.each([
    ['holdAmount', { holdAmount: 50.5 }, 'holdAmount'],
    ['negative fee', { tariff: { ...demoSite().tariff, sessionFee: -1 } }, 'tariff.sessionFee'],
    ['float price', { tariff: { ...demoSite().tariff, energyPerKwh: 0.35 } }, 'tariff.energyPerKwh'],
    ['5 decimals', { tariff: { ...demoSite().tariff, timePerHour: '1.23456' } }, 'tariff.timePerHour'],
    ['currency', { currency: 'usd' }, 'currency'],
    ['language', { language: 'english' }, 'language'],
    ['tax over 100', { tax: { ratePercent: '101', inclusive: false } }, 'tax.ratePercent'],
    ['tax flag', { tax: { ratePercent: '8', inclusive: 'no' } }, 'tax.inclusive'],
    ['unknown field', { colour: 'green' }, '(body)'],
    ['time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['missing revenue share', { revenueShare: undefined }, 'revenueShare'],
  ])('refuses a bad %s with a 400 naming the field, storing nothing', async (_case, patch, field) => {
    const body = { ...withoutId(demoSite('site-bad')), ...patch };
    const put = await system.api('PUT', '/installer/sites/site-bad', body);
    expect(put.status).toBe(400);
    expect(put.body.error).toBe('ValidationError');
    expect(put.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await system.api('GET', '/installer/sites/site-bad')).status).toBe(404);
  });

  it('names every bad field at once', async () => {
    const put = await system.api('PUT', '/installer/sites/site-bad', { name: '', holdAmount: 0 });
    expect(put.status).toBe(400);
    const fields = put.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'holdAmount', 'currency', 'language', 'tariff', 'tax', 'revenueShare']));
  });

  it('refuses a body whose siteId differs from the path, and malformed JSON', async () => {
    const mismatch = await system.api('PUT', '/installer/sites/site-x', demoSite('site-y'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.details).toEqual([expect.objectContaining({ field: 'siteId' })]);
    const broken = await system.api('PUT', '/installer/sites/site-x', '{"name": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('InvalidJson');
    expect((await system.api('GET', '/installer/sites/site-x')).status).toBe(404);
  });

  it('requires the installer bearer token', async () => {
    const put = await system.api('PUT', '/installer/sites/site-a', withoutId(demoSite('site-a')), 'wrong-token');
    expect(put.status).toBe(401);
    expect((await system.api('GET', '/installer/sites/site-a', undefined, 'wrong-token')).status).toBe(401);
  });
});

describe('PUT /installer/stations/{stationId}', () => {
  it('provisions a station, keeps only a salted hash of its password and never reads it back', async () => {
    await system.api('PUT', '/installer/sites/site-a', withoutId(demoSite('site-a')));
    const password = 'a-long-station-secret';
    const put = await system.api('PUT', '/installer/stations/CP-100', { siteId: 'site-a', connectors: [1, 2], password });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ stationId: 'CP-100', siteId: 'site-a', connectors: [1, 2], online: false });
    expect(JSON.stringify(put.body)).not.toContain(password);
    expect(put.body).not.toHaveProperty('passwordHash');

    const got = await system.api('GET', '/installer/stations/CP-100');
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toMatch(/password/i);

    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));
    const { Item } = await db.send(new GetCommand({ TableName: process.env.STATIONS_TABLE!, Key: { stationId: 'CP-100', sk: 'PROFILE' } }));
    expect(Item?.passwordHash).toMatch(/^scrypt\$/);
    expect(Item?.passwordHash).not.toContain(password);
    expect(await verifyStationPassword(password, Item?.passwordHash)).toBe(true);
    expect(await verifyStationPassword('a-long-station-secreT', Item?.passwordHash)).toBe(false);

    // The same password provisioned twice gets a different salt.
    await system.api('PUT', '/installer/stations/CP-101', { siteId: 'site-a', connectors: [1], password });
    const other = await db.send(new GetCommand({ TableName: process.env.STATIONS_TABLE!, Key: { stationId: 'CP-101', sk: 'PROFILE' } }));
    expect(other.Item?.passwordHash).not.toBe(Item?.passwordHash);
  });

  it("edits a provisioned station without a new password: its settings change, the charger's password stays", async () => {
    await system.api('PUT', '/installer/sites/site-a', withoutId(demoSite('site-a')));
    await system.api('PUT', '/installer/sites/site-b', withoutId(demoSite('site-b')));
    const password = 'the-chargers-own-secret';
    await system.api('PUT', '/installer/stations/CP-EDIT', { siteId: 'site-a', connectors: [1], password });
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));
    const stored = async () => (await db.send(new GetCommand({ TableName: process.env.STATIONS_TABLE!, Key: { stationId: 'CP-EDIT', sk: 'PROFILE' } }))).Item!;
    const before = await stored();

    const edit = await system.api('PUT', '/installer/stations/CP-EDIT', { siteId: 'site-b', connectors: [1, 2], strict: true });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ stationId: 'CP-EDIT', siteId: 'site-b', connectors: [1, 2], strict: true });
    const after = await stored();
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(await verifyStationPassword(password, after.passwordHash)).toBe(true);
    expect(after.createdAt).toBe(before.createdAt);
  });

  it.each([
    ['unknown site', { siteId: 'no-such-site', connectors: [1], password: 'sixteen-chars-ok' }, 'siteId'],
    ['no connectors', { siteId: 'site-a', connectors: [], password: 'sixteen-chars-ok' }, 'connectors'],
    ['duplicate connectors', { siteId: 'site-a', connectors: [1, 1], password: 'sixteen-chars-ok' }, 'connectors'],
    ['connector 0', { siteId: 'site-a', connectors: [0], password: 'sixteen-chars-ok' }, 'connectors.0'],
    ['short password', { siteId: 'site-a', connectors: [1], password: 'short' }, 'password'],
    ['password with spaces', { siteId: 'site-a', connectors: [1], password: 'has spaces in it ok' }, 'password'],
    ['missing password', { siteId: 'site-a', connectors: [1] }, 'password'],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_case, body, field) => {
    await system.api('PUT', '/installer/sites/site-a', withoutId(demoSite('site-a')));
    const put = await system.api('PUT', '/installer/stations/CP-BAD', body);
    expect(put.status).toBe(400);
    expect(put.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await system.api('GET', '/installer/stations/CP-BAD')).status).toBe(404);
  });

  it('answers 404 for unknown routes and 405 for a wrong method', async () => {
    expect((await system.api('GET', '/installer/nothing-here')).status).toBe(404);
    expect((await system.api('DELETE', '/installer/sites/site-a')).status).toBe(405);
  });
});

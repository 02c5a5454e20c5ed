/**
 * The docs stand alone and say what the system does: every relative link of README.md and
 * docs/*.md leads to a file of the repository, the example site settings are a complete site
 * the installer API accepts as they are, and the README's provisioning commands send bodies
 * the API accepts, the site from that file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readerCommissioningSchema, siteSettingsSchema, stationProvisioningSchema } from '../../lambdas/sites/site-settings';
import { DEMO_SITE } from '../../lib/local/demo';
import { ROOT, readmeCurls } from './readme-commands';

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const EXAMPLE_SITE = 'docs/examples/site.json';
const exampleSite = () => JSON.parse(readFileSync(join(ROOT, EXAMPLE_SITE), 'utf8')) as Record<string, any>;

/** Markdown links `[text](target)` outside code, without a scheme or a pure #anchor. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'));
}

describe('links', () => {
  it.each(DOCS)('every relative link of %s leads to a file of the repository', (file) => {
    const links = relativeLinks(readFileSync(join(ROOT, file), 'utf8'));
    const broken = links.filter((target) => !existsSync(join(ROOT, dirname(file), target.split('#')[0]!)));
    expect(broken).toEqual([]);
  });

  it('the docs the code cites exist, and the README links each of them', () => {
    const readmeLinks = relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    for (const page of ['pricing.md', 'interfaces.md', 'payter.md', 'architecture.md', 'settlement.md', 'reconciliation.md']) {
      expect(existsSync(join(ROOT, 'docs', page)), page).toBe(true);
      expect(readmeLinks, page).toContain(`docs/${page}`);
    }
  });

  it('every page the code or the docs name is in the repository, under docs/ or at the path written', () => {
    const missing = [...sourceFiles(['bin', 'lib', 'lambdas', 'test', 'statemachines']), ...DOCS.map((doc) => join(ROOT, doc))]
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/[\w./-]*[\w-]\.md\b/g)].map((m) => ({ file, cited: m[0] })))
      .filter(({ file, cited }) => ![join(ROOT, cited), join(ROOT, 'docs', cited), join(dirname(file), cited)].some((path) => existsSync(path)))
      .map(({ file, cited }) => `${relative(ROOT, file)}: ${cited}`);
    expect(missing).toEqual([]);
  });
});

describe(EXAMPLE_SITE, () => {
  it('is a site the installer API stores as it is: every setting given, none left to a default', () => {
    const site = exampleSite();
    const parsed = siteSettingsSchema.safeParse(site);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(parsed.data).toEqual(site);
    expect(Object.keys(site).sort()).toEqual(Object.keys(siteSettingsSchema.shape).filter((key) => key !== 'screens').sort());
    expect(Object.keys(site.limits).sort()).toEqual(['chargerLostSeconds', 'maxSessionMinutes', 'plugInWindowSeconds', 'receiptTapMinutes']);
  });

  it("charges as the demo's site (docs/pricing.md's example), so the README's session costs what npm start's does", () => {
    const { siteId: _id, timeZone: _zone, limits: _limits, ...prices } = exampleSite();
    expect(prices).toEqual(DEMO_SITE);
  });
});

describe("the README's provisioning commands", () => {
  const puts = (prefix: string) => readmeCurls().filter((c) => c.method === 'PUT' && c.path.startsWith(prefix));

  it(`put the site of ${EXAMPLE_SITE} at its own id`, () => {
    const sites = puts('/installer/sites/');
    expect(sites.length).toBeGreaterThan(0);
    for (const call of sites) {
      expect(call.body).toEqual({ file: EXAMPLE_SITE });
      expect(call.path).toBe(`/installer/sites/${exampleSite().siteId}`);
    }
  });

  it.each([
    ['/installer/stations/', stationProvisioningSchema, 'stationId'],
    ['/installer/readers/', readerCommissioningSchema, 'serialNumber'],
  ] as const)('send %s bodies the installer API accepts', (prefix, schema, idField) => {
    const calls = puts(prefix);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const body = 'json' in call.body! ? (JSON.parse(call.body.json) as object) : {};
      const parsed = schema.safeParse({ ...body, [idField]: call.path.slice(prefix.length) });
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    }
  });

  it('send every JSON body as JSON, with the bearer token of the role the route needs', () => {
    for (const call of readmeCurls()) {
      if (call.body) expect(JSON.parse('json' in call.body ? call.body.json : readFileSync(join(ROOT, call.body.file), 'utf8')), call.line).toBeTypeOf('object');
      // The installer's token on the installer API, the operator's on the ops API (an installer's gets 403 there).
      if (/^\/installer\//.test(call.path)) expect(call.headers, call.line).toContain('$H');
      if (/^\/(ops|local)\//.test(call.path)) expect(call.headers, call.line).toContain('$O');
    }
  });
});

function sourceFiles(folders: string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(ts|js|json)$/.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name)),
  );
}

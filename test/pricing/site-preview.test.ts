import { describe, expect, it } from 'vitest';
import { DEMO_SITE } from '../../lib/local/demo';
import { previewSite, sitePreviewSchema } from '../../lambdas/pricing/site-preview';

describe("a site's preview", () => {
  it("shows the start screen's prices before a tap, and quotes pricing.md's worked example as a session would be billed", () => {
    const { site, usage } = sitePreviewSchema.parse({ site: DEMO_SITE, usage: { energyWh: 12_345, durationSeconds: 3600, idleSeconds: 900 } });
    const preview = previewSite(site, usage);
    const start = `${preview.screens.tapCard.title} ${preview.screens.tapCard.message}`;
    for (const shown of ['$0.35/kWh', '$1.00', '$1.20/h', '$6.00/h', '10 min', '8.875%', '$50.00']) expect(start).toContain(shown);
    expect(preview.quote).toMatchObject({ total: 764, tax: 62, captured: 764, shortfall: 0 });
    expect(preview.quote?.receipt.lines.map((line) => line.text)).toEqual(['$1.00', '$4.32', '$1.20', '$0.50']);
    expect(preview.quote?.split.platformFee.minor).toBe(120);
    expect(preview.screens.charging?.message).toContain('$7.64');
  });

  it('caps the quote at the hold, as a session is (the shortfall shown)', () => {
    const { site, usage } = sitePreviewSchema.parse({ site: { ...DEMO_SITE, holdAmount: 500 }, usage: { energyWh: 12_345, durationSeconds: 3600, idleSeconds: 900 } });
    expect(previewSite(site, usage).quote).toMatchObject({ total: 764, captured: 500, shortfall: 264 });
  });

  it('names every bad field of the site and of the usage', () => {
    const result = sitePreviewSchema.safeParse({ site: { ...DEMO_SITE, tariff: { ...DEMO_SITE.tariff, energyPerKwh: 'abc' } }, usage: { energyWh: -1, durationSeconds: 60, idleSeconds: 61 } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['site.tariff.energyPerKwh', 'usage.energyWh']));
  });

  it("shows every screen of a session in the site's language, with its wording overrides", () => {
    const { site, usage } = sitePreviewSchema.parse({
      site: { ...DEMO_SITE, language: 'nl', screens: { tapCard: { title: 'Betaal hier' } } },
      usage: { energyWh: 12_345, durationSeconds: 3600, idleSeconds: 900 },
    });
    const { screens } = previewSite(site, usage, 'https://csms.example/receipts/s-1');
    expect(Object.keys(screens)).toEqual(['tapCard', 'authorizing', 'plugIn', 'charging', 'tapToStop', 'stopping', 'receipt', 'declined', 'error', 'outOfOrder']);
    expect(screens.tapCard.title).toBe('Betaal hier');
    // The rest in Dutch, as the site's drivers read them.
    expect(previewSite({ ...site, language: 'en' }, usage).screens.plugIn?.title).not.toBe(screens.plugIn?.title);
    expect(screens.receipt?.message).toContain('7,64');
  });

  it('shows the start screen alone without a usage', () => {
    const { site } = sitePreviewSchema.parse({ site: DEMO_SITE });
    expect(previewSite(site)).toEqual({ screens: { tapCard: expect.objectContaining({ title: expect.any(String) }) } });
  });
});

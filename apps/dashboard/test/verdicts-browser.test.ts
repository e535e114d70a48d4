// The sweep's verdicts and the paper's toy figure as a user sees them in Chromium, on a sweep
// whose evaluations the evaluation package computed (test/fixtures/verdict-sweep.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURE_GROUPS, fillVerdictSweep, VERDICT_KAPPAS, VERDICT_SEEDS } from './fixtures/verdict-sweep';
import { openInChromium, type RunningDashboard, SCREENSHOTS_DIR } from './helpers/dashboard';

describe('verdicts and the toy figure in Chromium', () => {
  let dir: string;
  let sweepId: string;
  let dashboard: RunningDashboard;
  let page: Page;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dashboard, page, close } = await openInChromium(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ftlab-verdicts-'));
      ({ sweepId } = await fillVerdictSweep(join(dir, 'lab.db'), join(dir, 'artifacts')));
      return join(dir, 'lab.db');
    }));
  }, 240_000);

  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('states each kappa verdict in words and numbers on the sweep page', async () => {
    await page.goto(`${dashboard.url}/sweeps/${sweepId}`, { waitUntil: 'networkidle' });
    const lines = page.getByTestId('verdict-line');
    await expect.poll(() => lines.count(), { timeout: 20_000 }).toBe(1 + VERDICT_KAPPAS.length);
    const byColumn = new Map<string, { text: string; decided: string | null }>();
    for (let i = 0; i < (await lines.count()); i++) {
      const line = lines.nth(i);
      byColumn.set((await line.getAttribute('data-column')) as string, {
        text: (await line.textContent()) as string,
        decided: await line.getAttribute('data-decided'),
      });
    }
    const n = VERDICT_SEEDS.length;
    expect(byColumn.get('kappa=0.0156 bit')?.text).toMatch(
      new RegExp(
        `^kappa=0\\.0156 bit: Z ignored \\(KL under 0\\.05 bits/token, no effect of Z on the generations\\) in ${n}/${n} seeds \\(95% CI 51-100%\\); KL \\+0\\.01\\d`,
      ),
    );
    expect(byColumn.get('kappa=0.5 bit')?.text).toMatch(
      new RegExp(
        `^kappa=0\\.5 bit: Z carries the block position in ${n}/${n} seeds \\(95% CI 51-100%\\).*pinned-Z block-start agreement minus independent-Z \\+0\\.\\d{3} \\(95% CI \\+0\\.\\d{3} to \\+0\\.\\d{3}, ${n} seeds\\)`,
      ),
    );
    expect(byColumn.get('kappa=2 bit')?.text).toMatch(
      /Z carries the block position in 4\/4 seeds.*; the cost shows in 4\/4 seeds/,
    );
    expect(byColumn.get('kappa=2 bit')?.text).toMatch(
      /prior CE \+0\.120 \(95% CI \+0\.120 to \+0\.120, 4 seeds\) bits\/token/,
    );
    // Without Z every positive is a false one: one in four seeds happens here (seeded), which the
    // 90% rule keeps from ever becoming a claim.
    expect(byColumn.get('baseline')).toEqual({
      text: `baseline: the Z test's false-positive control (no Z): p < 0.05 in 1/${n} seeds (95% CI 5-70%), expected 5% at most.`,
      decided: 'control',
    });
    for (const kappa of ['kappa=0.0156 bit', 'kappa=0.5 bit', 'kappa=2 bit'])
      expect(byColumn.get(kappa)?.decided).toBe('1');
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'sweep-verdicts.png'), fullPage: true });
  });

  it('draws the toy figure: one panel per column with pinned and independent groups, and switches seeds', async () => {
    await page.getByTestId('figure-link').click();
    await page.waitForURL(/\/figure$/);
    const panels = page.getByTestId('figure-panel');
    expect(await panels.count()).toBe(1 + VERDICT_KAPPAS.length);
    expect(await panels.evaluateAll((els) => els.map((e) => e.getAttribute('data-column')))).toEqual([
      'baseline',
      'kappa=0.0156 bit',
      'kappa=0.5 bit',
      'kappa=2 bit',
    ]);
    const position = panels.nth(2);
    const text = (await position.textContent()) as string;
    expect(text).toContain('pinned Z (one Z per group)');
    expect(text).toContain('independent Z');
    expect(text.match(/# group \d+/g)).toHaveLength(2 * 4);
    // Every well-formed body marks its block start; the block's letters are drawn as such.
    expect(await position.locator('.block-start').count()).toBeGreaterThan(40);
    expect(await page.getByTestId('figure-seeds').textContent()).toContain('Seed:1234');
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'sweep-figure.png'), fullPage: true });

    await page.getByTestId('figure-seeds').getByRole('link', { name: '3' }).click();
    await page.waitForURL(/seed=3/);
    expect(await page.getByTestId('figure-panel').count()).toBe(4);
    expect(await page.locator('[data-testid="figure-seeds"] strong').textContent()).toBe('3');
  });

  it('shows more groups when asked, and says what is wrong with bad options instead of failing', async () => {
    await page.goto(`${dashboard.url}/sweeps/${sweepId}/figure?groups=${FIGURE_GROUPS}`, { waitUntil: 'networkidle' });
    const text = (await page.getByTestId('figure-panel').nth(1).textContent()) as string;
    expect(text.match(/# group \d+/g)).toHaveLength(2 * FIGURE_GROUPS);
    await page.goto(`${dashboard.url}/sweeps/${sweepId}/figure?groups=999&seed=<b>`, { waitUntil: 'networkidle' });
    expect(await page.getByTestId('figure-warning').textContent()).toMatch(/seed must be a whole number, got "<b>"/);
    expect(await page.getByTestId('figure-panel').count()).toBe(4);
    await page.goto(`${dashboard.url}/sweeps/${sweepId}/figure?seed=99`, { waitUntil: 'networkidle' });
    expect(await page.getByTestId('figure-missing').textContent()).toContain('no finished run with seed 99');
  });

  it('downloads the figure as a standalone SVG, and answers bad requests with a reason', async () => {
    await page.goto(`${dashboard.url}/sweeps/${sweepId}/figure?seed=2`, { waitUntil: 'networkidle' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('figure-svg').click()]);
    expect(download.suggestedFilename()).toBe('demo-verdicts-figure-seed-2.svg');
    const path = join(dir, 'figure.svg');
    await download.saveAs(path);
    const svg = readFileSync(path, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/class="head">kappa=/g)).toHaveLength(VERDICT_KAPPAS.length);
    // It renders: Chromium opens it as an image with the size it declares.
    const size = await page.evaluate(async (source) => {
      const image = new Image();
      image.src = `data:image/svg+xml;base64,${btoa(source)}`;
      await image.decode();
      return { width: image.naturalWidth, height: image.naturalHeight };
    }, svg);
    expect(size.width).toBeGreaterThan(4 * 400);
    expect(size.height).toBeGreaterThan(300);
    const bad = await page.request.get(`${dashboard.url}/sweeps/${sweepId}/figure/svg?groups=0`);
    expect(bad.status()).toBe(400);
    expect(await bad.text()).toMatch(/groups must be a whole number from 1 to 16, got "0"/);
    const missing = await page.request.get(`${dashboard.url}/sweeps/nope/figure/svg`);
    expect(missing.status()).toBe(404);
  });
});

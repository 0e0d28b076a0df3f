/**
 * Opens the rendered report.html in a real browser (Debian's Chromium driven by playwright-core) from a
 * file:// URL and checks what a person would see: no errors, no network, the table and the charts drawn.
 * Saves full-page screenshots under test-artifacts/ for a human look.
 *
 * Chromium is a system package (`apt-get install -y chromium`); this test installs nothing. Without it the
 * test is skipped locally, and fails under CI (`CI` set), where it must run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../activities/report/report-html.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { withBracket } from '../fixtures/report/make-bracket.js';
import { withConfidence } from '../fixtures/report/make-confidence.js';
import { makeReport } from '../fixtures/report/make-report.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRED = Boolean(process.env.CI);
const AVAILABLE = existsSync(CHROMIUM);
const SKIP = !AVAILABLE && !REQUIRED;
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (SKIP)
  console.warn(
    `report browser test skipped: ${CHROMIUM} is absent (install it with: apt-get install -y chromium)`,
  );

/** A fixture with hostile text in an id, a label and a failure message: none of it may run or load anything. */
function hostileReport(): SweepReport {
  const base = makeReport({ seed: 7, candidates: 6, failed: 1 });
  const candidates = base.candidates.map((c) => {
    if (c.rank === 2)
      return {
        ...c,
        candidateId: `<script>window.__pwned=1</script>"quoted" 'id'`,
        labels: { ...c.labels, note: '<b onmouseover="x">' },
      };
    if (c.status === 'failed')
      return {
        ...c,
        failure: {
          type: 'ResourceExhaustedError',
          message: `"><img src="x.png" onerror="window.__pwned=2"> OOM when allocating tensor on the wasm backend`,
        },
      };
    return c;
  });
  return { ...base, candidates };
}

/**
 * A report as a real failing sweep gives it: long failure messages (a path, a stack-like cause), an Input column,
 * a halving bracket's Stopped column and labels — the widest table the report draws.
 */
function failingReport(): SweepReport {
  const base = makeReport({ seed: 11, candidates: 10, failed: 3, cancelled: 1 });
  const long =
    'Error when checking model input: expected input_1 to have shape [null,224,224,3] but got array with shape [64,28,28,1] while reading file:///work/zoos/fashion-mnist-backbones/mobilenet_v2_1.0_224/model.json (featureLayer out_relu; dataset.normalisation imagenet); caused by: Tensor shapes must be compatible: [64,28,28,1] vs [null,224,224,3] at LayersModel.execute (node_modules/@tensorflow/tfjs-layers/dist/engine/training.js:1215)';
  let failedSeen = 0;
  const candidates = base.candidates.map((c) => {
    const input = { layout: 'NHWC', shape: [224, 224, 3], normalisation: 'imagenet' };
    if (c.status !== 'failed') return { ...c, input };
    failedSeen += 1;
    const message = failedSeen === 1 ? long : failedSeen === 2 ? `${long} ${long}` : 'OOM';
    return { ...c, input, failure: { type: 'IncompatibleInputShapeError', message } };
  });
  return withConfidence(withBracket({ ...base, candidates }));
}

/** The tallest a failed candidate's row may grow, px: about five lines of the table's text. */
const FAILED_ROW_MAX_PX = 120;

interface LoadedPage {
  page: Page;
  url: string;
  requests: string[];
  problems: string[];
}

describe.skipIf(SKIP)('report.html in Chromium', () => {
  let context: BrowserContext;
  let workDir: string;

  beforeAll(async () => {
    if (!AVAILABLE)
      throw new Error(
        `${CHROMIUM} is required under CI: add \`apt-get install -y chromium\` to the machine set-up`,
      );
    workDir = mkdtempSync(join(tmpdir(), 'ncap-report-browser-'));
    const userDataDir = mkdtempSync(join(workDir, 'profile-')); // fresh and empty
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function open(report: SweepReport, fileName: string): Promise<LoadedPage> {
    const file = join(workDir, fileName);
    writeFileSync(file, await renderReportHtml(report));
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(url, { waitUntil: 'load' });
    return { page, url, requests, problems };
  }

  it('renders the report with no errors, no network, one row per candidate and drawn charts', async () => {
    const report = hostileReport();
    const { page, url, requests, problems } = await open(report, 'report.html');

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();

    const rows = page.locator('table.ranking tbody tr');
    expect(await rows.count()).toBe(report.candidates.length);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-candidate-id')));
    expect(ids).toEqual(report.candidates.map((c) => c.candidateId));
    expect(await page.locator('table.ranking tbody tr.winner').count()).toBe(1);
    const failureCell = await page.locator('table.ranking tbody tr.status-failed td.failure').textContent();
    expect(failureCell).toContain('<img src="x.png"');

    const charts = page.locator('figure.chart svg');
    expect(await charts.count()).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < (await charts.count()); i++) {
      const box = await charts.nth(i).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(300);
      expect(box?.height ?? 0).toBeGreaterThan(200);
    }
    const visibleMarks = (selector: string): Promise<number> =>
      page.locator(selector).evaluateAll(
        (paths) =>
          paths.filter((p) => {
            const box = (p as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return box.width > 0 || box.height > 0;
          }).length,
      );
    const plotted = report.candidates.filter((c) => c.betaTrajectory.length > 0).length;
    expect(await visibleMarks('[data-chart="beta-trajectories"] svg g.mark-line path')).toBe(plotted);
    const succeeded = report.candidates.filter((c) => c.status === 'succeeded').length;
    expect(await visibleMarks('[data-chart="beta-vs-accuracy"] svg g.points path')).toBe(succeeded);
    expect(await page.locator('[data-chart="beta-vs-accuracy"] svg g.labels text').count()).toBe(succeeded);

    // At a laptop width the ranking table fits its card without a horizontal scrollbar.
    const overflow = await page
      .locator('#ranking .table-wrap')
      .evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);

    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it.each([1400, 1920])(
    `at %i px wide, every card holds its content and a failed row stays within ${FAILED_ROW_MAX_PX} px`,
    async (width) => {
      const { page, problems } = await open(failingReport(), `report-failing-${width}.html`);
      await page.setViewportSize({ width, height: 1000 });
      expect(problems).toEqual([]);
      type Box = { id: string; className: string; scrollWidth: number; clientWidth: number };
      const overflowing = await page
        .locator('.card, .winner-card, .facts, .table-wrap')
        .evaluateAll((elements) =>
          (elements as unknown as Box[])
            .filter((el) => el.scrollWidth > el.clientWidth + 1)
            .map((el) => `${el.id || el.className}: ${el.scrollWidth} > ${el.clientWidth}`),
        );
      expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(4);
      expect(overflowing).toEqual([]);
      const failedHeights = await page
        .locator('table.ranking tbody tr.status-failed')
        .evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height));
      expect(failedHeights).toHaveLength(3);
      for (const height of failedHeights) expect(height).toBeLessThanOrEqual(FAILED_ROW_MAX_PX);
      // The whole message is still there, to read in full on demand.
      expect(
        await page.locator('table.ranking tbody tr.status-failed td.failure').first().textContent(),
      ).toContain('LayersModel.execute');
      // The bracket as a picture: one point and one error bar per recorded rung score.
      const recorded = failingReport().bracket!.scores!.length;
      expect(await page.locator('[data-chart="rung-scores"] svg g.mark-symbol.role-mark path').count()).toBe(
        recorded,
      );
      expect(await page.locator('[data-chart="rung-scores"] svg g.mark-rule.role-mark line').count()).toBe(
        recorded,
      );
      // The decision's confidence: the winner card states P(best) and the near-tie with the command that settles it;
      // the ranking has a P(best) column with a figure for every candidate that raced at the deciding rung.
      const report = failingReport();
      const confidence = report.decision!.confidence!;
      expect(confidence.nearTie).not.toBeNull();
      const card = page.locator('.winner-card p.confidence');
      expect(await card.getAttribute('data-near-tie')).toBe('true');
      expect(await card.textContent()).toContain(`ncap sweep extend ${report.sweepId}`);
      expect(await card.textContent()).toMatch(/P\(best on a fresh validation set of \d+ images\)/);
      const header = await page.locator('table.ranking thead th').allTextContents();
      const column = header.findIndex((text) => text.trim().startsWith('P(best)'));
      expect(column).toBeGreaterThan(0);
      const stated = await page
        .locator(`table.ranking tbody tr:not(.status-failed) td:nth-child(${column + 1})`)
        .allTextContents();
      expect(stated.filter((text) => /\d+ ?%/.test(text))).toHaveLength(confidence.candidates.length);
      await page.screenshot({ path: join(ARTIFACTS, `report-failing-${width}.png`), fullPage: true });
      await page.close();
    },
  );

  it('stays readable with 200 candidates and with no winner', async () => {
    const large = await open(
      makeReport({ seed: 3, candidates: 200, failed: 6, cancelled: 2 }),
      'report-200.html',
    );
    expect(large.problems).toEqual([]);
    expect(large.requests).toEqual([large.url]);
    expect(await large.page.locator('table.ranking tbody tr').count()).toBe(200);
    expect(
      await large.page.locator('[data-chart="beta-trajectories"] svg .role-legend-label text').count(),
    ).toBe(20);
    await large.page
      .locator('#beta-trajectories')
      .screenshot({ path: join(ARTIFACTS, 'report-200-trajectories.png') });
    await large.page.close();

    const none = await open(
      makeReport({ seed: 4, candidates: 3, failed: 2, cancelled: 1 }),
      'report-none.html',
    );
    expect(none.problems).toEqual([]);
    expect(none.requests).toEqual([none.url]);
    expect(await none.page.locator('table.ranking tbody tr.winner').count()).toBe(0);
    expect(await none.page.locator('.winner-card.no-winner').textContent()).toContain(
      'No candidate succeeded',
    );
    await none.page.close();
  });
});

/**
 * Screenshot of a report.html in headless Chromium (Debian's package), for the README.
 * Usage: node dist/scripts/demo/screenshot-report.js REPORT.html OUT.png [--width PX] (default 1400 pixels wide)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { chromium } from 'playwright-core';
import { parseEntryArgs } from '../entry-args.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseEntryArgs<{ width?: string }>(
      new Command('screenshot-report')
        .description(
          'Screenshot of a report.html in headless Chromium (NCAP_CHROMIUM_BIN or /usr/bin/chromium)',
        )
        .argument('<report>', 'the report.html')
        .argument('<out>', 'the PNG to write')
        .option('--width <px>', 'viewport width in CSS pixels', '1400'),
      process.argv.slice(2),
    );
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: screenshot-report REPORT.html OUT.png`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help !== undefined) {
    process.stdout.write(parsed.help);
    return;
  }
  const [input = '', output = ''] = parsed.args;
  const width = Number(parsed.options.width ?? 1400);
  if (!Number.isInteger(width) || width < 320) {
    console.error(`--width must be a whole number of pixels ≥ 320, got ${String(width)}`);
    process.exitCode = 2;
    return;
  }
  const profile = mkdtempSync(join(tmpdir(), 'ncap-shot-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.NCAP_CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width, height: 900 },
  });
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(resolve(input)).href);
    await page.screenshot({ path: output, fullPage: true });
    console.error(`Wrote ${output}`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// Open an HTML report in headless Chromium and check that it renders.
//
//   node tests/tools/check_report.mjs REPORT.html SCREENSHOT.png EXPECTED_CHARTS [TOP.png]
//
// Fails (exit 1, reasons on stderr) on any console error or page error, on any
// request that is not file: or data: (the report must work offline), and when
// an element marked data-chart is missing, has no size or draws nothing.
// Writes a full-page screenshot, and optionally one of the top 1500 pixels
// (the picture in the README).
// Needs playwright-core in $KPIC_NODE_DIR (default ~/.cache/kpic/node, see
// .ci/setup) and Chromium at $KPIC_CHROMIUM (default /usr/bin/chromium).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, screenshot, expected, topShot] = process.argv.slice(2);
if (!report || !screenshot || !expected) {
  console.error('usage: check_report.mjs REPORT.html SCREENSHOT.png EXPECTED_CHARTS [TOP.png]');
  process.exit(2);
}
const nodeDir = process.env.KPIC_NODE_DIR || join(homedir(), '.cache', 'kpic', 'node');
const require = createRequire(join(nodeDir, 'package.json'));
const { chromium } = require('playwright-core');

const profile = mkdtempSync(join(tmpdir(), 'kpic-chromium-'));
const problems = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KPIC_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    // The machine has no network: nothing may try to reach it.
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('file:') && !url.startsWith('data:')) problems.push(`network request: ${url}`);
  });
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load' });

  const charts = await page.$$eval('[data-chart]', (els) => els.map((el) => {
    const box = el.getBoundingClientRect();
    const marks = el.querySelectorAll('path, rect, circle, line, tbody tr').length;
    return { kind: el.dataset.chart, label: el.getAttribute('aria-label') || el.className, w: box.width, h: box.height, marks };
  }));
  if (charts.length !== Number(expected)) {
    problems.push(`expected ${expected} charts, the page has ${charts.length}`);
  }
  for (const c of charts) {
    if (!(c.w > 0 && c.h > 0)) problems.push(`chart ${c.kind} "${c.label}" has no size (${c.w}×${c.h})`);
    if (c.marks === 0) problems.push(`chart ${c.kind} "${c.label}" draws nothing`);
  }
  const kinds = {};
  for (const c of charts) kinds[c.kind] = (kinds[c.kind] || 0) + 1;
  console.log(`charts: ${JSON.stringify(kinds)}`);

  await page.screenshot({ path: screenshot, fullPage: true });
  if (topShot) {
    await page.screenshot({ path: topShot, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1500 } });
  }
} catch (err) {
  problems.push(`browser: ${err.stack || err}`);
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('ok');

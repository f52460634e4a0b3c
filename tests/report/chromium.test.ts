/**
 * Opens the run report in headless Chromium (Debian package `chromium`, driven by
 * playwright-core) from `file://`: no console error, no request leaving the file,
 * every chart drawn with a non-zero box, and a full-page screenshot at 1280 px.
 *
 * Environment (optional): REPORT_HTML checks that report file instead of the
 * synthetic one (e.g. a real run's `runs/<run-id>.html`); REPORT_SCREENSHOT
 * saves the screenshot there (e.g. `docs/report.png`) instead of a temp folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderReport } from '../../report/render';
import { syntheticReportInput } from './synthetic';

const CHROMIUM = '/usr/bin/chromium';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const suite = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(`tests/report/chromium.test.ts skipped: ${CHROMIUM} not found (install the Debian package: apt-get install -y chromium)`);
}

suite(`report in headless Chromium (${CHROMIUM})`, () => {
  let dir: string;
  let browser: Browser;
  let htmlPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-report-'));
    if (process.env.REPORT_HTML) htmlPath = resolve(process.env.REPORT_HTML);
    else {
      htmlPath = join(dir, 'report.html');
      writeFileSync(htmlPath, await renderReport(syntheticReportInput()));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads from file:// without console errors or network, draws every chart and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(htmlPath).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);

    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, rect, line, circle').length ?? 0 };
      }),
    );
    if (!process.env.REPORT_HTML) expect(charts).toHaveLength(10);
    expect(charts.length).toBeGreaterThan(0);
    for (const c of charts) expect({ chart: c.id, drawn: c.width > 100 && c.height > 100 && c.marks > 10 }).toEqual({ chart: c.id, drawn: true });

    const screenshot = process.env.REPORT_SCREENSHOT ? resolve(process.env.REPORT_SCREENSHOT) : join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = readFileSync(screenshot);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(3000); // the whole page, not one screen
    await page.close();
  });

  it('blocks any network fetch a report might try, by its Content-Security-Policy', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    const html = readFileSync(htmlPath, 'utf8').replace('</main>', '<img src="http://127.0.0.1:9/x.png"></main>');
    const tampered = join(dir, 'tampered.html');
    writeFileSync(tampered, html);
    const outcomes: string[] = [];
    page.on('requestfinished', (r) => outcomes.push(`finished ${r.url()}`));
    page.on('requestfailed', (r) => outcomes.push(`failed ${r.url()} ${r.failure()?.errorText}`));
    await page.goto(pathToFileURL(tampered).href, { waitUntil: 'load' });
    expect(outcomes.filter((o) => o.includes('http:'))).toEqual(['failed http://127.0.0.1:9/x.png csp']); // blocked by the page's policy, never sent
    expect(problems.join('\n')).toMatch(/Content Security Policy/);
    await page.close();
  });
});

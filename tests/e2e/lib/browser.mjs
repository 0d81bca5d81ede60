// Shared set-up for the browser tests: Debian's Chromium through playwright-core, a
// page that records console errors, and screenshots saved as test artifacts.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const BASE = process.env.CHAINLAB_URL ?? 'http://127.0.0.1:8080';
const ARTIFACTS = process.env.CHAINLAB_ARTIFACTS ?? 'artifacts';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: (process.env.CHROMIUM_ARGS ?? '--no-sandbox').split(' ').filter(Boolean),
  });
}

/// A page whose console errors and warnings, page errors and failed requests are
/// collected in `page.problems`, so every test can assert that none happened.
export async function openPage(browser, options = {}) {
  return openTab(await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options }));
}

/// A new tab of `context` that records its problems like `openPage`'s.
export async function openTab(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (message) => {
    if (['error', 'warning'].includes(message.type())) {
      page.problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const url = request.url();
    // A classroom page that navigates or closes cuts its own event stream.
    if (url.endsWith('/events')) return;
    // A request the browser itself cancelled (the test navigated on while the icon or
    // a worker's script was still loading) is the test moving on, not the page
    // failing: a server that fails answers with a status or refuses the connection.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    // The threaded miner starts its rayon threads from blob URLs that die with it. A
    // lesson step that replaces the widget while its miner is still starting cuts
    // those loads: the widget going away, not the page failing. A pool that really
    // cannot start never reports ready, and the mining specs fail on that.
    if (url.startsWith('blob:')) return;
    page.problems.push(`request failed: ${url} ${request.failure()?.errorText}`);
  });
  return page;
}

/// Switches the app's language and waits until the page shows it.
export async function setLang(page, code) {
  await page.locator('.lang-switch select').selectOption(code);
  await page.locator(`html[lang="${code}"]`).waitFor();
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/// Measures the longest gap between main-thread timer ticks while `action` runs: a
/// frozen UI shows up as a long gap.
export async function longestMainThreadGap(page, action) {
  await page.evaluate(() => {
    window.__gaps = { last: performance.now(), longest: 0 };
    window.__gapTimer = setInterval(() => {
      const now = performance.now();
      window.__gaps.longest = Math.max(window.__gaps.longest, now - window.__gaps.last);
      window.__gaps.last = now;
    }, 10);
  });
  await action();
  return page.evaluate(() => {
    clearInterval(window.__gapTimer);
    return window.__gaps.longest;
  });
}

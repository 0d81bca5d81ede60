// axe-core on every lesson step (both languages) and every embed: no serious or
// critical violation and no skipped heading level; the other lesser ones are printed
// for whoever owns the widget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, launch, openPage } from '../lib/browser.mjs';
import { widgetNames } from '../lib/widgets.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const LANGS = ['en', 'zh'];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Runs axe on what the page shows now; returns the violations as short lines.
async function scan(page, where) {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  const lines = violations.map((v) => `${where}: [${v.impact}] ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
  const failing = (v) => ['serious', 'critical'].includes(v.impact) || v.id === 'heading-order';
  const minor = lines.filter((_, i) => !failing(violations[i]));
  if (minor.length) console.log(minor.join('\n'));
  return lines.filter((_, i) => failing(violations[i]));
}

/// The lesson ids the home page links to.
async function lessonIds(page, lang) {
  await page.goto(`${BASE}/${lang}`);
  await page.getByTestId('app-header').waitFor();
  const hrefs = await page.locator('a[href*="/lesson/"]').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.map((href) => href.split('/lesson/')[1].split('/')[0]))];
}

for (const lang of LANGS) {
  test(`every lesson step (${lang}) passes axe without serious violations or skipped headings`, async () => {
    // The lab's CSP allows only its own scripts; axe is injected inline.
    const page = await openPage(browser, { bypassCSP: true });
    const serious = [];
    const ids = await lessonIds(page, lang);
    serious.push(...await scan(page, `/${lang} (home)`));
    assert.ok(ids.length >= 1);
    for (const id of ids) {
      // Deep links reach every step, including those after a wait.
      for (let step = 1; ; step++) {
        await page.goto(`${BASE}/${lang}/lesson/${id}/${step}`);
        await page.locator('main h1').first().waitFor();
        if (await page.locator('.step-title').count() === 0) {
          assert.ok(step > 1, `${id} has a first step`);
          break;
        }
        // Some widgets keep the network busy (live simulations); give others time to settle.
        await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
        serious.push(...await scan(page, `/${lang}/lesson/${id}/${step}`));
      }
    }
    assert.deepEqual(serious, []);
    assert.deepEqual(page.problems, []);
  });
}

test('every embed passes axe without serious violations or skipped headings', async () => {
  const page = await openPage(browser, { bypassCSP: true });
  const serious = [];
  for (const name of widgetNames()) {
    for (const lang of LANGS) {
      await page.goto(`${BASE}/embed/${name}?lang=${lang}`);
      await page.locator('main.embed').waitFor();
      await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
      serious.push(...await scan(page, `/embed/${name}?lang=${lang}`));
    }
  }
  assert.deepEqual(serious, []);
  assert.deepEqual(page.problems, []);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('home lists the lessons, in English and in Chinese', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/en`);
  await page.getByTestId('app-header').waitFor();
  const lessons = page.locator('a[href*="/lesson/"]');
  assert.ok(await lessons.count() >= 1, 'the home page links to at least one lesson');
  assert.match(await page.textContent('body'), /Hashing/);
  await page.getByRole('link', { name: 'Join a class' }).waitFor();
  await page.getByRole('link', { name: 'Teach a class' }).waitFor();
  await screenshot(page, 'home-en');

  await switchLanguage(page, 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh');
  assert.match(await page.textContent('body'), /哈希/);
  await page.getByRole('link', { name: '加入课堂' }).click();
  await page.waitForURL(/\/class$/);
  await page.goBack();
  await screenshot(page, 'home-zh');

  await page.goto(`${BASE}/`);
  await page.getByTestId('app-header').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh', 'the choice of language is remembered');
  await switchLanguage(page, 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.deepEqual(page.problems, []);
});

/// The switch may be a select or a button that toggles; either way it is labelled.
async function switchLanguage(page, lang) {
  const control = page.getByLabel(/^(Language|语言)$/).first();
  if (await control.evaluate((element) => element.tagName === 'SELECT')) {
    await control.selectOption(lang);
  } else {
    await control.click();
  }
}

test('the page is cross-origin isolated, so the miner can use threads', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/en`);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

for (const [lang, label] of [['en', 'Text to hash'], ['zh', '要哈希的文本']]) {
  test(`the hashing lesson (${lang}) shows SHA-256 of what the learner types`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/hashing`);
    const input = page.getByLabel(label).first();
    await input.fill('abc');
    const output = page.getByTestId('sha256-output').first();
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid="sha256-output"]')?.textContent.includes(expected),
      ABC,
    );
    assert.match(await output.textContent(), new RegExp(ABC));
    await screenshot(page, `hashing-${lang}`);
    assert.deepEqual(page.problems, []);
  });
}

test('every step of the hashing lesson has a deep link, and Back returns', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/en/lesson/hashing/2`);
  await page.getByRole('button', { name: /Back/ }).waitFor();
  const step2 = await page.locator('main').textContent();
  await page.getByRole('button', { name: /Back/ }).click();
  await page.waitForURL(/\/lesson\/hashing(\/1)?$/);
  assert.notEqual(await page.locator('main').textContent(), step2);
  await screenshot(page, 'hashing-step1');
  assert.deepEqual(page.problems, []);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, screenshot, longestMainThreadGap } from '../lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function mine(page) {
  await page.getByRole('button', { name: /^(Mine|挖矿)$/ }).click();
  await page.getByTestId('block-valid').waitFor({ timeout: 120_000 });
}

test('the block widget mines at a low difficulty with threads, and the page stays responsive', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/embed/block?difficulty=16`);
  await page.getByTestId('thread-mode').waitFor();
  await page.waitForFunction(() => /\d+ threads/.test(document.querySelector('[data-testid="thread-mode"]').textContent));
  assert.equal(await page.getByTestId('app-header').count(), 0, 'an embed renders without the app chrome');

  // Mining on the main thread would freeze it for seconds; the bound leaves room for
  // a shared 2-core machine descheduling the renderer for a moment.
  const gap = await longestMainThreadGap(page, () => mine(page));
  assert.ok(gap < 1000, `the main thread stalled for ${gap.toFixed(0)} ms while mining`);
  assert.match(await page.getByTestId('block-valid').textContent(), /valid/i);
  const hash = (await page.getByTestId('block-hash').textContent()).match(/[0-9a-f]{64}/)[0];
  assert.match(hash, /^0000/, 'difficulty 16 means at least 16 leading zero bits');
  assert.ok(Number((await page.getByTestId('tries').textContent()).replace(/[^0-9]/g, '')) > 0);
  await screenshot(page, 'embed-block');
  assert.deepEqual(page.problems, []);
});

test('typing in the page during mining still works (the UI thread never blocks)', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/embed/block?difficulty=28`);
  await page.getByTestId('thread-mode').waitFor();
  await page.getByRole('button', { name: /^Mine$/ }).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="tries"]').textContent.replace(/[^0-9]/g, '')) > 0);
  await page.getByRole('button', { name: /^Stop$/ }).click();
  const start = Date.now();
  await page.waitForFunction(() => !/mining/i.test(document.querySelector('[data-testid="mining-status"]').textContent) || /stopped/i.test(document.querySelector('[data-testid="mining-status"]').textContent));
  // Difficulty 28 takes minutes: a stop that were ignored could not pass in 5 s.
  assert.ok(Date.now() - start < 5000, 'stop takes effect at once');
  assert.deepEqual(page.problems, []);
});

test('inside a foreign course page (not isolated) the widget mines on one thread and says why', async () => {
  const page = await openPage(browser);
  const course = 'http://course.example.test/notes.html';
  await page.route(course, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>Course notes</title><h1>Week 1</h1>
      <iframe id="w" src="${BASE}/embed/block?difficulty=12&lang=zh" style="width:100%;height:700px;border:0"></iframe>`,
  }));
  await page.goto(course);
  const frame = page.frameLocator('#w');
  await frame.getByTestId('thread-mode').waitFor();
  assert.match(await frame.getByTestId('thread-mode').textContent(), /单线程|single thread/i);
  await frame.getByRole('button', { name: /^挖矿$/ }).click();
  await frame.getByTestId('block-valid').waitFor({ timeout: 120_000 });
  assert.match(await frame.getByTestId('block-valid').textContent(), /有效/);
  await screenshot(page, 'embed-block-foreign-zh');
  assert.deepEqual(page.problems, []);
});

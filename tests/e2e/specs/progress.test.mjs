// Learner progress: kept across reloads, exported and imported as a file, a damaged
// file refused with a reason, and missing storage said out loud.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const badge = (page) => page.getByTestId('lesson-progress').first();

/// Reloads once the page has loaded everything, so no request is cut short.
async function reload(page) {
  await page.waitForLoadState('networkidle');
  await page.reload();
}

/// Walks the hashing lesson from step 1 to step 3 with Next, as a learner does.
async function reachStep3(page) {
  await page.goto(`${BASE}/en/lesson/hashing`);
  for (const step of [2, 3]) {
    await page.getByRole('button', { name: /Next/ }).click();
    await page.waitForURL(new RegExp(`/lesson/hashing/${step}$`));
  }
  // The lesson starts its mining worker; leaving mid-download would abort the request.
  await page.waitForLoadState('networkidle');
}

async function importFile(page, name, text) {
  await page.getByTestId('progress-import').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
  // The file is read asynchronously: wait for the message about this file, not the last one.
  const result = page.locator('.progress-result p', { hasText: name });
  await result.waitFor();
  return result.textContent();
}

test('progress survives a reload, and export, clear, import brings it back', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/en`);
  assert.match(await badge(page).textContent(), /Not started/);

  await reachStep3(page);
  await page.goto(`${BASE}/en`);
  assert.match(await badge(page).textContent(), /Step 3 of \d+ reached/);
  await reload(page);
  assert.match(await badge(page).textContent(), /Step 3 of \d+ reached/);
  await screenshot(page, 'progress-home-en');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save progress to a file' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^chainlab-progress-\d{4}-\d{2}-\d{2}\.json$/);
  const file = readFileSync(await download.path(), 'utf8');
  const json = JSON.parse(file);
  assert.equal(json.format, 'chainlab-progress');
  assert.equal(json.version, 1);
  assert.match(json.checksum, /^sha256:[0-9a-f]{64}$/);
  assert.equal(json.lessons.hashing.furthest, 3);

  await page.evaluate(() => localStorage.clear());
  await reload(page);
  assert.match(await badge(page).textContent(), /Not started/);
  assert.match(await importFile(page, 'progress.json', file), /Loaded. New lessons: 1;/);
  assert.match(await badge(page).textContent(), /Step 3 of \d+ reached/);
  await reload(page);
  assert.match(await badge(page).textContent(), /Step 3 of \d+ reached/, 'the import was saved');

  assert.match(await importFile(page, 'again.json', file), /New lessons: 0; further along: 0; already up to date: 1/);
  assert.deepEqual(page.problems, []);
});

test('a damaged or foreign file is refused with a reason and changes nothing', async () => {
  const page = await openPage(browser);
  await reachStep3(page);
  await page.goto(`${BASE}/en`);
  const before = await page.evaluate(() => localStorage.getItem('chainlab.progress.v1'));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save progress to a file' }).click(),
  ]);
  const file = readFileSync(await download.path(), 'utf8');

  const cheated = file.replace('"furthest": 3', '"furthest": 9');
  assert.match(await importFile(page, 'cheated.json', cheated), /Nothing was loaded: .*checksum does not match/);
  assert.match(await importFile(page, 'cut.json', file.slice(0, 40)), /Nothing was loaded: .*not valid JSON/);
  assert.match(await importFile(page, 'package.json', '{"name": "x"}'), /Nothing was loaded: .*not a ChainLab progress file/);
  assert.equal(await page.evaluate(() => localStorage.getItem('chainlab.progress.v1')), before);
  assert.match(await badge(page).textContent(), /Step 3 of \d+ reached/);
  await screenshot(page, 'progress-refused-en');
  assert.deepEqual(page.problems, []);
});

test('the Chinese home page shows progress and the panel in Chinese', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/zh`);
  assert.match(await badge(page).textContent(), /尚未开始/);
  await page.getByRole('button', { name: '把进度保存为文件' }).waitFor();
  await screenshot(page, 'progress-home-zh');
  assert.deepEqual(page.problems, []);
});

test('unreadable stored progress is set aside, not lost, and the learner is told', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/en`);
  // The app reads progress once it has started (after the load event); writing before
  // that would have this page, not the reloaded one, find and set aside the bad text.
  await badge(page).waitFor();
  await page.evaluate(() => localStorage.setItem('chainlab.progress.v1', '{"lessons": {"hashing": 7}}'));
  await reload(page);
  const warning = page.locator('.progress-warning');
  assert.match(await warning.textContent(), /could not be read .* set aside, not deleted/);
  assert.equal(
    await page.evaluate(() => localStorage.getItem('chainlab.progress.unreadable')),
    '{"lessons": {"hashing": 7}}',
  );
  assert.deepEqual(page.problems, []);
});

test('a browser that refuses storage still shows the lab and warns that progress will not be kept', async () => {
  const page = await openPage(browser);
  // What blocked site data looks like to a page: reading localStorage throws.
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
    });
  });
  await page.goto(`${BASE}/en/lesson/hashing/2`);
  assert.match(await page.locator('.progress-warning').textContent(), /not letting ChainLab store anything/);
  await screenshot(page, 'progress-no-storage-lesson-en');
  await page.goto(`${BASE}/zh`);
  assert.match(await page.locator('.progress-warning').textContent(), /不允许 ChainLab 保存数据/);
  await page.getByRole('button', { name: '把进度保存为文件' }).waitFor();
  await page.waitForLoadState('networkidle');
  assert.deepEqual(page.problems, []);
});

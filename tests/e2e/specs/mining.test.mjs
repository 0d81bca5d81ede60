import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

// The native `chainlab tensority` checks the worker's hash when given.
const CHAINLAB = process.env.CHAINLAB_BIN;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Switches a block widget (in `scope`: a page or a frame) to Tensority and mines it;
/// returns what the widget shows.
async function mineTensority(scope, mineLabel) {
  await scope.getByTestId('pow-tensority').check();
  await scope.getByTestId('tensority-unknown').waitFor();
  await scope.getByRole('button', { name: mineLabel }).click();
  await scope.getByTestId('cache-progress').waitFor({ timeout: 30_000 });
  await scope.getByTestId('block-valid').waitFor({ timeout: 120_000 });
  return {
    blockHash: (await scope.getByTestId('block-hash').textContent()).match(/[0-9a-f]{64}/)[0],
    tensorityHash: (await scope.getByTestId('tensority-hash').textContent()).replace(/[^0-9a-f]/g, ''),
    tries: Number((await scope.getByTestId('tries').textContent()).replace(/[^0-9]/g, '')),
    prev: await scope.locator('input[id$="-prev"]').inputValue(),
  };
}

/// Raw byte order of a hash shown in the usual reversed (display) order.
const raw = (display) => display.match(/../g).reverse().join('');

test('the block widget mines Tensority at a low difficulty: cache progress first, then a hash that meets the target', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/embed/block?difficulty=16`);
  await page.waitForFunction(() => /\d+ threads/.test(document.querySelector('[data-testid="thread-mode"]')?.textContent));
  const shown = await mineTensority(page, /^Mine$/);
  assert.match(shown.tensorityHash, /^0/, 'difficulty 4 (the Tensority default): four leading zero bits');
  assert.ok(shown.tries > 0);
  if (CHAINLAB) {
    const seed = raw(shown.prev);
    const native = execFileSync(CHAINLAB, ['tensority', '--seed', seed, '--header-hash', raw(shown.blockHash)], { encoding: 'utf8' }).trim();
    assert.equal(raw(shown.tensorityHash), native, 'the worker hash equals the native chainlab tensority');
  }
  await screenshot(page, 'embed-block-tensority');
  // Back on SHA-256d the same header is judged by its block hash, far above 2^252.
  await page.getByTestId('pow-sha256d').check();
  await page.getByTestId('block-invalid').waitFor();
  assert.deepEqual(page.problems, []);
});

test('a page that is not cross-origin isolated mines Tensority on one thread and says why', async () => {
  const page = await openPage(browser);
  const course = 'http://course.example.test/notes.html';
  await page.route(course, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>Course notes</title>
      <iframe id="w" src="${BASE}/embed/block?lang=zh" style="width:100%;height:1100px;border:0"></iframe>`,
  }));
  await page.goto(course);
  const frame = page.frameLocator('#w');
  await frame.getByTestId('thread-mode').waitFor();
  assert.match(await frame.getByTestId('thread-mode').textContent(), /单线程/);
  assert.match(await frame.getByRole('note').textContent(), /\S{8,}/, 'the notice explains why');
  const shown = await mineTensority(frame, /^挖矿$/);
  assert.match(shown.tensorityHash, /^0/);
  assert.match(await frame.getByTestId('block-valid').textContent(), /有效/);
  await screenshot(page, 'embed-block-tensority-foreign-zh');
  assert.deepEqual(page.problems, []);
});

test('the GPU switch mines SHA-256d on WebGPU where an adapter exists, and is disabled with the reason otherwise', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/embed/block?difficulty=12`);
  await page.waitForFunction(() => !/Checking/.test(document.querySelector('[data-testid="gpu-status"]')?.textContent ?? 'Checking'));
  const status = await page.getByTestId('gpu-status').textContent();
  const gpu = page.getByTestId('device-gpu');
  if (await gpu.isDisabled()) {
    assert.match(status, /GPU unavailable: .+/);
  } else {
    assert.match(status, /GPU available: \S+/);
    await gpu.check();
    await page.getByRole('button', { name: /^Mine$/ }).click();
    await page.getByTestId('block-valid').waitFor({ timeout: 120_000 });
    const hash = (await page.getByTestId('block-hash').textContent()).match(/[0-9a-f]{64}/)[0];
    assert.match(hash, /^000/, 'difficulty 12: three zero hex digits');
  }
  assert.deepEqual(page.problems, []);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

const VECTORS = JSON.parse(readFileSync(process.env.TENSORITY_VECTORS ?? new URL('../../../../shared/vectors/tensority.json', import.meta.url), 'utf8')).vectors;
// The native `chainlab tensority` is the reference for random inputs.
const CHAINLAB = process.env.CHAINLAB_BIN;
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// A blank page on the lab's origin, cross-origin isolated (the worker loads the
/// threaded bundle) or not (the single-thread bundle).
async function blankPage(isolated) {
  const page = await openPage(browser);
  await page.route(`${BASE}/__blank.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><title>blank</title>',
    headers: isolated ? ISOLATED : {},
  }));
  await page.goto(`${BASE}/__blank.html`);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), isolated);
  return page;
}

/// Hashes each {seed, header} with the lab's real mining worker; returns the hex
/// results, the worker's `ready` message and the cache-progress rounds seen.
async function workerHashes(page, inputs, gpu = false) {
  return page.evaluate(([inputs, gpu]) => new Promise((resolve, reject) => {
    const worker = new Worker('/static/miner-worker.js', { type: 'module' });
    const bytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
    const results = [];
    const rounds = [];
    let ready = null;
    const next = () => {
      const input = inputs[results.length];
      worker.postMessage({ type: 'tensority', job: results.length, seed: bytes(input.seed), headerHash: bytes(input.header), gpu });
    };
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') { ready = data; next(); }
      if (data.type === 'cache') rounds.push(data.done);
      if (data.type === 'failed') reject(new Error(data.message));
      if (data.type === 'hashed' && data.job === results.length) {
        results.push(data.hash);
        if (results.length === inputs.length) { worker.terminate(); resolve({ results, ready, rounds }); } else next();
      }
    };
    worker.onerror = (event) => reject(new Error(event.message));
  }), [inputs, gpu]);
}

for (const isolated of [false, true]) {
  const bundle = isolated ? 'threaded (mt)' : 'single-thread (st)';
  test(`every Bytom Tensority vector through the ${bundle} worker bundle`, async () => {
    const page = await blankPage(isolated);
    const inputs = VECTORS.map((v) => ({ seed: v.seed, header: v.block_header_hash }));
    const { results, ready, rounds } = await workerHashes(page, inputs);
    assert.equal(ready.isolated, isolated);
    assert.ok(isolated ? ready.threads >= 1 : ready.threads === 1);
    assert.deepEqual(results, VECTORS.map((v) => v.result));
    assert.ok(rounds.includes(1) && rounds.includes(64) && rounds.includes(128), 'cache progress is posted round by round');
    assert.deepEqual(page.problems, []);
  });
}

test('random seeds and header hashes: both bundles agree with the native chainlab tensority', { skip: !CHAINLAB && 'set CHAINLAB_BIN' }, async () => {
  const inputs = [0, 1].map(() => ({ seed: randomBytes(32).toString('hex'), header: randomBytes(32).toString('hex') }));
  const native = inputs.map(({ seed, header }) => execFileSync(CHAINLAB, ['tensority', '--seed', seed, '--header-hash', header], { encoding: 'utf8' }).trim());
  for (const isolated of [false, true]) {
    const page = await blankPage(isolated);
    const { results } = await workerHashes(page, inputs);
    assert.deepEqual(results, native, `inputs ${JSON.stringify(inputs)}, isolated ${isolated}`);
    assert.deepEqual(page.problems, []);
  }
});

test('every Bytom Tensority vector through WebGPU in the worker, where an adapter exists', async (t) => {
  const page = await blankPage(false);
  const gpu = await page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter()));
  if (!gpu) return t.skip('no WebGPU adapter in this browser');
  const inputs = VECTORS.map((v) => ({ seed: v.seed, header: v.block_header_hash }));
  const { results, ready } = await workerHashes(page, inputs, true);
  assert.ok(ready.gpu, `the worker found the adapter too: ${JSON.stringify(ready)}`);
  assert.deepEqual(results, VECTORS.map((v) => v.result));
  assert.deepEqual(page.problems, []);
});

test('the Tensority lesson: cache progress, every stage, and a final SHA3 equal to chainlab tensority', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/en/lesson/tensority/1`);
  const seed = await page.locator('#tensority-seed').inputValue();
  const header = await page.locator('#tensority-h').inputValue();
  await page.getByTestId('tensority-run').click();
  await page.getByTestId('tensority-cache').waitFor();
  await page.getByTestId('tensority-final').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('tensority-cache').getAttribute('aria-valuenow'), '128');
  const indices = await page.getByTestId('tensority-indices').locator('td').allTextContents();
  assert.equal(indices.length, 4);
  for (const lane of indices) assert.equal(lane.trim().split(/\s+/).length, 32);
  const painted = await page.getByTestId('tensority-heatmap').evaluate((canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, 256, 256).data;
    return new Set(Array.from({ length: 256 }, (_, i) => pixels[i * 1024 + 4 * i])).size;
  });
  assert.ok(painted > 8, `the heat map is drawn from real values (${painted} distinct reds on the diagonal)`);
  const final = (await page.getByTestId('tensority-final').textContent()).trim();
  assert.equal(final, VECTORS[0].result, 'the defaults are Bytom\'s first vector');
  if (CHAINLAB) {
    const native = execFileSync(CHAINLAB, ['tensority', '--seed', seed, '--header-hash', header], { encoding: 'utf8' }).trim();
    assert.equal(final, native);
  }
  await page.getByTestId('tensority-vector-ok').waitFor();

  // A different H reuses the cache and gives a completely different hash.
  const other = header.replace(/^./, header[0] === '0' ? '1' : '0');
  await page.locator('#tensority-h').fill(other);
  await page.getByTestId('tensority-run').click();
  await page.waitForFunction((old) => {
    const shown = document.querySelector('[data-testid="tensority-final"]')?.textContent.trim();
    return shown && shown !== old;
  }, final, { timeout: 60_000 });
  const changed = (await page.getByTestId('tensority-final').textContent()).trim();
  if (CHAINLAB) {
    assert.equal(changed, execFileSync(CHAINLAB, ['tensority', '--seed', seed, '--header-hash', other], { encoding: 'utf8' }).trim());
  }
  await screenshot(page, 'lesson-tensority-pipeline');
  assert.deepEqual(page.problems, []);
});

test('the Tensority race: both engines hash, side by side, and stop together', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/zh/lesson/tensority/3`);
  const button = page.getByTestId('race-button');
  await page.waitForFunction(() => !document.querySelector('[data-testid="race-button"]')?.disabled);
  await button.click();
  const tries = (side) => page.evaluate((side) => Number(document.querySelector(`[data-testid="${side}-tries"]`).textContent), side);
  await page.waitForFunction(() => ['race-left', 'race-right'].every((side) => Number(document.querySelector(`[data-testid="${side}-tries"]`).textContent) > 0), null, { timeout: 120_000 });
  assert.match(await page.getByTestId('race-left-rate').textContent(), /H\/s/);
  await screenshot(page, 'lesson-tensority-race-zh');
  await button.click();
  // A GPU batch already dispatched runs to its end: on a software adapter, seconds.
  await page.waitForFunction(() => /开始/.test(document.querySelector('[data-testid="race-button"]').textContent), null, { timeout: 120_000 });
  assert.ok((await tries('race-left')) > 0 && (await tries('race-right')) > 0);
  assert.deepEqual(page.problems, []);
});

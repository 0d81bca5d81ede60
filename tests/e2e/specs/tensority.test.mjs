import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BASE, launch, openPage } from '../lib/browser.mjs';

const VECTORS = JSON.parse(readFileSync(process.env.TENSORITY_VECTORS ?? '/work/shared/vectors/tensority.json', 'utf8')).vectors;
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

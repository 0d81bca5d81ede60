// In-browser benchmarks for `cargo xtask bench`: the lab's miner bundles and the npm
// hash-wasm library measured in one headless Chromium run, side by side. Prints
// `BENCH {"name": ..., "value": ...}` lines that xtask collects into summary.json.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, launch } from './lib/browser.mjs';

const require = createRequire(import.meta.url);
const MS = Number(process.env.CHAINLAB_BENCH_MS ?? 3000);
// A Tensority hash takes tens of milliseconds: measure longer for a steadier figure.
const TENSORITY_MS = Math.max(MS, 5000);
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const browser = await launch();
const page = await browser.newPage();
await page.route(`${BASE}/__bench/**`, (route) => {
  const name = new URL(route.request().url()).pathname.split('/').pop();
  const files = {
    'index.html': ['text/html', '<!doctype html><title>bench</title>'],
    'bench-worker.mjs': ['text/javascript', readFileSync(new URL('./bench/bench-worker.mjs', import.meta.url))],
    'hash-wasm.mjs': ['text/javascript', readFileSync(require.resolve('hash-wasm/dist/index.esm.js'))],
  };
  const [contentType, body] = files[name] ?? ['text/plain', ''];
  route.fulfill({ status: files[name] ? 200 : 404, contentType, body, headers: ISOLATED });
});
await page.goto(`${BASE}/__bench/index.html`);
const cores = await page.evaluate(() => navigator.hardwareConcurrency);
if (!(await page.evaluate(() => self.crossOriginIsolated))) {
  throw new Error('the bench page is not cross-origin isolated: threads would not run');
}

async function measure(job) {
  return page.evaluate((job) => new Promise((resolve, reject) => {
    const worker = new Worker('/__bench/bench-worker.mjs', { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      data.error ? reject(new Error(data.error)) : resolve(data.rate);
    };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(job);
  }), job);
}

const figures = {
  hashwasm_sha256d_hps_1t: await measure({ kind: 'hashwasm', ms: MS }),
  sha256d_wasm_hps_1t: await measure({ kind: 'sha256d', bundle: 'st', threads: 1, ms: MS }),
  sha256d_wasm_hps_all: await measure({ kind: 'sha256d', bundle: 'mt', threads: cores, ms: MS }),
  tensority_wasm_hps_1t: await measure({ kind: 'tensority', bundle: 'st', threads: 1, ms: TENSORITY_MS }),
  tensority_wasm_hps_all: await measure({ kind: 'tensority', bundle: 'mt', threads: cores, ms: TENSORITY_MS }),
  sha256d_webgpu_hps: await measure({ kind: 'webgpu', engine: 'sha256d', ms: MS }),
  tensority_webgpu_hps: await measure({ kind: 'webgpu', engine: 'tensority', ms: TENSORITY_MS }),
  browser_cores: cores,
};
for (const [name, value] of Object.entries(figures)) {
  console.log(`BENCH ${JSON.stringify({ name, value })}`);
}
await browser.close();

// Runs one throughput measurement inside a Web Worker, as the lab's miner does, and
// posts hashes per second. Served by bench.mjs under the lab's own origin.

const HARD_BITS = 0x03000001; // a target no nonce meets: every try is counted

function header() {
  const bytes = new Uint8Array(80);
  for (let i = 0; i < 76; i++) bytes[i] = (i * 31 + 7) & 0xff;
  new DataView(bytes.buffer).setUint32(72, HARD_BITS, true);
  return bytes;
}

async function chainlabSha256d(bundle, threads, ms) {
  const miner = await import(`/worker/${bundle}/miner.js`);
  await miner.default();
  if (bundle === 'mt') await miner.initThreadPool(threads);
  const bytes = header();
  const batch = bundle === 'mt' ? 1 << 21 : 1 << 19;
  miner.header_batch(bytes, 0, batch);
  let tried = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    miner.header_batch(bytes, tried % 0xf0000000, batch);
    tried += batch;
  }
  return tried / ((performance.now() - start) / 1000);
}

/// hash-wasm's fastest use: one reusable hasher, binary digests, no allocation of
/// strings, SHA-256 applied twice to the same 80-byte header with a changing nonce.
async function hashWasmSha256d(ms) {
  const { createSHA256 } = await import('/__bench/hash-wasm.mjs');
  const hasher = await createSHA256();
  const bytes = header();
  const view = new DataView(bytes.buffer);
  let tried = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 4096; i++, tried++) {
      view.setUint32(76, tried, true);
      hasher.init();
      hasher.update(bytes);
      const first = hasher.digest('binary');
      hasher.init();
      hasher.update(first);
      hasher.digest('binary');
    }
  }
  return tried / ((performance.now() - start) / 1000);
}

/// Tensority hashes per second on the lab's engine: the cache is built first (not
/// timed), then header batches of one nonce per thread, as the miner worker runs them.
async function chainlabTensority(bundle, threads, ms) {
  const miner = await import(`/worker/${bundle}/miner.js`);
  await miner.default();
  if (bundle === 'mt') await miner.initThreadPool(threads);
  const cache = new miner.Tensority(new Uint8Array(32).fill(7), () => {});
  const bytes = header();
  const batch = bundle === 'mt' ? threads : 1;
  cache.header_batch(bytes, 0, batch);
  let tried = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    cache.header_batch(bytes, tried, batch);
    tried += batch;
  }
  return tried / ((performance.now() - start) / 1000);
}

/// WebGPU rates through the st bundle's GPU engine; null where the bundle has no GPU
/// engine or the browser no adapter. Each measurement runs at least one whole batch.
async function chainlabWebGpu(kind, ms) {
  const miner = await import('/worker/st/miner.js');
  await miner.default();
  if (!miner.Gpu || !(await self.navigator.gpu?.requestAdapter())) return null;
  const gpu = await miner.Gpu.open();
  const bytes = header();
  let tried = 0;
  let batch;
  if (kind === 'sha256d') {
    batch = 1 << 20;
    await gpu.sha256d_batch(bytes, 0, batch);
  } else {
    const cache = new miner.Tensority(new Uint8Array(32).fill(7), () => {});
    gpu.load_tensority(cache, 1);
    batch = 1;
    await gpu.tensority_batch(bytes, 0, batch);
  }
  const start = performance.now();
  do {
    if (kind === 'sha256d') await gpu.sha256d_batch(bytes, tried, batch);
    else await gpu.tensority_batch(bytes, tried, batch);
    tried += batch;
  } while (performance.now() - start < ms);
  return tried / ((performance.now() - start) / 1000);
}

self.onmessage = async ({ data }) => {
  try {
    const measures = {
      hashwasm: () => hashWasmSha256d(data.ms),
      sha256d: () => chainlabSha256d(data.bundle, data.threads, data.ms),
      tensority: () => chainlabTensority(data.bundle, data.threads, data.ms),
      webgpu: () => chainlabWebGpu(data.engine, data.ms),
    };
    const rate = await measures[data.kind]();
    self.postMessage({ rate });
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};

// The mining worker. The app starts it with
//   new Worker('/static/miner-worker.js', { type: 'module' })
// and talks to it with plain messages:
//   app -> worker  {type: 'mine', job, kind: 'text', text, zeroBits}
//                  {type: 'mine', job, kind: 'header', header: Uint8Array(80)}
//                  {type: 'mine', job, kind: 'tensority', header: Uint8Array(80), seed: Uint8Array(32)}
//                  {type: 'tensority', job, seed: Uint8Array(32), headerHash: Uint8Array(32)}
//                  {type: 'stages', job, seed: Uint8Array(32), headerHash: Uint8Array(32)}
//                  (header and tensority jobs take `gpu: true` to run on WebGPU, and
//                  tensority jobs `threads: 1` to hash on one thread)
//                  {type: 'stop'}
//   worker -> app  {type: 'ready', isolated, threads, gpu: adapter name | null, gpuReason}
//                  {type: 'cache', job, done, total}   (Tensority cache rounds built)
//                  {type: 'progress' | 'stopped' | 'exhausted', job, tries, rate}
//                  {type: 'found', job, nonce, tries, rate, hash?}  (hash: Tensority's, hex)
//                  {type: 'hashed', job, hash}         (one Tensority hash, hex)
//                  {type: 'stages', job, extendedSeed, indices, firstProduct: Int8Array, hash}
//                  {type: 'failed', job?, message}
// The Rust engine (www/worker) searches one batch per call; between batches this loop
// posts progress and reads messages, so a stop takes effect within one batch.

const BATCH_MS = 120; // about 8 progress reports a second
const NONCE_LIMIT = 2 ** 32; // header nonces are 32-bit
const TEXT_NONCE_LIMIT = Number.MAX_SAFE_INTEGER;

const isolated = self.crossOriginIsolated === true;
const CACHE_ROUNDS = 128;
let current = null;
// The last Tensority seed's 16 MiB cache: rebuilt only when the seed changes.
let tensority = null;

/// Points wasm-bindgen-rayon's helper threads at rayon-thread.js instead of the miner
/// module itself (the helper takes the module URL from its init message), so they
/// initialise wasm-bindgen without a deprecation warning each.
function useThreadEntry() {
  const entry = new URL('/static/rayon-thread.js', self.location.origin).href;
  self.Worker = class extends self.Worker {
    postMessage(message, ...rest) {
      if (message?.type === 'wasm_bindgen_worker_init') message = { ...message, mainJS: entry };
      return super.postMessage(message, ...rest);
    }
  };
}

const engine = (async () => {
  if (isolated) {
    useThreadEntry();
    const wasm = await import('/worker/mt/miner.js');
    await wasm.default();
    const threads = Math.max(1, navigator.hardwareConcurrency || 1);
    await wasm.initThreadPool(threads);
    return { wasm, threads };
  }
  const wasm = await import('/worker/st/miner.js');
  await wasm.default();
  return { wasm, threads: 1 };
})();

/// Whether WebGPU can run here, and if not why, in words for the page.
async function probeGpu(wasm) {
  if (!wasm.Gpu) return { gpu: null, gpuReason: 'no-engine' };
  if (!self.navigator.gpu) return { gpu: null, gpuReason: 'no-webgpu' };
  const adapter = await self.navigator.gpu.requestAdapter().catch(() => null);
  if (!adapter) return { gpu: null, gpuReason: 'no-adapter' };
  const { vendor, architecture, description } = adapter.info ?? {};
  const name = [vendor, architecture, description].filter(Boolean).join(' ');
  return { gpu: name || 'WebGPU', gpuReason: null };
}

// The WebGPU device, opened on the first GPU job.
let gpuDevice = null;
async function openGpu(wasm) {
  gpuDevice ??= wasm.Gpu.open();
  return gpuDevice;
}

engine.then(
  async ({ wasm, threads }) => postMessage({ type: 'ready', isolated, threads, ...(await probeGpu(wasm)) }),
  (error) => postMessage({ type: 'failed', message: String(error) }),
);

self.onmessage = async ({ data }) => {
  if (current) current.stopped = true;
  current = null;
  if (!['mine', 'tensority', 'stages'].includes(data.type)) return;
  const run = { stopped: false };
  current = run;
  try {
    const { wasm, threads } = await engine;
    if (data.type === 'stages') {
      const cache = tensorityCache(wasm, data.job, data.seed);
      const stages = cache.stages(new Uint8Array(data.headerHash));
      const firstProduct = stages.first_product;
      postMessage({
        type: 'stages',
        job: data.job,
        extendedSeed: hex(stages.extended_seed),
        indices: Array.from(stages.indices),
        firstProduct,
        hash: hex(stages.hash),
      }, [firstProduct.buffer]);
      stages.free();
      return;
    }
    if (data.type === 'tensority') {
      const cache = tensorityCache(wasm, data.job, data.seed);
      const headerHash = new Uint8Array(data.headerHash);
      let hash;
      if (data.gpu) {
        const gpu = await openGpu(wasm);
        gpu.load_tensority(cache, 1);
        hash = await gpu.tensority_hashes(headerHash);
      } else {
        hash = cache.hash(headerHash);
      }
      postMessage({ type: 'hashed', job: data.job, hash: hex(hash) });
      return;
    }
    const gpu = data.gpu ? await openGpu(wasm) : null;
    await mine(wasm, threads, gpu, data, run);
  } catch (error) {
    postMessage({ type: 'failed', job: data.job, message: String(error) });
  }
};

/// Lets queued messages (a stop, a new job) run before the next batch.
function yieldToMessages() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(null);
  });
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/// The cache for `seed`, built now (posting each round) unless it is the last one used.
function tensorityCache(wasm, job, seed) {
  const bytes = new Uint8Array(seed);
  if (tensority && hex(tensority.seed) === hex(bytes)) {
    postMessage({ type: 'cache', job, done: CACHE_ROUNDS, total: CACHE_ROUNDS });
    return tensority;
  }
  tensority?.free();
  tensority = null;
  tensority = new wasm.Tensority(bytes, (done) => postMessage({ type: 'cache', job, done, total: CACHE_ROUNDS }));
  return tensority;
}

// Nonces per GPU batch: SHA-256d under the shader's dispatch limit; Tensority
// hashes per batch (each needs 2 MiB of lane buffers on the device).
const GPU_SHA256D_MAX = 1 << 21;
const GPU_TENSORITY_BATCH = 8;

function tensorityHit(hit) {
  if (hit === undefined) return undefined;
  const found = { nonce: hit.nonce, hash: hex(hit.hash) };
  hit.free();
  return found;
}

/// One batch of the requested search: the lowest winning nonce in start..start+count
/// as {nonce, hash?}, or undefined (a Promise of that on the GPU).
function searcher(wasm, gpu, request) {
  if (request.kind === 'text') {
    return (start, count) => {
      const nonce = wasm.text_batch(request.text, request.zeroBits, start, count);
      return nonce === undefined ? undefined : { nonce };
    };
  }
  const header = new Uint8Array(request.header);
  if (request.kind === 'tensority') {
    const cache = tensorityCache(wasm, request.job, request.seed);
    if (gpu) {
      gpu.load_tensority(cache, GPU_TENSORITY_BATCH);
      return async (start, count) => tensorityHit(await gpu.tensority_batch(header, start, count));
    }
    return (start, count) => tensorityHit(cache.header_batch(header, start, count));
  }
  if (gpu) {
    return async (start, count) => {
      const nonce = await gpu.sha256d_batch(header, start, count);
      return nonce === undefined ? undefined : { nonce };
    };
  }
  return (start, count) => {
    const nonce = wasm.header_batch(header, start, count);
    return nonce === undefined ? undefined : { nonce };
  };
}

async function mine(wasm, threads, gpu, request, run) {
  const { job } = request;
  const limit = request.kind === 'text' ? TEXT_NONCE_LIMIT : NONCE_LIMIT;
  // A Tensority hash takes a good part of a second, and a stop (a block arriving)
  // must act within about one hash: on the CPU one nonce per thread per batch (one
  // nonce keeps a threaded bundle on one thread: `threads: 1`); on the GPU batches
  // grow from one hash, since a software adapter may take seconds for each.
  const isTensority = request.kind === 'tensority';
  const fixed = isTensority && !gpu ? Math.min(threads, request.threads ?? threads) : null;
  const searchBatch = searcher(wasm, gpu, request);
  const [minBatch, maxBatch] = isTensority ? [1, GPU_TENSORITY_BATCH] : [256, gpu ? GPU_SHA256D_MAX : 1 << 26];
  const began = performance.now();
  let start = 0;
  let batch = fixed ?? (isTensority ? 1 : 1024);
  const report = (type, extra = {}) => {
    const seconds = (performance.now() - began) / 1000;
    const tries = extra.tries ?? start;
    postMessage({ type, job, tries, rate: seconds > 0 ? tries / seconds : 0, ...extra });
  };
  while (true) {
    await yieldToMessages();
    if (run.stopped) return report('stopped');
    const count = Math.min(batch, limit - start);
    if (count <= 0) return report('exhausted');
    const t0 = performance.now();
    const found = await searchBatch(start, count);
    const elapsed = performance.now() - t0;
    if (found !== undefined) return report('found', { ...found, tries: found.nonce + 1 });
    start += count;
    if (fixed === null) {
      // Size the next batch so one takes about BATCH_MS on this machine.
      const scale = elapsed > 0 ? BATCH_MS / elapsed : 4;
      batch = Math.max(minBatch, Math.min(Math.round(batch * Math.min(4, Math.max(0.25, scale))), maxBatch));
    }
    report('progress');
  }
}

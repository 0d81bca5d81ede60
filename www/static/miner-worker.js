// The mining worker. The app starts it with
//   new Worker('/static/miner-worker.js', { type: 'module' })
// and talks to it with plain messages:
//   app -> worker  {type: 'mine', job, kind: 'text', text, zeroBits}
//                  {type: 'mine', job, kind: 'header', header: Uint8Array(80)}
//                  {type: 'stop'}
//   worker -> app  {type: 'ready', isolated, threads}
//                  {type: 'progress' | 'stopped' | 'exhausted', job, tries, rate}
//                  {type: 'found', job, nonce, tries, rate}
//                  {type: 'failed', job?, message}
// The Rust engine (www/worker) searches one batch per call; between batches this loop
// posts progress and reads messages, so a stop takes effect within one batch.

const BATCH_MS = 120; // about 8 progress reports a second
const NONCE_LIMIT = 2 ** 32; // header nonces are 32-bit
const TEXT_NONCE_LIMIT = Number.MAX_SAFE_INTEGER;

const isolated = self.crossOriginIsolated === true;
let current = null;

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

engine.then(
  ({ threads }) => postMessage({ type: 'ready', isolated, threads }),
  (error) => postMessage({ type: 'failed', message: String(error) }),
);

self.onmessage = async ({ data }) => {
  if (current) current.stopped = true;
  current = null;
  if (data.type !== 'mine') return;
  const run = { stopped: false };
  current = run;
  try {
    const { wasm } = await engine;
    await mine(wasm, data, run);
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

async function mine(wasm, request, run) {
  const { job } = request;
  const limit = request.kind === 'header' ? NONCE_LIMIT : TEXT_NONCE_LIMIT;
  const header = request.kind === 'header' ? new Uint8Array(request.header) : null;
  const searchBatch = (start, count) => (header
    ? wasm.header_batch(header, start, count)
    : wasm.text_batch(request.text, request.zeroBits, start, count));
  const began = performance.now();
  let start = 0;
  let batch = 1024;
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
    const nonce = searchBatch(start, count);
    const elapsed = performance.now() - t0;
    if (nonce !== undefined) return report('found', { nonce, tries: nonce + 1 });
    start += count;
    // Size the next batch so one takes about BATCH_MS on this machine.
    const scale = elapsed > 0 ? BATCH_MS / elapsed : 4;
    batch = Math.max(256, Math.min(Math.round(batch * Math.min(4, Math.max(0.25, scale))), 1 << 26));
    report('progress');
  }
}

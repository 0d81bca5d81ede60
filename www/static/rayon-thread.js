// Entry module for the threaded miner's helper threads (see miner-worker.js).
//
// wasm-bindgen-rayon 1.3.0's no-bundler helper imports the miner module and calls
// `default(module, memory)`, the two-argument form that wasm-bindgen 0.2.130 still
// accepts but reports with a console warning in every thread. This module stands in
// for the miner module in those threads and passes the same values in the object
// form. Upstream fixed the bundler helper the same way (RReverser/wasm-bindgen-rayon#13).
import init, { wbg_rayon_start_worker } from '/worker/mt/miner.js';

export default function (module, memory) {
  return init({ module_or_path: module, memory });
}

export { wbg_rayon_start_worker };

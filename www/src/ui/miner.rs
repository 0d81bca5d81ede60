//! The bridge to the mining worker (`www/static/miner-worker.js`).
//!
//! Each mining widget owns one worker, started when the widget appears so that it can
//! say at once whether it mines with threads or on one thread. Messages are plain
//! objects; every job carries an id so that progress from a job the learner already
//! stopped or replaced is ignored.

use std::rc::Rc;

use gloo::events::EventListener;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};
use yew::prelude::*;

const WORKER_URL: &str = "/static/miner-worker.js";

/// What the worker is asked to search.
#[derive(Clone, Debug, PartialEq)]
pub enum Job {
    /// A nonce so that SHA-256(text + nonce) starts with `zero_bits` zero bits.
    Text { text: String, zero_bits: u32 },
    /// A nonce that makes this 80-byte header meet the target in its bits field.
    Header { header: [u8; 80] },
    /// The same with Tensority(SHA-256d(header), seed) as the work hash. The worker
    /// builds the seed's cache first (reporting [`Run::Cache`]) unless it has it.
    Tensority { header: [u8; 80], seed: [u8; 32] },
}

/// Where the worker computes the hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
    /// One CPU thread even where a pool exists: the baseline of a speed race.
    CpuOneThread,
    /// WebGPU compute shaders (SHA-256d and Tensority jobs).
    Gpu,
}

/// Whether this page can mine on the GPU, and if not why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpuSupport {
    Unknown,
    /// The adapter's name.
    Available(String),
    /// This build of the lab carries no GPU engine.
    NoEngine,
    /// The browser has no WebGPU (`navigator.gpu` is missing).
    NoWebGpu,
    /// WebGPU exists but offered no adapter (no GPU, or it is blocked).
    NoAdapter,
}

/// How the worker mines.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Starting,
    /// Cross-origin isolated: a thread pool of this size.
    Threads(u32),
    /// Not isolated: one thread, and the widget says why.
    SingleThread,
    Failed(String),
}

/// The current search.
#[derive(Clone, Debug, PartialEq)]
pub enum Run {
    Idle,
    Mining {
        tries: f64,
        rate: f64,
    },
    Found {
        nonce: f64,
        tries: f64,
        rate: f64,
        /// The Tensority hash of the winning header (hex); SHA-256d the page recomputes.
        hash: Option<String>,
    },
    Stopped {
        tries: f64,
    },
    /// Every nonce was tried: the caller changes something else and mines again.
    Exhausted {
        tries: f64,
    },
    Failed(String),
}

impl Run {
    pub fn tries(&self) -> f64 {
        match *self {
            Run::Mining { tries, .. }
            | Run::Found { tries, .. }
            | Run::Stopped { tries }
            | Run::Exhausted { tries } => tries,
            Run::Idle | Run::Failed(_) => 0.0,
        }
    }

    pub fn rate(&self) -> Option<f64> {
        match *self {
            Run::Mining { rate, .. } | Run::Found { rate, .. } => Some(rate),
            _ => None,
        }
    }

    pub fn is_mining(&self) -> bool {
        matches!(self, Run::Mining { .. })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MinerState {
    pub mode: Mode,
    pub gpu: GpuSupport,
    pub run: Run,
    /// Tensority cache rounds built for the current job, while it builds.
    pub cache: Option<u32>,
    job: u32,
}

pub enum Action {
    Mode(Mode),
    Gpu(GpuSupport),
    Start(u32),
    Reset,
    Report { job: u32, run: Run },
    Cache { job: u32, done: u32 },
}

impl Reducible for MinerState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Mode(mode) => next.mode = mode,
            Action::Gpu(gpu) => next.gpu = gpu,
            Action::Start(job) => {
                next.job = job;
                next.cache = None;
                next.run = Run::Mining {
                    tries: 0.0,
                    rate: 0.0,
                };
            }
            Action::Reset => {
                next.job += 1;
                next.run = Run::Idle;
                next.cache = None;
            }
            Action::Report { job, run } if job == next.job => {
                next.run = run;
                next.cache = None;
            }
            Action::Cache { job, done } if job == next.job => next.cache = Some(done),
            Action::Cache { .. } => return self,
            Action::Report { .. } => return self,
        }
        Rc::new(next)
    }
}

/// A widget's handle on its worker.
#[derive(Clone)]
pub struct Miner {
    pub state: Rc<MinerState>,
    pub start: Callback<Job>,
    /// Starts a search on the CPU or the GPU.
    pub start_on: Callback<(Job, Device)>,
    pub stop: Callback<()>,
    /// Stops any search and forgets its result (after the learner edits the input).
    pub reset: Callback<()>,
}

struct Connection {
    worker: Worker,
    _listener: EventListener,
}

/// Starts a worker for the calling component and ends it when the component goes.
#[hook]
pub fn use_miner() -> Miner {
    let state = use_reducer(|| MinerState {
        mode: Mode::Starting,
        gpu: GpuSupport::Unknown,
        run: Run::Idle,
        cache: None,
        job: 0,
    });
    let connection = use_mut_ref(|| None::<Connection>);
    {
        let dispatcher = state.dispatcher();
        let connection = connection.clone();
        use_effect_with((), move |_| {
            match connect(dispatcher.clone()) {
                Ok(conn) => *connection.borrow_mut() = Some(conn),
                Err(error) => dispatcher.dispatch(Action::Mode(Mode::Failed(error))),
            }
            move || {
                if let Some(conn) = connection.borrow_mut().take() {
                    conn.worker.terminate();
                }
            }
        });
    }
    let send = {
        let connection = connection.clone();
        move |message: JsValue| {
            if let Some(conn) = connection.borrow().as_ref() {
                let _ = conn.worker.post_message(&message);
            }
        }
    };
    let next_job = state.job + 1;
    let start_on = {
        let dispatcher = state.dispatcher();
        let send = send.clone();
        Callback::from(move |(job, device): (Job, Device)| {
            dispatcher.dispatch(Action::Start(next_job));
            let message = mine_message(next_job, &job);
            let _ = Reflect::set(&message, &"gpu".into(), &(device == Device::Gpu).into());
            if device == Device::CpuOneThread {
                let _ = Reflect::set(&message, &"threads".into(), &1.into());
            }
            send(message);
        })
    };
    let start = start_on.reform(|job| (job, Device::Cpu));
    let stop = {
        let send = send.clone();
        Callback::from(move |()| send(object(&[("type", "stop".into())])))
    };
    let reset = {
        let dispatcher = state.dispatcher();
        let stop = stop.clone();
        Callback::from(move |()| {
            stop.emit(());
            dispatcher.dispatch(Action::Reset);
        })
    };
    Miner {
        state: Rc::new((*state).clone()),
        start,
        start_on,
        stop,
        reset,
    }
}

fn connect(dispatcher: UseReducerDispatcher<MinerState>) -> Result<Connection, String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(WORKER_URL, &options).map_err(describe)?;
    let listener = EventListener::new(&worker, "message", move |event| {
        let data = event.dyn_ref::<MessageEvent>().map(MessageEvent::data);
        if let Some(action) = data.as_ref().and_then(read_message) {
            dispatcher.dispatch(action);
        }
        if let Some(gpu) = data.as_ref().and_then(read_gpu_support) {
            dispatcher.dispatch(Action::Gpu(gpu));
        }
    });
    Ok(Connection {
        worker,
        _listener: listener,
    })
}

fn mine_message(job: u32, work: &Job) -> JsValue {
    match work {
        Job::Text { text, zero_bits } => object(&[
            ("type", "mine".into()),
            ("job", job.into()),
            ("kind", "text".into()),
            ("text", text.as_str().into()),
            ("zeroBits", (*zero_bits).into()),
        ]),
        Job::Header { header } => object(&[
            ("type", "mine".into()),
            ("job", job.into()),
            ("kind", "header".into()),
            ("header", Uint8Array::from(&header[..]).into()),
        ]),
        Job::Tensority { header, seed } => object(&[
            ("type", "mine".into()),
            ("job", job.into()),
            ("kind", "tensority".into()),
            ("header", Uint8Array::from(&header[..]).into()),
            ("seed", Uint8Array::from(&seed[..]).into()),
        ]),
    }
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj.into()
}

fn read_message(data: &JsValue) -> Option<Action> {
    let get = |key: &str| Reflect::get(data, &JsValue::from_str(key)).ok();
    let number = |key: &str| get(key).and_then(|v| v.as_f64());
    let text = |key: &str| get(key).and_then(|v| v.as_string()).unwrap_or_default();
    let job = || number("job").map(|j| j as u32);
    let kind = get("type")?.as_string()?;
    Some(match kind.as_str() {
        "ready" => Action::Mode(if get("isolated")?.as_bool()? {
            Mode::Threads(number("threads")? as u32)
        } else {
            Mode::SingleThread
        }),
        "failed" => match job() {
            Some(job) => Action::Report {
                job,
                run: Run::Failed(text("message")),
            },
            None => Action::Mode(Mode::Failed(text("message"))),
        },
        "progress" => Action::Report {
            job: job()?,
            run: Run::Mining {
                tries: number("tries")?,
                rate: number("rate")?,
            },
        },
        "found" => Action::Report {
            job: job()?,
            run: Run::Found {
                nonce: number("nonce")?,
                tries: number("tries")?,
                rate: number("rate")?,
                hash: get("hash").and_then(|v| v.as_string()),
            },
        },
        "cache" => Action::Cache {
            job: job()?,
            done: number("done")? as u32,
        },
        "stopped" => Action::Report {
            job: job()?,
            run: Run::Stopped {
                tries: number("tries")?,
            },
        },
        "exhausted" => Action::Report {
            job: job()?,
            run: Run::Exhausted {
                tries: number("tries")?,
            },
        },
        _ => return None,
    })
}

/// The GPU part of the worker's `ready` message.
fn read_gpu_support(data: &JsValue) -> Option<GpuSupport> {
    let get = |key: &str| Reflect::get(data, &JsValue::from_str(key)).ok();
    if get("type")?.as_string()? != "ready" {
        return None;
    }
    if let Some(adapter) = get("gpu").and_then(|v| v.as_string()) {
        return Some(GpuSupport::Available(adapter));
    }
    Some(match get("gpuReason")?.as_string()?.as_str() {
        "no-webgpu" => GpuSupport::NoWebGpu,
        "no-adapter" => GpuSupport::NoAdapter,
        _ => GpuSupport::NoEngine,
    })
}

fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

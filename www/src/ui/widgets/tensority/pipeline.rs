//! Tensority taken apart: the worker computes every stage of one real hash (with the
//! cache build's progress as it happens) and this widget draws them in order.

use gloo::events::EventListener;
use js_sys::{Array, Function, Int8Array, Object, Reflect, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};
use yew::prelude::*;

use super::strings::TensorityStrings;
use crate::i18n::fill;
use crate::tensority_view::{SIDE, fold_levels, heat_map_rgba, hex_rows, range};
use crate::ui::use_lang;
use crate::ui::widgets::mining_panel::CACHE_ROUNDS;

/// Bytom's first reference vector (../shared/vectors/tensority.json): the defaults,
/// so the final stage can be checked against a number computed elsewhere.
const VECTOR_SEED: &str = "0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2";
const VECTOR_HASH: &str = "d0dad73fb2dabf3353fda15571b4e5f6ac62ff187b354fadd4840d9ff2f1afdf";
const VECTOR_RESULT: &str = "e35da54795d82f8549c0e580cbf2e3757ab5ef8fed1bdbe439416c7e6f8df227";
const WORKER_URL: &str = "/static/miner-worker.js";

/// What the worker sent back for one (seed, H).
#[derive(Clone, PartialEq)]
struct Stages {
    seed: String,
    header_hash: String,
    extended_seed: Vec<u8>,
    indices: Vec<u8>,
    first_product: Vec<i8>,
    hash: String,
}

#[derive(Default)]
struct Request {
    job: u32,
    seed: String,
    header_hash: String,
}

#[derive(Clone, PartialEq)]
enum Progress {
    Idle,
    Building(u32),
    Done(Stages),
    Failed(String),
}

#[component]
pub fn TensorityPipeline() -> Html {
    let t = TensorityStrings::of(use_lang());
    let seed = use_state(|| VECTOR_SEED.to_owned());
    let header_hash = use_state(|| VECTOR_HASH.to_owned());
    let progress = use_state(|| Progress::Idle);
    let worker = use_mut_ref(|| None::<(Worker, EventListener)>);
    // The request the next answer must belong to (a stale answer is dropped).
    let request = use_mut_ref(Request::default);
    {
        let (worker, progress, request) = (worker.clone(), progress.clone(), request.clone());
        use_effect_with((), move |_| {
            if let Ok(connection) = connect(progress, request) {
                *worker.borrow_mut() = Some(connection);
            }
            move || {
                if let Some((worker, _)) = worker.borrow_mut().take() {
                    worker.terminate();
                }
            }
        });
    }
    let valid = |text: &str| hex32(text).is_some();
    let inputs_ok = valid(&seed) && valid(&header_hash);
    let onclick = {
        let (worker, progress, request) = (worker.clone(), progress.clone(), request.clone());
        let (seed, header_hash) = (seed.clone(), header_hash.clone());
        Callback::from(move |_| {
            let (Some(s), Some(h)) = (hex32(&seed), hex32(&header_hash)) else {
                return;
            };
            let job = {
                let mut request = request.borrow_mut();
                request.job += 1;
                request.seed = (*seed).clone();
                request.header_hash = (*header_hash).clone();
                request.job
            };
            progress.set(Progress::Building(0));
            if let Some((worker, _)) = worker.borrow().as_ref() {
                let _ = worker.post_message(&stages_message(job, &s, &h));
            }
        })
    };
    let input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                state.set(input.value().trim().to_lowercase());
            }
        })
    };
    let busy = matches!(*progress, Progress::Building(_));
    html! {
        <section class="widget card tensority" aria-label={t.pipeline}>
            <h2>{ t.pipeline }</h2>
            <div class="block-fields">
                { hex_field("tensority-seed", t.seed, &seed, input(&seed), t.bad_hex) }
                { hex_field("tensority-h", t.header_hash, &header_hash, input(&header_hash), t.bad_hex) }
            </div>
            <button type="button" class="primary" disabled={!inputs_ok || busy} {onclick}
                data-testid="tensority-run">{ t.run }</button>
            <ol class="tensority-stages">
                <li>
                    <h3>{ t.stage_seed }</h3>
                    <p class="muted small">{ t.stage_seed_text }</p>
                    <code class="mono hex-rows">{ seed.to_string() }</code>
                </li>
                { stages_view(t, &progress) }
            </ol>
        </section>
    }
}

fn hex_field(
    id: &'static str,
    label: &'static str,
    value: &str,
    oninput: Callback<InputEvent>,
    bad: &'static str,
) -> Html {
    let ok = hex32(value).is_some();
    html! {
        <div class="field">
            <label class="field-label" for={id}>{ label }</label>
            <input {id} class="mono" type="text" spellcheck="false" value={value.to_owned()} {oninput}
                aria-invalid={(!ok).to_string()} />
            if !ok {
                <p class="verdict bad small" role="alert"><span aria-hidden="true">{ "✗ " }</span>{ bad }</p>
            }
        </div>
    }
}

fn stages_view(t: &TensorityStrings, progress: &Progress) -> Html {
    let done = match progress {
        Progress::Idle => return html! {},
        Progress::Failed(error) => {
            return html! { <li><p class="verdict bad" role="alert">{ error.clone() }</p></li> };
        }
        Progress::Building(done) => *done,
        Progress::Done(_) => CACHE_ROUNDS,
    };
    let cache_text = fill(
        t.cache_rounds,
        &[
            ("done", &done.to_string()),
            ("total", &CACHE_ROUNDS.to_string()),
        ],
    );
    let cache = html! {
        <li>
            <h3>{ t.stage_cache }</h3>
            <p class="muted small">{ t.stage_cache_text }</p>
            <div class="progress" role="progressbar" aria-label={t.stage_cache} data-testid="tensority-cache"
                aria-valuemin="0" aria-valuemax={CACHE_ROUNDS.to_string()} aria-valuenow={done.to_string()}
                aria-valuetext={cache_text.clone()}>
                <div class="progress-fill" style={format!("width: {}%", done * 100 / CACHE_ROUNDS)}></div>
            </div>
            <p class="small" role="status" aria-live="polite" data-testid="tensority-cache-text">{ cache_text }</p>
        </li>
    };
    let Progress::Done(stages) = progress else {
        return cache;
    };
    let matches = stages.seed == VECTOR_SEED && stages.header_hash == VECTOR_HASH;
    html! {
        <>
            <li>
                <h3>{ t.stage_extended }</h3>
                <p class="muted small">{ t.stage_extended_text }</p>
                <code class="mono hex-rows">
                    { for hex_rows(&stages.extended_seed, 32).into_iter().map(|row| html! { <span>{ row }</span> }) }
                </code>
            </li>
            { cache }
            <li>
                <h3>{ t.stage_indices }</h3>
                <p class="muted small">{ t.stage_indices_text }</p>
                <table class="tensority-indices" data-testid="tensority-indices">
                    <tbody>
                        { for stages.indices.chunks(32).enumerate().map(|(lane, row)| html! {
                            <tr>
                                <th scope="row">{ format!("{} {lane}", t.lane) }</th>
                                <td class="mono">{ row.iter().map(u8::to_string).collect::<Vec<_>>().join(" ") }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </li>
            <li>
                <h3>{ t.stage_product }</h3>
                <p class="muted small">{ fill(t.stage_product_text, &[("m", &stages.indices[0].to_string())]) }</p>
                <HeatMap values={stages.first_product.clone()} label={t.stage_product} legend={t.heat_legend} />
            </li>
            <li>
                <h3>{ t.stage_fold }</h3>
                <p class="muted small">{ t.stage_fold_text }</p>
                <p class="mono" aria-label={t.stage_fold}>
                    { fold_levels().iter().map(usize::to_string).collect::<Vec<_>>().join(" → ") }
                </p>
            </li>
            <li>
                <h3>{ t.stage_final }</h3>
                <p class="muted small">{ t.stage_final_text }</p>
                <code class="mono" data-testid="tensority-final">{ stages.hash.clone() }</code>
                if matches {
                    if stages.hash == VECTOR_RESULT {
                        <p class="verdict ok" data-testid="tensority-vector-ok"><span aria-hidden="true">{ "✓ " }</span>{ t.matches_vector }</p>
                    } else {
                        <p class="verdict bad"><span aria-hidden="true">{ "✗ " }</span>{ t.differs_vector }</p>
                    }
                }
            </li>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct HeatMapProps {
    values: Vec<i8>,
    label: &'static str,
    legend: &'static str,
}

/// The 256×256 product on a canvas, one pixel per value.
#[component]
fn HeatMap(props: &HeatMapProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(props.values.clone(), move |values| {
            if let Some(element) = canvas.get() {
                let _ = draw(&element, values);
            }
        });
    }
    let (min, max) = range(&props.values).unwrap_or((0, 0));
    let legend = fill(
        props.legend,
        &[("min", &min.to_string()), ("max", &max.to_string())],
    );
    html! {
        <figure class="heat-map">
            <canvas ref={canvas} width={SIDE.to_string()} height={SIDE.to_string()} role="img"
                aria-label={format!("{}: {legend}", props.label)} data-testid="tensority-heatmap"></canvas>
            <figcaption class="small muted">{ legend }</figcaption>
        </figure>
    }
}

/// `ctx.putImageData(new ImageData(rgba, 256, 256), 0, 0)` through js-sys.
fn draw(canvas: &JsValue, values: &[i8]) -> Result<(), JsValue> {
    let call = |target: &JsValue, method: &str, args: &Array| -> Result<JsValue, JsValue> {
        let function: Function = Reflect::get(target, &method.into())?.dyn_into()?;
        Reflect::apply(&function, target, args)
    };
    let context = call(canvas, "getContext", &Array::of1(&"2d".into()))?;
    let pixels = Uint8ClampedArray::from(heat_map_rgba(values).as_slice());
    let constructor: Function = Reflect::get(&js_sys::global(), &"ImageData".into())?.dyn_into()?;
    let side = JsValue::from(SIDE as u32);
    let image = Reflect::construct(&constructor, &Array::of3(&pixels, &side, &side))?;
    call(
        &context,
        "putImageData",
        &Array::of3(&image, &0.into(), &0.into()),
    )?;
    Ok(())
}

fn connect(
    progress: UseStateHandle<Progress>,
    request: std::rc::Rc<std::cell::RefCell<Request>>,
) -> Result<(Worker, EventListener), JsValue> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(WORKER_URL, &options)?;
    let listener = EventListener::new(&worker, "message", move |event| {
        let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
            return;
        };
        let get = |key: &str| Reflect::get(&data, &key.into()).unwrap_or(JsValue::UNDEFINED);
        let job = get("job").as_f64().map(|j| j as u32);
        if get("type").as_string().as_deref() == Some("failed") {
            progress.set(Progress::Failed(
                get("message").as_string().unwrap_or_default(),
            ));
            return;
        }
        let request = request.borrow();
        if job != Some(request.job) {
            return;
        }
        match get("type").as_string().as_deref() {
            Some("cache") => progress.set(Progress::Building(
                get("done").as_f64().unwrap_or(0.0) as u32
            )),
            Some("stages") => progress.set(Progress::Done(Stages {
                seed: request.seed.clone(),
                header_hash: request.header_hash.clone(),
                extended_seed: hex::decode(get("extendedSeed").as_string().unwrap_or_default())
                    .unwrap_or_default(),
                indices: Array::from(&get("indices"))
                    .iter()
                    .filter_map(|v| v.as_f64())
                    .map(|v| v as u8)
                    .collect(),
                first_product: get("firstProduct")
                    .dyn_into::<Int8Array>()
                    .map(|a| a.to_vec())
                    .unwrap_or_default(),
                hash: get("hash").as_string().unwrap_or_default(),
            })),
            _ => {}
        }
    });
    Ok((worker, listener))
}

fn stages_message(job: u32, seed: &[u8; 32], header_hash: &[u8; 32]) -> JsValue {
    let message = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&message, &key.into(), &value);
    };
    set("type", "stages".into());
    set("job", job.into());
    set("seed", Uint8Array::from(&seed[..]).into());
    set("headerHash", Uint8Array::from(&header_hash[..]).into());
    message.into()
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

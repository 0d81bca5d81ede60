//! The student's wallet: address, balance, paying a classmate, the payment history
//! with confirmations, and export/import of the keys as a file.

use std::str::FromStr;

use gloo::file::File;
use gloo::file::callbacks::FileReader;
use ledger::{Address, MempoolError};
use node::WalletError;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::text::{ClassText, fill};
use crate::classroom::feed::short_hash;
use crate::classroom::history::{Direction, PaymentState};
use crate::classroom::join::parse_coins;
use crate::classroom::session::PayError;
use crate::i18n::Lang;
use crate::ui::classroom::SessionHandle;
use crate::ui::use_lang;

const DEFAULT_FEE: &str = "0.0001";

#[derive(Properties, PartialEq)]
pub struct WalletPanelProps {
    pub session: SessionHandle,
}

/// The outcome of the last send or import, for the live region.
#[derive(Clone, PartialEq)]
enum Outcome {
    None,
    Ok(String),
    Err(String),
}

#[component]
pub fn WalletPanel(props: &WalletPanelProps) -> Html {
    let lang = use_lang();
    let t = ClassText::of(lang);
    let session = props.session.clone();
    let choice = use_state(String::new);
    let pasted = use_state(String::new);
    let amount = use_state(String::new);
    let fee = use_state(|| DEFAULT_FEE.to_string());
    let outcome = use_state(|| Outcome::None);
    let copied = use_state(|| false);
    let reader = use_mut_ref(|| None::<FileReader>);
    let me = session.me();
    let Some((address, balance, book)) = session.with(|s| {
        let chain = s.node().chain();
        let balance = s.wallet().balance(chain, s.node().mempool());
        (
            s.wallet().address(),
            balance,
            s.board().address_book(me.as_ref()),
        )
    }) else {
        return html! {};
    };
    let on_send = {
        let (session, choice, pasted, amount, fee, outcome) = (
            session.clone(),
            choice.clone(),
            pasted.clone(),
            amount.clone(),
            fee.clone(),
            outcome.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let target = if pasted.trim().is_empty() {
                (*choice).clone()
            } else {
                (*pasted).clone()
            };
            let result = Address::from_str(target.trim())
                .map_err(|_| t.bad_address.to_string())
                .and_then(|to| {
                    let amount = parse_coins(&amount).map_err(|_| t.bad_amount.to_string())?;
                    let fee = parse_coins(&fee).map_err(|_| t.bad_amount.to_string())?;
                    session
                        .pay(to, amount, fee)
                        .map_err(|error| pay_error(lang, &error))
                });
            match result {
                Ok(txid) => {
                    session.refresh_board();
                    outcome.set(Outcome::Ok(fill(t.sent, &[("txid", &short_hash(&txid))])));
                    amount.set(String::new());
                    pasted.set(String::new());
                }
                Err(message) => outcome.set(Outcome::Err(message)),
            }
        })
    };
    let text_input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_choice = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            choice.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let on_copy = {
        let copied = copied.clone();
        let text = address.to_string();
        Callback::from(move |_| {
            let clipboard = gloo::utils::window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
            copied.set(true);
        })
    };
    let on_export = {
        let session = session.clone();
        Callback::from(move |_| {
            let config = session.config();
            if let Some(json) = session.with(|s| s.wallet().export()) {
                download(&format!("chainlab-wallet-{}.json", config.name), &json);
            }
        })
    };
    let on_import = {
        let (session, outcome, reader) = (session.clone(), outcome.clone(), reader.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            let (session, outcome) = (session.clone(), outcome.clone());
            let task = gloo::file::callbacks::read_as_text(&File::from(file), move |text| {
                let result = text.map_err(|e| e.to_string()).and_then(|json| {
                    match session.import_wallet(&json) {
                        Some(Ok(())) => Ok(()),
                        Some(Err(error)) => Err(wallet_error(lang, &error)),
                        None => Err(String::new()),
                    }
                });
                outcome.set(match result {
                    Ok(()) => Outcome::Ok(t.imported.to_string()),
                    Err(message) => Outcome::Err(message),
                });
            });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    html! {
        <section class="card class-panel class-wallet" aria-labelledby="class-wallet-title">
            <h2 id="class-wallet-title">{ t.wallet }</h2>
            <p class="field-label" id="class-address-label">{ t.address }</p>
            <div class="class-address">
                <code class="mono" aria-labelledby="class-address-label" data-testid="address">{ address.to_string() }</code>
                <button class="secondary" onclick={on_copy} aria-label={format!("{} {}", t.copy, t.address)}>
                    if *copied {
                        <span aria-hidden="true">{ "✔ " }</span>
                    }
                    { if *copied { t.copied } else { t.copy } }
                </button>
            </div>
            <dl class="class-balance">
                <div><dt>{ t.confirmed }</dt><dd data-testid="balance"><span class="class-amount">{ balance.confirmed.to_string() }</span>{ " " }{ t.coins }</dd></div>
                <div><dt>{ t.available }</dt><dd data-testid="available">{ balance.available.to_string() }</dd></div>
                <div><dt>{ t.incoming }</dt><dd data-testid="incoming">{ balance.incoming.to_string() }</dd></div>
            </dl>
            <form class="class-send" onsubmit={on_send} novalidate=true>
                <h3>{ t.send }</h3>
                <div class="field">
                    <label for="class-pay-to">{ t.to }</label>
                    <select id="class-pay-to" onchange={on_choice} data-testid="pay-to">
                        <option value="" selected={choice.is_empty()}>{ t.choose_classmate }</option>
                        { for book.iter().map(|(name, address)| {
                            let value = address.to_string();
                            let selected = *choice == value;
                            html! { <option {selected} {value}>{ name }</option> }
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="class-pay-paste">{ t.or_paste }</label>
                    <input id="class-pay-paste" class="mono" value={(*pasted).clone()} oninput={text_input(&pasted)}
                        placeholder={t.paste_hint} spellcheck="false" autocomplete="off" />
                </div>
                <div class="two-columns">
                    <div class="field">
                        <label for="class-pay-amount">{ t.amount }</label>
                        <input id="class-pay-amount" inputmode="decimal" value={(*amount).clone()} oninput={text_input(&amount)} />
                    </div>
                    <div class="field">
                        <label for="class-pay-fee">{ t.fee }</label>
                        <input id="class-pay-fee" inputmode="decimal" value={(*fee).clone()} oninput={text_input(&fee)} />
                    </div>
                </div>
                <button type="submit" class="primary">{ t.send_button }</button>
                <p class="class-outcome" role="status" aria-live="polite" data-testid="pay-outcome">
                    { match &*outcome {
                        Outcome::None => html! {},
                        Outcome::Ok(text) => html! { <span class="verdict ok"><span aria-hidden="true">{ "✔" }</span>{ text }</span> },
                        Outcome::Err(text) => html! { <span class="verdict bad"><span aria-hidden="true">{ "✖" }</span>{ text }</span> },
                    } }
                </p>
            </form>
            <History session={session.clone()} />
            <div class="class-wallet-file">
                <button class="secondary" onclick={on_export}>
                    <span aria-hidden="true">{ "⬇ " }</span>{ t.export }
                </button>
                <label class="button secondary class-import">
                    <span aria-hidden="true">{ "⬆ " }</span>{ t.import }
                    <input type="file" accept="application/json,.json" class="visually-hidden" onchange={on_import} />
                </label>
                <p class="small muted">{ t.export_note }</p>
            </div>
        </section>
    }
}

#[component]
fn History(props: &WalletPanelProps) -> Html {
    let t = ClassText::of(use_lang());
    let rows = props
        .session
        .with(|s| {
            let height = s.node().chain().height();
            s.history()
                .payments()
                .into_iter()
                .take(20)
                .map(|p| {
                    let who = p.counterparty.map(|address| {
                        s.board()
                            .name_of(&address)
                            .map_or_else(|| short_hash(&address), str::to_string)
                    });
                    (p.clone(), who, p.confirmations(height))
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    html! {
        <div class="class-history">
            <h3>{ t.history }</h3>
            if rows.is_empty() {
                <p class="muted small">{ t.no_history }</p>
            } else {
                <ul class="class-list" data-testid="history">
                    { for rows.into_iter().map(|(payment, who, confirmations)| {
                        let (icon, label) = match payment.direction {
                            Direction::Sent => ("↗", t.paid_to),
                            Direction::Received => ("↙", t.received_from),
                        };
                        let (state_class, state_icon, state) = match payment.state {
                            PaymentState::Pending => ("is-pending", "⏳", t.pending.to_string()),
                            PaymentState::Confirmed { .. } => ("is-ok", "✔", fill(t.confirmations, &[("n", &confirmations.to_string())])),
                            PaymentState::Reversed => ("is-bad", "✖", t.reversed.to_string()),
                        };
                        html! {
                            <li key={payment.txid.to_string()} class={classes!("class-payment", state_class)}>
                                <span aria-hidden="true">{ icon }</span>
                                <span>{ label }{ " " }<strong>{ who.unwrap_or_else(|| t.someone.to_string()) }</strong></span>
                                <span class="mono">{ payment.amount.to_string() }</span>
                                <span class="class-payment-state"><span aria-hidden="true">{ state_icon }{ " " }</span>{ state }</span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}

/// A payment error in the student's language.
fn pay_error(lang: Lang, error: &PayError) -> String {
    match (error, lang) {
        (PayError::Wallet(error), _) => wallet_error(lang, error),
        (PayError::Mempool(MempoolError::Conflict { .. }), Lang::Zh) => {
            "网络拒绝了这笔付款：它要花的币已经被另一笔待确认的交易花掉了（双花）。".to_string()
        }
        (PayError::Mempool(error), Lang::Zh) => format!("网络拒绝了这笔付款：{error}"),
        (error, Lang::En) => error.to_string(),
    }
}

fn wallet_error(lang: Lang, error: &WalletError) -> String {
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        WalletError::ZeroAmount => "金额必须大于零。".to_string(),
        WalletError::InsufficientFunds { needed, available } => {
            format!("余额不足：需要 {needed} 币（金额加手续费），但只有 {available} 币可用。")
        }
        WalletError::Overflow => "金额加手续费超过了可能存在的全部币。".to_string(),
        WalletError::BadChecksum => "钱包文件已损坏：校验和不符。".to_string(),
        WalletError::AddressMismatch => "钱包文件前后矛盾：地址与私钥不符。".to_string(),
        other => format!("钱包出错：{other}"),
    }
}

/// Saves `text` as a file the browser downloads.
fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let document = gloo::utils::document();
    if let Some(link) = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

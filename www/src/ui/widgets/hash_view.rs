//! A 64-character hex digest laid out for reading aloud in class: groups of eight in
//! monospace, with the leading zero bits a target asks for underlined.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HashViewProps {
    pub hex: AttrValue,
    #[prop_or_default]
    pub testid: Option<AttrValue>,
    /// Hex digits that are all zero to count as meeting a difficulty, if one applies.
    #[prop_or_default]
    pub zero_digits: usize,
}

/// The digest's text content stays one unbroken string, so copying it or searching
/// the page for it works; the grouping is only visual.
#[component]
pub fn HashView(props: &HashViewProps) -> Html {
    let zeros = props
        .hex
        .chars()
        .take_while(|&c| c == '0')
        .count()
        .min(props.zero_digits);
    let groups = props
        .hex
        .as_bytes()
        .chunks(8)
        .enumerate()
        .map(|(i, chunk)| {
            let text = String::from_utf8_lossy(chunk).into_owned();
            let lead = zeros.saturating_sub(i * 8).min(chunk.len());
            html! {
                <span class="hex-group">
                    if lead > 0 { <span class="hex-zero">{ &text[..lead] }</span> }
                    { &text[lead..] }
                </span>
            }
        });
    html! {
        <output class="hash" data-testid={props.testid.clone()}>{ for groups }</output>
    }
}

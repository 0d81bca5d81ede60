//! The lesson text format, parsed into steps.
//!
//! Lessons live in `lessons/<lang>/<id>.md` so that a teacher can edit or translate
//! them without touching Rust. The format (documented for teachers in
//! `lessons/README.md`) is a small Markdown subset:
//!
//! ```text
//! # Lesson title
//! One-line summary shown on the home page.
//!
//! ## Step title
//! A paragraph with **bold** and `code`.
//!
//! - a list item
//!
//! ::: widget nonce-search difficulty=12
//! ::: wait nonce-found
//! ```

use crate::widget::{Widget, WidgetError};

/// A parsed lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    pub title: String,
    pub summary: String,
    pub steps: Vec<Step>,
}

/// One screen of a lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    pub blocks: Vec<Block>,
    /// What the learner must do before "Continue" appears, if anything.
    pub wait: Option<WaitFor>,
}

/// A piece of a step's body, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    List(Vec<Vec<Inline>>),
    Widget(Widget),
}

/// Styled runs of text inside a paragraph or list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Code(String),
}

/// Learner actions a step can wait for; widgets report them as they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitFor {
    /// The nonce-search widget found a nonce.
    NonceFound,
    /// The block widget mined a valid block.
    BlockMined,
    /// The double-spend race widget finished a batch of races.
    RaceRun,
    /// The generals widget showed a run where IC1 or IC2 fails.
    GeneralsViolationSeen,
    /// The Raft cluster has a leader.
    RaftLeaderElected,
    /// A partition made two leaders in different terms, then healed to one.
    RaftPartitionHealed,
    /// A PBFT replica committed a request.
    PbftCommitted,
    /// PBFT replicas moved to a new view after a faulty primary.
    PbftViewChanged,
    /// The learner edited a transaction in the chain widget.
    ChainTampered,
    /// Every block of the chain widget is valid again after a re-mine.
    ChainRemined,
    /// The learner checked a Merkle proof step by step up to the published root.
    MerkleProofVerified,
    /// The learner edited a leaf of the Merkle tree.
    MerkleTampered,
    /// The retarget simulation ran with hash power changing over time.
    RetargetSimulated,
}

impl WaitFor {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "nonce-found" => Some(WaitFor::NonceFound),
            "block-mined" => Some(WaitFor::BlockMined),
            "race-run" => Some(WaitFor::RaceRun),
            "generals-violation-seen" => Some(WaitFor::GeneralsViolationSeen),
            "raft-leader-elected" => Some(WaitFor::RaftLeaderElected),
            "raft-partition-healed" => Some(WaitFor::RaftPartitionHealed),
            "pbft-committed" => Some(WaitFor::PbftCommitted),
            "pbft-view-changed" => Some(WaitFor::PbftViewChanged),
            "chain-tampered" => Some(WaitFor::ChainTampered),
            "chain-remined" => Some(WaitFor::ChainRemined),
            "merkle-proof-verified" => Some(WaitFor::MerkleProofVerified),
            "merkle-tampered" => Some(WaitFor::MerkleTampered),
            "retarget-simulated" => Some(WaitFor::RetargetSimulated),
            _ => None,
        }
    }
}

/// Why a lesson file could not be read; `line` is 1-based, as editors show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LessonError {
    #[error("the lesson must start with a title line like \"# Hashing\"")]
    MissingTitle,
    #[error("the lesson has no steps: start each step with a line like \"## What is a hash?\"")]
    NoSteps,
    #[error("line {line}: text before the first \"## \" step heading belongs to no step")]
    OutsideStep { line: usize },
    #[error(
        "line {line}: unknown directive {directive:?}; use \"::: widget NAME key=value\" or \"::: wait EVENT\""
    )]
    UnknownDirective { line: usize, directive: String },
    #[error("line {line}: {source}")]
    Widget { line: usize, source: WidgetError },
    #[error("line {line}: setting {text:?} must be written key=value")]
    BadParam { line: usize, text: String },
    #[error("line {line}: unknown event {event:?}; steps can wait for nonce-found or block-mined")]
    UnknownEvent { line: usize, event: String },
    #[error("line {line}: this step already waits for something")]
    SecondWait { line: usize },
}

/// Parses a lesson file.
pub fn parse(source: &str) -> Result<Lesson, LessonError> {
    let mut lines = source
        .lines()
        .enumerate()
        .map(|(i, text)| (i + 1, text.trim_end()));
    let title = lines
        .by_ref()
        .find(|(_, text)| !text.is_empty())
        .and_then(|(_, text)| text.strip_prefix("# "))
        .ok_or(LessonError::MissingTitle)?
        .trim()
        .to_owned();

    let mut summary = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut pending = Pending::default();
    for (line, text) in lines {
        if let Some(heading) = text.strip_prefix("## ") {
            if let Some(step) = steps.last_mut() {
                pending.flush(&mut step.blocks);
            }
            steps.push(Step {
                title: heading.trim().to_owned(),
                blocks: Vec::new(),
                wait: None,
            });
            continue;
        }
        let Some(step) = steps.last_mut() else {
            match text {
                "" => {}
                t if t.starts_with(":::") || t.starts_with("- ") => {
                    return Err(LessonError::OutsideStep { line });
                }
                t => summary.push(t.trim()),
            }
            continue;
        };
        if let Some(directive) = text.strip_prefix(":::") {
            pending.flush(&mut step.blocks);
            apply_directive(step, directive.trim(), line)?;
        } else if let Some(item) = text.strip_prefix("- ") {
            pending.list_item(item.trim(), &mut step.blocks);
        } else if text.trim().is_empty() {
            pending.flush(&mut step.blocks);
        } else {
            pending.text(text.trim());
        }
    }
    let Some(step) = steps.last_mut() else {
        return Err(LessonError::NoSteps);
    };
    pending.flush(&mut step.blocks);
    Ok(Lesson {
        title,
        summary: summary.join(" "),
        steps,
    })
}

fn apply_directive(step: &mut Step, directive: &str, line: usize) -> Result<(), LessonError> {
    let mut words = directive.split_whitespace();
    match (words.next(), words.next()) {
        (Some("widget"), Some(name)) => {
            let params = words
                .map(|word| {
                    word.split_once('=').ok_or_else(|| LessonError::BadParam {
                        line,
                        text: word.into(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let widget = Widget::from_params(name, params)
                .map_err(|source| LessonError::Widget { line, source })?;
            step.blocks.push(Block::Widget(widget));
        }
        (Some("wait"), Some(event)) => {
            let wait = WaitFor::parse(event).ok_or_else(|| LessonError::UnknownEvent {
                line,
                event: event.into(),
            })?;
            if step.wait.replace(wait).is_some() {
                return Err(LessonError::SecondWait { line });
            }
        }
        _ => {
            return Err(LessonError::UnknownDirective {
                line,
                directive: directive.into(),
            });
        }
    }
    Ok(())
}

/// The paragraph or list being collected until a blank line or directive ends it.
#[derive(Default)]
struct Pending {
    paragraph: Vec<String>,
    items: Vec<String>,
}

impl Pending {
    fn text(&mut self, text: &str) {
        match self.items.last_mut() {
            // A wrapped line continues the current list item, as in Markdown.
            Some(item) => {
                item.push(' ');
                item.push_str(text);
            }
            None => self.paragraph.push(text.to_owned()),
        }
    }

    fn list_item(&mut self, text: &str, blocks: &mut Vec<Block>) {
        self.flush_paragraph(blocks);
        self.items.push(text.to_owned());
    }

    fn flush_paragraph(&mut self, blocks: &mut Vec<Block>) {
        if !self.paragraph.is_empty() {
            blocks.push(Block::Paragraph(inlines(&self.paragraph.join(" "))));
            self.paragraph.clear();
        }
    }

    fn flush(&mut self, blocks: &mut Vec<Block>) {
        self.flush_paragraph(blocks);
        if !self.items.is_empty() {
            blocks.push(Block::List(
                self.items.drain(..).map(|item| inlines(&item)).collect(),
            ));
        }
    }
}

/// Splits `**strong**` and `` `code` `` runs out of plain text. An unclosed marker is
/// kept as literal text, so a stray `*` never swallows the rest of a paragraph.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = [
            ("**", Inline::Strong as fn(String) -> Inline),
            ("`", Inline::Code),
        ]
        .into_iter()
        .filter_map(|(marker, make)| {
            let start = rest.find(marker)?;
            let len = rest[start + marker.len()..].find(marker)?;
            Some((start, marker.len(), len, make))
        })
        .min_by_key(|&(start, ..)| start);
        let Some((start, marker, len, make)) = next else {
            out.push(Inline::Text(rest.to_owned()));
            break;
        };
        if start > 0 {
            out.push(Inline::Text(rest[..start].to_owned()));
        }
        let inner = &rest[start + marker..start + marker + len];
        out.push(make(inner.to_owned()));
        rest = &rest[start + 2 * marker + len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn parses_steps_blocks_widgets_and_waits() {
        let lesson = parse(
            "# Hashing\nA first look.\nSecond line.\n\n## One\nHello **big**\nworld `x`.\n\n\
             - a\n- b\n  more\n\n## Two\n::: widget nonce-search difficulty=8\n::: wait nonce-found\n",
        )
        .unwrap();
        assert_eq!(lesson.title, "Hashing");
        assert_eq!(lesson.summary, "A first look. Second line.");
        assert_eq!(lesson.steps.len(), 2);
        assert_eq!(
            lesson.steps[0].blocks,
            vec![
                Block::Paragraph(vec![
                    text("Hello "),
                    Inline::Strong("big".into()),
                    text(" world "),
                    Inline::Code("x".into()),
                    text("."),
                ]),
                Block::List(vec![vec![text("a")], vec![text("b more")]]),
            ]
        );
        assert_eq!(lesson.steps[0].wait, None);
        assert_eq!(
            lesson.steps[1].blocks,
            vec![Block::Widget(Widget::NonceSearch {
                text: "hello".into(),
                difficulty: 8
            })]
        );
        assert_eq!(lesson.steps[1].wait, Some(WaitFor::NonceFound));
    }

    #[test]
    fn a_list_right_after_a_paragraph_starts_a_new_block() {
        let lesson = parse("# T\n## S\nIntro:\n- one\n").unwrap();
        assert_eq!(
            lesson.steps[0].blocks,
            vec![
                Block::Paragraph(vec![text("Intro:")]),
                Block::List(vec![vec![text("one")]])
            ]
        );
    }

    #[test]
    fn unclosed_markers_stay_literal() {
        assert_eq!(inlines("2 ** 3 and `x"), vec![text("2 ** 3 and `x")]);
        assert_eq!(
            inlines("`a**b` **c**"),
            vec![
                Inline::Code("a**b".into()),
                text(" "),
                Inline::Strong("c".into())
            ]
        );
        assert_eq!(inlines(""), vec![]);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse(""), Err(LessonError::MissingTitle));
        assert_eq!(parse("Hashing\n## S"), Err(LessonError::MissingTitle));
        assert_eq!(parse("# T\nno steps"), Err(LessonError::NoSteps));
        assert_eq!(
            parse("# T\n::: widget sha256\n## S"),
            Err(LessonError::OutsideStep { line: 2 })
        );
        assert_eq!(
            parse("# T\n## S\n::: gadget x"),
            Err(LessonError::UnknownDirective {
                line: 3,
                directive: "gadget x".into()
            })
        );
        assert_eq!(
            parse("# T\n## S\n::: widget block difficulty=99"),
            Err(LessonError::Widget {
                line: 3,
                source: WidgetError::BadDifficulty("99".into())
            })
        );
        assert_eq!(
            parse("# T\n## S\n::: widget block difficulty"),
            Err(LessonError::BadParam {
                line: 3,
                text: "difficulty".into()
            })
        );
        assert_eq!(
            parse("# T\n## S\n::: wait coffee"),
            Err(LessonError::UnknownEvent {
                line: 3,
                event: "coffee".into()
            })
        );
        assert_eq!(
            parse("# T\n## S\n::: wait nonce-found\n::: wait block-mined"),
            Err(LessonError::SecondWait { line: 4 })
        );
    }

    #[test]
    fn error_messages_read_well() {
        let err = parse("# T\n## S\n::: widget block difficulty=99").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3: difficulty must be a whole number of zero bits from 1 to 32, got \"99\""
        );
    }
}

//! The lesson registry: every lesson that exists, in both languages.
//!
//! Lesson files are compiled in with `include_str!`, so the app needs no fetch to show
//! a lesson and a broken file fails this crate's tests, not a class. The next lessons
//! (blocks and chains, Merkle trees, difficulty, consensus) are added here as they are
//! written.

use crate::i18n::Lang;
use crate::lesson::{self, Lesson, LessonError};

/// One lesson's files.
pub struct LessonSource {
    /// The id used in URLs: `/en/lesson/<id>/<step>`.
    pub id: &'static str,
    en: &'static str,
    zh: &'static str,
}

impl LessonSource {
    /// The lesson text in `lang`.
    pub fn source(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }

    /// Parses the lesson in `lang`.
    pub fn parse(&self, lang: Lang) -> Result<Lesson, LessonError> {
        lesson::parse(self.source(lang))
    }
}

/// Every lesson, in teaching order.
pub static LESSONS: &[LessonSource] = &[
    LessonSource {
        id: "hashing",
        en: include_str!("../../lessons/en/hashing.md"),
        zh: include_str!("../../lessons/zh/hashing.md"),
    },
    LessonSource {
        id: "blocks",
        en: include_str!("../../lessons/en/blocks.md"),
        zh: include_str!("../../lessons/zh/blocks.md"),
    },
    LessonSource {
        id: "merkle",
        en: include_str!("../../lessons/en/merkle.md"),
        zh: include_str!("../../lessons/zh/merkle.md"),
    },
    LessonSource {
        id: "difficulty",
        en: include_str!("../../lessons/en/difficulty.md"),
        zh: include_str!("../../lessons/zh/difficulty.md"),
    },
    LessonSource {
        id: "pbft",
        en: include_str!("../../lessons/en/pbft.md"),
        zh: include_str!("../../lessons/zh/pbft.md"),
    },
    LessonSource {
        id: "raft",
        en: include_str!("../../lessons/en/raft.md"),
        zh: include_str!("../../lessons/zh/raft.md"),
    },
    LessonSource {
        id: "generals",
        en: include_str!("../../lessons/en/generals.md"),
        zh: include_str!("../../lessons/zh/generals.md"),
    },
    LessonSource {
        id: "double-spend",
        en: include_str!("../../lessons/en/double-spend.md"),
        zh: include_str!("../../lessons/zh/double-spend.md"),
    },
    LessonSource {
        id: "tensority",
        en: include_str!("../../lessons/en/tensority.md"),
        zh: include_str!("../../lessons/zh/tensority.md"),
    },
];

/// The lesson with this URL id.
pub fn find(id: &str) -> Option<&'static LessonSource> {
    LESSONS.iter().find(|lesson| lesson.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Block;

    #[test]
    fn every_lesson_parses_in_every_language() {
        for source in LESSONS {
            for lang in Lang::ALL {
                let lesson = source
                    .parse(lang)
                    .unwrap_or_else(|e| panic!("{} {lang:?}: {e}", source.id));
                assert!(
                    !lesson.summary.is_empty(),
                    "{} {lang:?} has no summary",
                    source.id
                );
            }
        }
    }

    #[test]
    fn translations_have_the_same_steps_widgets_and_waits() {
        for source in LESSONS {
            let [en, zh] = Lang::ALL.map(|lang| source.parse(lang).unwrap());
            assert_eq!(en.steps.len(), zh.steps.len(), "{}", source.id);
            for (a, b) in en.steps.iter().zip(&zh.steps) {
                let widgets = |step: &lesson::Step| {
                    step.blocks
                        .iter()
                        .filter_map(|block| match block {
                            Block::Widget(w) => Some(w.clone()),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    widgets(a),
                    widgets(b),
                    "{}: {:?} / {:?}",
                    source.id,
                    a.title,
                    b.title
                );
                assert_eq!(a.wait, b.wait, "{}: {:?}", source.id, a.title);
            }
        }
    }

    #[test]
    fn the_hashing_lesson_teaches_what_it_promises() {
        let lesson = find("hashing").unwrap().parse(Lang::En).unwrap();
        let names: Vec<&str> = lesson
            .steps
            .iter()
            .flat_map(|step| &step.blocks)
            .filter_map(|block| match block {
                Block::Widget(w) => Some(w.name()),
                _ => None,
            })
            .collect();
        for name in ["sha256", "avalanche", "nonce-search", "block"] {
            assert!(names.contains(&name), "hashing lesson lacks {name}");
        }
        assert!(matches!(
            lesson.steps[0]
                .blocks
                .iter()
                .find(|b| matches!(b, Block::Widget(_))),
            Some(Block::Widget(crate::widget::Widget::Sha256 { .. }))
        ));
        assert!(find("no-such-lesson").is_none());
    }
}

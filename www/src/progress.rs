//! A learner's progress through the lessons, and the file that carries it between
//! browsers.
//!
//! Progress lives in the browser's storage, which a learner can lose by clearing it or
//! changing machine, so it can be exported to a file and imported again. Importing only
//! ever adds (furthest step wins, completed waits are united, the earliest finish is
//! kept): a file can never make a learner lose what this browser already knows, and a
//! damaged file changes nothing and says why.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The `localStorage` key; the version is in the name so that a future format can
/// live beside this one instead of misreading it.
pub const STORAGE_KEY: &str = "chainlab.progress.v1";
/// What an exported file says it is, so that importing some other JSON file fails
/// with a message that names the problem.
pub const FILE_FORMAT: &str = "chainlab-progress";
/// The exported file's version; a newer file is refused rather than half-read.
pub const FILE_VERSION: u32 = 1;

/// Progress in every lesson the learner opened, by lesson id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// Progress in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The furthest step reached, 1-based as in the URL.
    pub furthest: usize,
    /// Steps (1-based) whose wait the learner satisfied, so Continue stays open.
    #[serde(default)]
    pub waits: BTreeSet<usize>,
    /// When the lesson was finished, in milliseconds since the Unix epoch. The clock
    /// is the caller's, so this module stays pure.
    #[serde(default)]
    pub completed_at: Option<u64>,
}

/// What the home page shows for one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Steps reached, never more than the lesson has (a lesson can lose steps when a
    /// teacher edits it).
    pub reached: usize,
    pub total: usize,
    pub completed: bool,
}

/// How an import changed the progress, for the message the learner sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Lessons this browser had no progress in.
    pub added: usize,
    /// Lessons where the file knew more than this browser.
    pub advanced: usize,
    /// Lessons where the file added nothing new.
    pub unchanged: usize,
}

/// Why a progress file or the stored progress was refused; nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("this file is not a ChainLab progress file: it is not valid JSON ({0})")]
    NotJson(String),
    #[error("this file is not a ChainLab progress file: it does not say \"{FILE_FORMAT}\"")]
    WrongFormat,
    #[error(
        "this file was saved by a newer ChainLab (format version {0}); this one reads version {FILE_VERSION}"
    )]
    NewerVersion(u32),
    #[error("this file was changed or damaged after it was exported: its checksum does not match")]
    BadChecksum,
    #[error("lesson {lesson:?} in this file has an impossible step number ({step})")]
    BadStep { lesson: String, step: usize },
}

/// The exported file: the progress plus what identifies and protects it.
#[derive(Serialize, Deserialize)]
struct ProgressFile {
    format: String,
    version: u32,
    /// Milliseconds since the Unix epoch, for the learner's own records.
    #[serde(default)]
    exported_at: Option<u64>,
    checksum: String,
    lessons: BTreeMap<String, LessonProgress>,
}

/// Only the fields that say which format a file is, read before the rest so that an
/// older or newer file gets the right message instead of a field error.
#[derive(Deserialize)]
struct FileHeader {
    #[serde(default)]
    format: String,
    #[serde(default)]
    version: u32,
}

impl Progress {
    /// Progress in one lesson, if the learner opened it.
    pub fn lesson(&self, id: &str) -> Option<&LessonProgress> {
        self.lessons.get(id)
    }

    /// Records that the learner saw `step`; true if that is new.
    pub fn reach(&mut self, id: &str, step: usize) -> bool {
        let lesson = self.lessons.entry(id.to_owned()).or_default();
        let advanced = step > lesson.furthest;
        lesson.furthest = lesson.furthest.max(step);
        advanced
    }

    /// Records that the learner did what `step` waits for; true if that is new.
    pub fn complete_wait(&mut self, id: &str, step: usize) -> bool {
        self.reach(id, step);
        self.lessons
            .get_mut(id)
            .is_some_and(|lesson| lesson.waits.insert(step))
    }

    /// Marks the lesson finished at `now_ms` unless it already was; true if that is new.
    pub fn finish(&mut self, id: &str, now_ms: u64) -> bool {
        let lesson = self.lessons.entry(id.to_owned()).or_default();
        let first = lesson.completed_at.is_none();
        lesson.completed_at.get_or_insert(now_ms);
        first
    }

    /// The home page's view of a lesson with `total` steps.
    pub fn standing(&self, id: &str, total: usize) -> Standing {
        let lesson = self.lesson(id);
        Standing {
            reached: lesson.map_or(0, |l| l.furthest.min(total)),
            total,
            completed: lesson.is_some_and(|l| l.completed_at.is_some()),
        }
    }

    /// Adds what `other` knows; never forgets anything this progress had.
    pub fn merge(&mut self, other: Progress) -> MergeOutcome {
        let mut outcome = MergeOutcome::default();
        for (id, theirs) in other.lessons {
            match self.lessons.get_mut(&id) {
                None => {
                    self.lessons.insert(id, theirs);
                    outcome.added += 1;
                }
                Some(ours) => {
                    let before = ours.clone();
                    ours.furthest = ours.furthest.max(theirs.furthest);
                    ours.waits.extend(theirs.waits);
                    ours.completed_at = match (ours.completed_at, theirs.completed_at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    if *ours == before {
                        outcome.unchanged += 1;
                    } else {
                        outcome.advanced += 1;
                    }
                }
            }
        }
        outcome
    }

    /// The text kept in `localStorage`.
    pub fn to_storage(&self) -> String {
        serde_json::to_string(self).expect("progress is plain data")
    }

    /// Reads what [`to_storage`](Self::to_storage) wrote.
    pub fn from_storage(text: &str) -> Result<Self, ImportError> {
        let progress: Progress =
            serde_json::from_str(text).map_err(|e| ImportError::NotJson(e.to_string()))?;
        progress.validate()?;
        Ok(progress)
    }

    /// The exported file, readable JSON with a format name, a version and a checksum.
    pub fn export(&self, exported_at_ms: u64) -> String {
        let file = ProgressFile {
            format: FILE_FORMAT.into(),
            version: FILE_VERSION,
            exported_at: Some(exported_at_ms),
            checksum: checksum(&self.lessons),
            lessons: self.lessons.clone(),
        };
        serde_json::to_string_pretty(&file).expect("progress is plain data")
    }

    /// Reads an exported file, checking that it is one, that this version can read it,
    /// that it was not altered, and that its step numbers make sense.
    pub fn import(text: &str) -> Result<Self, ImportError> {
        let not_json = |e: serde_json::Error| ImportError::NotJson(e.to_string());
        let header: FileHeader = serde_json::from_str(text).map_err(not_json)?;
        if header.format != FILE_FORMAT {
            return Err(ImportError::WrongFormat);
        }
        if header.version > FILE_VERSION {
            return Err(ImportError::NewerVersion(header.version));
        }
        let file: ProgressFile = serde_json::from_str(text).map_err(not_json)?;
        if file.checksum != checksum(&file.lessons) {
            return Err(ImportError::BadChecksum);
        }
        let progress = Progress {
            lessons: file.lessons,
        };
        progress.validate()?;
        Ok(progress)
    }

    /// Steps are 1-based and a wait can only be done on a step that was reached.
    fn validate(&self) -> Result<(), ImportError> {
        for (id, lesson) in &self.lessons {
            let bad = |step| ImportError::BadStep {
                lesson: id.clone(),
                step,
            };
            if lesson.furthest == 0 {
                return Err(bad(0));
            }
            if let Some(&step) = lesson
                .waits
                .iter()
                .find(|&&step| step == 0 || step > lesson.furthest)
            {
                return Err(bad(step));
            }
        }
        Ok(())
    }
}

/// SHA-256 of the lessons' compact JSON (a `BTreeMap`, so the order is fixed): it
/// catches a file truncated or edited by hand, which could otherwise claim lessons
/// the learner never did.
fn checksum(lessons: &BTreeMap<String, LessonProgress>) -> String {
    let json = serde_json::to_vec(lessons).expect("progress is plain data");
    format!("sha256:{}", hex::encode(ledger::sha256(&json)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Progress {
        let mut progress = Progress::default();
        progress.reach("hashing", 3);
        progress.complete_wait("hashing", 2);
        progress.reach("merkle", 1);
        progress.finish("hashing", 1_700_000_000_000);
        progress
    }

    #[test]
    fn reaching_keeps_the_furthest_step() {
        let mut progress = Progress::default();
        assert!(progress.reach("hashing", 4));
        assert!(!progress.reach("hashing", 2), "going back is not progress");
        assert_eq!(progress.lesson("hashing").unwrap().furthest, 4);
        assert!(progress.complete_wait("hashing", 5));
        assert!(!progress.complete_wait("hashing", 5));
        assert_eq!(progress.lesson("hashing").unwrap().furthest, 5);
    }

    #[test]
    fn finishing_keeps_the_first_time() {
        let mut progress = Progress::default();
        assert!(progress.finish("hashing", 10));
        assert!(!progress.finish("hashing", 20));
        assert_eq!(progress.lesson("hashing").unwrap().completed_at, Some(10));
    }

    #[test]
    fn standing_is_clamped_to_the_lesson_as_it_is_now() {
        let progress = sample();
        assert_eq!(
            progress.standing("hashing", 2),
            Standing {
                reached: 2,
                total: 2,
                completed: true
            }
        );
        assert_eq!(
            progress.standing("merkle", 6),
            Standing {
                reached: 1,
                total: 6,
                completed: false
            }
        );
        assert_eq!(progress.standing("raft", 5).reached, 0);
    }

    #[test]
    fn export_then_import_gives_the_same_progress() {
        let progress = sample();
        let file = progress.export(1_700_000_100_000);
        assert!(file.contains("\"format\": \"chainlab-progress\""));
        assert_eq!(Progress::import(&file), Ok(progress));
    }

    #[test]
    fn storage_round_trips() {
        let progress = sample();
        assert_eq!(Progress::from_storage(&progress.to_storage()), Ok(progress));
    }

    #[test]
    fn an_edited_file_is_refused() {
        let file = sample().export(0);
        let edited = file.replace("\"furthest\": 3", "\"furthest\": 6");
        assert_ne!(edited, file);
        assert_eq!(Progress::import(&edited), Err(ImportError::BadChecksum));
        let truncated = &file[..file.len() / 2];
        assert!(matches!(
            Progress::import(truncated),
            Err(ImportError::NotJson(_))
        ));
    }

    #[test]
    fn other_files_are_named_for_what_is_wrong() {
        assert_eq!(
            Progress::import(r#"{"name": "package"}"#),
            Err(ImportError::WrongFormat)
        );
        assert_eq!(
            Progress::import(r#"{"format": "chainlab-progress", "version": 2}"#),
            Err(ImportError::NewerVersion(2))
        );
        assert!(matches!(
            Progress::import("not json at all"),
            Err(ImportError::NotJson(_))
        ));
    }

    #[test]
    fn impossible_steps_are_refused_even_with_a_good_checksum() {
        let mut lessons = BTreeMap::new();
        lessons.insert(
            "hashing".to_owned(),
            LessonProgress {
                furthest: 2,
                waits: BTreeSet::from([4]),
                completed_at: None,
            },
        );
        let file = serde_json::json!({
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "checksum": checksum(&lessons),
            "lessons": lessons,
        })
        .to_string();
        assert_eq!(
            Progress::import(&file),
            Err(ImportError::BadStep {
                lesson: "hashing".into(),
                step: 4
            })
        );
    }

    #[test]
    fn merging_counts_what_changed() {
        let mut ours = Progress::default();
        ours.reach("hashing", 5);
        ours.reach("merkle", 2);
        let outcome = ours.merge(sample());
        assert_eq!(
            outcome,
            MergeOutcome {
                added: 0,
                advanced: 1,
                unchanged: 1
            }
        );
        let hashing = ours.lesson("hashing").unwrap();
        assert_eq!(
            hashing.furthest, 5,
            "the file's step 3 does not move us back"
        );
        assert_eq!(hashing.waits, BTreeSet::from([2]));
        assert!(hashing.completed_at.is_some());
        assert_eq!(ours.merge(Progress::default()), MergeOutcome::default());
    }

    fn arb_progress() -> impl Strategy<Value = Progress> {
        let lesson = (
            1usize..12,
            proptest::collection::btree_set(1usize..12, 0..4),
        )
            .prop_flat_map(|(furthest, waits)| {
                let waits: BTreeSet<usize> = waits.into_iter().filter(|&w| w <= furthest).collect();
                proptest::option::of(0u64..2_000_000_000_000).prop_map(move |completed_at| {
                    LessonProgress {
                        furthest,
                        waits: waits.clone(),
                        completed_at,
                    }
                })
            });
        proptest::collection::btree_map("[a-z]{1,8}", lesson, 0..5)
            .prop_map(|lessons| Progress { lessons })
    }

    proptest! {
        #[test]
        fn merge_never_loses_anything(a in arb_progress(), b in arb_progress()) {
            let mut merged = a.clone();
            merged.merge(b.clone());
            for side in [&a, &b] {
                for (id, lesson) in &side.lessons {
                    let got = merged.lesson(id).unwrap();
                    prop_assert!(got.furthest >= lesson.furthest);
                    prop_assert!(got.waits.is_superset(&lesson.waits));
                    prop_assert!(lesson.completed_at.is_none() || got.completed_at.is_some());
                }
            }
            let mut again = merged.clone();
            prop_assert_eq!(again.merge(b).added + again.merge(a).advanced, 0);
        }

        #[test]
        fn any_progress_survives_export_and_import(progress in arb_progress(), at in any::<u64>()) {
            prop_assert_eq!(Progress::import(&progress.export(at)), Ok(progress));
        }
    }
}

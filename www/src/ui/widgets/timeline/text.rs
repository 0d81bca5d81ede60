//! The timeline controls' words, in both languages.

use crate::i18n::Lang;

pub struct TimelineText {
    pub play: &'static str,
    pub pause: &'static str,
    pub back: &'static str,
    pub forward: &'static str,
    pub speed: &'static str,
    pub timeline: &'static str,
    pub step: &'static str,
    pub time: &'static str,
}

const EN: TimelineText = TimelineText {
    play: "▶ Play",
    pause: "⏸ Pause",
    back: "◀ Step back",
    forward: "Step ▶",
    speed: "Speed",
    timeline: "Timeline",
    step: "event",
    time: "time",
};

const ZH: TimelineText = TimelineText {
    play: "▶ 播放",
    pause: "⏸ 暂停",
    back: "◀ 后退一步",
    forward: "前进一步 ▶",
    speed: "速度",
    timeline: "时间线",
    step: "事件",
    time: "时间",
};

pub fn timeline_text(lang: Lang) -> TimelineText {
    match lang {
        Lang::En => EN,
        Lang::Zh => ZH,
    }
}

//! The two interface languages and every interface string.
//!
//! Lesson text lives in `lessons/`; only the app's own labels are here. Each language
//! is one [`Strings`] value, so a missing translation is a compile error rather than an
//! English word on a Chinese page.

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The code used in URLs, `localStorage` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Reads a code; `zh-CN` and `zh-TW` are Chinese, anything else unknown is `None`.
    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The language's name in itself, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }

    /// The interface strings.
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }
}

/// Interface strings. `{n}`-style holes are filled with [`fill`].
pub struct Strings {
    pub language: &'static str,
    pub skip_to_content: &'static str,
    pub tagline: &'static str,
    pub lessons: &'static str,
    pub lessons_intro: &'static str,
    pub classroom: &'static str,
    pub classroom_intro: &'static str,
    pub join_class: &'static str,
    pub join_class_hint: &'static str,
    pub teach_class: &'static str,
    pub teach_class_hint: &'static str,
    pub step_count: &'static str,
    pub start: &'static str,
    pub step_of: &'static str,
    pub steps_nav: &'static str,
    pub back: &'static str,
    pub next: &'static str,
    pub continue_: &'static str,
    pub finish: &'static str,
    pub all_lessons: &'static str,
    pub waiting: &'static str,
    pub keys_hint: &'static str,
    pub not_found: &'static str,
    pub not_found_body: &'static str,
    pub go_home: &'static str,
    pub widget_error: &'static str,
    pub text_to_hash: &'static str,
    pub digest: &'static str,
    pub bytes: &'static str,
    pub zero_bits: &'static str,
    pub first_input: &'static str,
    pub second_input: &'static str,
    pub flipped_count: &'static str,
    pub flipped_legend: &'static str,
    pub same_legend: &'static str,
    pub bit_grid: &'static str,
    pub text: &'static str,
    pub difficulty: &'static str,
    pub expected: &'static str,
    pub expected_tries: &'static str,
    pub search: &'static str,
    pub stop: &'static str,
    pub tries: &'static str,
    pub rate: &'static str,
    pub progress: &'static str,
    pub progress_text: &'static str,
    pub nonce: &'static str,
    pub status_ready: &'static str,
    pub status_loading: &'static str,
    pub status_mining: &'static str,
    pub status_found: &'static str,
    pub status_stopped: &'static str,
    pub status_failed: &'static str,
    pub found_nonce: &'static str,
    pub threads: &'static str,
    pub single_thread: &'static str,
    pub single_thread_notice: &'static str,
    pub block: &'static str,
    pub version: &'static str,
    pub prev_hash: &'static str,
    pub data: &'static str,
    pub merkle_root: &'static str,
    pub time: &'static str,
    pub bits: &'static str,
    pub block_hash: &'static str,
    pub mine: &'static str,
    pub valid: &'static str,
    pub invalid: &'static str,
    pub invalid_hint: &'static str,
    pub target: &'static str,
    pub bad_u32: &'static str,
    pub bad_i32: &'static str,
    pub bad_difficulty: &'static str,
    pub auto_time: &'static str,
}

/// Replaces each `{key}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("{{{key}}}"), value)
        })
}

static EN: Strings = Strings {
    language: "Language",
    skip_to_content: "Skip to content",
    tagline: "Learn how blockchains work by doing it, in your browser.",
    lessons: "Lessons",
    lessons_intro: "Each lesson is a short series of steps with live widgets. Use ← and → to move between steps.",
    classroom: "The classroom network",
    classroom_intro: "Every tab becomes a full node of one shared blockchain: students mine, pay each other and watch forks happen for real, peer to peer over WebRTC.",
    join_class: "Join a class",
    join_class_hint: "Type the code your teacher shows, or practise with the tabs of this browser.",
    teach_class: "Teach a class",
    teach_class_hint: "Create a room, show its QR code, and run partitions, 51% attacks and double spends from a dashboard.",
    step_count: "{n} steps",
    start: "Start",
    step_of: "Step {n} of {total}",
    steps_nav: "Lesson steps",
    back: "Back",
    next: "Next",
    continue_: "Continue",
    finish: "Finish",
    all_lessons: "All lessons",
    waiting: "Try the widget above: Continue appears when you are done.",
    keys_hint: "Tip: the ← and → keys move between steps.",
    not_found: "Page not found",
    not_found_body: "There is nothing at this address.",
    go_home: "Go to the lessons",
    widget_error: "This widget could not load",
    text_to_hash: "Text to hash",
    digest: "SHA-256 digest (hex)",
    bytes: "{n} bytes in, always 32 bytes (256 bits) out",
    zero_bits: "starts with {n} zero bits",
    first_input: "First input",
    second_input: "Second input",
    flipped_count: "{n} of 256 bits flipped",
    flipped_legend: "bit flipped",
    same_legend: "bit unchanged",
    bit_grid: "The 256 bits of the second digest",
    text: "Text",
    difficulty: "Difficulty (leading zero bits)",
    expected: "Expected tries",
    expected_tries: "Expected tries: 2^{k} = {n}",
    search: "Search",
    stop: "Stop",
    tries: "Tries",
    rate: "Speed",
    progress: "Progress against the expected number of tries",
    progress_text: "{pct}% of the expected tries",
    nonce: "Nonce",
    status_ready: "Ready",
    status_loading: "Starting the miner…",
    status_mining: "Mining…",
    status_found: "Found after {n} tries",
    status_stopped: "Stopped after {n} tries",
    status_failed: "The miner failed: {e}",
    found_nonce: "Found nonce",
    threads: "Mining with {n} threads",
    single_thread: "Mining on a single thread",
    single_thread_notice: "This page is not cross-origin isolated (for example it is embedded in another site), so the browser does not allow shared-memory threads: mining uses one CPU core and is slower.",
    block: "Block",
    version: "Version",
    prev_hash: "Previous block hash",
    data: "Data (the block's only transaction)",
    merkle_root: "Merkle root",
    time: "Time (Unix seconds)",
    bits: "Bits (compact target)",
    block_hash: "Block hash",
    mine: "Mine",
    valid: "valid",
    invalid: "invalid",
    invalid_hint: "The hash is above the target: press Mine to find a nonce that works.",
    target: "Target",
    bad_u32: "Use a whole number from 0 to 4294967295.",
    bad_i32: "Use a whole number from -2147483648 to 2147483647.",
    bad_difficulty: "Use a whole number of zero bits from 1 to 32.",
    auto_time: "All 4,294,967,296 nonces were tried: the time was moved on by one second and mining goes on, as real miners do.",
};

static ZH: Strings = Strings {
    language: "语言",
    skip_to_content: "跳到正文",
    tagline: "在浏览器里亲手操作，理解区块链如何运作。",
    lessons: "课程",
    lessons_intro: "每节课由几个小步骤组成，配有可以操作的组件。用 ← 和 → 键在步骤之间切换。",
    classroom: "课堂网络",
    classroom_intro: "每个标签页都是同一条区块链的全节点：同学们通过 WebRTC 点对点地挖矿、互相转账，亲眼看到真实的分叉。",
    join_class: "加入课堂",
    join_class_hint: "输入老师投影上的房间码，或者用本浏览器的几个标签页自己练习。",
    teach_class: "开设课堂",
    teach_class_hint: "创建房间、展示二维码，并在控制台上演示网络分区、51% 攻击和双花。",
    step_count: "{n} 步",
    start: "开始",
    step_of: "第 {n} 步，共 {total} 步",
    steps_nav: "课程步骤",
    back: "上一步",
    next: "下一步",
    continue_: "继续",
    finish: "完成",
    all_lessons: "全部课程",
    waiting: "先试试上面的组件，完成后会出现“继续”按钮。",
    keys_hint: "提示：用 ← 和 → 键切换步骤。",
    not_found: "找不到页面",
    not_found_body: "这个地址没有内容。",
    go_home: "返回课程列表",
    widget_error: "组件无法加载",
    text_to_hash: "要哈希的文本",
    digest: "SHA-256 摘要（十六进制）",
    bytes: "输入 {n} 字节，输出永远是 32 字节（256 位）",
    zero_bits: "以 {n} 个零位开头",
    first_input: "第一个输入",
    second_input: "第二个输入",
    flipped_count: "256 位中有 {n} 位翻转",
    flipped_legend: "翻转的位",
    same_legend: "未变的位",
    bit_grid: "第二个摘要的 256 个位",
    text: "文本",
    difficulty: "难度（前导零位数）",
    expected: "期望尝试次数",
    expected_tries: "期望尝试次数：2^{k} = {n}",
    search: "搜索",
    stop: "停止",
    tries: "尝试次数",
    rate: "速度",
    progress: "相对期望尝试次数的进度",
    progress_text: "已达期望尝试次数的 {pct}%",
    nonce: "随机数（nonce）",
    status_ready: "就绪",
    status_loading: "正在启动矿工…",
    status_mining: "正在挖矿…",
    status_found: "尝试 {n} 次后找到",
    status_stopped: "尝试 {n} 次后已停止",
    status_failed: "矿工出错：{e}",
    found_nonce: "找到的随机数",
    threads: "使用 {n} 个线程挖矿",
    single_thread: "单线程挖矿",
    single_thread_notice: "本页面没有跨源隔离（例如被嵌入到其他网站中），浏览器不允许共享内存的多线程：挖矿只能用一个 CPU 核心，因此较慢。",
    block: "区块",
    version: "版本",
    prev_hash: "前一区块哈希",
    data: "数据（区块中唯一的交易）",
    merkle_root: "默克尔根",
    time: "时间（Unix 秒）",
    bits: "Bits（压缩形式的目标值）",
    block_hash: "区块哈希",
    mine: "挖矿",
    valid: "有效",
    invalid: "无效",
    invalid_hint: "哈希值高于目标值：点击“挖矿”寻找合适的随机数。",
    target: "目标值",
    bad_u32: "请输入 0 到 4294967295 之间的整数。",
    bad_i32: "请输入 -2147483648 到 2147483647 之间的整数。",
    bad_difficulty: "请输入 1 到 32 之间的整数（零位的个数）。",
    auto_time: "全部 4294967296 个随机数都试过了：时间已加一秒，继续挖矿——真实的矿工也是这样做的。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_code("EN_us"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::from_code(""), None);
    }

    #[test]
    fn fill_replaces_every_hole() {
        assert_eq!(
            fill(EN.step_of, &[("n", "2"), ("total", "5")]),
            "Step 2 of 5"
        );
        assert_eq!(
            fill(ZH.step_of, &[("n", "2"), ("total", "5")]),
            "第 2 步，共 5 步"
        );
        assert_eq!(fill("no holes", &[("n", "1")]), "no holes");
    }

    #[test]
    fn test_hooks_use_the_agreed_words() {
        // The end-to-end tests look for these exact words.
        assert_eq!((EN.language, ZH.language), ("Language", "语言"));
        assert_eq!(
            (EN.text_to_hash, ZH.text_to_hash),
            ("Text to hash", "要哈希的文本")
        );
        assert_eq!((EN.mine, ZH.mine), ("Mine", "挖矿"));
        assert_eq!((EN.valid, ZH.valid), ("valid", "有效"));
        assert!(EN.threads.contains("threads") && EN.single_thread.contains("single thread"));
        assert!(ZH.threads.contains("线程") && ZH.single_thread.contains("单线程"));
    }
}

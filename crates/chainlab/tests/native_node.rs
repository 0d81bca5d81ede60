//! `chainlab node` end to end: a real `chainlab serve` on a loopback port, a room
//! made through its API, and `chainlab node` processes that find each other through
//! the room's signaling and talk over real WebRTC data channels; they obey the
//! instructor's parameters and drop `chainlab attack`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const INDEX: &str = "<!doctype html><html><body>lab</body></html>";

/// A child process whose stdout lines are collected as they arrive; killed on drop.
struct Process {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chainlab"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("chainlab runs");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, lines }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The first line matching `find`, waiting until `deadline`.
    fn wait_for<T>(&self, deadline: Instant, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        loop {
            if let Some(found) = self.lines().iter().find_map(|line| find(line)) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; output so far:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The latest `tip HEIGHT HASH` line.
    fn tip(&self) -> Option<(u32, String)> {
        self.lines().iter().rev().find_map(|line| tip_of(line))
    }

    /// Ctrl-C, then the exit status.
    fn interrupt(mut self, deadline: Instant) -> (bool, Vec<String>) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                return (status.success(), self.lines());
            }
            assert!(Instant::now() < deadline, "the node did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tip_of(line: &str) -> Option<(u32, String)> {
    let rest = line.split_once(": tip ")?.1;
    let (height, hash) = rest.split_once(' ')?;
    Some((height.parse().ok()?, hash.to_string()))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "chainlab-native-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_server(dist: &Path) -> (Process, String) {
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    let server = Process::start(&["serve", "--port", "0", "--dir", dist.to_str().unwrap()]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let url = server.wait_for(deadline, "the serving line", |line| {
        line.strip_prefix("ChainLab is serving on ")
            .map(|url| url.trim_end_matches('/').to_string())
    });
    (server, url)
}

/// One request over a plain socket; the status line and the body.
fn http(url: &str, request_line: &str, headers: &str, body: &str) -> (String, String) {
    let authority = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "{request_line} HTTP/1.1\r\nHost: {authority}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// `POST /api/rooms`; the new room's join code and instructor secret.
fn create_room(url: &str) -> (String, String) {
    let (status, body) = http(url, "POST /api/rooms", "", "");
    assert!(status.starts_with("HTTP/1.1 201"), "{status} {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let field = |name: &str| json[name].as_str().unwrap().to_string();
    (field("code"), field("secret"))
}

/// The instructor's `PUT /api/rooms/<code>/params`.
fn put_params(url: &str, code: &str, secret: &str, params: &serde_json::Value) {
    let (status, body) = http(
        url,
        &format!("PUT /api/rooms/{code}/params"),
        &format!("X-Instructor-Secret: {secret}\r\nContent-Type: application/json\r\n"),
        &params.to_string(),
    );
    assert!(status.starts_with("HTTP/1.1 204"), "{status} {body}");
}

fn node(url: &str, code: &str, dir: &TempDir, name: &str, mine: bool) -> Process {
    let mut args = vec![
        "node",
        "--server",
        url,
        "--room",
        code,
        "--data-dir",
        dir.path(),
        "--name",
        name,
    ];
    if mine {
        args.extend(["--mine", "--threads", "1"]);
    }
    Process::start(&args)
}

/// Waits until `follower` reports a tip at `min_height` or above that `leader`
/// also reported: both hold the same chain up to there.
fn converge(leader: &Process, follower: &Process, min_height: u32, deadline: Instant) -> u32 {
    loop {
        let leader_tips: Vec<(u32, String)> = leader
            .lines()
            .iter()
            .filter_map(|line| tip_of(line))
            .collect();
        if let Some((height, hash)) = follower.tip()
            && height >= min_height
            && leader_tips.contains(&(height, hash))
        {
            return height;
        }
        assert!(
            Instant::now() < deadline,
            "no common tip at height {min_height}+\nleader:\n{}\nfollower:\n{}",
            leader.lines().join("\n"),
            follower.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// These tests each run two or three nodes that mine on every core they get. Run side
/// by side on a two-core machine, their processes starve one another and two miners
/// racing after a heal can take longer than any deadline to settle; one at a time they
/// stay well inside it.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static ALONE: Mutex<()> = Mutex::new(());
    ALONE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn two_nodes_converge_over_webrtc_and_a_restarted_one_reloads_and_catches_up() {
    let _alone = one_at_a_time();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(55);
    let dist = TempDir::new("dist");
    let (_server, url) = start_server(&dist.0);
    let (code, _) = create_room(&url);
    let miner_dir = TempDir::new("miner");
    let follower_dir = TempDir::new("follower");

    let miner = node(&url, &code, &miner_dir, "miner", true);
    let follower = node(&url, &code, &follower_dir, "follower", false);
    follower.wait_for(deadline, "the follower to meet the miner", |line| {
        line.contains(" ready at height ").then_some(())
    });
    let height = converge(&miner, &follower, 3, deadline);

    let (clean, lines) = follower.interrupt(deadline);
    assert!(clean, "Ctrl-C exits with success:\n{}", lines.join("\n"));
    let saved = lines
        .iter()
        .find_map(|line| {
            let rest = line.strip_prefix("follower: saved height ")?;
            rest.split_once(' ')?.0.parse::<u32>().ok()
        })
        .expect("the follower says what it saved");
    assert!(saved >= height, "saved {saved} after reaching {height}");

    let follower = node(&url, &code, &follower_dir, "follower", false);
    let loaded = follower.wait_for(deadline, "the reload", |line| {
        let rest = line.strip_prefix("follower: loaded height ")?;
        rest.split_once(' ')?.0.parse::<u32>().ok()
    });
    assert_eq!(loaded, saved, "the reload holds what was saved");
    converge(&miner, &follower, saved + 1, deadline);
    assert!(
        miner
            .lines()
            .iter()
            .any(|line| line.starts_with("miner: mined block ")),
        "the miner mined the blocks:\n{}",
        miner.lines().join("\n")
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// The member id a node printed when it joined.
fn member_of(process: &Process, deadline: Instant) -> String {
    process.wait_for(deadline, "the node's member id", |line| {
        line.split_once("joined the room as ")
            .map(|(_, id)| id.to_string())
    })
}

/// Chain rules for these tests: a block every second or so on one thread, and
/// no retarget to slow the class down.
fn steady_chain(epoch: u32) -> serde_json::Value {
    serde_json::json!({
        "epoch": epoch,
        "chain": { "start_bits": 0x1e03ffff, "block_seconds": 2, "retarget_blocks": 2016 },
    })
}

#[test]
fn an_attacker_is_dropped_by_both_nodes_over_webrtc_and_their_chain_stays_valid() {
    let _alone = one_at_a_time();
    let deadline = Instant::now() + Duration::from_secs(100);
    let dist = TempDir::new("attack-dist");
    let (_server, url) = start_server(&dist.0);
    let (code, _) = create_room(&url);
    let (a_dir, b_dir) = (TempDir::new("attack-a"), TempDir::new("attack-b"));
    let miner = node(&url, &code, &a_dir, "miner", true);
    let follower = node(&url, &code, &b_dir, "follower", false);
    let members = [member_of(&miner, deadline), member_of(&follower, deadline)];
    converge(&miner, &follower, 2, deadline);

    let kinds = "invalid-block,bad-signature,double-spend,oversized,flood";
    let attack = Command::new(env!("CARGO_BIN_EXE_chainlab"))
        .args([
            "attack", "--server", &url, "--room", &code, "--kinds", kinds,
        ])
        .args(["--peers", "2", "--timeout", "30"])
        .output()
        .expect("chainlab attack runs");
    let report = String::from_utf8_lossy(&attack.stdout).to_string();
    assert!(
        attack.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&attack.stderr)
    );
    for kind in kinds.split(',').filter(|kind| *kind != "oversized") {
        for member in &members {
            assert!(
                report.contains(&format!("attack: {kind}: dropped by {member}: ")),
                "{member} drops the attacker's {kind}:\n{report}"
            );
        }
    }
    // A message over the node's 64 KiB limit is also over what the data channel
    // delivers (64 KiB when the far end's SDP names no maximum, RFC 8841): the channel
    // never hands it over, so no node sees it and nobody needs to drop the sender.
    for member in &members {
        assert!(
            report.contains(&format!("attack: oversized: {member} did not drop us")),
            "{report}"
        );
    }
    assert!(report.contains("attack: dropped 8 of 10"), "{report}");
    for (process, name) in [(&miner, "miner"), (&follower, "follower")] {
        let bans = process
            .lines()
            .iter()
            .filter(|line| {
                line.starts_with(&format!("{name}: peer ")) && line.contains(" banned: ")
            })
            .count();
        assert_eq!(
            bans,
            4,
            "{name} banned each attacker that reached it:\n{}",
            process.lines().join("\n")
        );
    }
    let (height, _) = miner.tip().unwrap();
    converge(&miner, &follower, height + 1, deadline);
}

#[test]
fn nodes_obey_a_partition_its_heal_and_a_reset_of_the_room() {
    let _alone = one_at_a_time();
    let deadline = Instant::now() + Duration::from_secs(110);
    let dist = TempDir::new("params-dist");
    let (_server, url) = start_server(&dist.0);
    let (code, secret) = create_room(&url);
    put_params(&url, &code, &secret, &steady_chain(1));
    let (a_dir, b_dir) = (TempDir::new("params-a"), TempDir::new("params-b"));
    let a = node(&url, &code, &a_dir, "a", true);
    let b = node(&url, &code, &b_dir, "b", true);
    let a_id = member_of(&a, deadline);
    member_of(&b, deadline);
    for process in [&a, &b] {
        process.wait_for(deadline, "the epoch-1 chain", |line| {
            line.contains(": new chain classroom-1 at genesis ")
                .then_some(())
        });
    }
    let joined = converge(&a, &b, 2, deadline);

    let mut partition = steady_chain(1);
    partition["scenario"] = serde_json::json!({ "kind": "partition", "side": [a_id] });
    put_params(&url, &code, &secret, &partition);
    for process in [&a, &b] {
        process.wait_for(deadline, "the cut", |line| {
            line.contains(": link to ").then_some(())
        });
    }
    // Both sides mine on their own until each has a block the other lacks.
    let apart = |process: &Process| {
        process.wait_for(deadline, "blocks mined apart", |line| {
            let rest = line.split_once(": mined block ")?.1;
            let height: u32 = rest.split_once(' ')?.0.parse().ok()?;
            (height >= joined + 2).then_some(())
        })
    };
    apart(&a);
    apart(&b);
    let (a_tip, b_tip) = (a.tip().unwrap(), b.tip().unwrap());
    assert_ne!(a_tip, b_tip, "the halves hold different chains");

    put_params(&url, &code, &secret, &steady_chain(1));
    let healed = a_tip.0.max(b_tip.0) + 1;
    converge(&a, &b, healed, deadline);
    let reorged = [&a, &b].iter().any(|process| {
        process
            .lines()
            .iter()
            .any(|line| line.contains(": reorg depth "))
    });
    assert!(
        reorged,
        "one half reorganised onto the other's chain:\na:\n{}\nb:\n{}",
        a.lines().join("\n"),
        b.lines().join("\n")
    );

    put_params(&url, &code, &secret, &steady_chain(2));
    for process in [&a, &b] {
        process.wait_for(deadline, "the reset to epoch 2", |line| {
            line.contains(": new chain classroom-2 at genesis ")
                .then_some(())
        });
    }
    let fresh = |process: &Process| {
        process
            .lines()
            .iter()
            .rev()
            .take_while(|line| !line.contains("new chain classroom-2"))
            .filter_map(|line| tip_of(line))
            .next()
    };
    let start = Instant::now();
    while fresh(&a).is_none_or(|(h, _)| h < 2) || fresh(&a) != fresh(&b) {
        assert!(
            Instant::now() < deadline,
            "no common epoch-2 tip after {:?}:\na:\n{}\nb:\n{}",
            start.elapsed(),
            a.lines().join("\n"),
            b.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let addresses = |process: &Process| -> Vec<String> {
        process
            .lines()
            .iter()
            .filter_map(|line| {
                line.split_once(": mining to ")
                    .map(|(_, rest)| rest.to_string())
            })
            .collect()
    };
    assert_eq!(addresses(&a).len(), 1, "one wallet for every epoch");
    // The new chain's file is written within a second of its first blocks.
    let entries = || std::fs::read_dir(&a_dir.0).unwrap().count();
    while entries() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(entries(), 3, "a wallet and one chain file per epoch");
}

#[test]
fn a_double_spend_pays_the_merchant_across_the_cut_and_the_release_undoes_it() {
    let _alone = one_at_a_time();
    let deadline = Instant::now() + Duration::from_secs(100);
    let dist = TempDir::new("spend-dist");
    let (_server, url) = start_server(&dist.0);
    let (code, secret) = create_room(&url);
    put_params(&url, &code, &secret, &steady_chain(1));
    let (a_dir, m_dir) = (TempDir::new("spend-a"), TempDir::new("spend-m"));
    let attacker = node(&url, &code, &a_dir, "attacker", true);
    let merchant = node(&url, &code, &m_dir, "merchant", false);
    let (a_id, m_id) = (
        member_of(&attacker, deadline),
        member_of(&merchant, deadline),
    );
    converge(&attacker, &merchant, 2, deadline);

    let mut spend = steady_chain(1);
    spend["scenario"] = serde_json::json!({
        "kind": "double_spend", "attacker": a_id, "merchant": m_id,
        "amount": 100_000_000u64, "group": [a_id],
    });
    put_params(&url, &code, &secret, &spend);
    let payment = merchant.wait_for(deadline, "the payment across the cut", |line| {
        let rest = line.strip_prefix("merchant: payment ")?;
        rest.strip_suffix(" from the attacker").map(str::to_string)
    });
    let announced = attacker.wait_for(deadline, "the attacker's two spends", |line| {
        line.contains("attacker: double spend: paid 1.00000000 to the merchant in ")
            .then(|| line.to_string())
    });
    assert!(announced.contains(&payment), "{announced} names {payment}");
    let (cut_height, _) = merchant.tip().unwrap();
    // The attacker mines its secret branch, where the coins went back to itself.
    attacker.wait_for(deadline, "the secret branch", |line| {
        let rest = line.split_once(": mined block ")?.1;
        let height: u32 = rest.split_once(' ')?.0.parse().ok()?;
        (height >= cut_height + 2).then_some(())
    });
    assert_eq!(
        merchant.tip().unwrap().0,
        cut_height,
        "the merchant heard nothing more"
    );

    put_params(&url, &code, &secret, &steady_chain(1));
    converge(&attacker, &merchant, cut_height + 2, deadline);
    // The payment conflicts with the refund mined on the winning chain: it leaves
    // the merchant's pool, as its next status line shows.
    let released = merchant.lines().len();
    let start = Instant::now();
    loop {
        let lines = merchant.lines();
        let pool = lines[released..]
            .iter()
            .find_map(|line| {
                line.strip_prefix("merchant: status height ")?
                    .rsplit_once(" mempool ")
            })
            .map(|(_, count)| count.to_string());
        if pool.as_deref() == Some("0") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(25) && Instant::now() < deadline,
            "the payment is still pooled ({pool:?}):\n{}",
            lines.join("\n")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

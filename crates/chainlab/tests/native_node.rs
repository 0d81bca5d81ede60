//! `chainlab node` end to end: a real `chainlab serve` on a loopback port, a room
//! made through its API, and two `chainlab node` processes that find each other
//! through the room's signaling and talk over real WebRTC data channels.

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

/// `POST /api/rooms` over a plain socket; the new room's join code.
fn create_room(url: &str) -> String {
    let authority = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "POST /api/rooms HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    let body = &response[response.find("\r\n\r\n").unwrap() + 4..];
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    json["code"].as_str().unwrap().to_string()
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

#[test]
fn two_nodes_converge_over_webrtc_and_a_restarted_one_reloads_and_catches_up() {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(55);
    let dist = TempDir::new("dist");
    let (_server, url) = start_server(&dist.0);
    let code = create_room(&url);
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

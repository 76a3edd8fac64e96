//! Child processes for the crash and two-process tests: the test binary re-invokes itself with
//! `SPECSTAR_TEST_CHILD=<role>` and reports each acknowledged write as one stdout line.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The environment variable that selects a child role.
pub const CHILD_ENV: &str = "SPECSTAR_TEST_CHILD";

/// The child role of this process, if it is a child.
pub fn child_role() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// The `main` of a test binary that is also its own child: on a two-worker runtime, `child`
/// when this process was started with role `role`, else `parent`.
pub fn run_as<C, P>(role: &str, child: impl FnOnce() -> C, parent: impl FnOnce() -> P)
where
    C: std::future::Future<Output = ()>,
    P: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match child_role() {
        Some(r) if r == role => runtime.block_on(child()),
        Some(other) => panic!("unknown child role `{other}` (expected `{role}`)"),
        None => runtime.block_on(parent()),
    }
}

/// Print one line to stdout and flush it, so the parent has it before this process can die.
pub fn report(line: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (the parent gave up) is not this process's problem to report.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A running child and the lines it has printed so far.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// Start this test binary again in `role` with `args`.
pub fn spawn(role: &str, args: &[String]) -> Running {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut child = Command::new(exe)
        .args(args)
        .env(CHILD_ENV, role)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a child process");
    let stdout = child.stdout.take().expect("child stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                // Only complete lines count: a line cut by SIGKILL was never acknowledged.
                Ok(n) if n > 0 && line.ends_with('\n') => {
                    if tx.send(line.trim_end().to_owned()).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    });
    Running {
        child,
        lines: rx,
        reader: Some(reader),
    }
}

impl Running {
    /// Wait (at most `timeout`) for a line equal to `wanted`; the lines before it.
    pub fn wait_for(&mut self, wanted: &str, timeout: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line == wanted => return seen,
                Ok(line) => seen.push(line),
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("child did not print `{wanted}` in {timeout:?}; printed {seen:?}");
                }
            }
        }
    }

    /// SIGKILL the child; every complete line it printed.
    pub fn kill(mut self) -> Vec<String> {
        self.child.kill().expect("SIGKILL the child");
        self.child.wait().expect("reap the child");
        self.drain()
    }

    /// Wait for the child to exit successfully; every line it printed.
    pub fn finish(mut self, timeout: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match self.child.try_wait().expect("poll the child") {
                Some(status) => {
                    assert!(status.success(), "child failed: {status}");
                    return self.drain();
                }
                None if std::time::Instant::now() > deadline => {
                    let _ = self.child.kill();
                    panic!("child still running after {timeout:?}");
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn drain(&mut self) -> Vec<String> {
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stdout reader");
        }
        self.lines.try_iter().collect()
    }
}

/// A small deterministic random generator (xorshift64*), seeded per run and printed, so a
/// failure can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// A seed from the clock.
    pub fn seed_from_time() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5eed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

//! A small mutation-based fuzzer that runs on the stable toolchain (docs/fuzzing.md).
//!
//! Inputs start from a corpus kept in the repository (tests/fuzz/corpus/TARGET/), are
//! mutated (bit flips, interesting values, byte insert and delete, splicing, dictionary
//! tokens, numbers and lines of text formats), and each runs under `catch_unwind` and a
//! time budget. An input whose outcome (the short description a target answers) was not
//! seen before joins the pool that later inputs are mutated from.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// What a target does with one input: the short description of its outcome, or a panic.
pub type RunFn = fn(&[u8]) -> String;
/// Repairs a mutated input so that it gets past checks a mutation rarely satisfies
/// (lengths, digests); called on some inputs only.
pub type FixFn = fn(&mut Vec<u8>, &mut Rng);

pub struct Target {
    pub name: &'static str,
    pub run: RunFn,
    /// Tokens of the input's language, inserted and swapped by the token mutations.
    pub dict: &'static [&'static str],
    pub max_len: usize,
    pub fix: Option<FixFn>,
}

/// How long to fuzz.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub inputs: u64,
    pub time: Option<Duration>,
    pub seed: u64,
    /// An input that takes more CPU time than this is a hang.
    pub hang: Duration,
}

#[derive(Debug, Default)]
pub struct Report {
    pub inputs: u64,
    pub elapsed: Duration,
    pub seeds: usize,
    pub pool: usize,
    pub outcomes: usize,
    /// (saved input, panic message)
    pub panics: Vec<(PathBuf, String)>,
    /// (saved input, how long it took)
    pub hangs: Vec<(PathBuf, Duration)>,
    pub slowest: Duration,
}

impl Report {
    pub fn line(&self, name: &str, seed: u64) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "fuzz {name}: {} inputs in {:.1} s ({:.0}/s), seed {seed:#x}, {} corpus files, pool {}, {} outcomes, slowest {} ms, {} panics, {} hangs",
            self.inputs,
            secs,
            self.inputs as f64 / secs,
            self.seeds,
            self.pool,
            self.outcomes,
            self.slowest.as_millis(),
            self.panics.len(),
            self.hangs.len()
        )
    }
}

/// SplitMix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The CPU time this thread has used: what an input costs, whatever else the machine
/// runs (wall time elsewhere than Linux).
#[cfg(target_os = "linux")]
pub fn thread_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant of the libc.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return wall_time();
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

#[cfg(not(target_os = "linux"))]
pub fn thread_time() -> Duration {
    wall_time()
}

fn wall_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

thread_local! {
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Panics of inputs are recorded, not printed; any other panic prints as usual.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if FUZZING.with(|f| f.get()) {
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                let mut msg: String = msg.chars().take(400).collect();
                if msg.len() >= 400 {
                    msg.push('…');
                }
                LAST_PANIC.with(|p| *p.borrow_mut() = format!("{msg}{at}"));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs one input: its outcome, or the panic message.
pub fn run_one(run: RunFn, input: &[u8]) -> Result<String, String> {
    install_hook();
    FUZZING.with(|f| f.set(true));
    let r = catch_unwind(AssertUnwindSafe(|| run(input)));
    FUZZING.with(|f| f.set(false));
    r.map_err(|_| LAST_PANIC.with(|p| std::mem::take(&mut *p.borrow_mut())))
}

/// Where findings are written: `FUZZ_OUT`, else the tests' scratch directory.
pub fn findings_dir(target: &str) -> PathBuf {
    let base = std::env::var_os("FUZZ_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings"));
    base.join(target)
}

fn save(target: &str, kind: &str, input: &[u8]) -> PathBuf {
    let dir = findings_dir(target);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{kind}-{:016x}", fnv(input)));
    if let Err(e) = std::fs::write(&path, input) {
        eprintln!("cannot save {}: {e}", path.display());
    }
    path
}

/// The files of `dir`, sorted by name (an absent directory is empty): (seeds,
/// regressions). Regressions (`regress-*`, inputs that once failed) run as they are; seeds
/// are also mutated.
pub fn load_corpus(dir: &Path) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let (mut seeds, mut regressions) = (Vec::new(), Vec::new());
    for path in files.into_iter().filter(|p| p.is_file()) {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let name = path.file_name().map(|n| n.to_string_lossy().to_string());
        if name.is_some_and(|n| n.starts_with("regress-")) {
            regressions.push(data);
        } else {
            seeds.push(data);
        }
    }
    (seeds, regressions)
}

/// Stops the process when one input runs far past the hang budget (a loop that never
/// ends cannot be caught any other way), after saving that input.
struct Watchdog {
    epoch: Instant,
    started_ms: Arc<AtomicU64>,
    current: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(target: &'static str, hard: Duration) -> Self {
        let started_ms = Arc::new(AtomicU64::new(0));
        let current = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let (s, c, d) = (started_ms.clone(), current.clone(), done.clone());
        let epoch = Instant::now();
        std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let at = s.load(Ordering::Relaxed);
                let now = epoch.elapsed().as_millis() as u64;
                if at != 0 && now.saturating_sub(at) > hard.as_millis() as u64 {
                    let input = c.lock().map(|g| g.clone()).unwrap_or_default();
                    let path = save(target, "hang", &input);
                    eprintln!(
                        "fuzz {target}: an input ran over {} s and never finished; saved to {}",
                        hard.as_secs(),
                        path.display()
                    );
                    std::process::exit(101);
                }
            }
        });
        Watchdog {
            epoch,
            started_ms,
            current,
            done,
        }
    }

    fn begin(&self, input: &[u8]) {
        if let Ok(mut g) = self.current.lock() {
            g.clear();
            g.extend_from_slice(input);
        }
        let ms = self.epoch.elapsed().as_millis() as u64 + 1;
        self.started_ms.store(ms, Ordering::Relaxed);
    }

    fn end(&self) {
        self.started_ms.store(0, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

const INTERESTING8: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'\n', b'\r', b'"', b'\\', b'%', 0xc3,
];
const INTERESTING32: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    116,
    120,
];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "255",
    "256",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "99999999999999999999999999",
    "1e308",
    "1e309",
    "-1e309",
    "1.5",
    "0.0000001",
    "NaN",
    "inf",
];

/// One mutation of `data`; `pool` gives splicing partners.
fn mutate_once(data: &mut Vec<u8>, rng: &mut Rng, dict: &[&str], pool: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(16) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.next() as u8;
        }
        2 if len > 0 => {
            let i = rng.below(len);
            data[i] = INTERESTING8[rng.below(INTERESTING8.len())];
        }
        3 if len >= 4 => {
            let i = rng.below(len - 3);
            let v = INTERESTING32[rng.below(INTERESTING32.len())];
            let bytes = if rng.one_in(2) {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            data[i..i + 4].copy_from_slice(&bytes);
        }
        4 => {
            let i = rng.below(len + 1);
            let n = 1 + rng.below(8);
            for k in 0..n {
                data.insert(i + k, rng.next() as u8);
            }
        }
        5 | 6 if !dict.is_empty() => {
            let token = dict[rng.below(dict.len())].as_bytes();
            let i = boundary(data, rng);
            data.splice(i..i, token.iter().copied());
        }
        7 if !dict.is_empty() => replace_token(data, rng, dict),
        8 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(64));
            data.drain(i..i + n);
        }
        9 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(64));
            let chunk = data[i..i + n].to_vec();
            let at = rng.below(len + 1);
            let times = if rng.one_in(8) { 2 + rng.below(200) } else { 1 };
            for _ in 0..times {
                data.splice(at..at, chunk.iter().copied());
            }
        }
        10 if !pool.is_empty() => {
            let other = &pool[rng.below(pool.len())];
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        11 => replace_number(data, rng),
        12 if len > 0 => data.truncate(rng.below(len)),
        13 => line_op(data, rng),
        14 if len > 1 => {
            let a = rng.below(len);
            let b = rng.below(len);
            data.swap(a, b);
        }
        _ => {
            let i = rng.below(len + 1);
            data.insert(i, INTERESTING8[rng.below(INTERESTING8.len())]);
        }
    }
}

/// A position, at a line or token boundary more often than chance would give.
fn boundary(data: &[u8], rng: &mut Rng) -> usize {
    let i = rng.below(data.len() + 1);
    if rng.one_in(2) {
        return i;
    }
    data[i..]
        .iter()
        .position(|b| matches!(b, b'\n' | b',' | b'{' | b'[' | b' ' | b'=' | b':' | b';'))
        .map_or(data.len(), |p| i + p + 1)
}

/// Replaces one occurrence of a dictionary token with another token.
fn replace_token(data: &mut Vec<u8>, rng: &mut Rng, dict: &[&str]) {
    let from = dict[rng.below(dict.len())].as_bytes();
    let to = dict[rng.below(dict.len())].as_bytes();
    if from.is_empty() {
        return;
    }
    let hits: Vec<usize> = memchr::memmem::find_iter(data, from).collect();
    if hits.is_empty() {
        return;
    }
    let at = hits[rng.below(hits.len())];
    data.splice(at..at + from.len(), to.iter().copied());
}

/// Replaces a run of digits with an interesting number.
fn replace_number(data: &mut Vec<u8>, rng: &mut Rng) {
    let starts: Vec<usize> = (0..data.len())
        .filter(|&i| data[i].is_ascii_digit() && (i == 0 || !data[i - 1].is_ascii_digit()))
        .collect();
    let n = NUMBERS[rng.below(NUMBERS.len())].as_bytes();
    if starts.is_empty() {
        let i = rng.below(data.len() + 1);
        data.splice(i..i, n.iter().copied());
        return;
    }
    let s = starts[rng.below(starts.len())];
    let e = s + data[s..].iter().take_while(|b| b.is_ascii_digit()).count();
    data.splice(s..e, n.iter().copied());
}

/// Duplicates, deletes or swaps lines (text formats).
fn line_op(data: &mut Vec<u8>, rng: &mut Rng) {
    let mut lines: Vec<Vec<u8>> = data.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if lines.is_empty() {
        return;
    }
    let a = rng.below(lines.len());
    let b = rng.below(lines.len());
    match rng.below(3) {
        0 => {
            let l = lines[a].clone();
            lines.insert(b, l);
        }
        1 => {
            lines.remove(a);
        }
        _ => lines.swap(a, b),
    }
    *data = lines.join(&b'\n');
}

/// Shrinks a panicking input: drops chunks while it still panics (a few thousand tries).
fn minimize(run: RunFn, input: &[u8]) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut chunk = best.len().div_ceil(2).max(1);
    let mut tries = 0;
    while chunk >= 1 && tries < 4000 {
        let mut i = 0;
        let mut shrunk = false;
        while i < best.len() && tries < 4000 {
            let mut cand = best.clone();
            cand.drain(i..(i + chunk).min(best.len()));
            tries += 1;
            if run_one(run, &cand).is_err() {
                best = cand;
                shrunk = true;
            } else {
                i += chunk;
            }
        }
        if !shrunk {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// Runs the regressions and the seeds, then mutated seeds, within `budget`.
pub fn fuzz(target: &Target, seeds: &[Vec<u8>], regressions: &[Vec<u8>], budget: Budget) -> Report {
    let mut report = Report {
        seeds: seeds.len() + regressions.len(),
        ..Report::default()
    };
    let hard = (budget.hang * 60).max(Duration::from_secs(60));
    let dog = Watchdog::start(target.name, hard);
    let mut rng = Rng::new(budget.seed ^ fnv(target.name.as_bytes()));
    let mut seen: HashSet<u64> = HashSet::new();
    let mut pool: Vec<Vec<u8>> = Vec::new();
    let mut panicked: HashSet<String> = HashSet::new();
    let start = Instant::now();
    let mut check = |input: &[u8], report: &mut Report, pool: &mut Vec<Vec<u8>>| {
        dog.begin(input);
        let t = thread_time();
        let r = run_one(target.run, input);
        let took = thread_time().saturating_sub(t);
        dog.end();
        report.inputs += 1;
        report.slowest = report.slowest.max(took);
        match r {
            Ok(outcome) => {
                if took > budget.hang {
                    // Once more, to tell a slow input from a busy machine.
                    let t = thread_time();
                    let _ = run_one(target.run, input);
                    let again = thread_time().saturating_sub(t);
                    if again > budget.hang {
                        report
                            .hangs
                            .push((save(target.name, "hang", input), took.min(again)));
                    }
                }
                if seen.insert(fnv(outcome.as_bytes())) {
                    if pool.len() < 4096 {
                        pool.push(input.to_vec());
                    } else {
                        let i = rng_index(pool.len(), input);
                        pool[i] = input.to_vec();
                    }
                }
            }
            Err(msg) => {
                // One report per panic site and message.
                if panicked.insert(msg.clone()) {
                    let path = save(target.name, "panic", input);
                    let small = minimize(target.run, input);
                    let small_path = save(target.name, "panic-min", &small);
                    eprintln!(
                        "fuzz {}: panic: {msg}\n  input: {}\n  minimized: {} ({} bytes)",
                        target.name,
                        path.display(),
                        small_path.display(),
                        small.len()
                    );
                    report.panics.push((small_path, msg));
                }
            }
        }
    };
    for r in regressions {
        let mut ignored = Vec::new();
        check(r, &mut report, &mut ignored);
    }
    for s in seeds {
        check(s, &mut report, &mut pool);
    }
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    let mut input = Vec::new();
    let mut last_progress = Instant::now();
    while report.inputs < budget.inputs
        && budget.time.is_none_or(|t| start.elapsed() < t)
        && report.panics.len() < 20
    {
        input.clear();
        let from = if !seeds.is_empty() && rng.one_in(8) {
            &seeds[rng.below(seeds.len())]
        } else {
            &pool[rng.below(pool.len())]
        };
        input.extend_from_slice(from);
        let most = if rng.one_in(4) { 16 } else { 4 };
        let n = 1 + rng.below(most);
        for _ in 0..n {
            mutate_once(&mut input, &mut rng, target.dict, &pool);
        }
        if let Some(fix) = target.fix
            && rng.one_in(2)
        {
            fix(&mut input, &mut rng);
        }
        input.truncate(target.max_len);
        let current = std::mem::take(&mut input);
        check(&current, &mut report, &mut pool);
        input = current;
        if budget.time.is_none() && last_progress.elapsed() >= Duration::from_secs(120) {
            last_progress = Instant::now();
            println!(
                "fuzz {}: {} inputs so far, {:.0} s",
                target.name,
                report.inputs,
                start.elapsed().as_secs_f64()
            );
        }
    }
    report.elapsed = start.elapsed();
    report.pool = pool.len();
    report.outcomes = seen.len();
    report
}

/// A pool slot to replace, spread by the input's hash.
fn rng_index(len: usize, input: &[u8]) -> usize {
    (fnv(input) % len as u64) as usize
}

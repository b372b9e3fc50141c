//! Where a run's CPU time goes, by stage, printed on stderr at the end of the
//! run when `GOMEMFIX_PROFILE` is set (bench/run and the README's profile use it).
//! Stages are exclusive: a stage entered inside another (a package index built
//! while a rule runs) pauses the outer one, so the times add up to the run's.
//! Times are each thread's CPU time, so other processes on the machine do not
//! inflate them. Off, a stage costs one relaxed load.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

static ON: AtomicBool = AtomicBool::new(false);
static TOTALS: OnceLock<Mutex<BTreeMap<String, (u64, u64)>>> = OnceLock::new();

thread_local! {
    /// The stages open on this thread, innermost last, and when the innermost
    /// last started running (thread CPU nanoseconds).
    static OPEN: RefCell<(Vec<String>, u64)> = const { RefCell::new((Vec::new(), 0)) };
}

/// Turns profiling on when `GOMEMFIX_PROFILE` is set; call once at start-up.
pub fn init_from_env() {
    if std::env::var_os("GOMEMFIX_PROFILE").is_some() {
        ON.store(true, Ordering::Relaxed);
    }
}

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn add(stage: &str, ns: u64, calls: u64) {
    let mut totals = TOTALS.get_or_init(Default::default).lock().unwrap();
    let e = totals.entry(stage.to_string()).or_default();
    e.0 += ns;
    e.1 += calls;
}

/// Runs `f` as stage `stage` (see the module doc).
pub fn stage<T>(stage: &str, f: impl FnOnce() -> T) -> T {
    if !ON.load(Ordering::Relaxed) {
        return f();
    }
    OPEN.with(|o| {
        let mut o = o.borrow_mut();
        let now = thread_cpu_ns();
        if let Some(outer) = o.0.last() {
            add(outer, now - o.1, 0);
        }
        o.0.push(stage.to_string());
        o.1 = now;
    });
    let out = f();
    OPEN.with(|o| {
        let mut o = o.borrow_mut();
        let now = thread_cpu_ns();
        if let Some(inner) = o.0.pop() {
            add(&inner, now - o.1, 1);
        }
        o.1 = now;
    });
    out
}

/// Prints the stages' CPU seconds and counts on stderr, largest first.
pub fn report() {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let Some(totals) = TOTALS.get() else {
        return;
    };
    let totals = totals.lock().unwrap();
    let sum: u64 = totals.values().map(|v| v.0).sum();
    let mut rows: Vec<_> = totals.iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0));
    eprintln!("gomemfix profile: {:.2} s CPU in stages", sum as f64 / 1e9);
    for (name, (ns, calls)) in rows {
        eprintln!(
            "  {:<28} {:>7.2} s {:>5.1}% {:>8} calls",
            name,
            *ns as f64 / 1e9,
            *ns as f64 * 100.0 / sum.max(1) as f64,
            calls
        );
    }
}

//! GM008 memprofilerate-every-alloc: `runtime.MemProfileRate` set to sample (nearly)
//! every allocation. The pattern finds the assignment; this module reads its value.

use crate::analysis::{constants, scope, statements};
use crate::gofile::{GoFile, GoMatch};
use crate::outcome::Outcome;

/// Rates at or below this sample so often that profiling dominates the program.
const MAX_SUSPICIOUS_RATE: i64 = 4096;

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let Some(rate) = m.get_env().get_match("RATE") else {
        return Outcome::Silent;
    };
    // Set only when the operator asks for a profile (`if *memprofile != "" {`).
    if scope::behind_switch_naming(m.get_node(), "prof") {
        return Outcome::Silent;
    }
    match constants::int_value(file, rate) {
        Some(v) if (1..=MAX_SUSPICIOUS_RATE).contains(&v) => statements::remove_statement(file, m),
        _ => Outcome::Silent,
    }
}

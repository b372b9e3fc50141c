//! Memory sizes as deployment files write them, and the `GOMEMLIMIT` derived from one.
//!
//! Kubernetes and Docker spell sizes differently, and the same text can mean two
//! things: `900m` is 0.9 bytes to Kubernetes (a milli-quantity) and 900 MiB to
//! Docker. So there are two parsers, one per format.

const KIB: u128 = 1 << 10;
const MIB: u64 = 1 << 20;

/// A Kubernetes resource quantity (`1Gi`, `512Mi`, `1G`, `1.5Gi`, `1e9`, `900m`,
/// plain bytes) in bytes, rounded up to a whole byte as Kubernetes does for memory.
/// Suffixes are case-sensitive: `1g` is not a Kubernetes quantity.
pub fn kubernetes_bytes(text: &str) -> Option<u64> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    // (multiplier numerator, denominator): `m` divides by 1000.
    let (mul, div): (u128, u128) = match suffix {
        "" => (1, 1),
        "m" => (1, 1000),
        "k" => (1_000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        "Ki" => (KIB, 1),
        "Mi" => (KIB.pow(2), 1),
        "Gi" => (KIB.pow(3), 1),
        "Ti" => (KIB.pow(4), 1),
        "Pi" => (KIB.pow(5), 1),
        "Ei" => (KIB.pow(6), 1),
        _ => {
            // Decimal exponent: `1e9`, `5E6`.
            let (base, exp) = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .map(|e| (number, e))?;
            let exp: u32 = exp.parse().ok().filter(|&e| e <= 18)?;
            return scaled(base, 10u128.pow(exp), 1);
        }
    };
    scaled(number, mul, div)
}

/// A Docker / Compose byte value (`1g`, `1gb`, `512m`, `512M`, `1GiB`, `1.5g`,
/// `1024k`, `100b`, plain bytes) in bytes. Units are binary and case-insensitive,
/// as in Docker's `RAMInBytes`.
pub fn docker_bytes(text: &str) -> Option<u64> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let suffix = suffix.trim().to_ascii_lowercase();
    let unit = suffix
        .strip_suffix("ib")
        .or_else(|| suffix.strip_suffix('b'))
        .unwrap_or(&suffix);
    let mul = match unit {
        "" => 1,
        "k" => KIB,
        "m" => KIB.pow(2),
        "g" => KIB.pow(3),
        "t" => KIB.pow(4),
        "p" => KIB.pow(5),
        _ => return None,
    };
    scaled(number, mul, 1)
}

/// `number * mul / div`, rounded up; the number may have a fractional part.
fn scaled(number: &str, mul: u128, div: u128) -> Option<u64> {
    let number = number.strip_prefix('+').unwrap_or(number);
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 18
    {
        return None;
    }
    let digits: u128 = format!("{int}{frac}").parse().ok()?;
    let den = 10u128.pow(frac.len() as u32) * div;
    let value = digits.checked_mul(mul)?.div_ceil(den);
    u64::try_from(value).ok()
}

/// The `GOMEMLIMIT` for a container limit, in MiB: 90% of the limit, rounded down
/// to a whole MiB, so at least a tenth of the limit stays free for memory the Go
/// heap limit does not count (goroutine stacks beyond it, cgo, the binary, page
/// cache). 1Gi gives 921 MiB (90% is 921.6 MiB); the catalogue's `900MiB` is the
/// same advice rounded further. None when the limit is too small to leave 1 MiB.
pub fn go_limit_mib(limit_bytes: u64) -> Option<u64> {
    let mib = (u128::from(limit_bytes) * 9 / 10) / u128::from(MIB);
    u64::try_from(mib).ok().filter(|&m| m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;

    #[test]
    fn kubernetes_quantities() {
        assert_eq!(kubernetes_bytes("1Gi"), Some(GI));
        assert_eq!(kubernetes_bytes("512Mi"), Some(512 * MI));
        assert_eq!(kubernetes_bytes("1G"), Some(1_000_000_000));
        assert_eq!(kubernetes_bytes("1.5Gi"), Some(GI + GI / 2));
        assert_eq!(kubernetes_bytes("128974848"), Some(128_974_848));
        assert_eq!(kubernetes_bytes("129e6"), Some(129_000_000));
        assert_eq!(kubernetes_bytes("123Mi "), Some(123 * MI));
        // A milli-quantity: 0.9 bytes, rounded up as Kubernetes rounds memory.
        assert_eq!(kubernetes_bytes("900m"), Some(1));
        assert_eq!(kubernetes_bytes("1g"), None);
        assert_eq!(kubernetes_bytes("1GB"), None);
        assert_eq!(kubernetes_bytes("Gi"), None);
        assert_eq!(kubernetes_bytes("-1Gi"), None);
        assert_eq!(kubernetes_bytes(""), None);
    }

    #[test]
    fn docker_sizes() {
        assert_eq!(docker_bytes("1g"), Some(GI));
        assert_eq!(docker_bytes("1G"), Some(GI));
        assert_eq!(docker_bytes("1gb"), Some(GI));
        assert_eq!(docker_bytes("1GiB"), Some(GI));
        assert_eq!(docker_bytes("512m"), Some(512 * MI));
        assert_eq!(docker_bytes("900m"), Some(900 * MI));
        assert_eq!(docker_bytes("1.5g"), Some(GI + GI / 2));
        assert_eq!(docker_bytes("1024k"), Some(MI));
        assert_eq!(docker_bytes("100b"), Some(100));
        assert_eq!(docker_bytes("1073741824"), Some(GI));
        assert_eq!(docker_bytes("1 GB"), Some(GI));
        assert_eq!(docker_bytes("1x"), None);
        assert_eq!(docker_bytes("${MEM:-1g}"), None);
    }

    #[test]
    fn ninety_percent_in_whole_mib() {
        assert_eq!(go_limit_mib(GI), Some(921));
        assert_eq!(go_limit_mib(512 * MI), Some(460));
        assert_eq!(go_limit_mib(2 * GI), Some(1843));
        assert_eq!(go_limit_mib(1_000_000_000), Some(858));
        assert_eq!(go_limit_mib(MI), None);
        assert_eq!(go_limit_mib(1), None);
    }
}

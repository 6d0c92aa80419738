//! Decimal numbers written into strings without `format!`'s machinery:
//! protocols build a storage key at every write (`log/000000000042`,
//! `txn/t3.17`), and through `format!` those keys were a few percent of a
//! sweep's instructions.

/// Append `n` in decimal to `out`, zero-padded to at least `width` digits
/// (at most 20): what `write!(out, "{n:0width$}")` writes.
pub fn push_decimal(out: &mut String, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let at = decimal_digits(n, &mut digits);
    let from = at.min(digits.len() - width.min(digits.len()));
    out.push_str(std::str::from_utf8(&digits[from..]).expect("ASCII digits"));
}

/// Write `n`'s decimal digits at the end of `digits` (a `u64` has at most
/// 20) and return where they start: `&digits[start..]` is `n` in decimal.
/// What is before the start is left as it was.
pub fn decimal_digits(n: u64, digits: &mut [u8; 20]) -> usize {
    let (mut rest, mut at) = (n, digits.len());
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            return at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn it_writes_what_format_writes() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            123_456,
            999_999_999_999,
            10u64.pow(12),
            u64::MAX,
        ] {
            for width in [0, 1, 3, 12, 20] {
                let mut out = String::from("x/");
                push_decimal(&mut out, n, width);
                assert_eq!(out, format!("x/{n:0width$}"), "{n} {width}");
            }
        }
    }
}

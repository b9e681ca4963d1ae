//! Rounding and allocation of money amounts.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents, half away from zero (commercial rounding; equal to XPath `round` for positive amounts).
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Splits `total` (in cents) over `weights` in proportion, so that the parts add up exactly to `total`.
///
/// Largest remainder: each part is first rounded down to the cent, then the cents left over go to the parts
/// with the largest remainders (earlier parts first on ties). All-zero weights split evenly.
pub fn allocate(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: Decimal = weights.iter().sum();
    let even = vec![Decimal::ONE; weights.len()];
    let (weights, sum) = if sum.is_zero() {
        (&even[..], Decimal::from(weights.len()))
    } else {
        (weights, sum)
    };
    let cent = Decimal::new(1, 2);
    let mut parts: Vec<Decimal> = weights
        .iter()
        .map(|w| (total * w / sum).round_dp_with_strategy(2, RoundingStrategy::ToZero))
        .collect();
    let mut left = total - parts.iter().sum::<Decimal>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    let remainder = |i: usize| (total * weights[i] / sum - parts[i]).abs();
    order.sort_by(|&a, &b| remainder(b).cmp(&remainder(a)).then(a.cmp(&b)));
    let step = if left.is_sign_negative() { -cent } else { cent };
    let mut k = 0;
    while !left.is_zero() {
        parts[order[k % order.len()]] += step;
        left -= step;
        k += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(cents(d("1.005")), d("1.01"));
        assert_eq!(cents(d("1.004")), d("1.00"));
        assert_eq!(cents(d("-1.005")), d("-1.01"));
    }

    #[test]
    fn allocates_exactly() {
        assert_eq!(
            allocate(d("10.00"), &[d("1"), d("1"), d("1")]),
            vec![d("3.34"), d("3.33"), d("3.33")]
        );
        assert_eq!(
            allocate(d("5.00"), &[d("0"), d("0")]),
            vec![d("2.50"), d("2.50")]
        );
        assert_eq!(
            allocate(d("4.90"), &[d("30"), d("10")]),
            vec![d("3.68"), d("1.22")]
        );
    }

    proptest! {
        #[test]
        fn allocation_sums_to_total(total in 0i64..1_000_000, ws in prop::collection::vec(0i64..100_000, 1..8)) {
            let total = Decimal::new(total, 2);
            let weights: Vec<Decimal> = ws.iter().map(|&w| Decimal::new(w, 2)).collect();
            let parts = allocate(total, &weights);
            prop_assert_eq!(parts.iter().sum::<Decimal>(), total);
            prop_assert!(parts.iter().all(|p| p.scale() <= 2 && !p.is_sign_negative()));
        }
    }
}

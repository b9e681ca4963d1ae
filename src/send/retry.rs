//! Retry timing: capped exponential backoff with jitter, give-up limits, and a per-channel rate limit.

use super::settings::Retry;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A random number in `[0, 1)` (std's per-process random hasher keys, mixed with a counter and the clock).
fn unit_random(salt: u64) -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(salt);
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The delay before the attempt after attempt `attempts` (1-based): `initial * 2^(attempts-1)`, capped at the
/// maximum, then jittered to between half and all of it so that many documents failing together spread out.
pub fn backoff(policy: &Retry, attempts: u32) -> Duration {
    let exp = 2f64.powi(attempts.saturating_sub(1).min(60) as i32);
    let base = (policy.initial_backoff_secs * exp).min(policy.max_backoff_secs);
    let jittered = base * (0.5 + 0.5 * unit_random(u64::from(attempts)));
    Duration::from_secs_f64(jittered.max(0.0))
}

/// Why a document whose attempt number `attempts` has just failed transiently is not retried any more, if it is
/// not. The age limit counts from `since_ms`, when the document was queued (or queued again by `outbox retry`),
/// and is only checked here, after a failed attempt: a document is always attempted at least once, however late
/// the sender runs. It gives up when the next attempt, at `next_ms`, would fall more than `max_age_hours` after
/// queueing, so no retry is ever made past the limit.
pub fn give_up(policy: &Retry, attempts: u32, since_ms: i64, next_ms: i64) -> Option<String> {
    let tried = match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    if attempts >= policy.max_attempts {
        return Some(format!("gave up after {tried} (max_attempts)"));
    }
    let age_h = (next_ms - since_ms) as f64 / 3_600_000.0;
    (age_h > policy.max_age_hours).then(|| {
        format!(
            "gave up after {tried}: the next one would be more than {} hours after the document was queued \
             (max_age_hours)",
            policy.max_age_hours
        )
    })
}

/// Spaces out the sends of one channel: at most `per_minute` per minute.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Option<Instant>,
}

impl Pacer {
    /// A pacer for `per_minute` messages per minute (none or 0: no limit).
    pub fn new(per_minute: Option<u32>) -> Pacer {
        Pacer {
            interval: per_minute.filter(|&n| n > 0).map_or(Duration::ZERO, |n| {
                Duration::from_secs_f64(60.0 / f64::from(n))
            }),
            next: None,
        }
    }

    /// Waits until the next send is allowed, then books it.
    pub fn wait(&mut self) {
        let now = Instant::now();
        if let Some(next) = self.next {
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        self.next = Some(Instant::now() + self.interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let p = Retry {
            max_attempts: 5,
            max_age_hours: 1.0,
            initial_backoff_secs: 10.0,
            max_backoff_secs: 60.0,
        };
        for _ in 0..50 {
            let first = backoff(&p, 1).as_secs_f64();
            assert!((5.0..=10.0).contains(&first), "{first}");
            let third = backoff(&p, 3).as_secs_f64();
            assert!((20.0..=40.0).contains(&third), "{third}");
            let capped = backoff(&p, 40).as_secs_f64();
            assert!((30.0..=60.0).contains(&capped), "{capped}");
        }
        let spread: std::collections::BTreeSet<u64> =
            (0..20).map(|_| backoff(&p, 2).as_millis() as u64).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
        assert_eq!(
            give_up(&p, 5, 0, 0).as_deref(),
            Some("gave up after 5 attempts (max_attempts)")
        );
        assert_eq!(
            give_up(&p, 1, 0, 3_600_001).as_deref(),
            Some(
                "gave up after 1 attempt: the next one would be more than 1 hours after the document was \
                 queued (max_age_hours)"
            )
        );
        assert!(
            give_up(&p, 2, 0, 3_600_000).is_none(),
            "at the limit itself"
        );
        assert!(
            give_up(&p, 2, 1000, 3_600_500).is_none(),
            "counted from queueing"
        );
    }

    #[test]
    fn pacer_spaces_sends() {
        let mut p = Pacer::new(Some(1200)); // one per 50 ms
        let t = Instant::now();
        for _ in 0..3 {
            p.wait();
        }
        assert!(t.elapsed() >= Duration::from_millis(100));
    }
}

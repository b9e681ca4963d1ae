//! Document number patterns such as `INV-{yyyy}-{seq:06}`.
//!
//! A pattern expands in two steps: the date placeholders give the *series* (so `INV-{yyyy}-{seq:06}` keeps a
//! gap-free sequence per year), and the sequence number completes the document number.

use chrono::{Datelike, NaiveDate};

/// One piece of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Year4,
    Year2,
    Month,
    Seq { width: usize },
}

/// A parsed numbering pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
}

impl Pattern {
    /// Parses a pattern; it must contain exactly one `{seq}` or `{seq:0N}`.
    pub fn parse(pattern: &str) -> Result<Pattern, String> {
        let mut pieces = Vec::new();
        let mut rest = pattern;
        let mut seqs = 0;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in pattern {pattern:?}"))?
                + open;
            let piece = match &rest[open + 1..close] {
                "yyyy" => Piece::Year4,
                "yy" => Piece::Year2,
                "mm" => Piece::Month,
                "seq" => Piece::Seq { width: 1 },
                other => match other.strip_prefix("seq:0").map(str::parse::<usize>) {
                    Some(Ok(width)) if (1..=18).contains(&width) => Piece::Seq { width },
                    _ => {
                        return Err(format!(
                            "unknown placeholder {{{other}}} in pattern {pattern:?} \
                             (known: {{yyyy}} {{yy}} {{mm}} {{seq}} {{seq:0N}})"
                        ))
                    }
                },
            };
            if matches!(piece, Piece::Seq { .. }) {
                seqs += 1;
            }
            pieces.push(piece);
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        if seqs != 1 {
            return Err(format!(
                "pattern {pattern:?} needs exactly one {{seq}} placeholder"
            ));
        }
        let has = |p: &Piece| pieces.contains(p);
        if has(&Piece::Month) && !has(&Piece::Year4) && !has(&Piece::Year2) {
            return Err(format!(
                "pattern {pattern:?} has {{mm}} without a year: November 2026 and November 2027 would share a series"
            ));
        }
        if pattern.contains(['/', '\\']) || pattern.chars().any(char::is_control) {
            return Err(format!(
                "pattern {pattern:?} may not contain slashes or control characters (numbers name files)"
            ));
        }
        Ok(Pattern { pieces })
    }

    /// The series a document issued on `date` belongs to: the pattern with its date placeholders filled in.
    pub fn series(&self, date: NaiveDate) -> String {
        self.render(date, None)
    }

    /// The document number for sequence `seq` on `date`.
    pub fn number(&self, date: NaiveDate, seq: u64) -> String {
        self.render(date, Some(seq))
    }

    fn render(&self, date: NaiveDate, seq: Option<u64>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Year4 => out.push_str(&format!("{:04}", date.year())),
                Piece::Year2 => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
                Piece::Month => out.push_str(&format!("{:02}", date.month())),
                Piece::Seq { width } => match seq {
                    Some(n) => out.push_str(&format!("{n:0width$}")),
                    None => out.push_str("{seq}"),
                },
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 5).unwrap()
    }

    #[test]
    fn expands_dates_and_sequence() {
        let p = Pattern::parse("INV-{yyyy}-{seq:06}").unwrap();
        assert_eq!(p.number(d(2026, 11), 42), "INV-2026-000042");
        assert_eq!(p.series(d(2026, 11)), "INV-2026-{seq}");
        assert_ne!(p.series(d(2026, 11)), p.series(d(2027, 1)));
        let p = Pattern::parse("{yy}{mm}/{seq}");
        assert!(p.is_err(), "slashes are refused");
        let p = Pattern::parse("R{yy}{mm}-{seq}").unwrap();
        assert_eq!(p.number(d(2026, 3), 7), "R2603-7");
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(Pattern::parse("INV-{yyyy}").is_err());
        assert!(Pattern::parse("INV-{seq}-{seq}").is_err());
        assert!(Pattern::parse("INV-{seq").is_err());
        assert!(Pattern::parse("INV-{dd}-{seq}").is_err());
        assert!(Pattern::parse("INV-{mm}-{seq}").is_err());
    }
}

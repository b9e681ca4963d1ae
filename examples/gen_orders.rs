//! Writes generated orders as JSON Lines to standard output, for benchmarks and memory measurements:
//! `cargo run --release --example gen_orders -- COUNT [MAX_LINES] [SEED] > orders.jsonl`.

#[path = "../tests/support/gen.rs"]
mod gen;

use std::io::Write;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("numbers only"));
    let count = args.next().unwrap_or(100_000) as usize;
    let max_lines = args.next().unwrap_or(3) as usize;
    let seed = args.next().unwrap_or(1);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    // In chunks, so memory stays small for any count.
    for chunk in 0..count.div_ceil(10_000) {
        let n = (count - chunk * 10_000).min(10_000);
        let text = gen::orders_jsonl(&format!("G{chunk}-"), n, max_lines, seed + chunk as u64);
        out.write_all(text.as_bytes()).expect("stdout");
    }
}

//! Writes a generated shop export to standard output, for benchmarks and memory measurements:
//! `cargo run --release --example gen_shop_exports -- shopify|woocommerce|woocommerce-refunds COUNT [SEED] >
//! export` (`woocommerce-refunds`: a refund of each order `woocommerce` writes with the same COUNT).

#[path = "../tests/support/gen.rs"]
mod gen;
#[path = "../tests/support/shop_gen.rs"]
mod shop_gen;

fn main() {
    let mut args = std::env::args().skip(1);
    let platform = args.next().unwrap_or_else(|| "shopify".into());
    let count: usize = args.next().map_or(20_000, |a| a.parse().expect("a count"));
    let seed: u64 = args.next().map_or(1, |a| a.parse().expect("a seed"));
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    match platform.as_str() {
        "shopify" => shop_gen::write_shopify(&mut out, count, seed),
        "woocommerce" => shop_gen::write_woocommerce(&mut out, count, seed),
        "woocommerce-refunds" => shop_gen::write_woocommerce_refunds(&mut out, count),
        other => panic!("{other:?}: shopify, woocommerce or woocommerce-refunds"),
    }
    .expect("stdout");
}

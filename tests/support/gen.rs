//! A deterministic generator of valid orders in ublflow's JSON Lines format, for tests and benchmarks.
#![allow(dead_code)] // included by tests, benches and an example, each using a subset

/// A small linear congruential generator: deterministic and dependency-free.
pub struct Lcg(u64);

impl Lcg {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const ITEMS: &[(&str, &str, &str)] = &[
    ("TENT-2P", "Trekking tent, 2 persons", "20"),
    ("MAP-ALPS", "Hiking map Alps", "10"),
    ("SOCK-3", "Merino socks, 3 pairs", "20"),
    ("BOTTLE", "Steel bottle 0.75 l", "20"),
    ("GUIDE", "Trail guide \"Hohe Tauern\"", "10"),
    ("ROPE-60", "Climbing rope 60 m", "20"),
];

/// One order as a single JSON line: `lines` order lines, prices net or gross, paid or not, with or without
/// shipping and a coupon.
pub fn order(id: &str, lines: usize, rng: &mut Lcg) -> String {
    let gross = rng.below(2) == 0;
    let paid = rng.below(2) == 0;
    let day = 1 + rng.below(28);
    let mut s = format!(
        r#"{{"order_id":"{id}","order_date":"2026-06-{day:02}","prices_include_vat":{gross},"buyer":{{"company":"Kunde {id} GmbH","name":"Eva Beispiel","vat_id":"ATU98765431","endpoint_id":"4006381333931","endpoint_scheme":"0088","email":"eva@example.org","address":{{"street":"Hauptplatz 3","city":"Graz","postal_code":"8010","country":"AT"}}}},"lines":["#
    );
    for i in 0..lines {
        let (sku, name, rate) = ITEMS[rng.below(ITEMS.len() as u64) as usize];
        let qty = 1 + rng.below(5);
        let cents = 99 + rng.below(30_000);
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"sku":"{sku}","description":"{}","quantity":{qty},"unit_price":"{}.{:02}","vat_category":"S","vat_rate":"{rate}"}}"#,
            name.replace('"', "\\\""),
            cents / 100,
            cents % 100
        ));
    }
    s.push(']');
    if rng.below(3) > 0 {
        s.push_str(r#","shipping":{"amount":"4.90"}"#);
    }
    if rng.below(4) == 0 {
        s.push_str(r#","discounts":[{"amount":"1.00","reason":"Coupon"}]"#);
    }
    s.push_str(&format!(
        r#","payment":{{"status":"{}","reference":"PSP-{id}"}}}}"#,
        if paid { "paid" } else { "unpaid" }
    ));
    s
}

/// `count` orders with ids `{prefix}{n}`, each with 1 to `max_lines` lines, one per line.
pub fn orders_jsonl(prefix: &str, count: usize, max_lines: usize, seed: u64) -> String {
    let mut rng = Lcg::new(seed);
    let mut out = String::with_capacity(count * 700);
    for n in 0..count {
        let lines = 1 + rng.below(max_lines as u64) as usize;
        out.push_str(&order(&format!("{prefix}{n}"), lines, &mut rng));
        out.push('\n');
    }
    out
}

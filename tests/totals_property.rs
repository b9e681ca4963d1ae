//! Property tests: for any order the model accepts, the totals balance as EN 16931 requires, a tax-inclusive
//! order's total equals what the customer paid, and a sample of such documents passes the official rules.

mod support;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rust_decimal::{Decimal, RoundingStrategy};
use std::path::Path;
use ublflow::config::Profile;
use ublflow::input::{
    PaymentStatus, RawAddress, RawBuyer, RawCharge, RawLine, RawOrder, RawPayment,
};
use ublflow::model::{self, Document, VatCode};

fn profile(pro_rata: bool) -> Profile {
    let path = support::root().join("fixtures/profile.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    if pro_rata {
        text = text.replace("vat = \"main-rate\"", "vat = \"pro-rata\"");
    }
    Profile::parse(&text, &path).unwrap()
}

fn money(max_cents: i64) -> impl Strategy<Value = Decimal> {
    (0..=max_cents).prop_map(|c| Decimal::new(c, 2))
}

fn line() -> impl Strategy<Value = RawLine> {
    let tax = prop_oneof![
        Just(("S", "20")),
        Just(("S", "10")),
        Just(("S", "13")),
        Just(("S", "5.5")),
        Just(("Z", "0")),
        Just(("E", "0")),
    ];
    (
        1i64..=5000,
        0u32..=3,
        money(99_999),
        tax,
        0i64..=100,
        prop::option::of(1i64..=3),
    )
        .prop_map(|(q, qscale, price, (cat, rate), disc_pct, base)| {
            let quantity = Decimal::new(q, qscale);
            let per = Decimal::from(base.unwrap_or(1));
            let gross_line = (quantity * price / per).round_dp(2);
            let discount = (gross_line * Decimal::new(disc_pct, 2) / Decimal::from(4)).round_dp(2);
            RawLine {
                sku: Some("SKU".into()),
                description: Some("Item".into()),
                quantity: Some(quantity),
                unit_code: None,
                unit_price: Some(price),
                base_quantity: base.map(Decimal::from),
                discount: Some(discount),
                vat_category: Some(cat.into()),
                vat_rate: Some(rate.parse().unwrap()),
                vat_exemption_reason: None,
            }
        })
}

prop_compose! {
    fn order()(
        lines in prop::collection::vec(line(), 1..6),
        gross in any::<bool>(),
        paid in any::<bool>(),
        shipping in prop::option::of(money(2_000)),
        coupon in prop::option::of(money(500)),
        wrap in prop::option::of((money(900), prop_oneof![Just("20"), Just("13")])),
    ) -> RawOrder {
        RawOrder {
            order_id: "P-1".into(),
            kind: Default::default(),
            refund_of: None,
            order_date: chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            currency: None,
            prices_include_vat: gross,
            buyer_reference: None,
            purchase_order: None,
            note: None,
            buyer: RawBuyer {
                company: Some("Bergsport KG".into()),
                vat_id: Some("ATU98765431".into()),
                endpoint_id: Some("4006381333931".into()),
                endpoint_scheme: Some("0088".into()),
                address: RawAddress { city: Some("Graz".into()), country: Some("AT".into()), ..Default::default() },
                ..Default::default()
            },
            delivery: None,
            lines,
            shipping: shipping.map(|a| RawCharge { amount: Some(a), ..Default::default() }),
            charges: wrap
                .map(|(a, rate)| RawCharge {
                    amount: Some(a),
                    reason: Some("Gift wrapping".into()),
                    vat_category: Some("S".into()),
                    vat_rate: Some(rate.parse().unwrap()),
                })
                .into_iter()
                .collect(),
            discounts: coupon.map(|a| RawCharge { amount: Some(a), reason: Some("Coupon".into()), ..Default::default() }).into_iter().collect(),
            payment: RawPayment { status: if paid { PaymentStatus::Paid } else { PaymentStatus::Unpaid }, ..Default::default() },
            charged_total: None,
        }
    }
}

/// What the customer pays according to the export, in the shop's own convention.
fn paid_by_customer(o: &RawOrder) -> Decimal {
    let lines: Decimal = o
        .lines
        .iter()
        .map(|l| {
            let base = l.base_quantity.unwrap_or(Decimal::ONE);
            (l.quantity.unwrap() * l.unit_price.unwrap() / base)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                - l.discount.unwrap()
        })
        .sum();
    let shipping = o
        .shipping
        .as_ref()
        .and_then(|s| s.amount)
        .unwrap_or_default();
    let coupons: Decimal = o.discounts.iter().filter_map(|d| d.amount).sum();
    let charges: Decimal = o.charges.iter().filter_map(|c| c.amount).sum();
    lines + shipping + charges - coupons
}

fn check_balances(o: &RawOrder, d: &Document) -> Result<(), TestCaseError> {
    let t = &d.totals;
    let cent = Decimal::new(1, 2);
    prop_assert_eq!(
        t.line_total,
        d.lines.iter().map(|l| l.net_amount).sum::<Decimal>()
    );
    prop_assert_eq!(
        t.tax_exclusive,
        t.line_total - t.allowance_total + t.charge_total
    );
    prop_assert_eq!(t.tax, d.vat.iter().map(|v| v.amount).sum::<Decimal>());
    prop_assert_eq!(t.tax_inclusive, t.tax_exclusive + t.tax);
    prop_assert_eq!(t.payable, t.tax_inclusive - t.prepaid);
    prop_assert_eq!(
        d.vat.iter().map(|v| v.taxable).sum::<Decimal>(),
        t.tax_exclusive
    );
    for v in &d.vat {
        // BR-S-08 and siblings: the taxable amount of each category and rate, exactly.
        let lines: Decimal = d
            .lines
            .iter()
            .filter(|l| l.tax == v.tax)
            .map(|l| l.net_amount)
            .sum();
        let acs: Decimal = d
            .allowance_charges
            .iter()
            .filter(|a| a.tax == v.tax)
            .map(|a| if a.charge { a.amount } else { -a.amount })
            .sum();
        prop_assert_eq!(v.taxable, lines + acs);
        let exact = v.taxable * v.tax.rate / Decimal::ONE_HUNDRED;
        if o.prices_include_vat {
            prop_assert!(
                (v.amount - exact).abs() <= cent,
                "VAT {} vs {}",
                v.amount,
                exact
            );
        } else {
            prop_assert_eq!(
                v.amount,
                exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            );
        }
        if v.tax.code != VatCode::S {
            prop_assert!(v.amount.is_zero());
        }
    }
    for l in &d.lines {
        // PEPPOL-EN16931-R120: line net = quantity x price / base - allowance, within 0.02.
        let base = l.base_quantity.unwrap_or(Decimal::ONE);
        let computed = l.quantity * l.price / base - l.discount.unwrap_or_default();
        prop_assert!(
            (l.net_amount - computed).abs() <= Decimal::new(2, 2),
            "line {:?}",
            l
        );
    }
    let amounts = [
        t.line_total,
        t.tax_exclusive,
        t.tax,
        t.tax_inclusive,
        t.payable,
    ];
    prop_assert!(amounts.iter().all(|a| a.scale() <= 2));
    if o.prices_include_vat {
        prop_assert_eq!(
            t.tax_inclusive,
            paid_by_customer(o),
            "the customer paid exactly the total"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 2000, ..Config::default() })]

    #[test]
    fn totals_always_balance(o in order(), pro_rata in any::<bool>()) {
        match model::build(&o, &profile(pro_rata)) {
            Ok(d) => check_balances(&o, &d)?,
            Err(e) => {
                // The only refusal such orders may meet: coupons larger than the goods.
                prop_assert!(e.message.contains("exceed"), "unexpected refusal: {e}");
            }
        }
    }
}

#[test]
fn a_sample_of_generated_orders_passes_the_official_rules() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = order();
    let mut jsonl = String::new();
    for n in 0..40 {
        let mut o = strategy.new_tree(&mut runner).unwrap().current();
        o.order_id = format!("P-{n}");
        o.discounts.clear();
        jsonl.push_str(&serde_json::to_string(&o).unwrap());
        jsonl.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sample.jsonl");
    std::fs::write(&input, jsonl).unwrap();
    let out = dir.path().join("out");
    let r = support::convert(&[
        input.to_str().unwrap(),
        "--profile",
        "fixtures/profile.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(support::xml_files(&out).len(), 40);
    let checked = support::assert_officially_valid(Path::new(&out));
    eprintln!("property sample: {checked} documents accepted by the official rules");
}

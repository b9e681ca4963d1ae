//! A deterministic generator of shop exports in their real shape, for tests and benchmarks: Shopify order CSV
//! (tax-inclusive prices, 1-3 line rows per order) and a WooCommerce REST API order array (net prices).
//! Every generated order converts with `fixtures/shops/profile.toml`.

use super::gen::Lcg;
use rust_decimal::{Decimal, RoundingStrategy};
use std::io::Write;

/// The header of a Shopify order export.
pub const SHOPIFY_HEADER: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,\
Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,\
Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,\
Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,\
Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,\
Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,\
Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,\
Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,\
Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,\
Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References";

const ITEMS: &[(&str, &str, i64)] = &[
    ("TENT-2P", "Trekking tent, 2 persons", 24900),
    ("SOCK-3", "Merino socks (3 pairs)", 2490),
    ("BOTTLE", "Steel bottle 0.75 l", 1999),
    ("ROPE-60", "Climbing rope 60 m", 15900),
    ("LAMP", "Headlamp \"Nacht\"", 3990),
];

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Quotes a CSV cell when needed.
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Writes a Shopify export of `count` paid orders.
pub fn write_shopify(out: &mut impl Write, count: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Lcg::new(seed);
    let columns: Vec<&str> = SHOPIFY_HEADER.split(',').collect();
    let at = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    writeln!(out, "{SHOPIFY_HEADER}")?;
    for i in 0..count {
        let name = format!("#{}", 100_000 + i);
        let day = 1 + rng.below(28);
        let created = format!("2026-06-{day:02} 10:{:02}:00 +0200", rng.below(60));
        let lines: Vec<(usize, i64)> = (0..1 + rng.below(3))
            .map(|_| {
                (
                    rng.below(ITEMS.len() as u64) as usize,
                    1 + rng.below(3) as i64,
                )
            })
            .collect();
        let twenty = Decimal::from(20);
        let mut subtotal = Decimal::ZERO;
        let mut taxes = Decimal::ZERO;
        for &(item, qty) in &lines {
            let amount = Decimal::new(ITEMS[item].2 * qty, 2);
            subtotal += amount;
            taxes += cents(amount * twenty / Decimal::from(120));
        }
        let shipping = Decimal::new(490, 2);
        taxes += cents(shipping * twenty / Decimal::from(120));
        let total = subtotal + shipping;
        for (k, &(item, qty)) in lines.iter().enumerate() {
            let mut row = vec![String::new(); columns.len()];
            let (sku, title, price) = ITEMS[item];
            row[at("Name")] = name.clone();
            row[at("Email")] = format!("kunde{i}@example.org");
            row[at("Created at")] = created.clone();
            row[at("Lineitem quantity")] = qty.to_string();
            row[at("Lineitem name")] = cell(title);
            row[at("Lineitem price")] = Decimal::new(price, 2).to_string();
            row[at("Lineitem sku")] = sku.into();
            row[at("Lineitem requires shipping")] = "true".into();
            row[at("Lineitem taxable")] = "true".into();
            row[at("Lineitem fulfillment status")] = "pending".into();
            row[at("Lineitem discount")] = "0.00".into();
            if k == 0 {
                for (column, value) in [
                    ("Financial Status", "paid".to_string()),
                    ("Paid at", created.clone()),
                    ("Fulfillment Status", "unfulfilled".into()),
                    ("Accepts Marketing", "no".into()),
                    ("Currency", "EUR".into()),
                    ("Subtotal", subtotal.to_string()),
                    ("Shipping", shipping.to_string()),
                    ("Taxes", taxes.to_string()),
                    ("Total", total.to_string()),
                    ("Discount Amount", "0.00".into()),
                    ("Shipping Method", "Standard".into()),
                    ("Billing Name", format!("Kundin Nr. {i}")),
                    ("Billing Street", "Hauptplatz 3".into()),
                    ("Billing Address1", "Hauptplatz 3".into()),
                    ("Billing City", "Graz".into()),
                    ("Billing Zip", "8010".into()),
                    ("Billing Country", "AT".into()),
                    ("Shipping Name", format!("Kundin Nr. {i}")),
                    ("Shipping Street", "Hauptplatz 3".into()),
                    ("Shipping Address1", "Hauptplatz 3".into()),
                    ("Shipping City", "Graz".into()),
                    ("Shipping Zip", "8010".into()),
                    ("Shipping Country", "AT".into()),
                    ("Payment Method", "Shopify Payments".into()),
                    ("Payment Reference", format!("c{i}.1")),
                    ("Vendor", "Alpenglow".into()),
                    ("Outstanding Balance", "0.00".into()),
                    ("Id", (5_000_000_000u64 + i as u64).to_string()),
                    ("Risk Level", "Low".into()),
                    ("Source", "web".into()),
                    ("Tax 1 Name", "AT VAT 20%".into()),
                    ("Tax 1 Value", taxes.to_string()),
                    ("Payment ID", format!("c{i}.1")),
                ] {
                    row[at(column)] = value;
                }
            }
            writeln!(out, "{}", row.join(","))?;
        }
    }
    Ok(())
}

/// Writes a WooCommerce REST API array of `count` processing orders with net prices.
pub fn write_woocommerce(out: &mut impl Write, count: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Lcg::new(seed);
    let rate = Decimal::new(2, 1);
    writeln!(out, "[")?;
    for i in 0..count {
        let id = 10_000 + i;
        let day = 1 + rng.below(28);
        let mut items = Vec::new();
        let mut total = Decimal::ZERO;
        let mut tax_total = Decimal::ZERO;
        for k in 0..1 + rng.below(3) {
            let (sku, title, price) = ITEMS[rng.below(ITEMS.len() as u64) as usize];
            let qty = 1 + rng.below(3) as i64;
            let net = cents(Decimal::new(price * qty, 2) / Decimal::new(12, 1));
            let tax = cents(net * rate);
            total += net + tax;
            tax_total += tax;
            items.push(serde_json::json!({
                "id": id * 10 + k as usize, "name": title, "product_id": 300 + k, "variation_id": 0,
                "quantity": qty, "tax_class": "", "subtotal": net.to_string(), "subtotal_tax": tax.to_string(),
                "total": net.to_string(), "total_tax": tax.to_string(),
                "taxes": [{"id": 1, "total": tax.to_string(), "subtotal": tax.to_string()}],
                "meta_data": [], "sku": sku, "price": (net / Decimal::from(qty)).round_dp(6).to_string(),
            }));
        }
        let (ship, ship_tax) = (Decimal::new(408, 2), Decimal::new(82, 2));
        total += ship + ship_tax;
        let order = serde_json::json!({
            "id": id, "parent_id": 0, "number": id.to_string(), "status": "processing", "currency": "EUR",
            "prices_include_tax": false, "date_created": format!("2026-06-{day:02}T09:30:00"),
            "discount_total": "0.00", "shipping_total": ship.to_string(), "shipping_tax": ship_tax.to_string(),
            "total": total.to_string(), "total_tax": (tax_total + ship_tax).to_string(),
            "billing": {"first_name": "Eva", "last_name": format!("Beispiel {i}"), "company": "",
                "address_1": "Hauptplatz 3", "address_2": "", "city": "Graz", "state": "", "postcode": "8010",
                "country": "AT", "email": format!("eva{i}@example.org"), "phone": ""},
            "shipping": {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "",
                "city": "", "state": "", "postcode": "", "country": ""},
            "payment_method": "stripe", "transaction_id": format!("pi_{id}"), "customer_note": "",
            "meta_data": [], "line_items": items,
            "tax_lines": [{"id": 700, "rate_code": "AT-VAT-1", "rate_id": 1, "label": "MwSt.", "compound": false,
                "tax_total": tax_total.to_string(), "shipping_tax_total": ship_tax.to_string(), "rate_percent": 20}],
            "shipping_lines": [{"id": id * 10 + 9, "method_title": "Flat rate", "method_id": "flat_rate",
                "total": ship.to_string(), "total_tax": ship_tax.to_string(),
                "taxes": [{"id": 1, "total": ship_tax.to_string(), "subtotal": ""}]}],
            "fee_lines": [], "coupon_lines": [], "refunds": [],
            "_links": {"self": [{"href": format!("https://shop.example/wp-json/wc/v3/orders/{id}")}]},
        });
        let sep = if i + 1 < count { "," } else { "" };
        writeln!(out, "{order}{sep}")?;
    }
    writeln!(out, "]")
}

/// Writes a WooCommerce REST API array of refunds, as `GET /orders/<id>/refunds` returns them: one for each
/// order [`write_woocommerce`] writes with the same `count`, refunding 1.20 (VAT included) by amount alone.
pub fn write_woocommerce_refunds(out: &mut impl Write, count: usize) -> std::io::Result<()> {
    writeln!(out, "[")?;
    for i in 0..count {
        let (order, id) = (10_000 + i, 900_000 + i);
        let refund = serde_json::json!({
            "id": id, "date_created": "2026-06-30T10:00:00", "date_created_gmt": "2026-06-30T08:00:00",
            "amount": "1.20", "reason": "Goodwill", "refunded_by": 1, "refunded_payment": true,
            "meta_data": [], "line_items": [], "tax_lines": [], "shipping_lines": [], "fee_lines": [],
            "_links": {
                "self": [{"href": format!("https://shop.example/wp-json/wc/v3/orders/{order}/refunds/{id}")}],
                "collection": [{"href": format!("https://shop.example/wp-json/wc/v3/orders/{order}/refunds")}],
                "up": [{"href": format!("https://shop.example/wp-json/wc/v3/orders/{order}")}],
            },
        });
        let sep = if i + 1 < count { "," } else { "" };
        writeln!(out, "{refund}{sep}")?;
    }
    writeln!(out, "]")
}

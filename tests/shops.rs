//! Shop exports as they come: Shopify order CSV and WooCommerce REST API JSON.
//!
//! `fixtures/shops/<platform>/` converts into exactly `fixtures/expected/shops/<platform>/*.xml` (set
//! `UBLFLOW_BLESS=1` to rewrite them after an intended change, then review the diff), every document passes
//! ublflow's own UBL 2.1 structure layer and the official Peppol rules, and bad or ambiguous exports are
//! refused with their file, row or line, and column.

mod support;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

const PROFILE: &str = "fixtures/shops/profile.toml";

/// Runs `convert` with the JSON report; returns the exit code and the report lines.
fn convert(inputs: &[&Path], out: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args: Vec<&str> = inputs.iter().map(|p| p.to_str().unwrap()).collect();
    if !extra.contains(&"--profile") {
        args.extend(["--profile", PROFILE]);
    }
    args.extend(["--out", out.to_str().unwrap(), "--format", "json"]);
    args.extend(extra);
    let run = support::convert(&args);
    let lines = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON report lines"))
        .collect();
    (run.status.code().unwrap(), lines)
}

fn events<'a>(report: &'a [Value], event: &str) -> Vec<&'a Value> {
    report.iter().filter(|v| v["event"] == event).collect()
}

fn summary(report: &[Value]) -> &Value {
    report
        .last()
        .filter(|v| v["event"] == "summary")
        .expect("a summary")
}

/// The rejection of one order, as `position|field|message`.
fn rejection(report: &[Value], order_id: &str) -> String {
    let r = events(report, "rejected")
        .into_iter()
        .find(|v| v["order_id"] == order_id)
        .unwrap_or_else(|| panic!("order {order_id} was not rejected: {report:#?}"));
    format!(
        "{}|{}|{}",
        r["position"].as_str().unwrap_or("-"),
        r["field"].as_str().unwrap_or("-"),
        r["message"].as_str().unwrap()
    )
}

fn issued(report: &[Value]) -> Vec<(String, String)> {
    events(report, "document")
        .iter()
        .filter(|v| v["existing"] == false)
        .map(|v| {
            (
                v["order_id"].as_str().unwrap().to_owned(),
                v["number"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn golden(platform: &str, tmp: &Path) -> Vec<Value> {
    let root = support::root();
    let out = tmp.join(platform);
    let (code, report) = convert(&[&root.join("fixtures/shops").join(platform)], &out, &[]);
    assert_eq!(code, 0, "{platform}: {report:#?}");
    let expected_dir = root.join("fixtures/expected/shops").join(platform);
    let produced = support::xml_files(&out);
    if std::env::var_os("UBLFLOW_BLESS").is_some() {
        let _ = fs::remove_dir_all(&expected_dir);
        fs::create_dir_all(&expected_dir).unwrap();
        for p in &produced {
            fs::copy(p, expected_dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    for p in &produced {
        let text = fs::read_to_string(p).unwrap();
        let doc = ublflow::validate::dom::Document::parse(&text).unwrap();
        let findings = ublflow::validate::structure::check(&doc);
        assert!(
            findings.is_empty(),
            "{}: UBL 2.1 structure: {findings:#?}",
            p.display()
        );
    }
    let expected = support::xml_files(&expected_dir);
    let names = |v: &[PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(&produced), names(&expected), "{platform}");
    for (p, e) in produced.iter().zip(&expected) {
        assert!(
            fs::read(p).unwrap() == fs::read(e).unwrap(),
            "{} differs from {}",
            p.display(),
            e.display()
        );
    }
    report
}

#[test]
fn shopify_exports_convert_into_the_expected_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let report = golden("shopify", tmp.path());
    let s = summary(&report);
    assert_eq!(
        (
            &s["invoices"],
            &s["credit_notes"],
            &s["existing"],
            &s["skipped"],
            &s["rejected"]
        ),
        (&8.into(), &2.into(), &1.into(), &2.into(), &0.into()),
        "{report:#?}"
    );
    // The same order exported again in a second file is invoiced once.
    let again: Vec<_> = events(&report, "document")
        .into_iter()
        .filter(|v| v["existing"] == true)
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["order_id"], "#1001");
    let skipped: Vec<String> = events(&report, "skipped")
        .iter()
        .map(|v| format!("{} {}", v["order_id"], v["reason"]))
        .collect();
    assert_eq!(
        skipped,
        [
            "\"#1005\" \"the order was cancelled (2026-11-14 15:00:00 +0100); no invoice\"",
            "\"#1006\" \"the payment was voided (Financial Status); no invoice\""
        ]
    );
    // Refunds credit the invoice of their order.
    let issued = issued(&report);
    let number = |id: &str| issued.iter().find(|(o, _)| o == id).unwrap().1.clone();
    let credit = fs::read_to_string(
        tmp.path()
            .join("shopify/archive/2026/11")
            .join(format!("{}.xml", number("#1003-refund"))),
    )
    .unwrap();
    let credit: String = credit.split_whitespace().collect();
    assert!(credit.contains(&format!(
        "<cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID>",
        number("#1003")
    )));
    support::assert_officially_valid(&tmp.path().join("shopify"));
}

#[test]
fn woocommerce_exports_convert_into_the_expected_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let report = golden("woocommerce", tmp.path());
    let s = summary(&report);
    assert_eq!(
        (
            &s["invoices"],
            &s["credit_notes"],
            &s["existing"],
            &s["skipped"],
            &s["rejected"]
        ),
        (&4.into(), &2.into(), &1.into(), &2.into(), &0.into()),
        "{report:#?}"
    );
    let issued = issued(&report);
    let ids: Vec<&str> = issued.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        ids,
        [
            "501",
            "502",
            "503",
            "506",
            "501-refund-601",
            "506-refund-602"
        ]
    );
    let number = |id: &str| issued.iter().find(|(o, _)| o == id).unwrap().1.clone();
    let credit = fs::read_to_string(
        tmp.path()
            .join("woocommerce/archive/2026/11")
            .join(format!("{}.xml", number("501-refund-601"))),
    )
    .unwrap();
    let credit: String = credit.split_whitespace().collect();
    assert!(credit.contains(&format!(
        "<cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID>",
        number("501")
    )));
    support::assert_officially_valid(&tmp.path().join("woocommerce"));
}

fn fixture(path: &str) -> Vec<u8> {
    fs::read(support::root().join("fixtures/shops").join(path)).unwrap()
}

/// Order names of the invoices issued in a report.
fn invoiced(report: &[Value]) -> Vec<String> {
    issued(report)
        .into_iter()
        .map(|(o, _)| o)
        .filter(|o| !o.contains("refund"))
        .collect()
}

/// The Shopify fixture without one column (all its cells).
fn without_column(csv_bytes: &[u8], column: &str) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let header = reader.headers().unwrap().clone();
    let skip = header.iter().position(|h| h == column).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let keep = |r: &csv::StringRecord| -> Vec<String> {
        r.iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| c.to_owned())
            .collect()
    };
    writer.write_record(keep(&header)).unwrap();
    for r in reader.records() {
        writer.write_record(keep(&r.unwrap())).unwrap();
    }
    writer.into_inner().unwrap()
}

/// The fixture with its data rows (1-based, header = row 1) filtered.
fn rows_except(csv_bytes: &[u8], drop_row: usize) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(reader.headers().unwrap()).unwrap();
    for (i, r) in reader.records().enumerate() {
        if i + 2 != drop_row {
            writer.write_record(&r.unwrap()).unwrap();
        }
    }
    writer.into_inner().unwrap()
}

fn replace_first(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the text to replace");
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

#[test]
fn bad_shopify_exports_name_file_row_and_column_and_good_orders_still_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let good = fixture("shopify/tax-included.csv");
    let all = ["#1001", "#1002", "#1003", "#1004", "#1007", "#1009"];
    let case = |name: &str, bytes: Vec<u8>| -> Vec<Value> {
        let file = tmp.path().join(format!("{name}.csv"));
        fs::write(&file, bytes).unwrap();
        let (code, report) = convert(&[&file], &tmp.path().join(name), &[]);
        assert_eq!(code, 1, "{name}: {report:#?}");
        report
    };

    // Cut in the middle of row 10 (the first row of #1007).
    let cut_at = String::from_utf8_lossy(&good).find("#1007,").unwrap() + 120;
    let report = case("truncated", good[..cut_at].to_vec());
    assert_eq!(invoiced(&report), all[..4]);
    let e = events(&report, "rejected");
    assert_eq!(e.len(), 1, "{report:#?}");
    assert_eq!(e[0]["position"], "row 10");
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the row has 16 cells where the header has 79"),
        "{}",
        e[0]["message"]
    );

    // Semicolons instead of commas: the whole file is refused at its header.
    let semicolons: Vec<u8> = good
        .iter()
        .map(|&b| if b == b',' { b';' } else { b })
        .collect();
    let report = case("semicolons", semicolons);
    let e = events(&report, "rejected");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (&e[0]["position"], &e[0]["field"]),
        (&"row 1".into(), &"Name".into())
    );
    assert!(e[0]["message"]
        .as_str()
        .unwrap()
        .contains("does not look comma-separated"));

    // A required column is missing.
    let report = case("no-total", without_column(&good, "Total"));
    let e = events(&report, "rejected");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (&e[0]["position"], &e[0]["field"]),
        (&"row 1".into(), &"Total".into())
    );

    // The first row of #1004 (row 6) is gone: its line row stands alone.
    let report = case("orphan-line", rows_except(&good, 6));
    assert_eq!(
        rejection(&report, "#1004"),
        "row 6|Financial Status|a line item row without its order's first row (Financial Status, Currency and \
         Total are empty); the export was cut or its rows were reordered"
    );
    assert_eq!(
        invoiced(&report),
        ["#1001", "#1002", "#1003", "#1007", "#1009"]
    );

    // Latin-1 instead of UTF-8 in the first row of #1002 (row 4).
    let report = case("latin1", replace_first(&good, "Zoë".as_bytes(), b"Zo\xeb"));
    assert_eq!(
        rejection(&report, "#1002"),
        "row 4|Billing Name|not valid UTF-8 (Shopify exports UTF-8; was the file re-saved in another encoding?)"
    );
    assert_eq!(
        invoiced(&report),
        ["#1001", "#1003", "#1004", "#1007", "#1009"]
    );
}

/// Edits a Shopify fixture row: sets `column` of the given data row (header = row 1).
fn set_cell(csv_bytes: &[u8], row: usize, column: &str, value: &str) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let header = reader.headers().unwrap().clone();
    let col = header.iter().position(|h| h == column).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for (i, r) in reader.records().enumerate() {
        let mut cells: Vec<String> = r.unwrap().iter().map(str::to_owned).collect();
        if i + 2 == row {
            cells[col] = value.to_owned();
        }
        writer.write_record(&cells).unwrap();
    }
    writer.into_inner().unwrap()
}

#[test]
fn ambiguous_shop_data_is_refused_with_what_to_configure() {
    let tmp = tempfile::tempdir().unwrap();
    let good = fixture("shopify/tax-included.csv");
    // A profile without the SKU table and without an untaxed category.
    let bare = tmp.path().join("bare.toml");
    fs::write(
        &bare,
        fs::read_to_string(support::root().join("fixtures/profile.toml")).unwrap(),
    )
    .unwrap();
    let file = tmp.path().join("orders.csv");
    fs::write(&file, &good).unwrap();
    let (code, report) = convert(
        &[&file],
        &tmp.path().join("bare"),
        &["--profile", bare.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert_eq!(
        rejection(&report, "#1007"),
        "row 10|Lineitem sku|the order has taxes at 10% and 20% and Shopify's export does not say which line \
         carries which rate; give SKU \"BOOK-ALPS\" its VAT in the profile's [shops.skus] table"
    );
    assert!(rejection(&report, "#1009")
        .starts_with("row 12|Lineitem taxable|the shop charged no VAT on this order; say which VAT category applies: set [shops] untaxed_vat_category"));
    assert_eq!(invoiced(&report), ["#1001", "#1002", "#1003", "#1004"]);

    // A partial refund of an order with two VAT rates: the invoice is issued, the refund refused.
    let partial = set_cell(&good, 10, "Financial Status", "partially_refunded");
    let partial = set_cell(&partial, 10, "Refunded Amount", "10.00");
    fs::write(&file, partial).unwrap();
    let (code, report) = convert(&[&file], &tmp.path().join("partial"), &[]);
    assert_eq!(code, 1);
    assert!(invoiced(&report).contains(&"#1007".to_owned()));
    assert_eq!(
        rejection(&report, "#1007"),
        "row 10|Refunded Amount|a partial refund of 10.00 on an order with VAT at 10% and 20%: Shopify's export \
         gives only the refunded amount, not which lines it refunds, so the VAT split is unknown and ublflow does \
         not guess it. The invoice is issued; give the credit note yourself as a refund in ublflow's own JSON or \
         CSV format (README, Order input format): kind = refund, refund_of = \"#1007\", order_id = \
         \"#1007-refund\", the order's buyer, and the refunded lines with their VAT rates, converted into the same \
         store. Once it is issued, this refund is reported as settled by it"
    );
    let refused = events(&report, "rejected");
    assert_eq!(refused[0]["file"], file.to_str().unwrap());
    // What the message says to do works: the refund in ublflow's own CSV, against the same store.
    let own = tmp.path().join("refund.csv");
    fs::write(
        &own,
        "order_id,kind,refund_of,order_date,prices_include_vat,buyer_type,buyer_name,buyer_city,buyer_country,\
         line_description,line_quantity,line_unit_price,line_vat_rate\n#1007-refund,refund,#1007,2026-11-20,true,\
         consumer,Zoë Ærø-Šimić,Salzburg,AT,Hiking guide Alps (returned),1,10.00,10\n",
    )
    .unwrap();
    let (code, report) = convert(&[&own], &tmp.path().join("partial"), &[]);
    assert_eq!(code, 0, "{report:#?}");
    assert_eq!(summary(&report)["credit_notes"], 1);
    // The same export read again: the refund is settled by that credit note, no longer rejected.
    let (code, report) = convert(&[&file], &tmp.path().join("partial"), &[]);
    assert_eq!(code, 0, "{report:#?}");
    let credit_note = events(&report, "document")
        .into_iter()
        .find(|d| d["order_id"] == "#1007-refund");
    assert!(credit_note.is_none(), "the export does not issue it again");
    let settled: Vec<&Value> = events(&report, "skipped")
        .into_iter()
        .filter(|s| s["order_id"] == "#1007")
        .collect();
    assert_eq!(settled.len(), 1, "{report:#?}");
    let reason = settled[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("the refund is settled by credit note CN-2026-")
            && reason.ends_with(", issued for #1007-refund"),
        "{reason}"
    );
    assert!(events(&report, "rejected").is_empty(), "{report:#?}");

    // A business buyer (VAT id, company) without a Peppol address.
    let no_endpoint = set_cell(&good, 12, "Note Attributes", "vat_number: DE123456789");
    fs::write(&file, no_endpoint).unwrap();
    let (code, report) = convert(&[&file], &tmp.path().join("no-endpoint"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rejection(&report, "#1009"),
        "row 12|Billing Company|the buyer is a business (company name or VAT id) without a Peppol electronic \
         address, which Peppol requires (PEPPOL-EN16931-R010); record it on the order as scheme:id under one of \
         the keys in [shops] endpoint_keys (now [\"peppol_id\"])"
    );

    // WooCommerce: an amount-only refund on an order with two rates, and a refund whose order is not read.
    let mut refunds: Value = serde_json::from_slice(&fixture("woocommerce/refunds.json")).unwrap();
    refunds[0]["line_items"] = Value::Array(Vec::new());
    refunds[1]["_links"]["up"][0]["href"] = "https://shop.example/wp-json/wc/v3/orders/999".into();
    let dir = tmp.path().join("woo");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("a-orders.json"),
        fixture("woocommerce/orders.json"),
    )
    .unwrap();
    fs::write(dir.join("b-refunds.json"), refunds.to_string()).unwrap();
    let (code, report) = convert(&[&dir], &tmp.path().join("woo-out"), &[]);
    assert_eq!(code, 1);
    assert!(rejection(&report, "refund-601").starts_with(
        "line 1|amount|a refund of 8.42 given only as an amount, on an order with several VAT rates"
    ), "{report:#?}");
    assert!(rejection(&report, "refund-602").contains(
        "refund 602 of order id 999: a WooCommerce refund carries no buyer, currency or tax rates"
    ));
    assert_eq!(summary(&report)["invoices"], 4);
}

#[test]
fn bad_woocommerce_json_names_its_line_and_earlier_orders_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let good = fixture("woocommerce/orders.json");
    let text = String::from_utf8(good.clone()).unwrap();
    // Cut inside the third order (503).
    let cut = text.find("\"id\": 503").unwrap() + 40;
    let file = tmp.path().join("orders.json");
    fs::write(&file, &good[..cut]).unwrap();
    let (code, report) = convert(&[&file], &tmp.path().join("cut"), &[]);
    assert_eq!(code, 1);
    assert_eq!(invoiced(&report), ["501", "502"]);
    let e = events(&report, "rejected");
    assert_eq!(e.len(), 1);
    // The object opens on the line before its "id".
    let line = text[..text.find("\"id\": 503").unwrap()].lines().count() - 1;
    assert_eq!(e[0]["position"], format!("line {line}"));
    assert_eq!(
        e[0]["message"],
        "the file ends inside an order object; orders after this point in the file were not read"
    );

    // A line taxed at two rates at once (compound taxes) is refused, naming the line.
    let mut orders: Value = serde_json::from_slice(&good).unwrap();
    orders[1]["line_items"][0]["taxes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": 2, "total": "1.00", "subtotal": "1.00"}));
    fs::write(&file, orders.to_string()).unwrap();
    let (code, report) = convert(&[&file], &tmp.path().join("compound"), &[]);
    assert_eq!(code, 1);
    assert!(rejection(&report, "502")
        .starts_with("line 1|line_items[0].taxes|taxed at several rates at once"));

    // A total the lines, charges and taxes do not come to (beyond VAT rounding) is refused, naming both.
    let mut orders: Value = serde_json::from_slice(&good).unwrap();
    orders[2]["total"] = "7.57".into();
    fs::write(&file, orders.to_string()).unwrap();
    let (code, report) = convert(&[&file], &tmp.path().join("total"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rejection(&report, "503"),
        "line 1|total|the shop charged 7.57 but the lines, charges and discounts come to 6.56 with VAT; a \
         difference of 1.01 is more than VAT rounding per line (at most 0.03 here), so the export does not add up"
    );
}

#[test]
fn the_input_format_is_detected_from_the_content_or_forced() {
    let tmp = tempfile::tempdir().unwrap();
    // A Shopify export without the .csv extension is still recognised by its header row.
    let file = tmp.path().join("export.txt");
    fs::write(&file, fixture("shopify/tax-excluded.csv")).unwrap();
    let (code, report) = convert(&[&file], &tmp.path().join("auto"), &[]);
    assert_eq!(code, 0, "{report:#?}");
    assert_eq!(invoiced(&report), ["#2001", "#2002"]);
    let (code, report) = convert(
        &[&file],
        &tmp.path().join("forced"),
        &["--input-format", "shopify"],
    );
    assert_eq!((code, invoiced(&report).len()), (0, 2));
    // Forced to ublflow's own CSV, the Shopify header is refused.
    let (code, report) = convert(
        &[&file],
        &tmp.path().join("own"),
        &["--input-format", "ublflow-csv"],
    );
    assert_eq!(code, 1);
    assert!(events(&report, "rejected")[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("unknown column \"Name\""));
}

#[test]
fn generated_exports_convert_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    let shopify = tmp.path().join("shopify.csv");
    let mut bytes = Vec::new();
    support::shop_gen::write_shopify(&mut bytes, 60, 7).unwrap();
    fs::write(&shopify, bytes).unwrap();
    let woo = tmp.path().join("woo.json");
    let mut bytes = Vec::new();
    support::shop_gen::write_woocommerce(&mut bytes, 40, 7).unwrap();
    fs::write(&woo, bytes).unwrap();
    let (code, report) = convert(&[&shopify, &woo], &tmp.path().join("out"), &[]);
    assert_eq!(code, 0, "{:#?}", events(&report, "rejected"));
    assert_eq!(summary(&report)["invoices"], 100);
    let invoices = issued(&report);

    // A later run with a refund of every WooCommerce order, in batches of 7: the reader keeps at most one
    // batch of orders, so nearly every refund finds its order in the store.
    let refunds = tmp.path().join("refunds.json");
    let mut bytes = Vec::new();
    support::shop_gen::write_woocommerce_refunds(&mut bytes, 40).unwrap();
    fs::write(&refunds, bytes).unwrap();
    let (code, report) = convert(&[&refunds], &tmp.path().join("out"), &["--batch-size", "7"]);
    assert_eq!(code, 0, "{:#?}", events(&report, "rejected"));
    let credits = issued(&report);
    assert_eq!(credits.len(), 40);
    for (refund, number) in &credits {
        let order = refund.split("-refund-").next().unwrap();
        let invoice = &invoices.iter().find(|(o, _)| o == order).unwrap().1;
        let file = tmp
            .path()
            .join("out/archive/2026/06")
            .join(format!("{number}.xml"));
        assert_eq!(&credited_invoice(&file), invoice, "{refund}");
    }
    // 0 only when the referee is absent (reported as SKIPPED).
    let checked = support::assert_officially_valid(&tmp.path().join("out"));
    assert!(checked == 140 || checked == 0, "{checked}");
}

#[test]
fn skipped_orders_are_reported_in_text_and_do_not_fail_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = support::convert(&[
        "fixtures/shops/shopify/tax-included.csv",
        "--profile",
        PROFILE,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.contains(
        "skipped: fixtures/shops/shopify/tax-included.csv:row 9: order #1006: the payment was voided \
         (Financial Status); no invoice"
    ), "{stderr}");
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "6 invoices and 2 credit notes issued, 0 already issued, 0 rejected, 2 skipped;"
        ),
        "{stdout}"
    );
}

#[test]
fn a_woocommerce_refund_of_shipping_only_is_credited_as_a_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mut refunds: Value = serde_json::from_slice(&fixture("woocommerce/refunds.json")).unwrap();
    let refund = &mut refunds[0];
    refund["line_items"] = Value::Array(Vec::new());
    refund["amount"] = "11.88".into();
    refund["shipping_lines"] = serde_json::json!([{"id": 90, "method_title": "Flat rate", "method_id": "flat_rate",
        "total": "-9.90", "total_tax": "-1.98", "taxes": [{"id": 1, "total": "-1.98", "subtotal": ""}]}]);
    let dir = tmp.path().join("in");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("a-orders.json"),
        fixture("woocommerce/orders.json"),
    )
    .unwrap();
    fs::write(
        dir.join("b-refunds.json"),
        Value::Array(vec![refund.clone()]).to_string(),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, report) = convert(&[&dir], &out, &[]);
    assert_eq!(code, 0, "{report:#?}");
    assert_eq!(summary(&report)["credit_notes"], 1);
    let credit = support::xml_files(&out)
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("CN-"))
        .unwrap();
    let credit: String = fs::read_to_string(credit)
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(
        credit.contains("<cbc:TaxInclusiveAmountcurrencyID=\"EUR\">11.88</cbc:TaxInclusiveAmount>")
    );
    assert!(credit.contains("<cbc:Name>Flatrate</cbc:Name>"));
    support::assert_officially_valid(&out);
}

/// The invoice number a credit note file refers to (BT-25).
fn credited_invoice(credit_note: &Path) -> String {
    let text = fs::read_to_string(credit_note).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    doc.descendants()
        .find(|n| n.has_tag_name("InvoiceDocumentReference"))
        .and_then(|r| r.children().find(|c| c.has_tag_name("ID")))
        .and_then(|id| id.text())
        .unwrap_or_else(|| panic!("{} refers to no invoice", credit_note.display()))
        .to_owned()
}

#[test]
fn a_woocommerce_refund_of_an_order_converted_in_an_earlier_run_is_credited_against_its_invoice() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Run 1: the orders alone. Nothing in this run knows of refunds 601 and 602 but the orders' lists.
    let orders = support::root().join("fixtures/shops/woocommerce/orders.json");
    let (code, first) = convert(&[&orders], &out, &[]);
    assert_eq!(code, 0, "{first:#?}");
    let invoices = issued(&first);
    let invoice_of = |id: &str| invoices.iter().find(|(o, _)| o == id).unwrap().1.clone();

    // Run 2, a separate process on the same store: the refunds alone. Their buyer, currency and tax rates
    // come from the store.
    let refunds = support::root().join("fixtures/shops/woocommerce/refunds.json");
    let (code, second) = convert(&[&refunds], &out, &[]);
    assert_eq!(code, 0, "{second:#?}");
    let s = summary(&second);
    assert_eq!((&s["invoices"], &s["credit_notes"]), (&0.into(), &2.into()));
    let credits = issued(&second);
    assert_eq!(
        credits.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(),
        ["501-refund-601", "506-refund-602"]
    );
    for (order, (refund, number)) in ["501", "506"].into_iter().zip(&credits) {
        let file = out.join("archive/2026/11").join(format!("{number}.xml"));
        assert_eq!(credited_invoice(&file), invoice_of(order), "{refund}");
        // Byte for byte the credit note a single run over orders and refunds makes (the golden one).
        let golden = support::root()
            .join("fixtures/expected/shops/woocommerce")
            .join(format!("{number}.xml"));
        assert!(
            fs::read(&file).unwrap() == fs::read(&golden).unwrap(),
            "{} differs from {}",
            file.display(),
            golden.display()
        );
    }
    assert_eq!(support::assert_natively_valid(&out), 6);
    support::assert_officially_valid(&out);

    // Run 3: the same refunds again are recognised, not issued twice.
    let (code, third) = convert(&[&refunds], &out, &[]);
    assert_eq!(code, 0, "{third:#?}");
    assert_eq!(summary(&third)["existing"], 2);

    // A refund of an order this store never invoiced names what to do.
    let mut stray: Value = serde_json::from_slice(&fixture("woocommerce/refunds.json")).unwrap();
    stray[0]["_links"]["up"][0]["href"] = "https://shop.example/wp-json/wc/v3/orders/777".into();
    let file = tmp.path().join("stray.json");
    fs::write(&file, Value::Array(vec![stray[0].clone()]).to_string()).unwrap();
    let (code, report) = convert(&[&file], &out, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rejection(&report, "refund-601"),
        "line 1|_links.up|refund 601 of order id 777: a WooCommerce refund carries no buyer, currency or tax \
         rates, so ublflow takes them from the order, and order id 777 has no invoice on this store; convert the \
         order first: its export earlier in this run, or in an earlier run on the same store"
    );
}

#[test]
fn a_woocommerce_refund_finds_its_order_in_the_store_once_its_batch_is_committed() {
    // With one order per batch the reader keeps a single order in memory: the refunds of 501 and 506, read
    // after later orders, find theirs in the store, and the documents are those of the golden run.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dir = support::root().join("fixtures/shops/woocommerce");
    let (code, report) = convert(&[&dir], &out, &["--batch-size", "1"]);
    assert_eq!(code, 0, "{report:#?}");
    assert_eq!(summary(&report)["credit_notes"], 2);
    let produced = support::xml_files(&out);
    let expected = support::xml_files(&support::root().join("fixtures/expected/shops/woocommerce"));
    assert_eq!(produced.len(), expected.len());
    for (p, e) in produced.iter().zip(&expected) {
        assert!(
            fs::read(p).unwrap() == fs::read(e).unwrap(),
            "{}",
            p.display()
        );
    }
}

/// Refund data by key, as the store keeps it, counting look-ups.
#[derive(Default)]
struct Bases {
    kept: std::collections::HashMap<String, Vec<u8>>,
    lookups: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl ublflow::input::RefundBases for Bases {
    fn find(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.lookups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(self.kept.get(key).cloned())
    }
}

#[test]
fn the_reader_keeps_a_window_of_orders_for_refunds_however_long_the_export() {
    const ORDERS: usize = 3_000;
    const WINDOW: usize = 50;
    let profile = ublflow::config::Profile::load(&support::root().join(PROFILE)).unwrap();
    let mut export = Vec::new();
    support::shop_gen::write_woocommerce(&mut export, ORDERS, 3).unwrap();
    // Every order hands over its refund data; a store would keep it with the invoice.
    let mut kept = std::collections::HashMap::new();
    let mut reader = ublflow::input::Reader::new(None, &profile.shops);
    reader
        .read(Path::new("orders.json"), &export[..], &mut |item| {
            let base = item
                .unwrap()
                .refund_base
                .expect("a WooCommerce order's refund data");
            kept.insert(base.key, base.data);
        })
        .unwrap();
    assert_eq!(kept.len(), ORDERS);
    assert_eq!(
        reader.remembered(),
        ORDERS.min(ublflow::input::DEFAULT_REFUND_WINDOW)
    );

    let bases = Bases {
        kept,
        ..Bases::default()
    };
    let lookups = bases.lookups.clone();
    let mut reader = ublflow::input::Reader::new(None, &profile.shops)
        .with_refund_bases(Box::new(bases), WINDOW);
    let mut read = 0;
    reader
        .read(Path::new("orders.json"), &export[..], &mut |item| {
            item.unwrap();
            read += 1;
        })
        .unwrap();
    assert_eq!(read, ORDERS);
    // Flat: the last WINDOW orders, not all of them.
    assert_eq!(reader.remembered(), WINDOW);

    // A refund of the first order (long out of the window) is found through the look-up; one of the last
    // order comes from memory.
    let refund = |order: usize, id: usize| {
        serde_json::json!({"id": id, "date_created": "2026-06-30T10:00:00", "amount": "1.20", "reason": "",
            "line_items": [], "shipping_lines": [], "fee_lines": [],
            "_links": {"up": [{"href": format!("https://shop.example/wp-json/wc/v3/orders/{order}")}]}})
    };
    let refunds = Value::Array(vec![refund(10_000, 1), refund(10_000 + ORDERS - 1, 2)]).to_string();
    let mut credits = Vec::new();
    reader
        .read(Path::new("refunds.json"), refunds.as_bytes(), &mut |item| {
            credits.push(item.unwrap().order)
        })
        .unwrap();
    assert_eq!(lookups.load(std::sync::atomic::Ordering::Relaxed), 1);
    let refund_of: Vec<_> = credits
        .iter()
        .map(|c| c.refund_of.clone().unwrap())
        .collect();
    assert_eq!(refund_of, ["10000", &(10_000 + ORDERS - 1).to_string()]);
    assert_eq!(credits[0].buyer.email.as_deref(), Some("eva0@example.org"));
    assert_eq!(reader.remembered(), WINDOW);
}

#[test]
fn shopify_header_spellings_and_quoted_zip_codes_read_as_the_export_means_them() {
    // Shopify's column list spells `Canceled at`, headers may differ in case, and exports write zip codes
    // with a leading apostrophe ('5020) so that spreadsheets keep leading zeros. None of it changes a
    // document: the cancelled order #1005 is still skipped, and the documents are those of the plain file.
    let tmp = tempfile::tempdir().unwrap();
    let plain = fixture("shopify/tax-included.csv");
    let (code, report) = convert(
        &[&support::root().join("fixtures/shops/shopify/tax-included.csv")],
        &tmp.path().join("plain"),
        &[],
    );
    assert_eq!(code, 0, "{report:#?}");

    let text = String::from_utf8(plain).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let header = header
        .replace("Cancelled at", "Canceled at")
        .replace("Lineitem sku", "Lineitem SKU")
        .replace("Billing Zip", "billing zip");
    let spelled = format!("{header}\n{rows}").into_bytes();
    let quoted = set_cell(&spelled, 10, "billing zip", "'5020");
    let quoted = set_cell(&quoted, 10, "Shipping Zip", "'5020");
    let file = tmp.path().join("export.csv");
    fs::write(&file, quoted).unwrap();
    let (code, other) = convert(&[&file], &tmp.path().join("spelled"), &[]);
    assert_eq!(code, 0, "{other:#?}");
    assert!(events(&other, "skipped")
        .iter()
        .any(|v| v["order_id"] == "#1005"));
    assert_eq!(issued(&other), issued(&report));
    let (a, b) = (
        support::xml_files(&tmp.path().join("plain")),
        support::xml_files(&tmp.path().join("spelled")),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(
            fs::read(x).unwrap() == fs::read(y).unwrap(),
            "{}",
            y.display()
        );
    }
}

#[test]
fn invoices_issued_before_the_store_kept_refund_data_get_it_when_their_orders_come_again() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let orders = support::root().join("fixtures/shops/woocommerce/orders.json");
    let refunds = support::root().join("fixtures/shops/woocommerce/refunds.json");
    let (code, _) = convert(&[&orders], &out, &[]);
    assert_eq!(code, 0);
    // Make the store what an earlier ublflow left: schema version 1, no refund data, and the documents packed
    // with LZ4 alone (no packing column).
    let db = rusqlite::Connection::open(out.join("ublflow.db")).unwrap();
    db.execute_batch(
        "DROP TABLE refund_bases; ALTER TABLE documents DROP COLUMN packing; PRAGMA user_version = 1;",
    )
    .unwrap();
    let paths: Vec<(String, String)> = db
        .prepare("SELECT number, archive_path FROM documents")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (number, path) in &paths {
        let plain = lz4_flex::block::compress_prepend_size(&fs::read(out.join(path)).unwrap());
        db.execute(
            "UPDATE documents SET xml = ?1 WHERE number = ?2",
            rusqlite::params![plain, number],
        )
        .unwrap();
    }
    drop(db);

    // The refunds alone cannot be credited: nothing says what their orders were.
    let (code, report) = convert(&[&refunds], &out, &[]);
    assert_eq!(code, 1);
    assert!(rejection(&report, "refund-601").contains("order id 501 has no invoice on this store"));

    // The orders again (already issued, so nothing new) and then the refunds: now they are credited.
    let (code, report) = convert(&[&orders, &refunds], &out, &["--batch-size", "1"]);
    assert_eq!(code, 0, "{report:#?}");
    let s = summary(&report);
    assert_eq!((&s["existing"], &s["credit_notes"]), (&4.into(), &2.into()));
    let db = rusqlite::Connection::open(out.join("ublflow.db")).unwrap();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
    drop(db);

    // A document stored by the earlier ublflow is still read: its archive file comes back byte for byte.
    let (_, path) = &paths[0];
    let before = fs::read(out.join(path)).unwrap();
    fs::remove_file(out.join(path)).unwrap();
    let (code, _) = convert(&[&orders], &out, &[]);
    assert_eq!(code, 0);
    assert!(fs::read(out.join(path)).unwrap() == before, "{path}");
}

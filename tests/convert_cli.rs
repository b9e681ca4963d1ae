//! End-to-end tests of `ublflow convert`: exit codes, error reports, idempotence and numbering.

mod support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

const PROFILE: &str = "fixtures/profile.toml";

fn order(id: &str, qty: &str) -> String {
    format!(
        r#"{{"order_id": "{id}", "order_date": "2026-05-04", "buyer": {{"company": "Bergsport KG", "vat_id": "ATU98765431",
        "endpoint_id": "4006381333931", "endpoint_scheme": "0088", "address": {{"city": "Graz", "country": "AT"}}}},
        "lines": [{{"description": "Tent", "quantity": {qty}, "unit_price": "100.00"}}]}}"#
    )
}

fn run(inputs: &[&Path], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&str> = inputs.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend(["--profile", PROFILE, "--out", out.to_str().unwrap()]);
    args.extend(extra);
    support::convert(&args)
}

fn archived_numbers(out: &Path) -> Vec<String> {
    support::xml_files(&out.join("archive"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn bad_orders_are_reported_with_file_position_and_field_and_the_rest_converts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // JSON Lines: good, negative quantity, unknown currency, good.
    let jsonl = d.join("a.jsonl");
    let bad_currency =
        order("A-3", "1").replace("\"order_date\"", "\"currency\": \"EURO\", \"order_date\"");
    fs::write(
        &jsonl,
        [
            order("A-1", "1"),
            order("A-2", "-2"),
            bad_currency,
            order("A-4", "3"),
        ]
        .map(|o| o.replace('\n', " "))
        .join("\n"),
    )
    .unwrap();
    // CSV: a line row with a bad decimal in its second line.
    let csv = d.join("b.csv");
    fs::write(
        &csv,
        "order_id,order_date,buyer_company,buyer_vat_id,buyer_endpoint_id,buyer_endpoint_scheme,buyer_country,line_description,line_quantity,line_unit_price\n\
         B-1,2026-05-04,Bergsport KG,ATU98765431,4006381333931,0088,AT,Tent,1,100.00\n\
         B-2,2026-05-04,Bergsport KG,ATU98765431,4006381333931,0088,AT,Tent,1,100.00\n\
         B-2,,,,,,,Stove,1,\"12,50\"\n\
         B-3,2026-05-04,Bergsport KG,ATU98765431,4006381333931,0088,AT,Stove,2,12.50\n",
    )
    .unwrap();
    // Malformed JSON, a non-UTF-8 CSV, a semicolon CSV and a CSV missing a required column.
    fs::write(d.join("c.json"), "[{\"order_id\": \"C-1\", ").unwrap();
    let mut latin1 = b"order_id,order_date,buyer_company,buyer_vat_id,buyer_endpoint_id,buyer_endpoint_scheme,buyer_country,line_description,line_quantity,line_unit_price\n".to_vec();
    latin1.extend(b"D-1,2026-05-04,M\xfcller KG,ATU98765431,4006381333931,0088,AT,Tent,1,100.00\n");
    fs::write(d.join("d.csv"), latin1).unwrap();
    fs::write(
        d.join("e.csv"),
        "order_id;order_date;line_description\n1;2026-05-04;x\n",
    )
    .unwrap();
    fs::write(
        d.join("f.csv"),
        "order_id,order_date,line_description\n1,2026-05-04,x\n",
    )
    .unwrap();

    let out = d.join("out");
    let inputs: Vec<_> = ["a.jsonl", "b.csv", "c.json", "d.csv", "e.csv", "f.csv"]
        .map(|n| d.join(n))
        .to_vec();
    let refs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
    let r = run(&refs, &out, &[]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(
        r.status.code(),
        Some(1),
        "some orders were rejected: {stderr}"
    );
    let expect = [
        "a.jsonl:line 2: order A-2: field lines[0].quantity: -2 must be positive in a sale",
        "a.jsonl:line 3: order A-3: field currency: \"EURO\" is not an ISO 4217 currency code",
        "b.csv:row 4: order B-2: field line_unit_price: \"12,50\" is not a decimal number",
        "c.json:line 1",
        "d.csv:row 2: order D-1: field buyer_company: not valid UTF-8",
        "e.csv:row 1: unknown column \"order_id;order_date;line_description\" (the file looks delimited by ';'",
        "f.csv:row 1: missing required column \"line_quantity\"",
    ];
    for e in expect {
        assert!(stderr.contains(e), "stderr lacks {e:?}:\n{stderr}");
    }
    // Good orders converted, numbered in input order without gaps: A-1, A-4, B-1, B-3.
    let numbers = archived_numbers(&out);
    assert_eq!(
        numbers,
        [
            "INV-2026-000001",
            "INV-2026-000002",
            "INV-2026-000003",
            "INV-2026-000004"
        ]
    );
    let a4 = fs::read_to_string(out.join("archive/2026/05/INV-2026-000002.xml")).unwrap();
    assert!(a4.contains("<cbc:SalesOrderID>A-4</cbc:SalesOrderID>"));
    support::assert_officially_valid(&out.join("archive"));
}

#[test]
fn converting_again_returns_existing_documents_and_changed_orders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("o.jsonl");
    fs::write(
        &input,
        format!("{}\n{}", order("X-1", "1"), order("X-2", "2")).replace(",\n        ", ", "),
    )
    .unwrap();
    let out = dir.path().join("out");
    let first = run(&[&input], &out, &["--format", "json"]);
    assert_eq!(first.status.code(), Some(0));
    let before = archived_numbers(&out);
    assert_eq!(before.len(), 2);

    let second = run(&[&input], &out, &["--format", "json"]);
    assert_eq!(second.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&second.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "two documents and a summary");
    assert!(lines[..2]
        .iter()
        .all(|l| l["event"] == "document" && l["existing"] == true));
    assert_eq!(lines[0]["number"], "INV-2026-000001");
    assert_eq!(lines[2]["event"], "summary");
    assert_eq!(lines[2]["invoices"], 0);
    assert_eq!(lines[2]["existing"], 2);
    assert_eq!(
        lines[2]["recovered"], 0,
        "the first run marked its files archived"
    );
    assert_eq!(archived_numbers(&out), before, "no new number");

    // A deleted archive file comes back from the store.
    let one = out.join("archive/2026/05/INV-2026-000001.xml");
    let bytes = fs::read(&one).unwrap();
    fs::remove_file(&one).unwrap();
    assert_eq!(run(&[&input], &out, &[]).status.code(), Some(0));
    assert_eq!(fs::read(&one).unwrap(), bytes);

    // The same order id with other content is refused, not invoiced again.
    let changed = dir.path().join("changed.json");
    fs::write(&changed, order("X-1", "5")).unwrap();
    let r = run(&[&changed], &out, &[]);
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("already converted into INV-2026-000001 with different content"),
        "{stderr}"
    );
    assert_eq!(archived_numbers(&out), before);
}

/// The archiver hands the documents it flushed back to the committing side, which marks them archived with its
/// next batch or at the end: after a run of many batches the store holds nothing unarchived, so the next run
/// restores nothing and `send` can deliver every document.
#[test]
fn every_batch_is_marked_archived_by_the_end_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("o.jsonl");
    let orders: Vec<String> = (1..=7)
        .map(|i| order(&format!("M-{i}"), "1").replace(",\n        ", ", "))
        .collect();
    fs::write(&input, orders.join("\n")).unwrap();
    let out = dir.path().join("out");
    let first = run(&[&input], &out, &["--batch-size", "2"]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert_eq!(archived_numbers(&out).len(), 7);
    let store = rusqlite::Connection::open(out.join("ublflow.db")).unwrap();
    let unarchived: i64 = store
        .query_row("SELECT count(*) FROM unarchived", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unarchived, 0);
}

#[test]
fn a_refund_of_an_order_never_invoiced_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("r.json");
    let refund = order("R-9", "1").replace(
        "\"order_id\": \"R-9\",",
        "\"order_id\": \"R-9\", \"kind\": \"refund\", \"refund_of\": \"NOPE-1\",",
    );
    fs::write(&input, refund).unwrap();
    let out = dir.path().join("out");
    let r = run(&[&input], &out, &[]);
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("field refund_of: order \"NOPE-1\" was never invoiced"),
        "{stderr}"
    );
    assert!(archived_numbers(&out).is_empty());
}

#[test]
fn reads_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = support::ublflow()
        .args([
            "convert",
            "-",
            "--profile",
            PROFILE,
            "--out",
            out.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(order("S-1", "1").as_bytes())
        .unwrap();
    let r = child.wait_with_output().unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(archived_numbers(&out), ["INV-2026-000001"]);
}

#[test]
fn cannot_run_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = run(&[&dir.path().join("missing.csv")], &out, &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("missing.csv: no such file or folder"));

    let profile = dir.path().join("p.toml");
    fs::write(
        &profile,
        fs::read_to_string(PROFILE)
            .unwrap()
            .replace("[numbering]", "[numbering]\ncolour = \"red\""),
    )
    .unwrap();
    let r = support::convert(&[
        "fixtures/orders",
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("unknown field `colour`"));
}

#[test]
fn refunds_cannot_exceed_the_invoice() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("r.jsonl");
    let refund = |id: &str, qty: &str| {
        order(id, qty).replace(
            &format!("\"order_id\": \"{id}\","),
            &format!("\"order_id\": \"{id}\", \"kind\": \"refund\", \"refund_of\": \"T-1\","),
        )
    };
    let lines = [
        order("T-1", "3"),
        refund("T-1-R1", "2"),
        refund("T-1-R2", "2"),
        refund("T-1-R3", "1"),
    ]
    .map(|o| o.replace('\n', " "))
    .join("\n");
    fs::write(&input, lines).unwrap();
    let out = dir.path().join("out");
    let r = run(&[&input], &out, &[]);
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains("order T-1-R2: field lines: this refund of 240.00 would bring the credit notes against INV-2026-000001 to 480.00 while the invoice totals 360.00"), "{stderr}");
    // The first and third refunds fit: two credit notes, numbered without a gap.
    assert_eq!(
        archived_numbers(&out),
        ["CN-2026-000001", "CN-2026-000002", "INV-2026-000001"]
    );
    support::assert_officially_valid(&out.join("archive"));
}

#[test]
fn a_document_the_rules_reject_is_not_issued_and_takes_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("v.jsonl");
    let bad_unit = order("V-2", "1").replace(
        "\"quantity\": 1,",
        "\"quantity\": 1, \"unit_code\": \"BOX-OF-7\",",
    );
    let bad_scheme = order("V-3", "1").replace(
        "\"endpoint_scheme\": \"0088\"",
        "\"endpoint_scheme\": \"9999\"",
    );
    let lines = [order("V-1", "1"), bad_unit, bad_scheme, order("V-4", "2")]
        .map(|o| o.replace('\n', " "))
        .join("\n");
    fs::write(&input, lines).unwrap();
    let out = dir.path().join("out");
    let r = run(&[&input], &out, &[]);
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("order V-2: field /Invoice/cac:InvoiceLine/cbc:InvoicedQuantity"),
        "{stderr}"
    );
    assert!(stderr.contains("BR-CL-23"), "{stderr}");
    assert!(stderr.contains("PEPPOL-EN16931-CL008"), "{stderr}");
    assert!(
        stderr.contains(
            "order V-3: field /Invoice/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
        ),
        "{stderr}"
    );
    assert_eq!(
        archived_numbers(&out),
        ["INV-2026-000001", "INV-2026-000002"]
    );
    let second = fs::read_to_string(out.join("archive/2026/05/INV-2026-000002.xml")).unwrap();
    assert!(second.contains("<cbc:SalesOrderID>V-4</cbc:SalesOrderID>"));
}

#[test]
fn a_large_input_read_ahead_on_its_own_thread_keeps_input_order_and_reports_bad_orders() {
    // Over 1 MiB, so the orders are read and built on a reader thread while earlier batches are committed.
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = support::gen::orders_jsonl("L", 2500, 3, 11)
        .lines()
        .map(str::to_owned)
        .collect();
    // One bad order in the middle of a later batch.
    lines[1234] = order("L-BAD", "-1").replace('\n', " ");
    let input = dir.path().join("large.jsonl");
    fs::write(&input, lines.join("\n")).unwrap();
    assert!(
        fs::metadata(&input).unwrap().len() > 1 << 20,
        "large enough"
    );
    let out = dir.path().join("out");
    let o = run(
        &[&input],
        &out,
        &["--batch-size", "100", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rejected: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "rejected").collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["order_id"], "L-BAD");
    assert_eq!(rejected[0]["position"], "line 1235");
    // Numbers follow input order, without gaps.
    let documents: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "document").collect();
    assert_eq!(documents.len(), 2499);
    let expected_ids: Vec<String> = lines
        .iter()
        .filter(|l| !l.contains("L-BAD"))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["order_id"].to_string())
        .collect();
    for (i, (d, id)) in documents.iter().zip(&expected_ids).enumerate() {
        assert_eq!(d["number"], format!("INV-2026-{:06}", i + 1));
        assert_eq!(d["order_id"].to_string(), *id);
    }
    assert_eq!(archived_numbers(&out).len(), 2499);
}

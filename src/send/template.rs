//! Subject and body templates, filled from the archived document's own XML (never from an `Invoice`).

use std::collections::BTreeMap;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 13] = [
    "number",
    "kind",
    "issue_date",
    "due_date",
    "amount_due",
    "currency",
    "payment_means",
    "payment_reference",
    "iban",
    "terms",
    "early_payment",
    "buyer",
    "seller",
];

/// Checks that a template uses only known placeholders and balanced braces (`{{` and `}}` write braces).
pub fn check(template: &str) -> Result<(), String> {
    render(template, &BTreeMap::new()).map(|_| ())
}

/// Fills a template; unknown placeholders are an error. Missing values are written as `-`.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err("unbalanced '}' (write '}}' for a brace)".into());
        }
        let Some(end) = tail.find('}') else {
            return Err("unclosed '{' (write '{{' for a brace)".into());
        };
        let name = &tail[1..end];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}}; known: {}",
                PLACEHOLDERS.join(", ")
            ));
        }
        out.push_str(values.get(name).map_or("-", String::as_str));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Reads the values of the placeholders from a UBL invoice or credit note.
pub fn facts(
    xml: &[u8],
    early_payment: Option<&str>,
) -> Result<BTreeMap<&'static str, String>, String> {
    let text = std::str::from_utf8(xml).map_err(|_| "the archived document is not UTF-8")?;
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| format!("the archived document does not parse: {e}"))?;
    let root = doc.root_element();
    let path = |names: &[&str]| -> Option<String> {
        let mut n = root;
        for name in names {
            n = n.children().find(|c| c.tag_name().name() == *name)?;
        }
        n.text().map(str::to_owned)
    };
    let mut v = BTreeMap::new();
    let mut put = |k: &'static str, val: Option<String>| {
        if let Some(val) = val.filter(|s| !s.trim().is_empty()) {
            v.insert(k, val);
        }
    };
    put(
        "kind",
        Some(match root.tag_name().name() {
            "CreditNote" => "credit note".to_owned(),
            _ => "invoice".to_owned(),
        }),
    );
    put("number", path(&["ID"]));
    put("issue_date", path(&["IssueDate"]));
    put(
        "due_date",
        path(&["DueDate"]).or_else(|| path(&["PaymentMeans", "PaymentDueDate"])),
    );
    put("amount_due", path(&["LegalMonetaryTotal", "PayableAmount"]));
    put("currency", path(&["DocumentCurrencyCode"]));
    put(
        "payment_means",
        path(&["PaymentMeans", "PaymentMeansCode"]).map(|c| means(&c)),
    );
    put("payment_reference", path(&["PaymentMeans", "PaymentID"]));
    put(
        "iban",
        path(&["PaymentMeans", "PayeeFinancialAccount", "ID"]),
    );
    put("terms", path(&["PaymentTerms", "Note"]));
    put("early_payment", early_payment.map(str::to_owned));
    for (key, party) in [
        ("buyer", "AccountingCustomerParty"),
        ("seller", "AccountingSupplierParty"),
    ] {
        put(
            key,
            path(&[party, "Party", "PartyLegalEntity", "RegistrationName"]),
        );
    }
    Ok(v)
}

/// Words for a UNCL 4461 payment means code.
fn means(code: &str) -> String {
    match code {
        "1" => "instrument not defined".into(),
        "10" => "cash".into(),
        "30" => "credit transfer".into(),
        "31" => "debit transfer".into(),
        "48" => "card payment".into(),
        "49" => "direct debit".into(),
        "57" => "standing agreement".into(),
        "58" => "SEPA credit transfer".into(),
        "59" => "SEPA direct debit".into(),
        "68" => "online payment service".into(),
        other => format!("payment means {other}"),
    }
}

/// Replaces control characters (CR, LF, tabs...) by spaces, for text that goes into a header.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_braces_and_errors() {
        let mut v = BTreeMap::new();
        v.insert("number", "INV-1".to_owned());
        assert_eq!(
            render("{{x}} {number} {due_date}", &v).unwrap(),
            "{x} INV-1 -"
        );
        assert!(render("{nope}", &v)
            .unwrap_err()
            .contains("unknown placeholder {nope}"));
        assert!(render("{number", &v).is_err());
        assert!(render("number}", &v).is_err());
    }

    #[test]
    fn one_line_removes_line_breaks() {
        assert_eq!(one_line("a\r\nBcc: x"), "a  Bcc: x");
    }
}

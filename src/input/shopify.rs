//! Shopify's order CSV export ("Orders > Export" in the Shopify admin).
//!
//! One row per line item; the rows of an order are next to each other and share its `Name` (`#1001`), and
//! only the first row carries the order-level columns (totals, addresses, taxes). Columns are found by their
//! header names, so their order does not matter and columns ublflow does not use are ignored.
//!
//! Mapping (documented in the README): `Name` is the order id; the date part of `Created at` is the issue
//! date; `Total` is what the shop charged. Shopify does not say which tax rate a line carries: with one rate
//! in `Tax 1..5 Name` every taxed line takes it; with several, every line needs a `[shops.skus]` entry, or the
//! order is rejected.

use super::cells::{self, CellResult, Grouping, Header, Keyed, Row};
use super::shop::{self, Vat};
use super::{
    InputError, OrderKind, PaymentStatus, Position, RawAddress, RawCharge, RawDelivery, RawLine,
    RawOrder, ReadItem, Record,
};
use crate::config::Shops;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Every column ublflow reads, spelled as in the export's header row.
const COLUMNS: &[&str] = &[
    "Name",
    "Email",
    "Phone",
    "Financial Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Lineitem taxable",
    "Lineitem discount",
    "Billing Name",
    "Billing Company",
    "Billing Phone",
    "Shipping Name",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Reference",
    "Payment ID",
    "Refunded Amount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
];

/// The name ublflow reads a header name as: names are compared without regard to case (`Lineitem SKU`), and
/// the spellings Shopify's own column list uses for two of them (`Canceled at`, `Payment Reference
/// (deprecated)`) stand for the names exports carry.
fn canonical(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("Canceled at") {
        return Some("Cancelled at");
    }
    if name.eq_ignore_ascii_case("Payment Reference (deprecated)") {
        return Some("Payment Reference");
    }
    COLUMNS
        .iter()
        .find(|c| c.eq_ignore_ascii_case(name))
        .copied()
}

/// Columns without which no order can be read.
const REQUIRED: &[&str] = &[
    "Name",
    "Created at",
    "Currency",
    "Financial Status",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
];

/// Whether the first line of an input is a Shopify order export header.
pub(super) fn is_header(head: &[u8]) -> bool {
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let has = |name: &[u8]| first.windows(name.len()).any(|w| w == name);
    has(b"Name") && has(b"Financial Status") && has(b"Lineitem quantity")
}

/// What Shopify's export reads from a row beyond text and decimals.
trait ShopifyCells {
    fn money(&self, name: &'static str) -> CellResult<Decimal>;
    fn date(&self, name: &'static str) -> CellResult<Option<NaiveDate>>;
    fn is_order_row(&self) -> bool;
}

impl ShopifyCells for Row<'_> {
    /// An amount; an empty cell is zero.
    fn money(&self, name: &'static str) -> CellResult<Decimal> {
        Ok(self.decimal(name)?.unwrap_or_default())
    }

    /// A Shopify time stamp (`2026-11-12 14:03:27 +0100`): its date as written.
    fn date(&self, name: &'static str) -> CellResult<Option<NaiveDate>> {
        match self.text(name)? {
            None => Ok(None),
            Some(t) => t
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(Some)
                .ok_or((
                    name,
                    format!("{t:?} is not a Shopify date (2026-11-12 14:03:27 +0100)"),
                )),
        }
    }

    /// Whether this row carries the order-level columns (the first row of an order does).
    fn is_order_row(&self) -> bool {
        ["Financial Status", "Total", "Currency"]
            .iter()
            .any(|c| self.text(c).ok().flatten().is_some())
    }
}

/// An order being assembled from its rows.
struct Group {
    name: String,
    first_row: u64,
    order_row: Option<OrderRow>,
    lines: Vec<(u64, RawLine, bool)>,
    line_rows: Vec<u64>,
    error: Option<InputError>,
}

/// The order-level fields of an order's first row.
struct OrderRow {
    order: RawOrder,
    status: String,
    cancelled: Option<String>,
    subtotal: Decimal,
    shipping: Decimal,
    taxes: Decimal,
    total: Decimal,
    discount: Decimal,
    discount_code: Option<String>,
    refunded: Decimal,
    rates: BTreeSet<Decimal>,
    /// `Note Attributes`: `key: value` lines.
    attributes: Vec<(String, String)>,
}

pub(super) fn read<R: Read>(
    file: Arc<Path>,
    reader: std::io::BufReader<R>,
    shops: &Shops,
    sink: &mut dyn FnMut(ReadItem),
) {
    let mut csv = cells::open(reader);
    let file_error = |row: u64, field: Option<&str>, message: String| {
        shop::error(&file, Position::Row(row), None, field, message)
    };
    let header = match Header::read(&mut csv, canonical) {
        Ok(h) => h,
        Err(e) => return sink(Err(file_error(1, None, e.to_string()))),
    };
    for required in REQUIRED {
        if header.index(required).is_none() {
            let hint = if header.names().len() == 1 {
                " (the file does not look comma-separated; Shopify exports use ',')"
            } else {
                ""
            };
            return sink(Err(file_error(
                1,
                Some(required),
                format!(
                    "missing column {required:?}{hint}; this is not a complete Shopify order export"
                ),
            )));
        }
    }
    let keyed = Keyed {
        header: &header,
        key: "Name",
        no_key: "the order name is empty or not UTF-8",
        utf8_hint: "Shopify exports UTF-8; was the file re-saved in another encoding?",
    };
    let mut orders = Orders {
        file: &file,
        shops,
        sink,
    };
    cells::group_rows(&mut csv, &keyed, &mut orders);
}

/// Orders (and their credit notes) of a Shopify export, handed to `sink`.
struct Orders<'a> {
    file: &'a Arc<Path>,
    shops: &'a Shops,
    sink: &'a mut dyn FnMut(ReadItem),
}

impl Grouping for Orders<'_> {
    type Group = Group;

    fn key(group: &Group) -> &str {
        &group.name
    }

    fn start(&mut self, key: String, row: u64, cells: &Row) -> Group {
        start(self.file, cells, key, row)
    }

    fn add(&mut self, g: &mut Group, row: u64, cells: &Row) {
        g.line_rows.push(row);
        match read_line(cells) {
            Ok((line, taxable)) => g.lines.push((row, line, taxable)),
            Err((column, message)) => {
                if g.error.is_none() {
                    g.error = Some(shop::error(
                        self.file,
                        Position::Row(row),
                        Some(&g.name),
                        Some(column),
                        message,
                    ));
                }
            }
        }
    }

    fn finish(&mut self, group: Group) {
        finish(self.file, group, self.shops, self.sink);
    }

    fn fail(&mut self, row: u64, column: Option<&'static str>, message: String) {
        (self.sink)(Err(shop::error(
            self.file,
            Position::Row(row),
            None,
            column,
            message,
        )));
    }
}

/// Starts an order at its first row, which must carry the order-level columns.
fn start(file: &Path, cells: &Row, name: String, row: u64) -> Group {
    let mut group = Group {
        name,
        first_row: row,
        order_row: None,
        lines: Vec::new(),
        line_rows: Vec::new(),
        error: None,
    };
    if !cells.is_order_row() {
        group.error = Some(shop::error(
            file,
            Position::Row(row),
            Some(&group.name),
            Some("Financial Status"),
            "a line item row without its order's first row (Financial Status, Currency and Total are empty); \
             the export was cut or its rows were reordered",
        ));
        return group;
    }
    match order_row(cells, &group.name) {
        Ok(o) => group.order_row = Some(o),
        Err((column, message)) => {
            group.error = Some(shop::error(
                file,
                Position::Row(row),
                Some(&group.name),
                Some(column),
                message,
            ))
        }
    }
    group
}

fn order_row(c: &Row, name: &str) -> CellResult<OrderRow> {
    let date = c
        .date("Created at")?
        .ok_or(("Created at", "is empty".to_string()))?;
    let mut order = RawOrder::empty(name.to_owned(), date);
    order.currency = c.text("Currency")?;
    order.note = c.text("Notes")?;
    let billing = address(c, "Billing")?;
    order.buyer.name = c.text("Billing Name")?;
    order.buyer.company = c.text("Billing Company")?;
    order.buyer.email = c.text("Email")?;
    order.buyer.phone = match c.text("Billing Phone")? {
        Some(p) => Some(p),
        None => c.text("Phone")?,
    };
    order.buyer.address = billing;
    let shipping_address = address(c, "Shipping")?;
    if shipping_address.country.is_some()
        && !shop::same_address(&shipping_address, &order.buyer.address)
    {
        order.delivery = Some(RawDelivery {
            name: c.text("Shipping Name")?,
            date: None,
            address: Some(shipping_address),
        });
    }
    order.payment.reference = match c.text("Payment Reference")? {
        Some(r) => Some(r),
        None => c.text("Payment ID")?,
    };
    let mut rates = BTreeSet::new();
    for (name_col, value_col) in TAX_COLUMNS {
        let Some(tax_name) = c.text(name_col)? else {
            continue;
        };
        let value = c.money(value_col)?;
        let rate = rate_of(&tax_name).ok_or((
            name_col,
            format!(
                "{tax_name:?} does not end in a rate such as 20%; ublflow reads the rate from the tax name"
            ),
        ))?;
        if !value.is_zero() {
            rates.insert(rate);
        }
    }
    Ok(OrderRow {
        order,
        status: c
            .text("Financial Status")?
            .unwrap_or_default()
            .to_ascii_lowercase(),
        cancelled: c.text("Cancelled at")?,
        subtotal: c.money("Subtotal")?,
        shipping: c.money("Shipping")?,
        taxes: c.money("Taxes")?,
        total: c.money("Total")?,
        discount: c.money("Discount Amount")?,
        discount_code: c.text("Discount Code")?,
        refunded: c.money("Refunded Amount")?,
        rates,
        attributes: c
            .text("Note Attributes")?
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    })
}

const TAX_COLUMNS: [(&str, &str); 5] = [
    ("Tax 1 Name", "Tax 1 Value"),
    ("Tax 2 Name", "Tax 2 Value"),
    ("Tax 3 Name", "Tax 3 Value"),
    ("Tax 4 Name", "Tax 4 Value"),
    ("Tax 5 Name", "Tax 5 Value"),
];

/// The rate at the end of a tax name such as `AT VAT 20%` or `MwSt 7.7%`.
fn rate_of(name: &str) -> Option<Decimal> {
    let last = name.split_whitespace().last()?;
    let rate: Decimal = last.strip_suffix('%')?.replace(',', ".").parse().ok()?;
    (rate >= Decimal::ZERO && rate < Decimal::ONE_HUNDRED).then(|| rate.normalize())
}

fn address(c: &Row, prefix: &str) -> CellResult<RawAddress> {
    let col = |suffix: &str| -> &'static str {
        COLUMNS
            .iter()
            .find(|n| n.strip_prefix(prefix).and_then(|r| r.strip_prefix(' ')) == Some(suffix))
            .expect("a known address column")
    };
    let street = match c.text(col("Address1"))? {
        Some(s) => Some(s),
        None => c.text(col("Street"))?,
    };
    Ok(RawAddress {
        street,
        additional_street: c.text(col("Address2"))?,
        city: c.text(col("City"))?,
        // Shopify writes zip codes as '01067, so that spreadsheets keep their leading zeros.
        postal_code: c
            .text(col("Zip"))?
            .map(|z| z.strip_prefix('\'').unwrap_or(&z).trim().to_owned())
            .filter(|z| !z.is_empty()),
        region: c.text(col("Province"))?,
        country: c.text(col("Country"))?,
    })
}

/// One line item row: the line and whether Shopify charges tax on it (`Lineitem taxable`).
fn read_line(c: &Row) -> CellResult<(RawLine, bool)> {
    let taxable = match c.text("Lineitem taxable")?.map(|t| t.to_ascii_lowercase()) {
        None => true,
        Some(t) if t == "true" => true,
        Some(t) if t == "false" => false,
        Some(t) => return Err(("Lineitem taxable", format!("{t:?} is not true or false"))),
    };
    let quantity = c
        .decimal("Lineitem quantity")?
        .ok_or(("Lineitem quantity", "is empty".to_string()))?;
    let price = c
        .decimal("Lineitem price")?
        .ok_or(("Lineitem price", "is empty".to_string()))?;
    let discount = c.decimal("Lineitem discount")?.filter(|d| !d.is_zero());
    Ok((
        RawLine {
            sku: c.text("Lineitem sku")?,
            description: c.text("Lineitem name")?,
            quantity: Some(quantity),
            unit_price: Some(price),
            discount,
            ..RawLine::default()
        },
        taxable,
    ))
}

/// Turns a complete group into its records: the invoice, and a credit note where the order was refunded.
fn finish(file: &Arc<Path>, g: Group, shops: &Shops, sink: &mut dyn FnMut(ReadItem)) {
    if let Some(e) = g.error {
        return sink(Err(e));
    }
    let o = g
        .order_row
        .expect("a group without error has its order row");
    let at = Position::Row(g.first_row);
    let fail = |field: &str, message: String| {
        Err(shop::error(
            file,
            at.clone(),
            Some(&g.name),
            Some(field),
            message,
        ))
    };
    if let Some(when) = &o.cancelled {
        return sink(Err(shop::skipped(
            file,
            at,
            &g.name,
            "Cancelled at",
            format!("the order was cancelled ({when}); no invoice"),
        )));
    }
    let (paid, refund) = match o.status.as_str() {
        "paid" => (true, false),
        "pending" | "authorized" => (false, false),
        "refunded" | "partially_refunded" => (true, true),
        "voided" | "expired" => {
            return sink(Err(shop::skipped(
                file,
                at,
                &g.name,
                "Financial Status",
                format!("the payment was {} (Financial Status); no invoice", o.status),
            )))
        }
        "partially_paid" => {
            return sink(fail(
                "Financial Status",
                "partially_paid: the export does not say how much was paid; convert the order once it is paid".into(),
            ))
        }
        other => {
            return sink(fail(
                "Financial Status",
                format!("{other:?} is not a Shopify financial status ublflow knows (paid, pending, authorized, refunded, partially_refunded, voided, expired)"),
            ))
        }
    };
    let mut order = o.order.clone();
    order.payment.status = if paid {
        PaymentStatus::Paid
    } else {
        PaymentStatus::Unpaid
    };
    match map_order(&mut order, &o, &g.lines, shops) {
        Ok(()) => {}
        Err((row, field, message)) => {
            return sink(Err(shop::error(
                file,
                Position::Row(row.unwrap_or(g.first_row)),
                Some(&g.name),
                Some(field),
                message,
            )))
        }
    }
    let record = |order: RawOrder| Record {
        order,
        file: file.clone(),
        position: at.clone(),
        line_rows: g.line_rows.clone(),
        format: super::Format::Shopify,
        refund_base: None,
    };
    let credit = refund.then(|| refund_order(&order, &o));
    sink(Ok(record(order)));
    match credit {
        None => {}
        Some(Ok((credit, true))) => sink(Ok(record(credit))),
        Some(Ok((credit, false))) => sink(Ok(Record {
            line_rows: vec![g.first_row],
            ..record(credit)
        })),
        Some(Err((message, settled_by))) => {
            sink(fail("Refunded Amount", message).map_err(|e| InputError {
                settled_by: settled_by.map(Box::new),
                ..e
            }))
        }
    }
}

type MapError = (Option<u64>, &'static str, String);

/// Fills in prices, VAT, shipping and discounts from the order row and the line rows.
fn map_order(
    order: &mut RawOrder,
    o: &OrderRow,
    lines: &[(u64, RawLine, bool)],
    shops: &Shops,
) -> Result<(), MapError> {
    let goods: Decimal = lines
        .iter()
        .map(|(_, l, _)| l.quantity.unwrap_or_default() * l.unit_price.unwrap_or_default())
        .sum();
    let line_discounts: Decimal = lines
        .iter()
        .map(|(_, l, _)| l.discount.unwrap_or_default())
        .sum();
    // Discount Amount either includes the line discounts or comes on top of them; the subtotal tells which.
    let order_discount = if goods - o.discount == o.subtotal && o.discount >= line_discounts {
        o.discount - line_discounts
    } else if goods - line_discounts - o.discount == o.subtotal {
        o.discount
    } else {
        return Err((
            None,
            "Subtotal",
            format!(
                "the line items ({goods}) less the discounts ({} on lines, Discount Amount {}) do not come to the \
                 Subtotal {}; the export does not add up",
                line_discounts, o.discount, o.subtotal
            ),
        ));
    };
    let gross = match shops.shopify_prices_include_tax {
        Some(g) => g,
        None if o.subtotal + o.shipping + o.taxes == o.total => false,
        None if o.subtotal + o.shipping == o.total => true,
        None => {
            return Err((
                None,
                "Total",
                format!(
                    "the Total {} is neither Subtotal + Shipping + Taxes ({}, prices without tax) nor Subtotal + \
                     Shipping ({}, prices with tax); the order has amounts the export does not itemise (such as \
                     duties or tips)",
                    o.total,
                    o.subtotal + o.shipping + o.taxes,
                    o.subtotal + o.shipping
                ),
            ))
        }
    };
    order.prices_include_vat = gross;
    order.charged_total = Some(o.total);
    let attribute = |keys: &[String]| {
        keys.iter()
            .find_map(|k| o.attributes.iter().find(|(key, _)| key == k))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    order.buyer.vat_id = attribute(&shops.vat_id_keys);
    if let Some(value) = attribute(&shops.endpoint_keys) {
        let (scheme, id) = shop::endpoint(&value).map_err(|m| (None, "Note Attributes", m))?;
        order.buyer.endpoint_scheme = Some(scheme);
        order.buyer.endpoint_id = Some(id);
    }
    shop::classify(&mut order.buyer, &shops.endpoint_keys)
        .map_err(|m| (None, "Billing Company", m))?;
    for (row, line, taxable) in lines {
        let mut line = line.clone();
        let vat = match shop::sku_vat(shops, line.sku.as_deref()) {
            Some(v) => v,
            None if !taxable || o.rates.is_empty() => {
                let what = if *taxable {
                    "this order".to_string()
                } else {
                    "this line (Lineitem taxable is false)".to_string()
                };
                shop::untaxed_vat(shops, &what)
                    .map_err(|m| (Some(*row), "Lineitem taxable", m))?
            }
            None if o.rates.len() == 1 => {
                Vat::standard(o.rates.first().copied().unwrap_or_default())
            }
            None => {
                return Err((
                    Some(*row),
                    "Lineitem sku",
                    format!(
                        "the order has taxes at {} and Shopify's export does not say which line carries which \
                         rate; give SKU {:?} its VAT in the profile's [shops.skus] table",
                        o.rates
                            .iter()
                            .map(|r| format!("{r}%"))
                            .collect::<Vec<_>>()
                            .join(" and "),
                        line.sku.as_deref().unwrap_or("(none)")
                    ),
                ))
            }
        };
        vat.apply(&mut line);
        order.lines.push(line);
    }
    if !o.shipping.is_zero() {
        order.shipping = Some(RawCharge {
            amount: Some(o.shipping),
            ..RawCharge::default()
        });
    }
    if !order_discount.is_zero() {
        order.discounts.push(RawCharge {
            amount: Some(order_discount),
            reason: o
                .discount_code
                .as_ref()
                .map(|c| format!("Discount code {c}")),
            ..RawCharge::default()
        });
    }
    Ok(())
}

/// The credit note for a refunded order: the whole order mirrored when all of it was refunded (`true`), or one
/// line of the refunded amount when the order has a single VAT rate (`false`). A refund that cannot be built is
/// an error message, with the order id of the credit note that settles it when the user can supply one.
fn refund_order(
    invoice: &RawOrder,
    o: &OrderRow,
) -> Result<(RawOrder, bool), (String, Option<String>)> {
    if o.refunded.is_zero() {
        return Err((
            format!(
                "the Financial Status is {} but the Refunded Amount is empty; the refund cannot be credited",
                o.status
            ),
            None,
        ));
    }
    let mut credit = invoice.clone();
    credit.kind = OrderKind::Refund;
    credit.refund_of = Some(invoice.order_id.clone());
    credit.order_id = format!("{}-refund", invoice.order_id);
    credit.payment.status = PaymentStatus::Paid;
    credit.payment.means = None;
    credit.charged_total = Some(o.refunded);
    if o.refunded == o.total {
        return Ok((credit, true));
    }
    let taxes: BTreeSet<(Option<&String>, Option<Decimal>)> = invoice
        .lines
        .iter()
        .map(|l| (l.vat_category.as_ref(), l.vat_rate))
        .collect();
    if taxes.len() != 1 {
        let rates: Vec<String> = taxes
            .iter()
            .map(|(category, rate)| match category.map(String::as_str) {
                Some("S") | None => format!("{}%", rate.unwrap_or_default()),
                Some(c) => format!("category {c}"),
            })
            .collect();
        return Err((
            format!(
                "a partial refund of {refunded} on an order with VAT at {}: Shopify's export gives only the \
                 refunded amount, not which lines it refunds, so the VAT split is unknown and ublflow does not \
                 guess it. The invoice is issued; give the credit note yourself as a refund in ublflow's own JSON \
                 or CSV format (README, Order input format): kind = refund, refund_of = {id:?}, order_id = \
                 {credit:?}, the order's buyer, and the refunded lines with their VAT rates, converted into the \
                 same store. Once it is issued, this refund is reported as settled by it",
                rates.join(" and "),
                refunded = o.refunded,
                id = invoice.order_id,
                credit = credit.order_id,
            ),
            Some(credit.order_id),
        ));
    }
    let template = &invoice.lines[0];
    credit.prices_include_vat = true;
    credit.shipping = None;
    credit.charges.clear();
    credit.discounts.clear();
    credit.lines = vec![RawLine {
        description: Some(format!("Partial refund of order {}", invoice.order_id)),
        quantity: Some(Decimal::ONE),
        unit_price: Some(o.refunded),
        vat_category: template.vat_category.clone(),
        vat_rate: template.vat_rate,
        vat_exemption_reason: template.vat_exemption_reason.clone(),
        ..RawLine::default()
    }];
    Ok((credit, false))
}

/// The Shopify column of a field given as a JSON path of the order model, for error messages.
pub(super) fn column_for(path: &str) -> String {
    let column = match path.split_once("].") {
        Some((head, tail)) if head.starts_with("lines[") => match tail {
            "description" => "Lineitem name",
            "quantity" => "Lineitem quantity",
            "unit_price" => "Lineitem price",
            "discount" => "Lineitem discount",
            _ => "Lineitem sku",
        },
        Some((head, _)) if head.starts_with("discounts[") => "Discount Amount",
        _ => match path {
            "order_id" | "refund_of" => "Name",
            "order_date" => "Created at",
            "currency" => "Currency",
            "charged_total" => "Total",
            "lines" => "Lineitem name",
            "discounts" => "Discount Amount",
            "buyer.name" => "Billing Name",
            "buyer.company" => "Billing Company",
            "buyer.email" => "Email",
            "buyer.phone" => "Billing Phone",
            "buyer.address.street" => "Billing Address1",
            "buyer.address.additional_street" => "Billing Address2",
            "buyer.address.city" => "Billing City",
            "buyer.address.postal_code" => "Billing Zip",
            "buyer.address.region" => "Billing Province",
            "buyer.address.country" => "Billing Country",
            "delivery.address.street" => "Shipping Address1",
            "delivery.address.additional_street" => "Shipping Address2",
            "delivery.address.city" => "Shipping City",
            "delivery.address.postal_code" => "Shipping Zip",
            "delivery.address.region" => "Shipping Province",
            "delivery.address.country" => "Shipping Country",
            p if p.starts_with("buyer.") => "Note Attributes",
            p if p.starts_with("shipping") => "Shipping",
            other => other,
        },
    };
    column.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_from_tax_names() {
        assert_eq!(rate_of("AT VAT 20%"), Some(Decimal::from(20)));
        assert_eq!(rate_of("MwSt 7,70%"), Some("7.7".parse().unwrap()));
        assert_eq!(rate_of("VAT"), None);
        assert_eq!(rate_of("VAT 120%"), None);
    }

    #[test]
    fn model_fields_are_named_by_their_shopify_column() {
        assert_eq!(column_for("lines[3].unit_price"), "Lineitem price");
        assert_eq!(column_for("buyer.address.country"), "Billing Country");
        assert_eq!(column_for("buyer.endpoint_id"), "Note Attributes");
        assert_eq!(column_for("charged_total"), "Total");
    }
}

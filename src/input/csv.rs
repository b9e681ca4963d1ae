//! CSV orders: one row per order line, rows of one order next to each other, grouped by `order_id`.
//!
//! Order-level columns are read from the first row of each order; later rows of the order may repeat them
//! or leave them empty. Column names are the JSON field paths flattened (see [`column_for`]).

use super::cells::{self, CellResult, Grouping, Header, Keyed, Row};
use super::{
    BuyerType, InputError, PaymentStatus, Position, RawAddress, RawBuyer, RawCharge, RawDelivery,
    RawLine, RawOrder, RawPayment, ReadItem, Record,
};
use chrono::NaiveDate;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Every column the reader knows, in the order the README documents them.
pub(super) const COLUMNS: &[&str] = &[
    "order_id",
    "kind",
    "refund_of",
    "order_date",
    "currency",
    "prices_include_vat",
    "buyer_reference",
    "purchase_order",
    "note",
    "buyer_type",
    "buyer_name",
    "buyer_company",
    "buyer_vat_id",
    "buyer_company_id",
    "buyer_endpoint_id",
    "buyer_endpoint_scheme",
    "buyer_email",
    "buyer_phone",
    "buyer_street",
    "buyer_additional_street",
    "buyer_city",
    "buyer_postal_code",
    "buyer_region",
    "buyer_country",
    "delivery_name",
    "delivery_date",
    "delivery_street",
    "delivery_additional_street",
    "delivery_city",
    "delivery_postal_code",
    "delivery_region",
    "delivery_country",
    "line_sku",
    "line_description",
    "line_quantity",
    "line_unit_code",
    "line_unit_price",
    "line_base_quantity",
    "line_discount",
    "line_vat_category",
    "line_vat_rate",
    "line_vat_exemption_reason",
    "shipping_amount",
    "shipping_vat_category",
    "shipping_vat_rate",
    "charge_amount",
    "charge_reason",
    "charge_vat_category",
    "charge_vat_rate",
    "discount_amount",
    "discount_reason",
    "discount_vat_category",
    "discount_vat_rate",
    "payment_status",
    "payment_reference",
    "payment_means",
    "charged_total",
];

const REQUIRED: &[&str] = &[
    "order_id",
    "order_date",
    "line_description",
    "line_quantity",
    "line_unit_price",
];

/// The CSV column of a field named by its JSON path (`lines[2].quantity` -> `line_quantity`).
pub(super) fn column_for(path: &str) -> String {
    let path = path
        .replace("buyer.address.", "buyer_")
        .replace("delivery.address.", "delivery_");
    let path = match path.split_once("].") {
        Some((head, tail)) if head.starts_with("lines[") => format!("line_{tail}"),
        Some((head, tail)) if head.starts_with("charges[") => format!("charge_{tail}"),
        Some((head, tail)) if head.starts_with("discounts[") => format!("discount_{tail}"),
        _ => path,
    };
    path.replace('.', "_")
}

/// An order being assembled from its rows.
struct Group {
    order: RawOrder,
    first_row: u64,
    line_rows: Vec<u64>,
    error: Option<InputError>,
}

pub(super) fn read<R: Read>(
    file: Arc<Path>,
    reader: std::io::BufReader<R>,
    sink: &mut dyn FnMut(ReadItem),
) {
    let mut csv = cells::open(reader);
    let file_error = |position: Option<Position>, message: String| InputError {
        file: file.clone(),
        position,
        order_id: None,
        field: None,
        message,
        skipped: false,
        settled_by: None,
    };
    let header = match Header::read(&mut csv, |_| None) {
        Ok(h) => h,
        Err(e) => return sink(Err(file_error(Some(Position::Row(1)), e.to_string()))),
    };
    for name in header.names() {
        if !COLUMNS.contains(&name.as_str()) {
            let hint = if header.names().len() == 1 && (name.contains(';') || name.contains('\t')) {
                " (the file looks delimited by ';' or tabs; ublflow reads comma-separated CSV)"
            } else {
                ""
            };
            return sink(Err(file_error(
                Some(Position::Row(1)),
                format!("unknown column {name:?}{hint}; known columns are listed in the README"),
            )));
        }
    }
    for required in REQUIRED {
        if header.index(required).is_none() {
            return sink(Err(file_error(
                Some(Position::Row(1)),
                format!("missing required column {required:?}"),
            )));
        }
    }
    let keyed = Keyed {
        header: &header,
        key: "order_id",
        no_key: "order_id is empty or not UTF-8",
        utf8_hint: "save the export as UTF-8",
    };
    cells::group_rows(&mut csv, &keyed, &mut Orders { file: &file, sink });
}

/// Orders of ublflow's own CSV, handed to `sink`.
struct Orders<'a> {
    file: &'a Arc<Path>,
    sink: &'a mut dyn FnMut(ReadItem),
}

impl Grouping for Orders<'_> {
    type Group = Group;

    fn key(group: &Group) -> &str {
        &group.order.order_id
    }

    fn start(&mut self, key: String, row: u64, cells: &Row) -> Group {
        new_group(self.file, cells, key, row)
    }

    fn add(&mut self, g: &mut Group, row: u64, cells: &Row) {
        g.line_rows.push(row);
        match read_line(cells) {
            Ok(line) => g.order.lines.push(line),
            Err((column, message)) => {
                if g.error.is_none() {
                    g.error = Some(InputError {
                        file: self.file.clone(),
                        position: Some(Position::Row(row)),
                        order_id: Some(g.order.order_id.clone()),
                        field: Some(column.into()),
                        message,
                        skipped: false,
                        settled_by: None,
                    });
                }
            }
        }
    }

    fn finish(&mut self, group: Group) {
        (self.sink)(finish(self.file, group));
    }

    fn fail(&mut self, row: u64, column: Option<&'static str>, message: String) {
        (self.sink)(Err(InputError {
            file: self.file.clone(),
            position: Some(Position::Row(row)),
            order_id: None,
            field: column.map(str::to_owned),
            message,
            skipped: false,
            settled_by: None,
        }));
    }
}

fn finish(file: &Arc<Path>, g: Group) -> ReadItem {
    if let Some(e) = g.error {
        return Err(e);
    }
    Ok(Record {
        order: g.order,
        file: file.clone(),
        position: Position::Row(g.first_row),
        line_rows: g.line_rows,
        format: super::Format::Csv,
        refund_base: None,
    })
}

/// What ublflow's own CSV reads from a row beyond text and decimals.
trait OwnCells {
    fn date(&self, name: &'static str) -> CellResult<Option<NaiveDate>>;
    fn boolean(&self, name: &'static str) -> CellResult<Option<bool>>;
    fn choice<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
        allowed: &str,
    ) -> CellResult<Option<T>>;
    fn address(&self, prefix: &str) -> CellResult<RawAddress>;
    fn charge(&self, prefix: &str) -> CellResult<Option<RawCharge>>;
}

impl OwnCells for Row<'_> {
    fn date(&self, name: &'static str) -> CellResult<Option<NaiveDate>> {
        self.parsed(name, "a date (YYYY-MM-DD)")
    }

    fn boolean(&self, name: &'static str) -> CellResult<Option<bool>> {
        match self.text(name)?.map(|t| t.to_ascii_lowercase()) {
            None => Ok(None),
            Some(t) if t == "true" || t == "yes" || t == "1" => Ok(Some(true)),
            Some(t) if t == "false" || t == "no" || t == "0" => Ok(Some(false)),
            Some(t) => Err((name, format!("{t:?} is not one of true, false"))),
        }
    }

    fn choice<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
        allowed: &str,
    ) -> CellResult<Option<T>> {
        match self.text(name)? {
            None => Ok(None),
            Some(t) => serde_json::from_value(serde_json::Value::String(t.to_lowercase()))
                .map(Some)
                .map_err(|_| (name, format!("{t:?} is not one of {allowed}"))),
        }
    }

    fn address(&self, prefix: &str) -> CellResult<RawAddress> {
        let field = |suffix: &str| -> &'static str {
            COLUMNS
                .iter()
                .find(|c| c.strip_prefix(prefix) == Some(suffix))
                .expect("a known address column")
        };
        Ok(RawAddress {
            street: self.text(field("street"))?,
            additional_street: self.text(field("additional_street"))?,
            city: self.text(field("city"))?,
            postal_code: self.text(field("postal_code"))?,
            region: self.text(field("region"))?,
            country: self.text(field("country"))?,
        })
    }

    fn charge(&self, prefix: &str) -> CellResult<Option<RawCharge>> {
        let field = |suffix: &str| -> Option<&'static str> {
            COLUMNS
                .iter()
                .find(|c| c.strip_prefix(prefix) == Some(suffix))
                .copied()
        };
        let Some(amount) = self.decimal(field("amount").expect("amount column"))? else {
            return Ok(None);
        };
        Ok(Some(RawCharge {
            amount: Some(amount),
            reason: match field("reason") {
                Some(c) => self.text(c)?,
                None => None,
            },
            vat_category: self.text(field("vat_category").expect("category column"))?,
            vat_rate: self.decimal(field("vat_rate").expect("rate column"))?,
        }))
    }
}

fn new_group(file: &Arc<Path>, cells: &Row, id: String, row: u64) -> Group {
    let mut group = Group {
        order: RawOrder::empty(id, NaiveDate::MIN),
        first_row: row,
        line_rows: Vec::new(),
        error: None,
    };
    if let Err((column, message)) = fill_order(&mut group.order, cells) {
        group.error = Some(InputError {
            file: file.clone(),
            position: Some(Position::Row(row)),
            order_id: Some(group.order.order_id.clone()),
            field: Some(column.into()),
            message,
            skipped: false,
            settled_by: None,
        });
    }
    group
}

fn fill_order(o: &mut RawOrder, c: &Row) -> CellResult<()> {
    o.kind = c.choice("kind", "order, refund")?.unwrap_or_default();
    o.refund_of = c.text("refund_of")?;
    o.order_date = c
        .date("order_date")?
        .ok_or(("order_date", "order_date is empty".to_string()))?;
    o.currency = c.text("currency")?;
    o.prices_include_vat = c.boolean("prices_include_vat")?.unwrap_or(false);
    o.buyer_reference = c.text("buyer_reference")?;
    o.purchase_order = c.text("purchase_order")?;
    o.note = c.text("note")?;
    o.buyer = RawBuyer {
        buyer_type: c
            .choice::<BuyerType>("buyer_type", "business, government, consumer")?
            .unwrap_or_default(),
        name: c.text("buyer_name")?,
        company: c.text("buyer_company")?,
        vat_id: c.text("buyer_vat_id")?,
        company_id: c.text("buyer_company_id")?,
        endpoint_id: c.text("buyer_endpoint_id")?,
        endpoint_scheme: c.text("buyer_endpoint_scheme")?,
        email: c.text("buyer_email")?,
        phone: c.text("buyer_phone")?,
        address: c.address("buyer_")?,
    };
    let delivery_address = c.address("delivery_")?;
    let delivery = RawDelivery {
        name: c.text("delivery_name")?,
        date: c.date("delivery_date")?,
        address: has_any(&delivery_address).then_some(delivery_address),
    };
    if delivery.name.is_some() || delivery.date.is_some() || delivery.address.is_some() {
        o.delivery = Some(delivery);
    }
    o.shipping = c.charge("shipping_")?;
    o.charges = c.charge("charge_")?.into_iter().collect();
    o.discounts = c.charge("discount_")?.into_iter().collect();
    o.payment = RawPayment {
        status: c
            .choice::<PaymentStatus>("payment_status", "paid, unpaid")?
            .unwrap_or_default(),
        reference: c.text("payment_reference")?,
        means: c.text("payment_means")?,
    };
    o.charged_total = c.decimal("charged_total")?;
    Ok(())
}

/// Whether any field of an address is filled in (a partial one is then reported, not dropped).
fn has_any(a: &RawAddress) -> bool {
    [
        &a.street,
        &a.additional_street,
        &a.city,
        &a.postal_code,
        &a.region,
        &a.country,
    ]
    .iter()
    .any(|f| f.is_some())
}

fn read_line(c: &Row) -> CellResult<RawLine> {
    Ok(RawLine {
        sku: c.text("line_sku")?,
        description: c.text("line_description")?,
        quantity: c.decimal("line_quantity")?,
        unit_code: c.text("line_unit_code")?,
        unit_price: c.decimal("line_unit_price")?,
        base_quantity: c.decimal("line_base_quantity")?,
        discount: c.decimal("line_discount")?,
        vat_category: c.text("line_vat_category")?,
        vat_rate: c.decimal("line_vat_rate")?,
        vat_exemption_reason: c.text("line_vat_exemption_reason")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_map_to_columns() {
        assert_eq!(column_for("lines[2].quantity"), "line_quantity");
        assert_eq!(column_for("buyer.address.country"), "buyer_country");
        assert_eq!(column_for("buyer.vat_id"), "buyer_vat_id");
        assert_eq!(column_for("shipping.amount"), "shipping_amount");
        assert_eq!(column_for("discounts[0].amount"), "discount_amount");
        assert_eq!(column_for("payment.status"), "payment_status");
        for c in COLUMNS {
            assert_eq!(&column_for(c), c, "a column name maps to itself");
        }
    }
}

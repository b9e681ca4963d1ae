//! Readers for order exports: the project's own JSON and CSV formats (`schemas/order.schema.json`), Shopify's
//! order CSV export and WooCommerce REST API v3 order and refund JSON. Every reader maps into the same
//! [`RawOrder`]; nothing after this module knows which shop an order came from.
//!
//! Readers stream: they hand each order to a callback as soon as it is read, so memory does not grow with the
//! file. A bad order is handed over as an [`InputError`] naming the file, line or row and field; reading goes on
//! with the next order wherever the format allows it.

mod cells;
mod csv;
mod json;
mod shop;
mod shopify;
mod woocommerce;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// Whether a record is a sale or a refund of an earlier sale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    /// A sale: becomes an Invoice.
    #[default]
    Order,
    /// A return or refund of an earlier order (`refund_of`): becomes a CreditNote.
    Refund,
}

/// Who the buyer is, which decides routing and some VAT rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BuyerType {
    /// A business (the default).
    #[default]
    Business,
    /// A public body.
    Government,
    /// A private person.
    Consumer,
}

/// Payment state of an order at export time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// Paid at checkout (or refunded already, for a refund): nothing is due.
    Paid,
    /// Not paid yet: the invoice carries a due date.
    #[default]
    Unpaid,
}

/// One order or refund as the export states it, before any computation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrder {
    /// The shop's order number (or refund number); unique per kind.
    pub order_id: String,
    /// Sale or refund.
    #[serde(default)]
    pub kind: OrderKind,
    /// For a refund: the order id of the invoiced sale it refunds.
    pub refund_of: Option<String>,
    /// Order (or refund) date; the document's issue date.
    pub order_date: NaiveDate,
    /// ISO 4217 currency; the profile default when absent.
    pub currency: Option<String>,
    /// Whether unit prices, discounts and charges include VAT.
    #[serde(default)]
    pub prices_include_vat: bool,
    /// The buyer's reference (BT-10), such as a cost centre.
    pub buyer_reference: Option<String>,
    /// The buyer's purchase order number (BT-13).
    pub purchase_order: Option<String>,
    /// A free-text note (BT-22).
    pub note: Option<String>,
    /// The buyer.
    pub buyer: RawBuyer,
    /// Where the goods go, when not to the buyer's address.
    pub delivery: Option<RawDelivery>,
    /// The order lines; at least one.
    pub lines: Vec<RawLine>,
    /// Shipping charged to the customer.
    pub shipping: Option<RawCharge>,
    /// Other charges (gift wrap, handling, ...).
    #[serde(default)]
    pub charges: Vec<RawCharge>,
    /// Order-level discounts (coupons).
    #[serde(default)]
    pub discounts: Vec<RawCharge>,
    /// Payment state and reference.
    #[serde(default)]
    pub payment: RawPayment,
    /// The total the shop charged (or refunded), with VAT; when given, the document must arrive at it.
    ///
    /// A difference of at most one cent per line, charge and discount (the shop rounded VAT per line, EN 16931
    /// per category) becomes the rounding amount (BT-114); a larger one rejects the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charged_total: Option<Decimal>,
}

impl RawOrder {
    /// An order with nothing filled in but its id and date.
    fn empty(order_id: String, order_date: NaiveDate) -> RawOrder {
        RawOrder {
            order_id,
            kind: OrderKind::Order,
            refund_of: None,
            order_date,
            currency: None,
            prices_include_vat: false,
            buyer_reference: None,
            purchase_order: None,
            note: None,
            buyer: RawBuyer::default(),
            delivery: None,
            lines: Vec::new(),
            shipping: None,
            charges: Vec::new(),
            discounts: Vec::new(),
            payment: RawPayment::default(),
            charged_total: None,
        }
    }
}

/// The buyer as exported.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuyer {
    /// Business, government or consumer.
    #[serde(default, rename = "type")]
    pub buyer_type: BuyerType,
    /// Person's name (or the company's, if no `company`).
    pub name: Option<String>,
    /// Company name; becomes the legal name when present.
    pub company: Option<String>,
    /// VAT identifier with country prefix (BT-48).
    pub vat_id: Option<String>,
    /// Legal registration identifier (BT-47).
    pub company_id: Option<String>,
    /// Peppol electronic address (BT-49).
    pub endpoint_id: Option<String>,
    /// Scheme of the electronic address (EAS code).
    pub endpoint_scheme: Option<String>,
    /// E-mail address (BT-58).
    pub email: Option<String>,
    /// Telephone (BT-57).
    pub phone: Option<String>,
    /// Postal address (BG-8).
    pub address: RawAddress,
}

/// A postal address as exported.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddress {
    /// Street and number.
    pub street: Option<String>,
    /// Second street line.
    pub additional_street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Region or county.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code; required.
    pub country: Option<String>,
}

/// Delivery details (BG-13).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelivery {
    /// Name of the party receiving the goods.
    pub name: Option<String>,
    /// Actual delivery date (BT-72).
    pub date: Option<NaiveDate>,
    /// Delivery address (BG-15).
    pub address: Option<RawAddress>,
}

/// One order line as exported.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLine {
    /// The seller's item id (BT-155).
    pub sku: Option<String>,
    /// Item name (BT-153); required.
    pub description: Option<String>,
    /// Quantity; positive in a sale, and in a refund the quantity returned.
    pub quantity: Option<Decimal>,
    /// UN/ECE Rec 20 unit code; the profile default when absent.
    pub unit_code: Option<String>,
    /// Price per unit (or per `base_quantity` units), net or gross per `prices_include_vat`.
    pub unit_price: Option<Decimal>,
    /// Units the price refers to (BT-149); 1 when absent.
    pub base_quantity: Option<Decimal>,
    /// Discount on the whole line, in money, same VAT convention as the price.
    pub discount: Option<Decimal>,
    /// VAT category code (UNCL 5305): S, Z, E, AE, K, G or O.
    pub vat_category: Option<String>,
    /// VAT rate in percent.
    pub vat_rate: Option<Decimal>,
    /// VAT exemption reason text for categories other than S and Z.
    pub vat_exemption_reason: Option<String>,
}

/// A charge or discount at order level.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCharge {
    /// Amount in money, same VAT convention as the prices; at most 2 decimals.
    pub amount: Option<Decimal>,
    /// Reason text.
    pub reason: Option<String>,
    /// VAT category; when absent it follows the goods (see the profile's `shipping.vat`).
    pub vat_category: Option<String>,
    /// VAT rate in percent, with `vat_category`.
    pub vat_rate: Option<Decimal>,
}

/// Payment state and reference.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    /// Paid or unpaid.
    #[serde(default)]
    pub status: PaymentStatus,
    /// Payment reference (BT-83), such as the transaction id; the order id when absent.
    pub reference: Option<String>,
    /// UNCL 4461 payment means code; from the profile when absent.
    pub means: Option<String>,
}

/// Where in an input a record or an error sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// 1-based line of a JSON input.
    Line(u64),
    /// 1-based CSV record (the header is row 1).
    Row(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// An order read from an input, with where it came from.
#[derive(Debug, Clone)]
pub struct Record {
    /// The order as exported.
    pub order: RawOrder,
    /// The input file (`-` for stdin).
    pub file: Arc<Path>,
    /// Where the order starts.
    pub position: Position,
    /// For CSV input: the row of each line, so an error in `lines[i]` names its row.
    pub line_rows: Vec<u64>,
    /// The format it was read in, to name a field the way the input does ([`field_name`]).
    pub format: Format,
    /// For a shop order whose later refunds need its data: what to keep with its invoice (see [`RefundBases`]).
    pub refund_base: Option<RefundBase>,
}

/// What a shop order's refunds need from it, kept in the store with the order's invoice: a refund exported
/// in a later run (WooCommerce refunds carry no buyer, currency or tax rates) is still credited against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundBase {
    /// The shop's own reference to the order, as its refunds name it (`woocommerce:501`).
    pub key: String,
    /// The reader's data for the refunds (JSON), opaque to everything but the reader.
    pub data: Vec<u8>,
}

/// Where a reader finds the [`RefundBase`] of an order whose invoice was issued before: in an earlier run, or
/// in an earlier batch of this one. The pipeline answers from the store.
pub trait RefundBases: Send {
    /// The data kept under `key` with an issued invoice, if any; `Err` with a message when the look-up failed.
    fn find(&mut self, key: &str) -> Result<Option<Vec<u8>>, String>;
}

/// SHA-256 over an order's canonical JSON form, to recognise the same order dropped again: the same order
/// from JSON or CSV gives the same digest.
pub fn digest(order: &RawOrder) -> [u8; 32] {
    use sha2::Digest;
    let bytes = serde_json::to_vec(order).expect("an order always serialises");
    sha2::Sha256::digest(&bytes).into()
}

/// An input that could not be read as an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The input file (`-` for stdin).
    pub file: std::sync::Arc<Path>,
    /// Where the problem is, when known.
    pub position: Option<Position>,
    /// The order id, when it could be read.
    pub order_id: Option<String>,
    /// The field (JSON path or CSV column), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// True when the order was deliberately left out (cancelled, voided, payment failed): it is reported as
    /// skipped with `message` as the reason, not as rejected.
    pub skipped: bool,
    /// For a refund the export cannot express (a Shopify partial refund over several VAT rates): the order id
    /// under which the user supplies its credit note in ublflow's own format. Once that credit note is issued,
    /// the refund is reported as skipped, settled by it, instead of rejected again on every read.
    pub settled_by: Option<Box<String>>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problem(
            f,
            &self.file.display(),
            self.position.as_ref().map(|p| p as &dyn fmt::Display),
            self.order_id.as_deref(),
            self.field.as_deref(),
            &self.message,
        )
    }
}

/// `file:position: order id: field f: message`, with the parts that are known: how every problem with an order
/// is written for people.
pub fn write_problem(
    f: &mut fmt::Formatter<'_>,
    file: &dyn fmt::Display,
    position: Option<&dyn fmt::Display>,
    order_id: Option<&str>,
    field: Option<&str>,
    message: &str,
) -> fmt::Result {
    write!(f, "{file}")?;
    if let Some(p) = position {
        write!(f, ":{p}")?;
    }
    if let Some(id) = order_id {
        write!(f, ": order {id}")?;
    }
    if let Some(field) = field {
        write!(f, ": field {field}")?;
    }
    write!(f, ": {message}")
}

/// One item a reader hands over.
pub type ReadItem = Result<Record, InputError>;

/// The input formats ublflow reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON order, an array of orders, or JSON Lines.
    Json,
    /// CSV, one row per order line.
    Csv,
    /// Shopify's order CSV export ("Export orders" in the Shopify admin).
    Shopify,
    /// WooCommerce REST API v3 order or refund JSON: one object or an array.
    WooCommerce,
}

impl Format {
    /// Chooses the format from the content (a Shopify header row, WooCommerce's `line_items`), or else from
    /// the file extension, or else from the first non-blank byte.
    pub fn detect(path: &Path, head: &[u8]) -> Format {
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        let json_like = matches!(first, Some(b'{') | Some(b'['));
        if json_like && has_key(head, b"\"line_items\"") {
            return Format::WooCommerce;
        }
        if !json_like && shopify::is_header(head) {
            return Format::Shopify;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            Some(e) if e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonl") => {
                Format::Json
            }
            _ if json_like => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// Whether `key` (with its quotes) occurs followed by `:`, as an object key does.
fn has_key(haystack: &[u8], key: &[u8]) -> bool {
    haystack.windows(key.len()).enumerate().any(|(i, w)| {
        w == key
            && haystack[i + key.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                == Some(&b':')
    })
}

/// How many recent WooCommerce orders a [`Reader`] keeps for their refunds when [`Reader::new`] made it.
pub const DEFAULT_REFUND_WINDOW: usize = 10_000;

/// Reads inputs in a given or detected format, keeping what one shop input tells about the next (a WooCommerce
/// order's buyer and tax rates for its refunds).
///
/// Memory is flat: the reader keeps the refund data of the last `window` WooCommerce orders only, and finds
/// older ones through its [`RefundBases`], where their invoices were stored.
pub struct Reader<'p> {
    format: Option<Format>,
    shops: &'p crate::config::Shops,
    woo: woocommerce::Memory,
    bases: Option<Box<dyn RefundBases + 'p>>,
}

impl<'p> Reader<'p> {
    /// A reader that uses `format` for every input, or detects each input's format when `None`. Without
    /// [`Reader::with_refund_bases`], a refund finds its order only among the last [`DEFAULT_REFUND_WINDOW`]
    /// orders read.
    pub fn new(format: Option<Format>, shops: &'p crate::config::Shops) -> Self {
        Reader {
            format,
            shops,
            woo: woocommerce::Memory::new(DEFAULT_REFUND_WINDOW),
            bases: None,
        }
    }

    /// Looks up the orders of refunds in `bases` when they are not among the last `window` orders read.
    ///
    /// `window` must cover every order read but not yet stored: with `convert`'s batches, every batch in flight.
    pub fn with_refund_bases(mut self, bases: Box<dyn RefundBases + 'p>, window: usize) -> Self {
        self.woo = woocommerce::Memory::new(window);
        self.bases = Some(bases);
        self
    }

    /// How many orders the reader keeps for their refunds now (at most the window).
    pub fn remembered(&self) -> usize {
        self.woo.len()
    }

    /// Reads every order of one input, calling `sink` for each order or error in input order.
    ///
    /// Returns `Err` only when the input cannot be opened at all.
    pub fn read(
        &mut self,
        path: &Path,
        reader: impl std::io::Read,
        sink: &mut dyn FnMut(ReadItem),
    ) -> Result<(), InputError> {
        let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader);
        let head = std::io::BufRead::fill_buf(&mut reader)
            .map_err(|e| io_error(path, e))?
            .to_vec();
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
        let file: Arc<Path> = Arc::from(path);
        match self.format.unwrap_or_else(|| Format::detect(path, head)) {
            Format::Json => json::read(file, reader, sink),
            Format::Csv => csv::read(file, reader, sink),
            Format::Shopify => shopify::read(file, reader, self.shops, sink),
            Format::WooCommerce => {
                let bases = self.bases.as_deref_mut();
                woocommerce::read(file, reader, self.shops, &mut self.woo, bases, sink)
            }
        }
        Ok(())
    }
}

/// Reads every order of one input in its detected format, with the default shop settings.
///
/// Returns `Err` only when the input cannot be opened at all.
pub fn read(
    path: &Path,
    reader: impl std::io::Read,
    sink: &mut dyn FnMut(ReadItem),
) -> Result<(), InputError> {
    let shops = crate::config::Shops::default();
    let mut shop_reader = Reader::new(None, &shops);
    shop_reader.read(path, reader, sink)
}

fn io_error(path: &Path, e: std::io::Error) -> InputError {
    InputError {
        file: path.into(),
        position: None,
        order_id: None,
        field: None,
        message: format!("cannot read: {e}"),
        skipped: false,
        settled_by: None,
    }
}

/// The name a field given as a JSON path of [`RawOrder`] has in an input format, for error messages: the
/// CSV column (`line_quantity`, Shopify's `Lineitem quantity`) or the WooCommerce JSON path.
pub fn field_name(format: Format, path: &str) -> String {
    match format {
        Format::Json => path.to_owned(),
        Format::Csv => csv::column_for(path),
        Format::Shopify => shopify::column_for(path),
        Format::WooCommerce => woocommerce::field_for(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_the_content_first() {
        let detect = |name: &str, head: &str| Format::detect(Path::new(name), head.as_bytes());
        assert_eq!(
            detect("x.json", "[{\"id\": 1, \"line_items\": []}]"),
            Format::WooCommerce
        );
        assert_eq!(detect("x.json", "{\"order_id\": \"1\"}"), Format::Json);
        assert_eq!(
            detect("x.json", "{\"note\": \"line_items\", \"lines\": []}"),
            Format::Json
        );
        assert_eq!(
            detect("export", "Name,Email,Financial Status,Lineitem quantity\n"),
            Format::Shopify
        );
        assert_eq!(detect("x.csv", "order_id,order_date\n"), Format::Csv);
        assert_eq!(detect("x.txt", " [ "), Format::Json);
    }

    #[test]
    fn fields_are_named_the_way_each_format_names_them() {
        let f = "lines[1].quantity";
        assert_eq!(field_name(Format::Json, f), f);
        assert_eq!(field_name(Format::Csv, f), "line_quantity");
        assert_eq!(field_name(Format::Shopify, f), "Lineitem quantity");
        assert_eq!(field_name(Format::WooCommerce, f), "line_items[1].quantity");
        assert_eq!(
            field_name(Format::WooCommerce, "buyer.address.country"),
            "billing.country"
        );
    }
}

//! WooCommerce REST API v3 JSON: orders (`GET /wp-json/wc/v3/orders`, one object or an array) and refunds
//! (`GET /wp-json/wc/v3/orders/<id>/refunds`).
//!
//! The input is cut into objects by the JSON scanner of the project's own format, so memory holds one object
//! at a time. An object with a `status` is an order; one with an `amount` and no `status` is a refund. A
//! refund carries no buyer, currency or tax rates, so they come from its order: every order hands over what
//! its refunds need (a [`RefundBase`]) to be stored with its invoice, and the reader keeps the last few
//! (those not stored yet) itself. A refund finds its order there, or else in the store through
//! [`RefundBases`], however many runs ago the order was converted.

use super::shop::{self, Vat};
use super::{
    OrderKind, PaymentStatus, Position, RawAddress, RawCharge, RawDelivery, RawLine, RawOrder,
    ReadItem, Record, RefundBase, RefundBases,
};
use crate::config::Shops;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;

/// The refund data of the last orders read (at most `window`), by WooCommerce order id: the orders whose
/// invoices may not be in the store yet. Older ones are looked up in the store.
#[derive(Debug)]
pub(super) struct Memory {
    /// By WooCommerce order id: when it was read (a count) and its data.
    parents: HashMap<u64, (u64, Parent)>,
    /// Order ids with the count they were read at, oldest first; an id read again has a newer entry too.
    queue: VecDeque<(u64, u64)>,
    /// Orders read so far.
    count: u64,
    /// How many orders are kept.
    window: usize,
}

impl Memory {
    /// Keeps the last `window` orders (at least one).
    pub(super) fn new(window: usize) -> Memory {
        Memory {
            parents: HashMap::new(),
            queue: VecDeque::new(),
            count: 0,
            window: window.max(1),
        }
    }

    /// How many orders are kept now.
    pub(super) fn len(&self) -> usize {
        self.parents.len()
    }

    fn remember(&mut self, id: u64, parent: Parent) {
        self.count += 1;
        self.parents.insert(id, (self.count, parent));
        self.queue.push_back((id, self.count));
        while self.queue.len() > self.window {
            if let Some((old, read_at)) = self.queue.pop_front() {
                if self.parents.get(&old).is_some_and(|(at, _)| *at == read_at) {
                    self.parents.remove(&old);
                }
            }
        }
    }

    fn get(&self, id: u64) -> Option<&Parent> {
        self.parents.get(&id).map(|(_, p)| p)
    }
}

/// The key of a WooCommerce order's [`RefundBase`], by its id (the one refunds name in `_links.up`).
fn base_key(order_id: u64) -> String {
    format!("woocommerce:{order_id}")
}

/// An order's part that its refunds need: what is kept in memory and, as JSON, stored with its invoice.
#[derive(Debug, Serialize, Deserialize)]
struct Parent {
    /// The order as mapped, without lines (buyer, currency, price convention).
    order: RawOrder,
    /// Rate id -> percent, from `tax_lines`.
    rates: HashMap<u64, Decimal>,
    /// The VAT categories and rates of the order's lines.
    vats: BTreeSet<(String, Decimal)>,
}

#[derive(Debug, Deserialize)]
struct WooObject {
    id: Option<u64>,
    number: Option<String>,
    status: Option<String>,
    currency: Option<String>,
    #[serde(default)]
    prices_include_tax: bool,
    date_created: Option<String>,
    total: Option<Decimal>,
    customer_note: Option<String>,
    #[serde(default)]
    billing: WooAddress,
    #[serde(default)]
    shipping: WooAddress,
    transaction_id: Option<String>,
    #[serde(default)]
    line_items: Vec<WooItem>,
    #[serde(default)]
    tax_lines: Vec<WooTaxLine>,
    #[serde(default)]
    shipping_lines: Vec<WooFee>,
    #[serde(default)]
    fee_lines: Vec<WooFee>,
    #[serde(default)]
    meta_data: Vec<WooMeta>,
    // Refund fields.
    amount: Option<Decimal>,
    parent_id: Option<u64>,
    #[serde(default, rename = "_links")]
    links: WooLinks,
}

#[derive(Debug, Default, Deserialize)]
struct WooAddress {
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    address_1: Option<String>,
    address_2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postcode: Option<String>,
    country: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WooItem {
    name: Option<String>,
    sku: Option<String>,
    quantity: Decimal,
    subtotal: Decimal,
    #[serde(default)]
    subtotal_tax: Decimal,
    total: Decimal,
    #[serde(default)]
    total_tax: Decimal,
    #[serde(default)]
    taxes: Vec<WooTax>,
}

#[derive(Debug, Deserialize)]
struct WooTax {
    id: u64,
    total: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
struct WooTaxLine {
    rate_id: u64,
    rate_percent: Option<Decimal>,
    label: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WooFee {
    method_title: Option<String>,
    name: Option<String>,
    total: Decimal,
    #[serde(default)]
    total_tax: Decimal,
    #[serde(default)]
    taxes: Vec<WooTax>,
}

#[derive(Debug, Deserialize)]
struct WooMeta {
    key: String,
    value: serde_json::Value,
}

#[derive(Debug, Default, Deserialize)]
struct WooLinks {
    #[serde(default)]
    up: Vec<WooLink>,
}

#[derive(Debug, Deserialize)]
struct WooLink {
    href: String,
}

pub(super) fn read<'p, R: std::io::Read>(
    file: Arc<Path>,
    reader: std::io::BufReader<R>,
    shops: &Shops,
    memory: &mut Memory,
    mut bases: Option<&mut (dyn RefundBases + 'p)>,
    sink: &mut dyn FnMut(ReadItem),
) {
    super::json::split(&file, reader, &mut |cut| match cut {
        Ok((line, bytes)) => {
            let found = Found {
                memory: &mut *memory,
                bases: bases.as_deref_mut(),
            };
            object(&file, line, bytes, shops, found, sink)
        }
        Err(e) => sink(Err(e)),
    });
}

/// Where the orders of refunds are found: the reader's memory, then the store.
struct Found<'m, 'b, 'p> {
    memory: &'m mut Memory,
    bases: Option<&'b mut (dyn RefundBases + 'p)>,
}

/// Maps one order or refund object.
fn object(
    file: &Arc<Path>,
    line: u64,
    bytes: &[u8],
    shops: &Shops,
    found: Found<'_, '_, '_>,
    sink: &mut dyn FnMut(ReadItem),
) {
    let at = Position::Line(line);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let w: WooObject = match serde_path_to_error::deserialize(&mut de) {
        Ok(w) => w,
        Err(e) => {
            let path = e.path().to_string();
            let mut message = e.into_inner().to_string();
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            return sink(Err(shop::error(
                file,
                at,
                None,
                (path != ".").then_some(path.as_str()),
                format!("not a WooCommerce order or refund: {message}"),
            )));
        }
    };
    let record = |order, refund_base| Record {
        order,
        file: file.clone(),
        position: at.clone(),
        line_rows: Vec::new(),
        format: super::Format::WooCommerce,
        refund_base,
    };
    let result = if w.status.is_none() && w.amount.is_some() {
        refund(&w, found, shops).map(|o| record(o, None))
    } else {
        match order(&w, shops, found.memory) {
            Ok(Some((o, base))) => Ok(record(o, base)),
            Ok(None) => {
                let id = w.number.clone().unwrap_or_default();
                let status = w.status.clone().unwrap_or_default();
                return sink(Err(shop::skipped(
                    file,
                    at,
                    &id,
                    "status",
                    format!("the order is {status}; no invoice"),
                )));
            }
            Err(e) => Err(e),
        }
    };
    sink(result.map_err(|(field, message)| {
        let id = order_id(&w);
        shop::error(file, at, id.as_deref(), Some(&field), message)
    }))
}

type MapResult<T> = Result<T, (String, String)>;

fn fail<T>(field: impl Into<String>, message: impl Into<String>) -> MapResult<T> {
    Err((field.into(), message.into()))
}

/// The order id of an order (its number) or of a refund (`<order number>-refund-<refund id>`).
fn order_id(w: &WooObject) -> Option<String> {
    w.number
        .clone()
        .or_else(|| w.id.map(|id| format!("refund-{id}")))
}

fn date(text: Option<&str>) -> MapResult<NaiveDate> {
    let t = text.unwrap_or_default();
    t.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            (
                "date_created".into(),
                format!("{t:?} is not a WooCommerce date (2026-11-12T10:15:00)"),
            )
        })
}

/// Maps an order, with what its refunds will need; `None` for one that gets no invoice (cancelled, failed,
/// draft).
fn order(
    w: &WooObject,
    shops: &Shops,
    memory: &mut Memory,
) -> MapResult<Option<(RawOrder, Option<RefundBase>)>> {
    let status = w.status.as_deref().unwrap_or_default();
    let paid = match status {
        "processing" | "completed" | "refunded" => true,
        "pending" | "on-hold" => false,
        "cancelled" | "failed" | "trash" | "draft" | "checkout-draft" => return Ok(None),
        other => {
            return fail(
                "status",
                format!(
                    "{other:?} is not a WooCommerce order status ublflow knows (pending, on-hold, processing, \
                     completed, refunded, cancelled, failed)"
                ),
            )
        }
    };
    let number = w
        .number
        .clone()
        .or_else(|| w.id.map(|i| i.to_string()))
        .ok_or_else(|| ("number".to_string(), "is missing".to_string()))?;
    let mut order = RawOrder::empty(number, date(w.date_created.as_deref())?);
    order.currency = shop::text(w.currency.as_deref());
    order.prices_include_vat = w.prices_include_tax;
    order.note = shop::text(w.customer_note.as_deref());
    order.charged_total = Some(
        w.total
            .ok_or_else(|| ("total".to_string(), "is missing".to_string()))?,
    );
    order.payment.status = if paid {
        PaymentStatus::Paid
    } else {
        PaymentStatus::Unpaid
    };
    order.payment.reference = shop::text(w.transaction_id.as_deref());
    buyer(&mut order, w, shops)?;
    let rates: HashMap<u64, Decimal> = w
        .tax_lines
        .iter()
        .filter_map(|t| Some((t.rate_id, t.rate_percent?)))
        .collect();
    let labels: HashMap<u64, &str> = w
        .tax_lines
        .iter()
        .filter_map(|t| Some((t.rate_id, t.label.as_deref()?)))
        .collect();
    let taxes = Taxes {
        rates: &rates,
        labels: &labels,
        shops,
    };
    for (i, item) in w.line_items.iter().enumerate() {
        let path = format!("line_items[{i}]");
        let mapped = line(item, &taxes, w.prices_include_tax, &path, Decimal::ONE)?;
        order.lines.push(mapped);
    }
    charges(&mut order, w, &taxes, w.prices_include_tax, Decimal::ONE)?;
    // Every order: a refund may come in a later export, long after this one.
    let Some(id) = w.id else {
        return Ok(Some((order, None)));
    };
    let vats = order
        .lines
        .iter()
        .map(|l| {
            (
                l.vat_category.clone().unwrap_or_default(),
                l.vat_rate.unwrap_or_default(),
            )
        })
        .collect();
    let mut template = order.clone();
    template.lines.clear();
    let parent = Parent {
        order: template,
        rates,
        vats,
    };
    let base = RefundBase {
        key: base_key(id),
        data: serde_json::to_vec(&parent).expect("refund data always serialises"),
    };
    memory.remember(id, parent);
    Ok(Some((order, Some(base))))
}

fn buyer(order: &mut RawOrder, w: &WooObject, shops: &Shops) -> MapResult<()> {
    let b = &w.billing;
    let name = [b.first_name.as_deref(), b.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    order.buyer.name = shop::text(Some(&name));
    order.buyer.company = shop::text(b.company.as_deref());
    order.buyer.email = shop::text(b.email.as_deref());
    order.buyer.phone = shop::text(b.phone.as_deref());
    order.buyer.address = address(b);
    let meta = |keys: &[String]| {
        keys.iter().find_map(|k| {
            w.meta_data
                .iter()
                .find(|m| &m.key == k)
                .and_then(|m| m.value.as_str())
                .and_then(|v| shop::text(Some(v)))
        })
    };
    order.buyer.vat_id = meta(&shops.vat_id_keys);
    if let Some(value) = meta(&shops.endpoint_keys) {
        let (scheme, id) = shop::endpoint(&value).map_err(|m| ("meta_data".to_string(), m))?;
        order.buyer.endpoint_scheme = Some(scheme);
        order.buyer.endpoint_id = Some(id);
    }
    shop::classify(&mut order.buyer, &shops.endpoint_keys)
        .map_err(|m| ("billing.company".to_string(), m))?;
    let s = &w.shipping;
    let delivery = address(s);
    if delivery.country.is_some() && !shop::same_address(&delivery, &order.buyer.address) {
        let name = [s.first_name.as_deref(), s.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        order.delivery = Some(RawDelivery {
            name: shop::text(s.company.as_deref()).or_else(|| shop::text(Some(&name))),
            date: None,
            address: Some(delivery),
        });
    }
    Ok(())
}

fn address(a: &WooAddress) -> RawAddress {
    RawAddress {
        street: shop::text(a.address_1.as_deref()),
        additional_street: shop::text(a.address_2.as_deref()),
        city: shop::text(a.city.as_deref()),
        postal_code: shop::text(a.postcode.as_deref()),
        region: shop::text(a.state.as_deref()),
        country: shop::text(a.country.as_deref()),
    }
}

/// The order's tax rates and the profile, to decide the VAT of lines and charges.
struct Taxes<'a> {
    rates: &'a HashMap<u64, Decimal>,
    labels: &'a HashMap<u64, &'a str>,
    shops: &'a Shops,
}

impl Taxes<'_> {
    /// The VAT of a line or charge from its `taxes` (the rate ids it was taxed at), or the SKU table.
    fn vat(&self, taxes: &[WooTax], sku: Option<&str>, path: &str) -> MapResult<Vat> {
        if let Some(v) = shop::sku_vat(self.shops, sku) {
            return Ok(v);
        }
        let charged: Vec<&WooTax> = taxes
            .iter()
            .filter(|t| t.total.is_some_and(|x| !x.is_zero()))
            .collect();
        match charged.as_slice() {
            [] => shop::untaxed_vat(self.shops, path).map_err(|m| (format!("{path}.taxes"), m)),
            [t] => match self.rates.get(&t.id) {
                Some(rate) => Ok(Vat::standard(*rate)),
                None => fail(
                    format!("{path}.taxes"),
                    format!(
                        "tax rate {} ({}) is not in the order's tax_lines with a rate_percent; export the order \
                         with WooCommerce 3.7 or later, or give the SKU its VAT in [shops.skus]",
                        t.id,
                        self.labels.get(&t.id).copied().unwrap_or("no label")
                    ),
                ),
            },
            _ => fail(
                format!("{path}.taxes"),
                "taxed at several rates at once (compound or stacked taxes); EN 16931 allows one VAT rate per \
                 line, so give the SKU its VAT in [shops.skus] or change the shop's tax setup",
            ),
        }
    }
}

/// A line item. `sign` is 1 for an order and -1 for a refund, whose amounts are negative.
fn line(
    item: &WooItem,
    taxes: &Taxes,
    gross: bool,
    path: &str,
    sign: Decimal,
) -> MapResult<RawLine> {
    let (before, after) = if gross {
        (
            item.subtotal + item.subtotal_tax,
            item.total + item.total_tax,
        )
    } else {
        (item.subtotal, item.total)
    };
    let (before, after, quantity) = (before * sign, after * sign, item.quantity * sign);
    let (quantity, before) = if quantity.is_zero() {
        // A refund of an amount on a line, without returned items.
        (Decimal::ONE, after)
    } else {
        (quantity, before)
    };
    if quantity.is_sign_negative() || after.is_sign_negative() || after > before {
        return fail(
            path,
            format!(
                "quantity {} with subtotal {} and total {} cannot be a line of this {}",
                item.quantity,
                item.subtotal,
                item.total,
                if sign.is_sign_negative() {
                    "refund"
                } else {
                    "order"
                }
            ),
        );
    }
    let mut line = RawLine {
        sku: shop::text(item.sku.as_deref()),
        description: shop::text(item.name.as_deref()),
        quantity: Some(quantity),
        unit_price: Some(unit_price(before, quantity)),
        discount: Some(before - after).filter(|d| !d.is_zero()),
        ..RawLine::default()
    };
    taxes
        .vat(&item.taxes, item.sku.as_deref(), path)?
        .apply(&mut line);
    Ok(line)
}

/// The unit price that gives back `amount` for `quantity` once rounded to cents.
fn unit_price(amount: Decimal, quantity: Decimal) -> Decimal {
    (amount / quantity).round_dp(10).normalize()
}

/// Shipping lines and fees; `sign` is -1 for a refund.
fn charges(
    order: &mut RawOrder,
    w: &WooObject,
    taxes: &Taxes,
    gross: bool,
    sign: Decimal,
) -> MapResult<()> {
    let amount = |f: &WooFee| {
        sign * if gross {
            f.total + f.total_tax
        } else {
            f.total
        }
    };
    for (i, s) in w.shipping_lines.iter().enumerate() {
        let path = format!("shipping_lines[{i}]");
        let value = amount(s);
        if value.is_zero() {
            continue;
        }
        if value.is_sign_negative() {
            return fail(format!("{path}.total"), format!("{value} is negative"));
        }
        let vat = taxes.vat(&s.taxes, None, &path)?;
        let charge = RawCharge {
            amount: Some(value),
            reason: shop::text(s.method_title.as_deref()),
            vat_category: Some(vat.category),
            vat_rate: Some(vat.rate),
        };
        if order.shipping.is_none() {
            order.shipping = Some(charge);
        } else {
            order.charges.push(charge);
        }
    }
    for (i, f) in w.fee_lines.iter().enumerate() {
        let path = format!("fee_lines[{i}]");
        let value = amount(f);
        if value.is_zero() {
            continue;
        }
        let vat = taxes.vat(&f.taxes, None, &path)?;
        let charge = RawCharge {
            amount: Some(value.abs()),
            reason: shop::text(f.name.as_deref()),
            vat_category: Some(vat.category),
            vat_rate: Some(vat.rate),
        };
        if value.is_sign_negative() {
            order.discounts.push(charge);
        } else {
            order.charges.push(charge);
        }
    }
    Ok(())
}

/// Maps a refund against its order, read earlier in this run or converted in an earlier one.
fn refund(w: &WooObject, found: Found<'_, '_, '_>, shops: &Shops) -> MapResult<RawOrder> {
    let refund_id =
        w.id.ok_or_else(|| ("id".to_string(), "a refund needs its id".to_string()))?;
    let parent_id = w
        .parent_id
        .or_else(|| {
            w.links
                .up
                .first()
                .and_then(|l| l.href.trim_end_matches('/').rsplit('/').next())
                .and_then(|id| id.parse().ok())
        })
        .ok_or_else(|| {
            (
                "_links.up".to_string(),
                "the refund does not say which order it refunds: keep the REST API response as it is (its \
                 _links.up names the order)"
                    .to_string(),
            )
        })?;
    let stored: Parent;
    let parent = match found.memory.get(parent_id) {
        Some(p) => p,
        None => {
            let key = base_key(parent_id);
            let bytes = match found.bases {
                Some(bases) => bases.find(&key).map_err(|m| {
                    (
                        "_links.up".to_string(),
                        format!("refund {refund_id} of order id {parent_id}: {m}"),
                    )
                })?,
                None => None,
            };
            let Some(bytes) = bytes else {
                return fail(
                    "_links.up",
                    format!(
                        "refund {refund_id} of order id {parent_id}: a WooCommerce refund carries no buyer, \
                         currency or tax rates, so ublflow takes them from the order, and order id {parent_id} has \
                         no invoice on this store; convert the order first: its export earlier in this run, or in \
                         an earlier run on the same store"
                    ),
                );
            };
            stored = serde_json::from_slice(&bytes).map_err(|e| {
                (
                    "_links.up".to_string(),
                    format!(
                        "refund {refund_id} of order id {parent_id}: the store's data of the order cannot be read \
                         ({e})"
                    ),
                )
            })?;
            &stored
        }
    };
    let mut credit = parent.order.clone();
    credit.kind = OrderKind::Refund;
    credit.refund_of = Some(parent.order.order_id.clone());
    credit.order_id = format!("{}-refund-{refund_id}", parent.order.order_id);
    credit.order_date = date(w.date_created.as_deref())?;
    credit.payment.status = PaymentStatus::Paid;
    credit.payment.means = None;
    credit.payment.reference = None;
    credit.note = None;
    credit.shipping = None;
    credit.charges.clear();
    credit.discounts.clear();
    let amount = w.amount.unwrap_or_default();
    credit.charged_total = Some(amount);
    let labels = HashMap::new();
    let taxes = Taxes {
        rates: &parent.rates,
        labels: &labels,
        shops,
    };
    let gross = parent.order.prices_include_vat;
    for (i, item) in w.line_items.iter().enumerate() {
        credit.lines.push(line(
            item,
            &taxes,
            gross,
            &format!("line_items[{i}]"),
            -Decimal::ONE,
        )?);
    }
    charges(&mut credit, w, &taxes, gross, -Decimal::ONE)?;
    if credit.lines.is_empty() {
        if credit.shipping.is_some() || !credit.charges.is_empty() {
            // Only shipping or fees refunded: they are the credit note's lines.
            if !credit.discounts.is_empty() {
                return fail(
                    "fee_lines",
                    "a refund of a negative fee without line items cannot be a credit note",
                );
            }
            let charges = credit
                .shipping
                .take()
                .into_iter()
                .chain(credit.charges.drain(..));
            credit.lines = charges
                .map(|c| RawLine {
                    description: c.reason.or_else(|| Some("Shipping".into())),
                    quantity: Some(Decimal::ONE),
                    unit_price: c.amount,
                    vat_category: c.vat_category,
                    vat_rate: c.vat_rate,
                    ..RawLine::default()
                })
                .collect();
            return Ok(credit);
        }
        let [(category, rate)] = parent.vats.iter().collect::<Vec<_>>()[..] else {
            return fail(
                "amount",
                format!(
                    "a refund of {amount} given only as an amount, on an order with several VAT rates: the VAT \
                     split is unknown; refund by line items in WooCommerce (enter the refunded quantities or \
                     line totals)"
                ),
            );
        };
        credit.prices_include_vat = true;
        credit.lines.push(RawLine {
            description: Some(format!("Refund of order {}", parent.order.order_id)),
            quantity: Some(Decimal::ONE),
            unit_price: Some(amount),
            vat_category: Some(category.clone()),
            vat_rate: Some(*rate),
            vat_exemption_reason: shops
                .untaxed_exemption_reason
                .clone()
                .filter(|_| category != "S"),
            ..RawLine::default()
        });
    }
    Ok(credit)
}

/// The WooCommerce JSON path of a field given as a JSON path of the order model, for error messages.
pub(super) fn field_for(path: &str) -> String {
    if let Some((head, tail)) = path.split_once("].") {
        if let Some(i) = head.strip_prefix("lines[") {
            let field = match tail {
                "description" => "name",
                "quantity" => "quantity",
                "unit_price" => "subtotal",
                "discount" => "total",
                "sku" => "sku",
                _ => "taxes",
            };
            return format!("line_items[{i}].{field}");
        }
        if head.starts_with("charges[") || head.starts_with("discounts[") {
            return "fee_lines".into();
        }
    }
    let field = match path {
        "order_id" | "refund_of" => "number",
        "order_date" => "date_created",
        "charged_total" => "total",
        "lines" => "line_items",
        "buyer.name" => "billing.first_name",
        "buyer.address.street" => "billing.address_1",
        "buyer.address.additional_street" => "billing.address_2",
        "buyer.address.postal_code" => "billing.postcode",
        "buyer.address.region" => "billing.state",
        "delivery.address.street" => "shipping.address_1",
        "delivery.address.additional_street" => "shipping.address_2",
        "delivery.address.postal_code" => "shipping.postcode",
        "delivery.address.region" => "shipping.state",
        p if p.starts_with("buyer.vat_id") || p.starts_with("buyer.endpoint") => "meta_data",
        p if p.starts_with("shipping") => "shipping_lines",
        p => {
            return p
                .replace("buyer.address.", "billing.")
                .replace("delivery.address.", "shipping.")
                .replace("buyer.", "billing.")
        }
    };
    field.to_owned()
}

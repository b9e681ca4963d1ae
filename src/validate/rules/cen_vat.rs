//! CEN EN 16931 VAT category rules: BR-S, BR-Z, BR-E, BR-AE, BR-IC (K), BR-G, BR-O, BR-AF (L),
//! BR-AG (M) and BR-B. The ten rules of each category follow one pattern, so each category is
//! a row of [`CATEGORIES`] naming its official ids; the per-category differences are its fields.

use crate::validate::name::{name, steps, Name};
use std::borrow::Cow;

use crate::validate::dom::Node;
use rust_decimal::Decimal;

use super::common::{category_code, indicator_is, is_vat};
use super::Ctx;
use crate::validate::catalogue::Source;
use crate::validate::fasthash::{FastMap, FastSet};
use crate::validate::value::{round2, trim};
use crate::validate::xml::{cac, cacs, cbc, cbcs, exists, is_cac, string_value};

const CEN: Source = Source::Cen;

/// How many breakdowns a used category needs (rule -01).
#[derive(Clone, Copy, PartialEq)]
enum Breakdown {
    ExactlyOne,
    AtLeastOne,
}

/// Which VAT identifiers a category requires (rules -02..-04).
#[derive(Clone, Copy, PartialEq)]
enum Identifiers {
    /// Seller VAT id (any tax scheme) or tax representative VAT id.
    Seller,
    /// Seller VAT id (VAT scheme) or tax representative VAT id.
    SellerVat,
    /// Seller or representative, and the buyer's VAT id or legal registration id.
    SellerAndBuyerOrLegal,
    /// Seller (VAT scheme) or representative, and the buyer's VAT id.
    SellerAndBuyerVat,
    /// None of seller, representative or buyer VAT id.
    NoVatIds,
}

/// The rate a line, allowance or charge of the category must have (rules -05..-07).
#[derive(Clone, Copy, PartialEq)]
enum Rate {
    Zero,
    Positive,
    NonNegative,
    Absent,
}

/// How the breakdown's taxable and tax amounts are checked (rules -08, -09).
#[derive(Clone, Copy, PartialEq)]
enum Amounts {
    /// Taxable amount equals the category's net sum exactly; tax amount is 0.
    ExactZeroTax,
    /// Per rate: taxable within ±1 of the net sum; tax = taxable × rate within ±1.
    PerRate { requires_usage: bool },
}

struct Category {
    code: &'static str,
    ids: [&'static str; 10],
    breakdown: Breakdown,
    identifiers: Identifiers,
    rate: Rate,
    amounts: Amounts,
    exemption_required: bool,
}

const CATEGORIES: [Category; 9] = [
    Category {
        code: "S",
        ids: [
            "BR-S-01", "BR-S-02", "BR-S-03", "BR-S-04", "BR-S-05", "BR-S-06", "BR-S-07", "BR-S-08",
            "BR-S-09", "BR-S-10",
        ],
        breakdown: Breakdown::AtLeastOne,
        identifiers: Identifiers::Seller,
        rate: Rate::Positive,
        amounts: Amounts::PerRate {
            requires_usage: true,
        },
        exemption_required: false,
    },
    Category {
        code: "Z",
        ids: [
            "BR-Z-01", "BR-Z-02", "BR-Z-03", "BR-Z-04", "BR-Z-05", "BR-Z-06", "BR-Z-07", "BR-Z-08",
            "BR-Z-09", "BR-Z-10",
        ],
        breakdown: Breakdown::ExactlyOne,
        identifiers: Identifiers::Seller,
        rate: Rate::Zero,
        amounts: Amounts::ExactZeroTax,
        exemption_required: false,
    },
    Category {
        code: "E",
        ids: [
            "BR-E-01", "BR-E-02", "BR-E-03", "BR-E-04", "BR-E-05", "BR-E-06", "BR-E-07", "BR-E-08",
            "BR-E-09", "BR-E-10",
        ],
        breakdown: Breakdown::ExactlyOne,
        identifiers: Identifiers::Seller,
        rate: Rate::Zero,
        amounts: Amounts::ExactZeroTax,
        exemption_required: true,
    },
    Category {
        code: "AE",
        ids: [
            "BR-AE-01", "BR-AE-02", "BR-AE-03", "BR-AE-04", "BR-AE-05", "BR-AE-06", "BR-AE-07",
            "BR-AE-08", "BR-AE-09", "BR-AE-10",
        ],
        breakdown: Breakdown::ExactlyOne,
        identifiers: Identifiers::SellerAndBuyerOrLegal,
        rate: Rate::Zero,
        amounts: Amounts::ExactZeroTax,
        exemption_required: true,
    },
    Category {
        code: "K",
        ids: [
            "BR-IC-01", "BR-IC-02", "BR-IC-03", "BR-IC-04", "BR-IC-05", "BR-IC-06", "BR-IC-07",
            "BR-IC-08", "BR-IC-09", "BR-IC-10",
        ],
        breakdown: Breakdown::ExactlyOne,
        identifiers: Identifiers::SellerAndBuyerVat,
        rate: Rate::Zero,
        amounts: Amounts::ExactZeroTax,
        exemption_required: true,
    },
    Category {
        code: "G",
        ids: [
            "BR-G-01", "BR-G-02", "BR-G-03", "BR-G-04", "BR-G-05", "BR-G-06", "BR-G-07", "BR-G-08",
            "BR-G-09", "BR-G-10",
        ],
        breakdown: Breakdown::ExactlyOne,
        identifiers: Identifiers::SellerVat,
        rate: Rate::Zero,
        amounts: Amounts::ExactZeroTax,
        exemption_required: true,
    },
    Category {
        code: "O",
        ids: [
            "BR-O-01", "BR-O-02", "BR-O-03", "BR-O-04", "BR-O-05", "BR-O-06", "BR-O-07", "BR-O-08",
            "BR-O-09", "BR-O-10",
        ],
        breakdown: Breakdown::ExactlyOne,
        identifiers: Identifiers::NoVatIds,
        rate: Rate::Absent,
        amounts: Amounts::ExactZeroTax,
        exemption_required: true,
    },
    Category {
        code: "L",
        ids: [
            "BR-AF-01", "BR-AF-02", "BR-AF-03", "BR-AF-04", "BR-AF-05", "BR-AF-06", "BR-AF-07",
            "BR-AF-08", "BR-AF-09", "BR-AF-10",
        ],
        breakdown: Breakdown::AtLeastOne,
        identifiers: Identifiers::Seller,
        rate: Rate::NonNegative,
        amounts: Amounts::PerRate {
            requires_usage: false,
        },
        exemption_required: false,
    },
    Category {
        code: "M",
        ids: [
            "BR-AG-01", "BR-AG-02", "BR-AG-03", "BR-AG-04", "BR-AG-05", "BR-AG-06", "BR-AG-07",
            "BR-AG-08", "BR-AG-09", "BR-AG-10",
        ],
        breakdown: Breakdown::AtLeastOne,
        identifiers: Identifiers::Seller,
        rate: Rate::NonNegative,
        amounts: Amounts::PerRate {
            requires_usage: false,
        },
        exemption_required: false,
    },
];

/// A tax category with its VAT scheme test and normalized code, computed once.
struct Cat<'a, 'i> {
    node: Node<'a, 'i>,
    vat: bool,
    code: String,
}

impl<'a, 'i> Cat<'a, 'i> {
    fn new(node: Node<'a, 'i>) -> Self {
        Cat {
            node,
            vat: is_vat(node),
            code: category_code(node),
        }
    }
}

/// Where VAT categories occur, collected once.
struct Uses<'a, 'i> {
    /// `/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory`.
    breakdown: Vec<Cat<'a, 'i>>,
    /// `//cac:ClassifiedTaxCategory`.
    classified: Vec<Cat<'a, 'i>>,
    /// `//cac:AllowanceCharge/cac:TaxCategory` with the allowance/charge.
    allowance_charge: Vec<(Node<'a, 'i>, Cat<'a, 'i>)>,
    /// Every `//cac:TaxCategory`.
    all_tax_categories: Vec<Cat<'a, 'i>>,
}

/// Runs the VAT category rules.
pub(crate) fn check(ctx: &mut Ctx) {
    let root = ctx.root;
    let mut uses = Uses {
        breakdown: Vec::new(),
        classified: Vec::new(),
        allowance_charge: Vec::new(),
        all_tax_categories: Vec::new(),
    };
    uses.classified.extend(
        ctx.named(name!("cac:ClassifiedTaxCategory"))
            .map(|e| Cat::new(*e)),
    );
    for &e in ctx.named(name!("cac:TaxCategory")) {
        uses.all_tax_categories.push(Cat::new(e));
        let parent = e.parent_element();
        if let Some(ac) = parent.filter(|p| is_cac!(*p, "AllowanceCharge")) {
            uses.allowance_charge.push((ac, Cat::new(e)));
        } else if parent.is_some_and(|s| {
            is_cac!(s, "TaxSubtotal")
                && s.parent_element()
                    .is_some_and(|t| is_cac!(t, "TaxTotal") && t.parent_element() == Some(root))
        }) {
            uses.breakdown.push(Cat::new(e));
        }
    }
    let ids = VatIds::collect(ctx);
    let mut sums = Sums::new(ctx);
    // A category whose code no VAT category of the document has passes all its rules (each
    // holds when nothing uses the code), so only the codes in use are checked.
    let in_use = |code: &str| {
        (uses.all_tax_categories.iter())
            .chain(&uses.classified)
            .any(|c| has_code(c, code))
    };
    for cat in CATEGORIES.iter().filter(|cat| in_use(cat.code)) {
        document_rules(ctx, cat, &uses, &ids);
        rate_rules(ctx, cat, &uses);
        for b in &uses.breakdown {
            if has_code(b, cat.code) {
                breakdown_rules(ctx, &mut sums, cat, b.node);
            }
        }
    }
    extra_document_rules(ctx, &uses);
}

/// Which VAT identifiers the document has.
struct VatIds {
    seller_any: bool,
    seller_vat: bool,
    representative_vat: bool,
    buyer_vat: bool,
    buyer_legal: bool,
}

impl VatIds {
    fn collect(ctx: &Ctx) -> Self {
        let scheme_ids = |party: Node, vat_only: bool| {
            cacs!(party, "PartyTaxScheme")
                .any(|s| (!vat_only || is_vat(s)) && cbc!(s, "CompanyID").is_some())
        };
        let parties = |outer: Name| -> Vec<Node> {
            ctx.named(outer).flat_map(|e| cacs!(*e, "Party")).collect()
        };
        let sellers = parties(name!("cac:AccountingSupplierParty"));
        let buyers = parties(name!("cac:AccountingCustomerParty"));
        let reps: Vec<Node> = ctx
            .named(name!("cac:TaxRepresentativeParty"))
            .copied()
            .collect();
        VatIds {
            seller_any: sellers.iter().any(|p| scheme_ids(*p, false)),
            seller_vat: sellers.iter().any(|p| scheme_ids(*p, true)),
            representative_vat: reps.iter().any(|p| scheme_ids(*p, true)),
            buyer_vat: buyers.iter().any(|p| scheme_ids(*p, true)),
            buyer_legal: buyers
                .iter()
                .any(|p| exists(*p, steps!["cac:PartyLegalEntity", "cbc:CompanyID"])),
        }
    }

    fn satisfied(&self, rule: Identifiers) -> bool {
        match rule {
            Identifiers::Seller => self.seller_any || self.representative_vat,
            Identifiers::SellerVat => self.seller_vat || self.representative_vat,
            Identifiers::SellerAndBuyerOrLegal => {
                (self.seller_any || self.representative_vat) && (self.buyer_vat || self.buyer_legal)
            }
            Identifiers::SellerAndBuyerVat => {
                (self.seller_vat || self.representative_vat) && self.buyer_vat
            }
            Identifiers::NoVatIds => {
                !self.seller_vat && !self.representative_vat && !self.buyer_vat
            }
        }
    }
}

fn has_code(cat: &Cat, code: &str) -> bool {
    cat.vat && cat.code == code
}

/// Rules -01..-04 on the document.
fn document_rules(ctx: &mut Ctx, cat: &Category, uses: &Uses, ids: &VatIds) {
    let root = ctx.root;
    let code = cat.code;
    let in_breakdown = uses.breakdown.iter().filter(|b| has_code(b, code)).count();
    let in_lines = uses.classified.iter().any(|c| has_code(c, code));
    let used = match cat.breakdown {
        Breakdown::ExactlyOne => {
            in_lines || uses.all_tax_categories.iter().any(|c| has_code(c, code))
        }
        Breakdown::AtLeastOne => {
            in_lines || uses.allowance_charge.iter().any(|(_, c)| has_code(c, code))
        }
    };
    let ok = match cat.breakdown {
        Breakdown::ExactlyOne => !used || in_breakdown == 1,
        Breakdown::AtLeastOne => used == (in_breakdown > 0),
    };
    ctx.check(ok, cat.ids[0], root);

    let identifiers_ok = ids.satisfied(cat.identifiers);
    let document_level = |charge: bool| {
        uses.allowance_charge.iter().any(|(ac, c)| {
            has_code(c, code)
                && (cat.identifiers != Identifiers::NoVatIds || ac.parent_element() == Some(root))
                && indicator_is(*ac, charge)
        })
    };
    let (allowances, charges) = (document_level(false), document_level(true));
    ctx.check(!in_lines || identifiers_ok, cat.ids[1], root);
    ctx.check(!allowances || identifiers_ok, cat.ids[2], root);
    ctx.check(!charges || identifiers_ok, cat.ids[3], root);
}

/// Rules -05..-07: the rate of lines, allowances and charges of the category.
fn rate_rules(ctx: &mut Ctx, cat: &Category, uses: &Uses) {
    // The code first: it is known, while whether the category is on a line is looked up.
    for cat_use in uses.classified.iter().filter(|c| has_code(c, cat.code)) {
        let c = cat_use.node;
        let on_line = c
            .parent_element()
            .filter(|i| is_cac!(*i, "Item"))
            .and_then(|i| i.parent_element())
            .is_some_and(|l| is_cac!(l, "InvoiceLine") || is_cac!(l, "CreditNoteLine"));
        if on_line {
            let ok = rate_ok(ctx, cat.rate, c);
            ctx.check(ok, cat.ids[4], c);
        }
    }
    for (ac, cat_use) in &uses.allowance_charge {
        if !has_code(cat_use, cat.code) {
            continue;
        }
        let (ac, c) = (*ac, cat_use.node);
        if indicator_is(ac, false) {
            let ok = rate_ok(ctx, cat.rate, c);
            ctx.check(ok, cat.ids[5], c);
        } else if indicator_is(ac, true) {
            let ok = rate_ok(ctx, cat.rate, c);
            ctx.check(ok, cat.ids[6], c);
        }
    }
}

fn rate_ok(ctx: &mut Ctx, rate: Rate, cat: Node) -> bool {
    let percents: Vec<Node> = cbcs!(cat, "Percent").collect();
    match rate {
        Rate::Absent => percents.is_empty(),
        Rate::Zero => match percents.first() {
            Some(p) => ctx.dec(*p, CEN).is_none_or(|v| v.is_zero()),
            None => false,
        },
        Rate::Positive | Rate::NonNegative => {
            for p in percents {
                match ctx.num(p, CEN) {
                    Some(v) if v > Decimal::ZERO => return true,
                    Some(v) if v.is_zero() && rate == Rate::NonNegative => return true,
                    Some(_) => {}
                    None => return true,
                }
            }
            false
        }
    }
}

/// Net amounts of one category code over one kind of line, computed once per document.
#[derive(Default)]
struct CodeSums {
    /// Lines of the code minus allowances plus charges of the code (rules -08, exact).
    all: Decimal,
    /// The same per rate (rules -08, per rate).
    by_rate: FastMap<Decimal, Decimal>,
    /// Rates of lines of this kind, or of any allowance/charge, of the code anywhere (BR-S-08).
    used_rates: FastSet<Decimal>,
}

/// A line or an allowance/charge (anywhere), with its tax categories, collected once for every
/// code and line kind the sums are computed for.
struct Owner<'a, 'i> {
    node: Node<'a, 'i>,
    /// The local name: `InvoiceLine`, `CreditNoteLine` or `AllowanceCharge`.
    name: &'a str,
    /// A child of the root (a line of the document, or a document-level allowance/charge).
    top: bool,
    /// Its categories: `cac:Item/cac:ClassifiedTaxCategory` of a line, `cac:TaxCategory` of an
    /// allowance/charge.
    cats: Vec<Node<'a, 'i>>,
    /// The string value of the first `cbc:ID` of each of `cats`.
    codes: Vec<Option<Cow<'a, str>>>,
    /// The distinct rates of `cats`, once read: every code and both passes of
    /// [`CodeSums::compute`] read the same ones.
    rates: Option<Vec<Decimal>>,
}

impl<'a, 'i> Owner<'a, 'i> {
    fn new(node: Node<'a, 'i>, name: &'a str, root: Node) -> Self {
        let cats: Vec<Node> = if name == "AllowanceCharge" {
            cacs!(node, "TaxCategory").collect()
        } else {
            cacs!(node, "Item")
                .flat_map(|i| cacs!(i, "ClassifiedTaxCategory"))
                .collect()
        };
        Owner {
            node,
            name,
            top: node.parent_element() == Some(root),
            codes: cats
                .iter()
                .map(|c| cbc!(*c, "ID").map(string_value))
                .collect(),
            cats,
            rates: None,
        }
    }

    /// `cats[normalize-space(cbc:ID) = code]` is not empty, for a code without spaces.
    fn has_code(&self, code: &str) -> bool {
        self.codes.iter().flatten().any(|c| trim(c) == code)
    }

    /// The rates (`xs:decimal(cbc:Percent)`) of the categories when one of them has `code`.
    /// They are read once: a second read would only repeat the values, and an abort, which the
    /// first read has already reported.
    fn rates_if_code(&mut self, ctx: &mut Ctx, code: &str) -> Option<&[Decimal]> {
        if !self.has_code(code) {
            return None;
        }
        let cats = &self.cats;
        let rates = self.rates.get_or_insert_with(|| {
            let mut rates: Vec<Decimal> = Vec::new();
            for p in cats.iter().filter_map(|c| cbc!(*c, "Percent")) {
                if let Some(r) = ctx.dec(p, CEN) {
                    if !rates.contains(&r) {
                        rates.push(r);
                    }
                }
            }
            rates
        });
        Some(rates)
    }
}

/// [`CodeSums`] by (line kind, category code), filled on demand.
struct Sums<'a, 'i> {
    has_invoice_lines: bool,
    has_credit_lines: bool,
    cache: FastMap<(&'static str, &'static str), CodeSums>,
    /// Every line and allowance/charge in document order, collected on the first computation.
    owners: Option<Vec<Owner<'a, 'i>>>,
}

impl<'a, 'i> Sums<'a, 'i> {
    fn new(ctx: &Ctx<'a, 'i>) -> Self {
        Sums {
            has_invoice_lines: ctx.named(name!("cac:InvoiceLine")).next().is_some(),
            has_credit_lines: ctx.named(name!("cac:CreditNoteLine")).next().is_some(),
            cache: FastMap::default(),
            owners: None,
        }
    }

    /// The sums of `code` over lines named `lines` (and the document allowances/charges).
    fn get(&mut self, ctx: &mut Ctx<'a, 'i>, code: &'static str, lines: &'static str) -> &CodeSums {
        let owners = self.owners.get_or_insert_with(|| {
            let root = ctx.root;
            ctx.named_any(&[
                name!("cac:InvoiceLine"),
                name!("cac:CreditNoteLine"),
                name!("cac:AllowanceCharge"),
            ])
            .into_iter()
            .map(|e| Owner::new(e, e.local_name(), root))
            .collect()
        });
        self.cache
            .entry((lines, code))
            .or_insert_with(|| CodeSums::compute(ctx, owners, code, lines))
    }
}

impl CodeSums {
    fn compute(ctx: &mut Ctx, owners: &mut [Owner], code: &str, lines: &str) -> Self {
        let mut sums = CodeSums::default();
        for l in owners.iter_mut().filter(|o| o.top && o.name == lines) {
            let node = l.node;
            if let Some(rates) = l.rates_if_code(ctx, code) {
                let v = ctx
                    .dec_child(node, name!("cbc:LineExtensionAmount"), CEN)
                    .unwrap_or_default();
                sums.add(v, rates);
            }
        }
        for ac in owners
            .iter_mut()
            .filter(|o| o.top && o.name == "AllowanceCharge")
        {
            let node = ac.node;
            let Some(rates) = ac.rates_if_code(ctx, code) else {
                continue;
            };
            let v = ctx
                .dec_child(node, name!("cbc:Amount"), CEN)
                .unwrap_or_default();
            if indicator_is(node, true) {
                sums.add(v, rates);
            }
            if indicator_is(node, false) {
                sums.add(-v, rates);
            }
        }
        for u in owners
            .iter_mut()
            .filter(|o| o.name == lines || o.name == "AllowanceCharge")
        {
            if let Some(rates) = u.rates_if_code(ctx, code) {
                sums.used_rates.extend(rates.iter().copied());
            }
        }
        sums
    }

    fn add(&mut self, v: Decimal, rates: &[Decimal]) {
        self.all += v;
        for r in rates {
            *self.by_rate.entry(*r).or_default() += v;
        }
    }
}

/// Rules -08..-10 on a breakdown category (`/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory`).
fn breakdown_rules<'a, 'i>(
    ctx: &mut Ctx<'a, 'i>,
    sums: &mut Sums<'a, 'i>,
    cat: &Category,
    b: Node,
) {
    let Some(subtotal) = b.parent_element() else {
        return;
    };
    let (has_invoice_lines, has_credit_lines) = (sums.has_invoice_lines, sums.has_credit_lines);
    let taxable = ctx.dec_child(subtotal, name!("cbc:TaxableAmount"), CEN);
    let tax = ctx.dec_child(subtotal, name!("cbc:TaxAmount"), CEN);
    match cat.amounts {
        Amounts::ExactZeroTax => {
            let (mut ok, mut expected) = (false, None);
            for (present, lines) in [
                (has_invoice_lines, "InvoiceLine"),
                (has_credit_lines, "CreditNoteLine"),
            ] {
                if present {
                    let sum = sums.get(ctx, cat.code, lines).all;
                    ok |= taxable == Some(sum);
                    expected.get_or_insert(sum);
                }
            }
            ctx.check_values(ok, cat.ids[7], b, expected, taxable);
            let zero = Some(Decimal::ZERO);
            ctx.check_values(tax.is_some_and(|t| t.is_zero()), cat.ids[8], b, zero, tax);
        }
        Amounts::PerRate { requires_usage } => {
            let rate = ctx.dec_child(b, name!("cbc:Percent"), CEN);
            if let Some(rate) = rate {
                let (mut ok, mut expected) = (false, None);
                for (present, lines) in [
                    (has_invoice_lines, "InvoiceLine"),
                    (has_credit_lines, "CreditNoteLine"),
                ] {
                    let code_sums = sums.get(ctx, cat.code, lines);
                    let used = if requires_usage {
                        code_sums.used_rates.contains(&rate)
                    } else {
                        present
                    };
                    if used {
                        let sum = code_sums.by_rate.get(&rate).copied().unwrap_or_default();
                        ok |= taxable
                            .is_some_and(|t| t - Decimal::ONE < sum && t + Decimal::ONE > sum);
                        expected.get_or_insert(sum);
                    }
                }
                ctx.check_values(ok, cat.ids[7], b, expected, taxable);
            }
            let expected = taxable
                .zip(rate)
                .map(|(x, p)| round2(x.abs() * (p / Decimal::ONE_HUNDRED)));
            let ok = match (tax, expected) {
                (Some(t), Some(e)) => t.abs() - Decimal::ONE < e && t.abs() + Decimal::ONE > e,
                _ => false,
            };
            ctx.check_values(ok, cat.ids[8], b, expected, tax.map(|t| t.abs()));
        }
    }
    let exemption =
        cbc!(b, "TaxExemptionReason").is_some() || cbc!(b, "TaxExemptionReasonCode").is_some();
    ctx.check(exemption == cat.exemption_required, cat.ids[9], b);
}

/// BR-IC-11, BR-IC-12, BR-O-11..14, BR-B-01, BR-B-02.
fn extra_document_rules(ctx: &mut Ctx, uses: &Uses) {
    let root = ctx.root;
    let breakdown_has = |code: &str| uses.breakdown.iter().any(|b| has_code(b, code));
    if breakdown_has("K") {
        let delivery_date = cac!(root, "Delivery")
            .and_then(|d| cbc!(d, "ActualDeliveryDate"))
            .is_some_and(|d| string_value(d).chars().count() > 1);
        let period = cacs!(root, "InvoicePeriod").any(|p| p.elements().next().is_some());
        ctx.check(delivery_date || period, "BR-IC-11", root);
        let country = crate::validate::xml::first(
            root,
            steps![
                "cac:Delivery",
                "cac:DeliveryLocation",
                "cac:Address",
                "cac:Country",
                "cbc:IdentificationCode",
            ],
        )
        .is_some_and(|c| string_value(c).chars().count() > 1);
        ctx.check(country, "BR-IC-12", root);
    }
    if breakdown_has("O") {
        let other = |c: &Cat| c.vat && c.code != "O";
        ctx.check(!uses.breakdown.iter().any(other), "BR-O-11", root);
        ctx.check(!uses.classified.iter().any(other), "BR-O-12", root);
        let ac_other = |charge: bool| {
            uses.allowance_charge
                .iter()
                .any(|(ac, c)| indicator_is(*ac, charge) && other(c))
        };
        ctx.check(!ac_other(false), "BR-O-13", root);
        ctx.check(!ac_other(true), "BR-O-14", root);
    }
    // BR-B: raw (not normalized) comparisons, as in the official tests.
    let raw = |c: &Node, v: &str| cbcs!(*c, "ID").any(|i| string_value(i) == v);
    let b_anywhere = uses.all_tax_categories.iter().any(|c| raw(&c.node, "B"))
        || uses.classified.iter().any(|c| raw(&c.node, "B"));
    let all_italian = || {
        !ctx.named(name!("cbc:IdentificationCode"))
            .any(|e| string_value(*e) != "IT")
    };
    let italian_ok = !b_anywhere || all_italian();
    ctx.check(italian_ok, "BR-B-01", root);
    let root_ac_cats: Vec<Node> = cacs!(root, "AllowanceCharge")
        .flat_map(|a| cacs!(a, "TaxCategory"))
        .collect();
    let b_used = uses.breakdown.iter().any(|c| raw(&c.node, "B"))
        || root_ac_cats.iter().any(|c| raw(c, "B"))
        || uses.classified.iter().any(|c| raw(&c.node, "B"));
    // `cac:TaxTotal/cac:TaxSubtotal/cbc:ID = 'S'` looks for an ID on the subtotal itself.
    let subtotal_s = cacs!(root, "TaxTotal")
        .flat_map(|t| cacs!(t, "TaxSubtotal"))
        .any(|s| raw(&s, "S"));
    let s_used = subtotal_s
        || root_ac_cats.iter().any(|c| raw(c, "S"))
        || uses.classified.iter().any(|c| raw(&c.node, "S"));
    ctx.check(!b_used || !s_used, "BR-B-02", root);
}

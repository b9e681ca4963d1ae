//! The UBL writer: one function per business group, elements in UBL 2.1 schema order.

use crate::model::{
    Address, AllowanceCharge, DocKind, Document, Line, Numbered, Party, TaxCategory, VatCode,
};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use rust_decimal::Decimal;

const NS_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const NS_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const NS_CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const NS_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Serialises a document with its number as UBL 2.1 XML (UTF-8).
///
/// Elements are not indented: the whitespace would be a sixth of the bytes, which every reader, the
/// validation gate first (a fifth of its time, since each run of it is a node to parse and step over),
/// would have to handle again; any XML viewer indents a document for reading.
pub fn write(doc: &Document, numbered: &Numbered) -> Vec<u8> {
    let mut x = X {
        w: Writer::new(Vec::with_capacity(8 * 1024)),
        currency: &doc.currency,
    };
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    x.w.get_mut().push(b'\n');
    let (root, ns) = match doc.kind {
        DocKind::Invoice => ("Invoice", NS_INVOICE),
        DocKind::CreditNote => ("CreditNote", NS_CREDIT_NOTE),
    };
    let mut start = BytesStart::new(root);
    start.extend_attributes([("xmlns", ns), ("xmlns:cac", NS_CAC), ("xmlns:cbc", NS_CBC)]);
    x.event(Event::Start(start));
    header(&mut x, doc, numbered);
    x.group("cac:AccountingSupplierParty", |x| party(x, &doc.seller));
    x.group("cac:AccountingCustomerParty", |x| party(x, &doc.buyer));
    delivery(&mut x, doc);
    payment_means(&mut x, doc);
    x.group("cac:PaymentTerms", |x| {
        x.leaf("cbc:Note", &doc.payment.terms)
    });
    for ac in &doc.allowance_charges {
        allowance_charge(&mut x, ac);
    }
    tax_total(&mut x, doc);
    legal_monetary_total(&mut x, doc);
    for line in &doc.lines {
        invoice_line(&mut x, doc.kind, line);
    }
    x.event(Event::End(BytesEnd::new(root)));
    let mut out = x.w.into_inner();
    out.push(b'\n');
    out
}

/// The writer and the document currency every amount carries.
struct X<'a> {
    w: Writer<Vec<u8>>,
    currency: &'a str,
}

impl X<'_> {
    fn event(&mut self, e: Event) {
        self.w
            .write_event(e)
            .expect("writing to memory cannot fail");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.w
            .create_element(name)
            .write_text_content(BytesText::new(text))
            .expect("writing to memory");
    }

    fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            self.leaf(name, t);
        }
    }

    fn leaf_attr(&mut self, name: &str, attr: (&str, &str), text: &str) {
        self.w
            .create_element(name)
            .with_attribute(attr)
            .write_text_content(BytesText::new(text))
            .expect("writing to memory");
    }

    fn amount(&mut self, name: &str, value: Decimal) {
        let text = format!("{:.2}", value.round_dp(2));
        let currency = self.currency;
        self.leaf_attr(name, ("currencyID", currency), &text);
    }

    fn group(&mut self, name: &str, body: impl FnOnce(&mut Self)) {
        self.event(Event::Start(BytesStart::new(name)));
        body(self);
        self.event(Event::End(BytesEnd::new(name)));
    }
}

/// BT-24, BT-23, BT-1, BT-2, BT-9, BT-3, BT-22, BT-5, BT-10, BT-13/14 and BG-3.
fn header(x: &mut X, doc: &Document, numbered: &Numbered) {
    x.leaf("cbc:CustomizationID", super::CUSTOMIZATION_ID);
    x.leaf("cbc:ProfileID", super::PROFILE_ID);
    x.leaf("cbc:ID", numbered.number);
    x.leaf("cbc:IssueDate", &doc.issue_date.to_string());
    match doc.kind {
        DocKind::Invoice => {
            if let Some(due) = doc.payment.due_date {
                x.leaf("cbc:DueDate", &due.to_string());
            }
            x.leaf("cbc:InvoiceTypeCode", "380");
        }
        DocKind::CreditNote => x.leaf("cbc:CreditNoteTypeCode", "381"),
    }
    x.opt("cbc:Note", doc.note.as_deref());
    x.leaf("cbc:DocumentCurrencyCode", &doc.currency);
    x.leaf("cbc:BuyerReference", &doc.buyer_reference);
    x.group("cac:OrderReference", |x| {
        // BT-13 is mandatory in the UBL element; Peppol uses "NA" when only the sales order is known.
        x.leaf("cbc:ID", doc.purchase_order.as_deref().unwrap_or("NA"));
        x.leaf("cbc:SalesOrderID", &doc.order_id);
    });
    if let Some((number, date)) = numbered.preceding {
        x.group("cac:BillingReference", |x| {
            x.group("cac:InvoiceDocumentReference", |x| {
                x.leaf("cbc:ID", number);
                x.leaf("cbc:IssueDate", &date.to_string());
            })
        });
    }
}

/// BG-4 / BG-7: seller or buyer party.
fn party(x: &mut X, p: &Party) {
    x.group("cac:Party", |x| {
        x.leaf_attr(
            "cbc:EndpointID",
            ("schemeID", &p.endpoint_scheme),
            &p.endpoint_id,
        );
        if let Some(name) = &p.trading_name {
            x.group("cac:PartyName", |x| x.leaf("cbc:Name", name));
        }
        x.group("cac:PostalAddress", |x| address(x, &p.address));
        if let Some(vat) = &p.vat_id {
            x.group("cac:PartyTaxScheme", |x| {
                x.leaf("cbc:CompanyID", vat);
                x.group("cac:TaxScheme", |x| x.leaf("cbc:ID", "VAT"));
            });
        }
        x.group("cac:PartyLegalEntity", |x| {
            x.leaf("cbc:RegistrationName", &p.name);
            if let Some(id) = &p.company_id {
                match &p.company_id_scheme {
                    Some(scheme) => x.leaf_attr("cbc:CompanyID", ("schemeID", scheme), id),
                    None => x.leaf("cbc:CompanyID", id),
                }
            }
            x.opt("cbc:CompanyLegalForm", p.legal_info.as_deref());
        });
        if let Some(c) = &p.contact {
            x.group("cac:Contact", |x| {
                x.opt("cbc:Name", c.name.as_deref());
                x.opt("cbc:Telephone", c.phone.as_deref());
                x.opt("cbc:ElectronicMail", c.email.as_deref());
            });
        }
    });
}

/// BG-5 / BG-8 / BG-15: postal address.
fn address(x: &mut X, a: &Address) {
    x.opt("cbc:StreetName", a.street.as_deref());
    x.opt("cbc:AdditionalStreetName", a.additional_street.as_deref());
    x.opt("cbc:CityName", a.city.as_deref());
    x.opt("cbc:PostalZone", a.postal_code.as_deref());
    x.opt("cbc:CountrySubentity", a.region.as_deref());
    x.group("cac:Country", |x| {
        x.leaf("cbc:IdentificationCode", &a.country)
    });
}

/// BG-13: delivery information.
fn delivery(x: &mut X, doc: &Document) {
    let Some(d) = &doc.delivery else { return };
    x.group("cac:Delivery", |x| {
        if let Some(date) = d.date {
            x.leaf("cbc:ActualDeliveryDate", &date.to_string());
        }
        if let Some(a) = &d.address {
            x.group("cac:DeliveryLocation", |x| {
                x.group("cac:Address", |x| address(x, a))
            });
        }
        if let Some(name) = &d.name {
            x.group("cac:DeliveryParty", |x| {
                x.group("cac:PartyName", |x| x.leaf("cbc:Name", name))
            });
        }
    });
}

/// BG-16 / BG-17: payment instructions.
fn payment_means(x: &mut X, doc: &Document) {
    let p = &doc.payment;
    x.group("cac:PaymentMeans", |x| {
        x.leaf("cbc:PaymentMeansCode", &p.means_code);
        x.leaf("cbc:PaymentID", &p.payment_id);
        if let Some(iban) = &p.iban {
            x.group("cac:PayeeFinancialAccount", |x| {
                x.leaf("cbc:ID", iban);
                x.opt("cbc:Name", p.account_name.as_deref());
                if let Some(bic) = &p.bic {
                    x.group("cac:FinancialInstitutionBranch", |x| x.leaf("cbc:ID", bic));
                }
            });
        }
    });
}

/// BT-151 / BT-95 / BT-102 / BT-118: a VAT category with its rate; category O carries no rate.
fn tax_category(
    x: &mut X,
    name: &str,
    tax: &TaxCategory,
    exemption: Option<(Option<&str>, Option<&str>)>,
) {
    x.group(name, |x| {
        x.leaf("cbc:ID", tax.code.as_str());
        if tax.code != VatCode::O {
            x.leaf("cbc:Percent", &tax.rate.normalize().to_string());
        }
        if let Some((code, reason)) = exemption {
            x.opt("cbc:TaxExemptionReasonCode", code);
            x.opt("cbc:TaxExemptionReason", reason);
        }
        x.group("cac:TaxScheme", |x| x.leaf("cbc:ID", "VAT"));
    });
}

/// BG-20 / BG-21: document-level allowance or charge.
fn allowance_charge(x: &mut X, ac: &AllowanceCharge) {
    x.group("cac:AllowanceCharge", |x| {
        x.leaf(
            "cbc:ChargeIndicator",
            if ac.charge { "true" } else { "false" },
        );
        x.opt("cbc:AllowanceChargeReasonCode", ac.reason_code);
        x.leaf("cbc:AllowanceChargeReason", &ac.reason);
        x.amount("cbc:Amount", ac.amount);
        tax_category(x, "cac:TaxCategory", &ac.tax, None);
    });
}

/// BT-110 and BG-23: VAT total and breakdown.
fn tax_total(x: &mut X, doc: &Document) {
    x.group("cac:TaxTotal", |x| {
        x.amount("cbc:TaxAmount", doc.totals.tax);
        for v in &doc.vat {
            x.group("cac:TaxSubtotal", |x| {
                x.amount("cbc:TaxableAmount", v.taxable);
                x.amount("cbc:TaxAmount", v.amount);
                tax_category(
                    x,
                    "cac:TaxCategory",
                    &v.tax,
                    Some((v.exemption_code, v.exemption_reason.as_deref())),
                );
            });
        }
    });
}

/// BG-22: document totals.
fn legal_monetary_total(x: &mut X, doc: &Document) {
    let t = &doc.totals;
    x.group("cac:LegalMonetaryTotal", |x| {
        x.amount("cbc:LineExtensionAmount", t.line_total);
        x.amount("cbc:TaxExclusiveAmount", t.tax_exclusive);
        x.amount("cbc:TaxInclusiveAmount", t.tax_inclusive);
        if doc.allowance_charges.iter().any(|a| !a.charge) {
            x.amount("cbc:AllowanceTotalAmount", t.allowance_total);
        }
        if doc.allowance_charges.iter().any(|a| a.charge) {
            x.amount("cbc:ChargeTotalAmount", t.charge_total);
        }
        if !t.prepaid.is_zero() {
            x.amount("cbc:PrepaidAmount", t.prepaid);
        }
        if !t.rounding.is_zero() {
            x.amount("cbc:PayableRoundingAmount", t.rounding);
        }
        x.amount("cbc:PayableAmount", t.payable);
    });
}

/// BG-25: one line, with its allowance (BG-27), item (BG-31) and price (BG-29).
fn invoice_line(x: &mut X, kind: DocKind, l: &Line) {
    let (element, quantity) = match kind {
        DocKind::Invoice => ("cac:InvoiceLine", "cbc:InvoicedQuantity"),
        DocKind::CreditNote => ("cac:CreditNoteLine", "cbc:CreditedQuantity"),
    };
    x.group(element, |x| {
        x.leaf("cbc:ID", &l.id.to_string());
        x.leaf_attr(
            quantity,
            ("unitCode", &l.unit_code),
            &l.quantity.normalize().to_string(),
        );
        x.amount("cbc:LineExtensionAmount", l.net_amount);
        if let Some(discount) = l.discount {
            x.group("cac:AllowanceCharge", |x| {
                x.leaf("cbc:ChargeIndicator", "false");
                x.leaf("cbc:AllowanceChargeReasonCode", "95");
                x.leaf("cbc:AllowanceChargeReason", "Discount");
                x.amount("cbc:Amount", discount);
            });
        }
        x.group("cac:Item", |x| {
            x.leaf("cbc:Name", &l.name);
            if let Some(sku) = &l.sku {
                x.group("cac:SellersItemIdentification", |x| x.leaf("cbc:ID", sku));
            }
            tax_category(x, "cac:ClassifiedTaxCategory", &l.tax, None);
        });
        x.group("cac:Price", |x| {
            x.leaf_attr(
                "cbc:PriceAmount",
                ("currencyID", x.currency),
                &l.price.normalize().to_string(),
            );
            if let Some(base) = l.base_quantity {
                x.leaf_attr(
                    "cbc:BaseQuantity",
                    ("unitCode", &l.unit_code),
                    &base.normalize().to_string(),
                );
            }
        });
    });
}

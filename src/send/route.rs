//! Routing: which channel and recipient a document goes to, from the profile and the order's buyer.

use super::settings::{Channel, Delivery};
use crate::input::BuyerType;

/// What routing needs to know about the buyer (carried from the order into the store's insert).
#[derive(Debug, Clone, Copy)]
pub struct Buyer<'a> {
    /// Business, government or consumer.
    pub buyer_type: BuyerType,
    /// VAT id, when the order gives one.
    pub vat_id: Option<&'a str>,
    /// Electronic address (BT-49).
    pub endpoint_id: &'a str,
    /// Its EAS scheme.
    pub endpoint_scheme: &'a str,
    /// E-mail address, when the order gives one.
    pub email: Option<&'a str>,
}

/// Where a document goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The channel (never [`Channel::None`]: such documents are not queued).
    pub channel: Channel,
    /// E-mail address, or the Peppol participant id (`scheme:id`) for the portal.
    pub recipient: String,
    /// Why the document cannot be delivered, when routing already knows (it is then queued as failed).
    pub problem: Option<String>,
}

/// Routes a document; `None` for archive only.
pub fn route(d: &Delivery, b: &Buyer) -> Option<Route> {
    let norm = |s: &str| s.replace(' ', "").to_ascii_lowercase();
    let rule = d.rules.iter().find(|r| {
        let eq = |want: &Option<String>, have: Option<&str>| {
            matches!((want, have), (Some(w), Some(h)) if norm(w) == norm(h))
        };
        eq(&r.vat_id, b.vat_id) || eq(&r.endpoint_id, Some(b.endpoint_id)) || eq(&r.email, b.email)
    });
    let channel = match rule {
        Some(r) => r.channel,
        None => match b.buyer_type {
            BuyerType::Business => d.business,
            BuyerType::Government => d.government,
            BuyerType::Consumer => d.consumer,
        }
        .unwrap_or(d.default),
    };
    match channel {
        Channel::None => None,
        Channel::Portal => Some(Route {
            channel,
            recipient: format!("{}:{}", b.endpoint_scheme, b.endpoint_id),
            problem: None,
        }),
        Channel::Email => {
            let to = rule.and_then(|r| r.send_to.as_deref()).or(b.email);
            Some(match to {
                None => Route {
                    channel,
                    recipient: String::new(),
                    problem: Some("the order gives no e-mail address for the buyer".into()),
                },
                Some(to) => Route {
                    channel,
                    recipient: to.trim().to_owned(),
                    problem: check_address(to.trim()).err(),
                },
            })
        }
    }
}

/// Checks that `addr` is one plain e-mail address (`local@domain`), with nothing a header could be split on.
pub fn check_address(addr: &str) -> Result<(), String> {
    let shown = addr.escape_debug();
    if addr.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "invalid e-mail address \"{shown}\": it contains spaces or control characters"
        ));
    }
    if addr.contains([',', ';', '<', '>', '"', '(', ')', '[', ']', '\\']) {
        return Err(format!(
            "invalid e-mail address \"{shown}\": it must be a single plain address"
        ));
    }
    match addr.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && addr.len() <= 254 =>
        {
            Ok(())
        }
        _ => Err(format!(
            "invalid e-mail address \"{shown}\": expected local@domain"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::send::settings::Rule;

    fn buyer(t: BuyerType, email: Option<&'static str>) -> Buyer<'static> {
        Buyer {
            buyer_type: t,
            vat_id: Some("ATU98765431"),
            endpoint_id: "4006381333931",
            endpoint_scheme: "0088",
            email,
        }
    }

    #[test]
    fn rules_then_buyer_type_then_default() {
        let d = Delivery {
            default: Channel::Email,
            government: Some(Channel::Portal),
            consumer: Some(Channel::None),
            rules: vec![Rule {
                vat_id: Some("atu 98765431".into()),
                endpoint_id: None,
                email: None,
                channel: Channel::Email,
                send_to: Some("ap@buyer.example".into()),
            }],
            ..Delivery::default()
        };
        let r = route(&d, &buyer(BuyerType::Government, Some("x@y.example"))).unwrap();
        assert_eq!(
            (r.channel, r.recipient.as_str()),
            (Channel::Email, "ap@buyer.example")
        );
        let mut other = buyer(BuyerType::Government, None);
        other.vat_id = None;
        let r = route(&d, &other).unwrap();
        assert_eq!(
            (r.channel, r.recipient.as_str()),
            (Channel::Portal, "0088:4006381333931")
        );
        other.buyer_type = BuyerType::Consumer;
        assert_eq!(route(&d, &other), None);
        other.buyer_type = BuyerType::Business;
        let r = route(&d, &other).unwrap();
        assert_eq!(r.channel, Channel::Email);
        assert!(r.problem.unwrap().contains("no e-mail address"));
    }

    #[test]
    fn header_tricks_are_refused() {
        for bad in [
            "a@b.example\r\nBcc: evil@x.example",
            "a@b.example, evil@x.example",
            "Name <a@b.example>",
            "a b@c.example",
            "nobody",
            "a@nodot",
        ] {
            assert!(check_address(bad).is_err(), "{bad:?}");
        }
        assert!(check_address("first.last+tag@sub.example.org").is_ok());
    }
}

//! Content models as regular expressions, compiled to deterministic automata.
//!
//! Positions are numbered by the Glushkov construction (every symbol occurrence is a position;
//! `first`, `last` and `follow` sets give an automaton without empty moves), then the subset
//! construction merges positions that share a symbol. XML Schema's unique particle attribution
//! rule makes the result small: almost every state is a single position.

use std::collections::{BTreeMap, BTreeSet};

use super::NAMESPACES;

/// A wildcard: `##any` or `##other:<namespace index>`, and its `processContents` variant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wildcard {
    pub namespace: String,
    pub process: String,
}

impl Wildcard {
    /// Whether an element of the namespace at this index of `NAMESPACES` matches.
    pub fn matches(&self, ns: usize) -> bool {
        match self.namespace.strip_prefix("##other:") {
            None => true,
            Some(target) => target.parse::<usize>().expect("namespace index") != ns,
        }
    }

    /// The Rust `Term` text.
    pub fn rust(&self) -> String {
        let namespaces = match self.namespace.strip_prefix("##other:") {
            None => "NsConstraint::Any".to_string(),
            Some(target) => {
                let ns: usize = target.parse().expect("namespace index");
                format!("NsConstraint::Other(Ns::{})", NAMESPACES[ns].0)
            }
        };
        format!("Term::Any({namespaces}, Process::{})", self.process)
    }
}

/// What one position matches: a global element, a local element declaration, or a wildcard.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sym {
    Global(usize),
    Local(usize),
    Any(Wildcard),
}

/// A content model as a regular expression over symbols.
#[derive(Clone, Debug)]
pub enum Rx {
    Sym(Sym),
    Seq(Vec<Rx>),
    Alt(Vec<Rx>),
    Star(Box<Rx>),
    Opt(Box<Rx>),
}

impl Rx {
    /// `rx{min,max}` (`max` `None` for unbounded), expanded into copies, options and a star.
    pub fn repeat(rx: Rx, min: Option<u16>, max: Option<u16>) -> Rx {
        let min = min.expect("minOccurs is a number");
        if (min, max) == (1, Some(1)) {
            return rx;
        }
        let mut parts: Vec<Rx> = (0..min).map(|_| rx.clone()).collect();
        match max {
            None => parts.push(Rx::Star(Box::new(rx))),
            Some(max) => {
                assert!(max >= min, "maxOccurs below minOccurs");
                parts.extend((min..max).map(|_| Rx::Opt(Box::new(rx.clone()))));
            }
        }
        Rx::Seq(parts)
    }

    /// The particles of a flat sequence: a sequence of symbols each optionally repeated, in
    /// the shapes `repeat` produces. `None` for any other content model.
    pub fn flat_sequence(&self) -> Option<Vec<(Sym, u16, Option<u16>)>> {
        let Rx::Seq(parts) = self else {
            return None;
        };
        parts.iter().map(Rx::counted_symbol).collect()
    }

    /// `(symbol, min, max)` when this is one symbol repeated as `repeat` writes it.
    fn counted_symbol(&self) -> Option<(Sym, u16, Option<u16>)> {
        match self {
            Rx::Sym(sym) => Some((sym.clone(), 1, Some(1))),
            Rx::Opt(inner) => match inner.as_ref() {
                Rx::Sym(sym) => Some((sym.clone(), 0, Some(1))),
                _ => None,
            },
            Rx::Star(inner) => match inner.as_ref() {
                Rx::Sym(sym) => Some((sym.clone(), 0, None)),
                _ => None,
            },
            Rx::Seq(parts) if parts.len() == 1 => parts[0].counted_symbol(),
            Rx::Seq(parts) => {
                let (first, rest) = parts.split_first()?;
                let sym = match first {
                    Rx::Sym(sym) => sym,
                    _ => return None,
                };
                // `sym sym* ` is minOccurs 1, maxOccurs unbounded; `sym{n}` and options likewise.
                let mut min = 1u16;
                let mut max = Some(1u16);
                for part in rest {
                    match part {
                        Rx::Sym(s) if s == sym && max == Some(min) => {
                            min += 1;
                            max = Some(min);
                        }
                        Rx::Opt(inner) if matches!(inner.as_ref(), Rx::Sym(s) if s == sym) => {
                            max = max.map(|m| m + 1);
                        }
                        Rx::Star(inner) if matches!(inner.as_ref(), Rx::Sym(s) if s == sym) => {
                            max = None;
                        }
                        _ => return None,
                    }
                }
                Some((sym.clone(), min, max))
            }
            Rx::Alt(_) => None,
        }
    }
}

/// One state of the compiled automaton.
pub struct State {
    pub accepting: bool,
    pub edges: Vec<(Sym, usize)>,
}

/// Glushkov positions: the symbol of each and the positions that may follow it.
struct Positions {
    syms: Vec<Sym>,
    follow: Vec<BTreeSet<usize>>,
}

/// `nullable`, `first` and `last` of a subexpression.
struct Summary {
    nullable: bool,
    first: BTreeSet<usize>,
    last: BTreeSet<usize>,
}

impl Positions {
    fn summarize(&mut self, rx: &Rx) -> Summary {
        match rx {
            Rx::Sym(sym) => {
                let p = self.syms.len();
                self.syms.push(sym.clone());
                self.follow.push(BTreeSet::new());
                Summary {
                    nullable: false,
                    first: BTreeSet::from([p]),
                    last: BTreeSet::from([p]),
                }
            }
            Rx::Seq(parts) => {
                let mut acc = Summary {
                    nullable: true,
                    first: BTreeSet::new(),
                    last: BTreeSet::new(),
                };
                for part in parts {
                    let s = self.summarize(part);
                    for &p in &acc.last {
                        self.follow[p].extend(s.first.iter().copied());
                    }
                    if acc.nullable {
                        acc.first.extend(s.first.iter().copied());
                    }
                    acc.last = if s.nullable {
                        acc.last.union(&s.last).copied().collect()
                    } else {
                        s.last
                    };
                    acc.nullable &= s.nullable;
                }
                acc
            }
            Rx::Alt(parts) => {
                let mut acc = Summary {
                    nullable: false,
                    first: BTreeSet::new(),
                    last: BTreeSet::new(),
                };
                for part in parts {
                    let s = self.summarize(part);
                    acc.nullable |= s.nullable;
                    acc.first.extend(s.first);
                    acc.last.extend(s.last);
                }
                acc
            }
            Rx::Star(inner) => {
                let s = self.summarize(inner);
                for &p in &s.last {
                    self.follow[p].extend(s.first.iter().copied());
                }
                Summary {
                    nullable: true,
                    ..s
                }
            }
            Rx::Opt(inner) => Summary {
                nullable: true,
                ..self.summarize(inner)
            },
        }
    }
}

/// Compiles a content model; state 0 is the start.
pub fn compile(rx: &Rx) -> Vec<State> {
    let mut positions = Positions {
        syms: Vec::new(),
        follow: Vec::new(),
    };
    let root = positions.summarize(rx);
    // A state is a set of positions; `None` stands for the start.
    let mut ids: BTreeMap<Option<BTreeSet<usize>>, usize> = BTreeMap::from([(None, 0)]);
    let mut queue: Vec<Option<BTreeSet<usize>>> = vec![None];
    let mut states = Vec::new();
    while let Some(set) = queue.first().cloned() {
        queue.remove(0);
        let (accepting, next): (bool, BTreeSet<usize>) = match &set {
            None => (root.nullable, root.first.clone()),
            Some(set) => (
                set.iter().any(|p| root.last.contains(p)),
                set.iter()
                    .flat_map(|&p| positions.follow[p].iter().copied())
                    .collect(),
            ),
        };
        let mut by_sym: BTreeMap<Sym, BTreeSet<usize>> = BTreeMap::new();
        for p in next {
            by_sym
                .entry(positions.syms[p].clone())
                .or_default()
                .insert(p);
        }
        let mut edges = Vec::new();
        for (sym, target) in by_sym {
            let key = Some(target);
            let id = match ids.get(&key) {
                Some(&id) => id,
                None => {
                    let id = ids.len();
                    ids.insert(key.clone(), id);
                    queue.push(key);
                    id
                }
            };
            edges.push((sym, id));
        }
        states.push(State { accepting, edges });
    }
    // States were numbered in discovery order and processed in the same order.
    minimize(states)
}

/// Merges equivalent states (partition refinement), keeping the start as state 0 and the
/// discovery order otherwise.
fn minimize(states: Vec<State>) -> Vec<State> {
    let mut class: Vec<usize> = vec![0; states.len()];
    loop {
        // A state's signature: its class, acceptance and each edge's symbol and target class.
        let signatures: Vec<_> = states
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let edges: Vec<(Sym, usize)> = s
                    .edges
                    .iter()
                    .map(|(sym, t)| (sym.clone(), class[*t]))
                    .collect();
                (class[i], s.accepting, edges)
            })
            .collect();
        let mut ids: BTreeMap<_, usize> = BTreeMap::new();
        let mut next = Vec::with_capacity(states.len());
        for signature in &signatures {
            let id = ids.len();
            next.push(*ids.entry(signature.clone()).or_insert(id));
        }
        // Renumber classes in order of first appearance so state 0 stays the start.
        let mut order: BTreeMap<usize, usize> = BTreeMap::new();
        let renumbered: Vec<usize> = next
            .iter()
            .map(|c| {
                let n = order.len();
                *order.entry(*c).or_insert(n)
            })
            .collect();
        if renumbered == class {
            break;
        }
        class = renumbered;
    }
    let count = class.iter().max().map_or(0, |m| m + 1);
    let mut out: Vec<Option<State>> = (0..count).map(|_| None).collect();
    for (i, state) in states.into_iter().enumerate() {
        if out[class[i]].is_none() {
            let edges = state
                .edges
                .into_iter()
                .map(|(sym, t)| (sym, class[t]))
                .collect();
            out[class[i]] = Some(State {
                accepting: state.accepting,
                edges,
            });
        }
    }
    out.into_iter()
        .map(|s| s.expect("every class has a state"))
        .collect()
}

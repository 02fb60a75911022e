//! The filter grammar of every table (nodes, OpsItems, compliance, inventory).
//!
//! Whitespace-separated terms, all of which must match (AND):
//! - `web`: case-insensitive substring of any column or tag value;
//! - `region=eu`: substring of one column (the table's [`FilterColumn`] keys, e.g. for
//!   nodes `account`, `region`, `id`, `name`, `ping`, `platform`, `os`, `agent`, `ip`);
//! - `tag:Env=prod`: substring of the value of tag `Env` (key case-insensitive);
//! - a leading `!` negates a term.

use super::columns::Column;

/// The columns of a table as the filter grammar names them.
pub trait FilterColumn: Copy + Eq + std::fmt::Debug {
    /// The column a `key=value` term names, if any.
    fn from_filter_key(key: &str) -> Option<Self>;
    /// The keys, for error messages: "account, region, ...".
    fn filter_keys() -> &'static str;
}

impl FilterColumn for Column {
    fn from_filter_key(key: &str) -> Option<Column> {
        Column::from_filter_key(key)
    }

    fn filter_keys() -> &'static str {
        "account, region, id, name, ping, platform, os, agent, ip, tag:KEY"
    }
}

/// What one term looks for. Needles are lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher<C = Column> {
    /// Any column or tag value.
    Any(String),
    /// One column.
    Column(C, String),
    /// The value of one tag; `key` is lowercase.
    Tag { key: String, value: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term<C = Column> {
    pub negate: bool,
    pub matcher: Matcher<C>,
}

/// A parsed filter: every term must hold. No terms: everything matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter<C = Column> {
    pub terms: Vec<Term<C>>,
}

impl<C> Default for Filter<C> {
    fn default() -> Self {
        Filter { terms: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown column `{0}` (try {1})")]
    UnknownColumn(String, &'static str),
    #[error("`={0}` needs a column before `=`")]
    MissingColumn(String),
    #[error("`tag:` needs a key, as in tag:Env=prod")]
    MissingTagKey,
}

impl Filter<Column> {
    /// A filter over the nodes table.
    pub fn parse(text: &str) -> Result<Filter<Column>, FilterError> {
        Filter::parse_for(text)
    }
}

impl<C: FilterColumn> Filter<C> {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Parses `text` against the columns of `C`.
    pub fn parse_for(text: &str) -> Result<Filter<C>, FilterError> {
        Filter::parse_with(text, C::from_filter_key, C::filter_keys())
    }

    /// Parses `text`, naming columns with `resolve`; `keys` lists them for errors.
    pub fn parse_with(
        text: &str,
        resolve: impl Fn(&str) -> Option<C>,
        keys: &'static str,
    ) -> Result<Filter<C>, FilterError> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            let (negate, body) = match word.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, word),
            };
            if body.is_empty() {
                continue;
            }
            let matcher = match body.split_once('=') {
                None => Matcher::Any(lower(body)),
                Some(("", value)) => return Err(FilterError::MissingColumn(value.to_string())),
                Some((key, value)) => {
                    let value = lower(value);
                    match strip_prefix_ignore_case(key, "tag:") {
                        Some("") => return Err(FilterError::MissingTagKey),
                        Some(tag) => Matcher::Tag {
                            key: lower(tag),
                            value,
                        },
                        None => match resolve(key) {
                            Some(col) => Matcher::Column(col, value),
                            None => {
                                return Err(FilterError::UnknownColumn(key.to_string(), keys));
                            }
                        },
                    }
                }
            };
            terms.push(Term { negate, matcher });
        }
        Ok(Filter { terms })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Lowercase without control characters: the form of both haystacks and needles.
pub fn lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_lower(&mut out, s);
    out
}

/// Appends `s` lowercased, control characters dropped.
pub fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(
            s.bytes()
                .filter(|b| !b.is_ascii_control())
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
    } else {
        out.extend(
            s.chars()
                .filter(|c| !c.is_control())
                .flat_map(char::to_lowercase),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(s: &str) -> Term {
        Term {
            negate: false,
            matcher: Matcher::Any(s.into()),
        }
    }

    #[test]
    fn empty_and_blank_filters_have_no_terms() {
        assert!(Filter::parse("").expect("ok").is_empty());
        assert!(Filter::parse("   \t ").expect("ok").is_empty());
        assert!(Filter::parse("!").expect("ok").is_empty());
    }

    #[test]
    fn plain_terms_are_lowercased_and_anded() {
        let f = Filter::parse("Web  PROD").expect("ok");
        assert_eq!(f.terms, vec![any("web"), any("prod")]);
    }

    #[test]
    fn column_terms() {
        let f = Filter::parse("ping=Online Region=eu- instance=i-0a").expect("ok");
        assert_eq!(
            f.terms,
            vec![
                Term {
                    negate: false,
                    matcher: Matcher::Column(Column::Ping, "online".into())
                },
                Term {
                    negate: false,
                    matcher: Matcher::Column(Column::Region, "eu-".into())
                },
                Term {
                    negate: false,
                    matcher: Matcher::Column(Column::InstanceId, "i-0a".into())
                },
            ]
        );
    }

    #[test]
    fn value_may_contain_equals() {
        let f = Filter::parse("name=a=b").expect("ok");
        assert_eq!(
            f.terms[0].matcher,
            Matcher::Column(Column::Name, "a=b".into())
        );
    }

    #[test]
    fn tag_terms_and_negation() {
        let f = Filter::parse("!tag:Env=Prod !web").expect("ok");
        assert_eq!(
            f.terms,
            vec![
                Term {
                    negate: true,
                    matcher: Matcher::Tag {
                        key: "env".into(),
                        value: "prod".into()
                    }
                },
                Term {
                    negate: true,
                    matcher: Matcher::Any("web".into())
                },
            ]
        );
        assert_eq!(
            Filter::parse("TAG:team=x").expect("ok").terms[0].matcher,
            Matcher::Tag {
                key: "team".into(),
                value: "x".into()
            }
        );
    }

    #[test]
    fn errors_are_values_not_panics() {
        assert_eq!(
            Filter::parse("web colour=red"),
            Err(FilterError::UnknownColumn(
                "colour".into(),
                Column::filter_keys()
            ))
        );
        assert_eq!(
            Filter::parse("=x"),
            Err(FilterError::MissingColumn("x".into()))
        );
        assert_eq!(Filter::parse("tag:=x"), Err(FilterError::MissingTagKey));
        assert!(
            FilterError::UnknownColumn("colour".into(), "x")
                .to_string()
                .contains("colour")
        );
        // Multi-byte input never splits a char.
        assert!(Filter::parse("é=1 ta").is_err());
        assert!(Filter::parse("Ωmega").is_ok());
    }

    #[test]
    fn lower_drops_control_characters() {
        assert_eq!(lower("A\x1fB\tÉ"), "abé");
    }
}

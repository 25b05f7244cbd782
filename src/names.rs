//! How every enumerated name of the catalog is spelt and parsed: one `name()` per variant, and
//! `Display`/`FromStr` derived from it, so an unknown value is always refused with the list of
//! the values that exist.

/// Implements `Display` and `FromStr` for an enum with `ALL` and `name()`; `$what` is the noun
/// used in the refusal ("unknown variance 'huge': expected one of …").
macro_rules! named_enum {
    ($t:ty, $what:literal) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <$t>::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
                    let names: Vec<&str> = <$t>::ALL.iter().map(|k| k.name()).collect();
                    format!(
                        concat!("unknown ", $what, " '{}': expected one of {}"),
                        s,
                        names.join(", ")
                    )
                })
            }
        }
    };
}
pub(crate) use named_enum;

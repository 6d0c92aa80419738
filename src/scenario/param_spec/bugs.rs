//! Bug switches: [`BugDecl`], [`BugSwitch`] and the
//! [`bug_switches!`](crate::bug_switches) macro that declares them.

/// One bug switch: its name in `bugs = [...]` and what it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BugDecl {
    /// The name in `bugs = [...]`.
    pub name: &'static str,
    /// What it breaks, one line (the variant's doc comment).
    pub breaks: &'static str,
}

impl BugDecl {
    /// What it breaks, trimmed.
    pub fn breaks(&self) -> &'static str {
        self.breaks.trim()
    }
}

/// An enum of bug switches, declared with [`bug_switches!`](crate::bug_switches).
pub trait BugSwitch: Copy + Ord + 'static {
    /// Every switch, in declaration order.
    const ALL: &'static [Self];
    /// Their declarations, in the same order.
    const DECLS: &'static [BugDecl];

    /// The switch called `name`.
    fn from_name(name: &str) -> Option<Self> {
        let i = Self::DECLS.iter().position(|d| d.name == name)?;
        Self::ALL.get(i).copied()
    }
}

/// Declares an enum of bug switches once: each variant with its doc
/// comment (what it breaks, shown by `distlab list --params` and the
/// protocol docs) and its name in `bugs = [...]`. Generates the enum
/// (`Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash`; add more
/// derives above it), [`BugSwitch`](crate::scenario::BugSwitch) and
/// `const fn decl(self)` and `fn name(self)`.
///
/// ```
/// distlab::bug_switches! {
///     /// Deliberate defects.
///     pub enum Bug {
///         /// Never raise the incarnation: suspicions cannot be refuted.
///         NoIncarnation = "no-incarnation",
///     }
/// }
/// use distlab::scenario::BugSwitch;
/// assert_eq!(Bug::from_name("no-incarnation"), Some(Bug::NoIncarnation));
/// assert_eq!(Bug::NoIncarnation.name(), "no-incarnation");
/// assert_eq!(Bug::DECLS[0].breaks(), "Never raise the incarnation: suspicions cannot be refuted.");
/// ```
#[macro_export]
macro_rules! bug_switches {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $variant:ident = $text:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $(
                $(#[doc = $doc])+
                $variant,
            )+
        }

        #[allow(dead_code)]
        impl $name {
            /// The switch's declaration: its name and what it breaks.
            pub const fn decl(self) -> $crate::scenario::BugDecl {
                match self {
                    $(
                        $name::$variant => $crate::scenario::BugDecl {
                            name: $text,
                            breaks: concat!($($doc),+),
                        },
                    )+
                }
            }

            /// The switch's name in `bugs = [...]`.
            pub const fn name(self) -> &'static str {
                self.decl().name
            }
        }

        impl $crate::scenario::BugSwitch for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const DECLS: &'static [$crate::scenario::BugDecl] = &[$($name::$variant.decl()),+];
        }
    };
}

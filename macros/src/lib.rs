//! `#[distlab::test]`: a seed sweep written as a test function. Use it
//! through distlab (`#[distlab::test(...)]`); see `distlab::testing`.
//!
//! Two forms:
//!
//! - **A builder sweep.** The function takes the seed and returns the
//!   `SimBuilder` to run; the test runs it over `seeds` with
//!   `distlab::testing::seeds`, fails at the lowest failing seed, and
//!   prints the `DISTLAB_SEED=… cargo test …` line:
//!
//!   ```ignore
//!   #[distlab::test(seeds = 0..500, jobs = 2)]
//!   fn survives_crashes(seed: u64) -> SimBuilder<Chain> {
//!       chain::builder(seed).faults(...)
//!   }
//!   ```
//!
//! - **A scenario sweep.** With `scenario = "path.toml"` the function takes
//!   nothing and returns the `Registry` to run the scenario with (your
//!   protocols added to the built-ins); the test runs
//!   `distlab::testing::check_seeds_in`, whose failure names the replay
//!   command of your crate's binary:
//!
//!   ```ignore
//!   #[distlab::test(scenario = "scenarios/chain-crash.toml", seeds = 0..200)]
//!   fn chain_crash_scenario() -> Registry {
//!       Registry::builtin().with(chain::entry())
//!   }
//!   ```
//!
//! Keys: `seeds` (a range expression, default `0..100`), `jobs` (threads,
//! builder form only, default 1), `check_determinism` (`true`/`false`,
//! builder form only; default: the `DISTLAB_CHECK_DETERMINISM` variable),
//! `scenario` (a string literal). Any other key is a compile error.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use std::str::FromStr;

/// Turn a function into a `#[test]` that sweeps seeds over it (see the
/// crate documentation for the two forms and the keys).
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args, item.clone()) {
        Ok(out) => out,
        Err((span, message)) => {
            let mut out = compile_error(span, &message);
            out.extend(item);
            out
        }
    }
}

/// What went wrong and where.
type Error = (Span, String);

/// The attribute's keys, as token streams.
#[derive(Default)]
struct Args {
    seeds: Option<TokenStream>,
    jobs: Option<TokenStream>,
    check_determinism: Option<TokenStream>,
    scenario: Option<TokenStream>,
}

fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, Error> {
    let args = parse_args(args)?;
    let (name, takes_args) = function_name(&item)?;
    let test_name = Literal::string(&name.to_string());
    let seeds = args
        .seeds
        .clone()
        .unwrap_or_else(|| TokenStream::from_str("0..100").expect("a range parses"));
    let body = match &args.scenario {
        Some(path) => {
            if takes_args {
                return Err((
                    name.span(),
                    "with `scenario = ...` the function takes no arguments and returns the \
                     `distlab::registry::Registry` to run the scenario with"
                        .into(),
                ));
            }
            for (key, given) in [
                ("jobs", &args.jobs),
                ("check_determinism", &args.check_determinism),
            ] {
                if given.is_some() {
                    return Err((
                        name.span(),
                        format!("`{key}` applies to a builder sweep (a function of the seed), not to `scenario = ...`"),
                    ));
                }
            }
            format!("::distlab::testing::check_seeds_in(&{name}(), {test_name}, {path}, {seeds});")
        }
        None => {
            if !takes_args {
                return Err((
                    name.span(),
                    "the function takes the seed (`seed: u64`) and returns the \
                     `distlab::sim::SimBuilder` to run (or give `scenario = \"path.toml\"`)"
                        .into(),
                ));
            }
            let mut chain = format!("::distlab::testing::seeds({test_name}, {name}).over({seeds})");
            if let Some(jobs) = &args.jobs {
                chain.push_str(&format!(".jobs({jobs})"));
            }
            if let Some(on) = &args.check_determinism {
                chain.push_str(&format!(".check_determinism({on})"));
            }
            chain.push_str(".run();");
            chain
        }
    };
    // The user's function stays as written, nested in the test of the same
    // name (an inner item shadows the outer function inside its body).
    // `#[should_panic]` and `#[ignore]` belong on the test, not the inner
    // function.
    let (test_attributes, mut inner) = hoist_test_attributes(item);
    inner.extend(TokenStream::from_str(&body).map_err(|e| (name.span(), e.to_string()))?);
    let mut out = TokenStream::from_str("#[test]").expect("parses");
    out.extend(test_attributes);
    out.extend(TokenStream::from_str(&format!("fn {name}()")).expect("parses"));
    out.extend([TokenTree::Group(Group::new(Delimiter::Brace, inner))]);
    Ok(out)
}

/// Split the item's leading `#[should_panic…]` and `#[ignore…]` attributes
/// from the rest.
fn hoist_test_attributes(item: TokenStream) -> (TokenStream, TokenStream) {
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let (mut hoisted, mut rest) = (TokenStream::new(), TokenStream::new());
    let mut i = 0;
    while i < tokens.len() {
        if let (TokenTree::Punct(p), Some(TokenTree::Group(g))) = (&tokens[i], tokens.get(i + 1)) {
            if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket {
                let first = g.stream().into_iter().next().map(|t| t.to_string());
                let target = match first.as_deref() {
                    Some("should_panic" | "ignore") => &mut hoisted,
                    _ => &mut rest,
                };
                target.extend([tokens[i].clone(), tokens[i + 1].clone()]);
                i += 2;
                continue;
            }
        }
        rest.extend([tokens[i].clone()]);
        i += 1;
    }
    (hoisted, rest)
}

/// Split `key = tokens, key = tokens` at top-level commas.
fn parse_args(args: TokenStream) -> Result<Args, Error> {
    let mut out = Args::default();
    let mut tokens = args.into_iter().peekable();
    while let Some(first) = tokens.next() {
        let TokenTree::Ident(key) = first else {
            return Err((first.span(), "expected `key = value`".into()));
        };
        match tokens.next() {
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
            other => {
                let span = other.map_or(key.span(), |t| t.span());
                return Err((span, format!("expected `=` after `{key}`")));
            }
        }
        let mut value = TokenStream::new();
        while let Some(t) = tokens.peek() {
            if matches!(t, TokenTree::Punct(p) if p.as_char() == ',') {
                tokens.next();
                break;
            }
            value.extend([tokens.next().expect("peeked")]);
        }
        if value.is_empty() {
            return Err((key.span(), format!("`{key}` needs a value")));
        }
        let slot = match key.to_string().as_str() {
            "seeds" => &mut out.seeds,
            "jobs" => &mut out.jobs,
            "check_determinism" => &mut out.check_determinism,
            "scenario" => &mut out.scenario,
            other => {
                return Err((
                    key.span(),
                    format!(
                        "unknown key `{other}`; expected one of: seeds, jobs, check_determinism, scenario"
                    ),
                ))
            }
        };
        if slot.replace(value).is_some() {
            return Err((key.span(), format!("`{key}` is given twice")));
        }
    }
    Ok(out)
}

/// The function's name, and whether its parameter list is non-empty.
fn function_name(item: &TokenStream) -> Result<(Ident, bool), Error> {
    let mut tokens = item.clone().into_iter();
    while let Some(t) = tokens.next() {
        if let TokenTree::Ident(i) = &t {
            if i.to_string() == "fn" {
                let Some(TokenTree::Ident(name)) = tokens.next() else {
                    return Err((i.span(), "expected the function's name after `fn`".into()));
                };
                for t in tokens.by_ref() {
                    match t {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                            return Ok((name, !g.stream().is_empty()));
                        }
                        TokenTree::Punct(p) if p.as_char() == '<' => {
                            return Err((
                                p.span(),
                                "#[distlab::test] functions cannot be generic".into(),
                            ));
                        }
                        _ => {}
                    }
                }
                return Err((name.span(), "expected the function's parameters".into()));
            }
        }
    }
    Err((
        Span::call_site(),
        "#[distlab::test] goes on a function".into(),
    ))
}

/// `compile_error!("message")` at `span`.
fn compile_error(span: Span, message: &str) -> TokenStream {
    let tokens = [
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            [TokenTree::Literal(Literal::string(message))]
                .into_iter()
                .collect(),
        )),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ];
    tokens
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}

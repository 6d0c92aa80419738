//! `latency = { kind = ..., ... }`: a latency distribution, as `[network]`,
//! `[[network.links]]` and `network` faults write it.

use super::error::{ScenarioError, SourceInfo};
use super::params::quoted_list;
use super::read::{self, Section};
use super::spec::LatencySpec;
use super::value::{Item, Value};

const LATENCY_KINDS: [&str; 4] = ["constant", "uniform", "exponential", "lognormal"];

/// `latency = { kind = ..., ... }`.
pub(crate) fn parse_latency(
    source: &SourceInfo,
    item: &Item,
) -> Result<LatencySpec, ScenarioError> {
    if !matches!(item.value, Value::Table(_)) {
        let got = item.value.describe();
        let message = format!(
            "expected a table like {{ kind = \"uniform\", min = \"1ms\", max = \"10ms\" }} for `latency`, got {got}"
        );
        return Err(read::error(source, item, message));
    }
    let section = Section::new(source, item, "`latency`", "in `latency`".into())?;
    let kinds = quoted_list(&LATENCY_KINDS);
    let kind_item = section.required("kind", &format!("one of {kinds}"))?;
    let kind = read::string(source, "kind", kind_item)?.into_inner();
    let keys: &[&str] = match kind.as_str() {
        "constant" => &["kind", "value"],
        "uniform" => &["kind", "min", "max"],
        "exponential" => &["kind", "mean"],
        "lognormal" => &["kind", "median", "sigma"],
        _ => {
            let message = format!("unknown latency kind {kind:?}; expected one of {kinds}");
            return Err(section.error(kind_item, message));
        }
    };
    let section = Section {
        place: format!("in `latency` of kind {kind:?}"),
        ..section
    };
    section.check_keys(keys)?;
    let time = |key: &str| {
        let value = section.required(key, "a duration like \"5ms\"")?;
        read::duration(source, key, value)
    };
    let positive = |key: &str| {
        let value = section.required(key, "a duration like \"5ms\"")?;
        read::positive_duration(source, key, value)
    };
    match kind.as_str() {
        "constant" => Ok(LatencySpec::Constant {
            value: time("value")?,
        }),
        "uniform" => {
            let (min, max) = (time("min")?, time("max")?);
            if min > max {
                let message = format!("latency min ({min}) must not be more than max ({max})");
                return Err(section.error(section.required("min", "")?, message));
            }
            Ok(LatencySpec::Uniform { min, max })
        }
        "exponential" => Ok(LatencySpec::Exponential {
            mean: positive("mean")?,
        }),
        _ => {
            let median = positive("median")?;
            let sigma_item = section.required("sigma", "a number more than 0, like 0.5")?;
            let sigma = read::number_in(source, "sigma", sigma_item, 0.0..=10.0)?;
            if sigma <= 0.0 {
                let message = format!("sigma must be more than 0, got {sigma}");
                return Err(section.error(sigma_item, message));
            }
            Ok(LatencySpec::LogNormal { median, sigma })
        }
    }
}

//! Porcupine's corpus: every history gets the verdict listed in expected.tsv.

use distlab::check::history_io::{self, Format};
use distlab::check::linearizability::{check_operations, Model, Options};
use distlab::check::ops::pair;
use distlab::check::verdict::Status;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/porcupine");

/// Say loudly that a test did not run (`cargo test -- --nocapture` shows
/// it; the two README histories in tests/fixtures/histories/porcupine/ are
/// checked by the cli tests whatever the clone).
fn skipped() {
    eprintln!(
        "SKIPPED (not run, not passed): the Porcupine corpus is not in this clone; looked for {CORPUS}/expected.tsv. \
         It is the test data of https://github.com/anishathalye/porcupine (MIT): put it there to run this test."
    );
}

fn check_file(path: &Path, model: Model) -> Status {
    let text = std::fs::read_to_string(path).expect("readable corpus file");
    let name = path.display().to_string();
    let parsed =
        history_io::parse(&text, Format::detect(&name, &text)).expect("parsable corpus file");
    let ops = pair(&parsed.history, Some(&parsed.lines)).expect("well-formed corpus file");
    check_operations(&ops, model, &Options::default())
        .expect("ops fit the model")
        .status
}

#[test]
fn porcupine_corpus_gets_the_expected_verdicts() {
    let root = Path::new(CORPUS);
    if !root.join("expected.tsv").exists() {
        skipped();
        return;
    }
    let expected = std::fs::read_to_string(root.join("expected.tsv")).unwrap();
    let (mut linearizable, mut not, mut wrong) = (0, 0, Vec::new());
    for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (file, model, verdict) = (fields[0], fields[1], fields[2] == "true");
        let model = if model == "cas-register" {
            Model::CasRegister
        } else {
            Model::Kv
        };
        let status = check_file(&root.join(file), model);
        let want = if verdict {
            Status::Valid
        } else {
            Status::Invalid
        };
        if status != want {
            wrong.push(format!("{file}: got {status}, expected {want}"));
        }
        if file.starts_with("jepsen/") {
            if verdict {
                linearizable += 1
            } else {
                not += 1
            }
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
    assert_eq!((linearizable, not), (23, 79));
}

#[test]
fn empty_etcd_history_is_trivially_linearizable() {
    let path = Path::new(CORPUS).join("jepsen/etcd_095.log");
    if !path.exists() {
        skipped();
        return;
    }
    assert_eq!(check_file(&path, Model::CasRegister), Status::Valid);
}

#[test]
fn kv_without_partitioning_agrees() {
    let root = Path::new(CORPUS);
    if !root.exists() {
        skipped();
        return;
    }
    for (file, want) in [
        ("kv/c10-ok.txt", Status::Valid),
        ("kv/c10-bad.txt", Status::Invalid),
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let parsed = history_io::parse(&text, Format::Edn).unwrap();
        let ops = pair(&parsed.history, Some(&parsed.lines)).unwrap();
        let options = Options {
            partition: false,
            ..Options::default()
        };
        assert_eq!(
            check_operations(&ops, Model::Kv, &options).unwrap().status,
            want,
            "{file}"
        );
    }
}

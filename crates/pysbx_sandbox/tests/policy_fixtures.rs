//! Every policy under `fixtures/policy/`: `valid-*.yaml` must load; `invalid-*.yaml` must fail
//! at the position named on its first line (`# error: LINE:COL`).

use std::path::PathBuf;

use pysbx_sandbox::policy::load_policy_file;

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/policy");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/policy exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_policies_load_and_invalid_ones_point_at_the_error() {
    let files = fixtures();
    assert!(files.len() >= 5, "fixtures missing: {files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let result = load_policy_file(&file);
        if name.starts_with("valid-") {
            assert!(result.is_ok(), "{name}: {}", result.unwrap_err());
        } else {
            let text = std::fs::read_to_string(&file).unwrap();
            let expected = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# error: "))
                .unwrap_or_else(|| panic!("{name}: first line must be `# error: LINE:COL`"));
            let err = result.expect_err(&name);
            let position = err.position().expect("a position");
            assert_eq!(position.to_string(), expected, "{name}: {err}");
            assert!(
                err.to_string().starts_with(&format!("{}:{expected}: ", file.display())),
                "{err}"
            );
        }
    }
}

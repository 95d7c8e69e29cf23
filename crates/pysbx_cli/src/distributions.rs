//! Which installed distribution owns which file: `*.dist-info/RECORD` and
//! `*.egg-info/top_level.txt` found under the scanned directories, so that an audit of a
//! `site-packages` can be read per distribution, ranked by risk.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use pysbx_report::{DistributionSummary, FileError, FileResult};
use pysbx_rules::{RuleSet, Severity};

use crate::commands::scan::display_path;
use crate::record::{RecordedHash, parse_record};

/// How deep below a scanned directory `*.dist-info` directories are looked for: enough for a
/// virtual environment's `lib/python3.X/site-packages`.
const MAX_METADATA_DEPTH: usize = 4;

/// The owner of files that no distribution's metadata lists.
pub(crate) const UNOWNED: &str = "(not owned by an installed distribution)";

/// File → distribution, from installed metadata.
#[derive(Debug, Default)]
pub(crate) struct Ownership {
    /// The distributions' labels; the tables below hold indices into it (a site-packages
    /// lists tens of thousands of files, a label once per distribution is enough).
    labels: Vec<String>,
    /// By displayed path: the owner, and the hash its RECORD gives of the file, if any.
    by_file: HashMap<String, (usize, Option<RecordedHash>)>,
    /// `(directory prefix, distribution)` from `top_level.txt`, longest prefix first.
    by_prefix: Vec<(String, usize)>,
}

impl Ownership {
    /// Whether any distribution metadata was found.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_file.is_empty() && self.by_prefix.is_empty()
    }

    /// Reads the metadata found under `roots`.
    pub(crate) fn index(roots: &[PathBuf]) -> Self {
        let mut ownership = Self::default();
        for root in roots {
            if root.is_dir() {
                ownership.visit(root, 0);
            }
        }
        ownership.by_prefix.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        ownership
    }

    fn visit(&mut self, dir: &Path, depth: usize) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut subdirs = Vec::new();
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if !kind.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if let Some(stem) = name.strip_suffix(".dist-info") {
                self.labels.push(distribution_label(stem));
                self.read_record(dir, &path, self.labels.len() - 1);
                self.own_metadata(&path);
            } else if let Some(stem) = name.strip_suffix(".egg-info") {
                self.labels.push(distribution_label(stem));
                self.read_top_level(dir, &path, self.labels.len() - 1);
                self.own_metadata(&path);
            } else if depth < MAX_METADATA_DEPTH && !name.starts_with('.') && name != "__pycache__"
            {
                subdirs.push(path);
            }
        }
        for sub in subdirs {
            self.visit(&sub, depth + 1);
        }
    }

    /// The distribution's metadata directory is its own (an `entry_points.txt` with
    /// findings is reported under it).
    fn own_metadata(&mut self, metadata: &Path) {
        self.by_prefix.push((format!("{}/", display_path(metadata)), self.labels.len() - 1));
    }

    fn read_record(&mut self, site: &Path, dist_info: &Path, label: usize) {
        // Part of the tree under audit: a link to /dev/zero or a FIFO must not stall the scan.
        let Ok(text) = pysbx_files::read_text(&dist_info.join("RECORD"), pysbx_files::TEXT_LIMIT)
        else {
            return;
        };
        for entry in parse_record(&text) {
            let relative = Path::new(&entry.path);
            // Entries outside site-packages (`../../bin/tool`) are scripts, not scanned here.
            if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
                continue;
            }
            // Only the files a scan may read (sources, `.pth` files, scripts without a
            // suffix): a RECORD lists every data file and native module too, and a large
            // site-packages would otherwise keep tens of thousands of entries no scan asks for.
            if !(pysbx_walk::is_source_name(relative) || relative.extension().is_none()) {
                continue;
            }
            self.by_file.insert(display_path(&site.join(relative)), (label, entry.hash));
        }
    }

    fn read_top_level(&mut self, site: &Path, egg_info: &Path, label: usize) {
        let Ok(text) =
            pysbx_files::read_text(&egg_info.join("top_level.txt"), pysbx_files::TEXT_LIMIT)
        else {
            return;
        };
        for name in text.lines().map(str::trim).filter(|n| !n.is_empty() && !n.contains("..")) {
            let package = display_path(&site.join(name));
            self.by_prefix.push((format!("{package}/"), label));
            self.by_file.insert(format!("{package}.py"), (label, None));
        }
    }

    /// The distribution whose RECORD lists a scanned file (as displayed in reports) with a
    /// hash, and that hash.
    pub(crate) fn recorded(&self, display: &str) -> Option<(&str, &RecordedHash)> {
        let (label, hash) = self.by_file.get(display)?;
        Some((self.labels[*label].as_str(), hash.as_ref()?))
    }

    /// The distribution that owns a scanned file, as displayed in reports.
    pub(crate) fn owner(&self, display: &str) -> &str {
        let label = match self.by_file.get(display) {
            Some((label, _)) => Some(*label),
            None => self
                .by_prefix
                .iter()
                .find(|(prefix, _)| display.starts_with(prefix.as_str()))
                .map(|(_, label)| *label),
        };
        label.map_or(UNOWNED, |label| self.labels[label].as_str())
    }
}

/// `requests-2.32.3` → `requests 2.32.3`.
pub(crate) fn distribution_label(stem: &str) -> String {
    match stem.rsplit_once('-') {
        Some((name, version)) if version.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("{name} {version}")
        }
        _ => stem.to_string(),
    }
}

/// A sort key: files changed against their RECORD first, then install-time findings, then
/// severity counts, then files that could not be scanned, highest first. Errors come last: a
/// file that does not parse is common in benign distributions (test data, Python 2 sources),
/// so it breaks ties rather than outranking a finding.
fn risk(summary: &DistributionSummary) -> (usize, usize, usize, usize, usize, usize, usize) {
    let [low, medium, high, critical] = summary.by_severity;
    (summary.record_mismatches, summary.install_time, critical, high, medium, low, summary.errors)
}

/// Whether a finding sits in install-time code.
fn is_install_time(path: &str, tags: &[String]) -> bool {
    let base = path.rsplit(['/', '!']).next().unwrap_or(path);
    matches!(base, "setup.py" | "sitecustomize.py" | "usercustomize.py")
        || base.ends_with(".pth")
        || tags.iter().any(|t| t == "install-time")
}

/// One distribution's summary, and its findings counted by rule.
type Group = (DistributionSummary, BTreeMap<String, usize>);

/// The distribution that owns `path` (an archive owns its members).
fn owner_of(ownership: &Ownership, path: &str) -> String {
    match path.split_once("!/") {
        Some((archive, _)) => archive.rsplit('/').next().unwrap_or(archive).to_string(),
        None => ownership.owner(path).to_string(),
    }
}

/// The group of the distribution named `name`, empty at first.
fn group(groups: &mut BTreeMap<String, Group>, name: String) -> &mut Group {
    groups.entry(name.clone()).or_insert_with(|| {
        let summary = DistributionSummary { name, ..DistributionSummary::default() };
        (summary, BTreeMap::new())
    })
}

/// The kind of the errors of an archive and its members (see `scan_archive`).
pub(crate) const ARCHIVE_ERROR: &str = "archive";

/// What a scan found that is not a finding, for [`summarize`].
pub(crate) struct Problems<'a> {
    /// Paths whose bytes their RECORD does not vouch for.
    pub(crate) record_mismatches: &'a [&'a str],
    /// Files that were scanned but whose analysis failed (also among `errors`).
    pub(crate) failed: &'a [&'a str],
    /// Every other problem of a file or archive member (not RECORD mismatches).
    pub(crate) errors: &'a [&'a FileError],
}

/// Groups results by owning distribution (archives are their own distribution).
pub(crate) fn summarize(
    ownership: &Ownership,
    rules: &RuleSet,
    files: &[FileResult],
    problems: &Problems<'_>,
) -> Vec<DistributionSummary> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for path in problems.record_mismatches {
        group(&mut groups, owner_of(ownership, path)).0.record_mismatches += 1;
    }
    for path in problems.failed {
        group(&mut groups, owner_of(ownership, path)).0.files += 1;
    }
    for error in problems.errors {
        // An archive that cannot be read at all is named by its own path.
        let owner = if error.kind == ARCHIVE_ERROR && !error.path.contains("!/") {
            error.path.rsplit('/').next().unwrap_or(&error.path).to_string()
        } else {
            owner_of(ownership, &error.path)
        };
        group(&mut groups, owner).0.errors += 1;
    }
    for file in files {
        let (summary, counts) = group(&mut groups, owner_of(ownership, &file.path));
        summary.files += 1;
        for finding in &file.findings {
            let Some(rule) = rules.get(finding.rule) else { continue };
            let slot = Severity::ALL.iter().position(|s| *s == rule.severity).unwrap_or(0);
            summary.by_severity[slot] += 1;
            if is_install_time(&file.path, &rule.tags) {
                summary.install_time += 1;
            }
            *counts.entry(rule.id.clone()).or_default() += 1;
        }
    }
    ranked(groups)
}

/// The groups' summaries as reports give them: each with its rule counts, most frequent first,
/// and the distributions by risk, highest first (ties by name).
fn ranked(groups: BTreeMap<String, Group>) -> Vec<DistributionSummary> {
    let mut summaries: Vec<DistributionSummary> = groups
        .into_values()
        .map(|(mut summary, counts)| {
            summary.rules = counts.into_iter().collect();
            summary.rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            summary
        })
        .collect();
    summaries.sort_by(|a, b| risk(b).cmp(&risk(a)).then(a.name.cmp(&b.name)));
    summaries
}

/// The summaries of several scans of parts of one input (`--shard` jobs) as one scan of the
/// whole would give them: each distribution's counts added up across the parts.
pub(crate) fn merge(
    parts: impl IntoIterator<Item = DistributionSummary>,
) -> Vec<DistributionSummary> {
    let mut merged: BTreeMap<String, Group> = BTreeMap::new();
    for part in parts {
        let (sum, rules) = group(&mut merged, part.name);
        sum.files += part.files;
        sum.record_mismatches += part.record_mismatches;
        sum.install_time += part.install_time;
        sum.errors += part.errors;
        for (total, count) in sum.by_severity.iter_mut().zip(part.by_severity) {
            *total += count;
        }
        for (id, count) in part.rules {
            *rules.entry(id).or_default() += count;
        }
    }
    ranked(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_summaries_add_up_and_rank_again() {
        let part =
            |name: &str, files, changed, sev: [usize; 4], errors, rules: &[(&str, usize)]| {
                DistributionSummary {
                    name: name.to_string(),
                    files,
                    record_mismatches: changed,
                    by_severity: sev,
                    install_time: 0,
                    errors,
                    rules: rules.iter().map(|(id, n)| ((*id).to_string(), *n)).collect(),
                }
            };
        let merged = merge([
            part("a 1", 2, 0, [1, 0, 0, 0], 0, &[("PSB1", 1)]),
            part("b 1", 1, 0, [0, 0, 1, 0], 0, &[("PSB2", 1)]),
            part("a 1", 3, 0, [2, 0, 2, 0], 1, &[("PSB1", 1), ("PSB3", 3)]),
            part("c 1", 1, 1, [0, 0, 0, 0], 0, &[]),
            part("d 1", 4, 0, [0, 0, 0, 0], 2, &[]),
            part("e 1", 4, 0, [0, 0, 0, 0], 0, &[]),
            part("d 1", 1, 0, [0, 0, 0, 0], 1, &[]),
        ]);
        let names: Vec<&str> = merged.iter().map(|d| d.name.as_str()).collect();
        // `c` has a changed file; `a` has two high findings once its parts are added, `b` one;
        // `d` and `e` have no finding, and `d`'s unscanned files break the tie.
        assert_eq!(names, ["c 1", "a 1", "b 1", "d 1", "e 1"]);
        assert_eq!(merged[1].files, 5);
        assert_eq!(merged[1].by_severity, [3, 0, 2, 0]);
        assert_eq!(merged[1].errors, 1);
        assert_eq!(merged[1].rules, [("PSB3".to_string(), 3), ("PSB1".to_string(), 2)]);
        assert_eq!((merged[3].files, merged[3].errors), (5, 3));
    }

    #[test]
    fn failed_files_and_errors_count_for_their_distribution() {
        let rules = RuleSet::default();
        let own = Ownership::default();
        let error = |path: &str, kind: &str| FileError {
            path: path.to_string(),
            line: None,
            column: None,
            kind: kind.to_string(),
            message: String::new(),
        };
        let unreadable = error("dl/broken.whl", ARCHIVE_ERROR);
        let escaping = error("dl/pkg.whl!/../evil.py", ARCHIVE_ERROR);
        let syntax = error("dl/pkg.whl!/bad.py", "syntax");
        let loose = error("stray.py", "syntax");
        let files = [FileResult {
            path: "dl/pkg.whl!/ok.py".to_string(),
            findings: Vec::new(),
            line_hashes: None,
        }];
        let problems = Problems {
            record_mismatches: &[],
            failed: &["dl/pkg.whl!/bad.py", "stray.py"],
            errors: &[&unreadable, &escaping, &syntax, &loose],
        };
        let summary = summarize(&own, &rules, &files, &problems);
        let by_name = |name: &str| {
            summary.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("{summary:?}"))
        };
        // A whole archive that cannot be read is its own distribution, with nothing scanned.
        assert_eq!((by_name("broken.whl").files, by_name("broken.whl").errors), (0, 1));
        // A member that parsed, one that did not, and one not read: two scanned, two errors.
        assert_eq!((by_name("pkg.whl").files, by_name("pkg.whl").errors), (2, 2));
        assert_eq!((by_name(UNOWNED).files, by_name(UNOWNED).errors), (1, 1));
    }

    #[test]
    fn labels_split_name_and_version() {
        assert_eq!(distribution_label("requests-2.32.3"), "requests 2.32.3");
        assert_eq!(distribution_label("odd"), "odd");
    }

    #[test]
    fn ownership_from_record_and_top_level() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site-packages");
        std::fs::create_dir_all(site.join("good-1.0.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("old-0.1.egg-info")).unwrap();
        std::fs::write(
            site.join("good-1.0.dist-info/RECORD"),
            "good/__init__.py,,\n../../bin/x,,\n",
        )
        .unwrap();
        std::fs::write(site.join("old-0.1.egg-info/top_level.txt"), "oldpkg\n").unwrap();
        let own = Ownership::index(std::slice::from_ref(&site));
        let show = |rel: &str| display_path(&site.join(rel));
        assert_eq!(own.owner(&show("good/__init__.py")), "good 1.0");
        assert_eq!(own.owner(&show("oldpkg/sub/m.py")), "old 0.1");
        assert_eq!(own.owner(&show("stray.py")), UNOWNED);
    }
}

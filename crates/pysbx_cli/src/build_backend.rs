//! In-tree build backends: the module a project's `pyproject.toml` names in `build-backend` and
//! finds through `backend-path`. pip imports it and calls its hooks to build the package from
//! source, so, like `setup.py`, its code runs on the installer's machine at install time; the
//! scan tells the analyzer which files those are (`AnalyzeOptions::build_backend`).

/// The files that may hold the in-tree build backend a `pyproject.toml` declares, relative to
/// the project's directory and `/`-separated (`_build/backend.py`, `_build/backend/__init__.py`).
/// Empty when the backend comes from an installed package (no `backend-path`), or when the file
/// is not TOML: it is not pysbx's to judge, and pip would refuse it.
pub(crate) fn backend_files(pyproject: &str) -> Vec<String> {
    let Ok(doc) = pyproject.parse::<toml::Table>() else { return Vec::new() };
    let Some(system) = doc.get("build-system").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let (Some(backend), Some(paths)) = (
        system.get("build-backend").and_then(toml::Value::as_str),
        system.get("backend-path").and_then(toml::Value::as_array),
    ) else {
        return Vec::new();
    };
    // `module.sub:object` names the module `module.sub`.
    let module = backend.split(':').next().unwrap_or_default().trim();
    let valid =
        |part: &str| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !module.split('.').all(valid) {
        return Vec::new();
    }
    let module = module.replace('.', "/");
    let mut files = Vec::new();
    for dir in paths.iter().filter_map(toml::Value::as_str).filter_map(relative_dir) {
        let base = if dir.is_empty() { module.clone() } else { format!("{dir}/{module}") };
        files.push(format!("{base}.py"));
        files.push(format!("{base}/__init__.py"));
    }
    files
}

/// A `backend-path` entry as a `/`-separated path inside the project (`.` is the project's own
/// directory); `None` for one that leaves it, which PEP 517 forbids.
fn relative_dir(dir: &str) -> Option<String> {
    if pysbx_walk::archive::unsafe_name(dir).is_some() {
        return None;
    }
    let parts: Vec<&str> =
        dir.split(['/', '\\']).filter(|part| !part.is_empty() && *part != ".").collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_module_is_found_through_backend_path() {
        let toml = "[build-system]\nrequires = []\nbuild-backend = \"backend:build\"\nbackend-path = [\"_custom_build\"]\n";
        assert_eq!(
            backend_files(toml),
            ["_custom_build/backend.py", "_custom_build/backend/__init__.py"]
        );
        let dotted = "[build-system]\nbuild-backend = \"tools.build_meta\"\nbackend-path = [\".\", \"./src/\"]\n";
        assert_eq!(
            backend_files(dotted),
            [
                "tools/build_meta.py",
                "tools/build_meta/__init__.py",
                "src/tools/build_meta.py",
                "src/tools/build_meta/__init__.py"
            ]
        );
    }

    #[test]
    fn installed_backends_paths_outside_and_bad_documents_give_nothing() {
        for toml in [
            "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n",
            "[build-system]\nbuild-backend = \"backend\"\nbackend-path = [\"../elsewhere\", \"/abs\"]\n",
            "[build-system]\nbuild-backend = \"../x\"\nbackend-path = [\".\"]\n",
            "not [ toml",
            "",
        ] {
            assert!(backend_files(toml).is_empty(), "{toml}");
        }
    }
}

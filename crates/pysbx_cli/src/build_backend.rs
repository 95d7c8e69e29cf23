//! In-tree build code: the module a project's `pyproject.toml` names in `build-backend` and
//! finds through `backend-path`, and the build hooks of the project's own that its backend
//! imports (hatchling's custom hooks, pdm-backend's `pdm_build.py`, poetry-core's build script,
//! setuptools' `cmdclass` table). pip imports and calls them to build the package from source,
//! so, like `setup.py`, their code runs on the installer's machine at install time; the scan
//! tells the analyzer which files those are (`AnalyzeOptions::build_backend`).

/// The files that may hold the build code of the project's own a `pyproject.toml` declares,
/// relative to the project's directory and `/`-separated (`_build/backend.py`,
/// `_build/backend/__init__.py`, `hatch_build.py`). Empty when the backend comes from an
/// installed package (no `backend-path`) and no hook is named, or when the file is not TOML: it
/// is not pysbx's to judge, and pip would refuse it.
pub(crate) fn backend_files(pyproject: &str) -> Vec<String> {
    let Ok(doc) = pyproject.parse::<toml::Table>() else { return Vec::new() };
    let system = doc.get("build-system").and_then(toml::Value::as_table);
    let backend = system.and_then(|s| s.get("build-backend")).and_then(toml::Value::as_str);
    let mut files = Vec::new();
    if let (Some(backend), Some(paths)) =
        (backend, system.and_then(|s| s.get("backend-path")).and_then(toml::Value::as_array))
        && let Some(module) = module_path(backend.split(':').next().unwrap_or_default())
    {
        for dir in paths.iter().filter_map(toml::Value::as_str).filter_map(relative_dir) {
            let base = if dir.is_empty() { module.clone() } else { format!("{dir}/{module}") };
            files.extend(module_files(&base));
        }
    }
    files.extend(hook_files(&doc, backend));
    files
}

/// A dotted module name (`tools.build_meta`) as a `/`-separated path (`tools/build_meta`);
/// `None` when a part is not an identifier.
fn module_path(dotted: &str) -> Option<String> {
    let valid =
        |part: &str| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_');
    let dotted = dotted.trim();
    dotted.split('.').all(valid).then(|| dotted.replace('.', "/"))
}

/// The build hooks of the project's own its backend loads while it builds: hatchling's
/// custom build and metadata hooks (`[tool.hatch.build.hooks.custom]`, a target's
/// `[tool.hatch.build.targets.wheel.hooks.custom]`, `[tool.hatch.metadata.hooks.custom]`:
/// their `path`, `hatch_build.py` by default), pdm-backend's `pdm_build.py` (or its
/// `[tool.pdm.build] custom-hook`), poetry-core's build script (`[tool.poetry.build] script`,
/// or the older `[tool.poetry] build = "build.py"`) and the command classes setuptools takes
/// from `[tool.setuptools.cmdclass]` (`build_py = "_build.hooks.BuildPy"`: `_build/hooks.py`,
/// also under `src/`).
fn hook_files(doc: &toml::Table, backend: Option<&str>) -> Vec<String> {
    let tool = doc.get("tool");
    let mut named: Vec<&str> = Vec::new();
    // hatchling: a custom hook's `path`, `hatch_build.py` by default.
    let hatch = at(tool, &["hatch"]);
    let targets = at(hatch, &["build", "targets"]).and_then(toml::Value::as_table);
    let target_hooks = targets.into_iter().flat_map(|t| t.values());
    let hook_tables = std::iter::once(at(hatch, &["build", "hooks", "custom"]))
        .chain(target_hooks.map(|t| at(Some(t), &["hooks", "custom"])))
        .chain(std::iter::once(at(hatch, &["metadata", "hooks", "custom"])));
    for custom in hook_tables.flatten() {
        named.push(
            at(Some(custom), &["path"]).and_then(toml::Value::as_str).unwrap_or("hatch_build.py"),
        );
    }
    // pdm-backend
    named.extend(at(tool, &["pdm", "build", "custom-hook"]).and_then(toml::Value::as_str));
    if backend.is_some_and(|b| b.trim().starts_with("pdm.")) {
        named.push("pdm_build.py");
    }
    // poetry-core: `build = "build.py"`, or `[tool.poetry.build] script = "build.py"`.
    match at(tool, &["poetry", "build"]) {
        Some(toml::Value::String(script)) => named.push(script),
        build => named.extend(at(build, &["script"]).and_then(toml::Value::as_str)),
    }
    let mut files: Vec<String> =
        named.into_iter().filter_map(relative_dir).filter(|f| !f.is_empty()).collect();
    // setuptools' command classes, by module (also under `src/`).
    let cmdclass = at(tool, &["setuptools", "cmdclass"]).and_then(toml::Value::as_table);
    for class in cmdclass.into_iter().flat_map(|t| t.values()) {
        let Some(module) =
            class.as_str().and_then(|c| c.rsplit_once('.')).and_then(|(m, _)| module_path(m))
        else {
            continue;
        };
        files.extend(module_files(&module));
        files.extend(module_files(&format!("src/{module}")));
    }
    files
}

/// The value at `path` below `value`, through tables.
fn at<'t>(value: Option<&'t toml::Value>, path: &[&str]) -> Option<&'t toml::Value> {
    path.iter().try_fold(value?, |v, key| v.as_table()?.get(*key))
}

/// The two files a module `base` (`/`-separated) may be: `base.py` and `base/__init__.py`.
fn module_files(base: &str) -> [String; 2] {
    [format!("{base}.py"), format!("{base}/__init__.py")]
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
    fn build_hooks_of_the_projects_own_are_build_code() {
        let hatch = "[build-system]\nbuild-backend = \"hatchling.build\"\n[tool.hatch.build.hooks.custom]\n";
        assert_eq!(backend_files(hatch), ["hatch_build.py"]);
        let hatch_paths = "[tool.hatch.build.targets.wheel.hooks.custom]\npath = \"tools/hook.py\"\n[tool.hatch.metadata.hooks.custom]\npath = \"./meta.py\"\n";
        assert_eq!(backend_files(hatch_paths), ["tools/hook.py", "meta.py"]);
        let pdm = "[build-system]\nbuild-backend = \"pdm.backend\"\n";
        assert_eq!(backend_files(pdm), ["pdm_build.py"]);
        let pdm_custom = "[tool.pdm.build]\ncustom-hook = \"build_hooks.py\"\n";
        assert_eq!(backend_files(pdm_custom), ["build_hooks.py"]);
        let poetry = "[tool.poetry.build]\nscript = \"build.py\"\n";
        assert_eq!(backend_files(poetry), ["build.py"]);
        let poetry_old = "[tool.poetry]\nbuild = \"make.py\"\n";
        assert_eq!(backend_files(poetry_old), ["make.py"]);
        let cmdclass = "[tool.setuptools.cmdclass]\nbuild_py = \"_build.hooks.BuildPy\"\n";
        assert_eq!(
            backend_files(cmdclass),
            [
                "_build/hooks.py",
                "_build/hooks/__init__.py",
                "src/_build/hooks.py",
                "src/_build/hooks/__init__.py"
            ]
        );
        // Hooks outside the project, and a backend of an installed package with no hook.
        for toml in [
            "[tool.hatch.build.hooks.custom]\npath = \"../../evil.py\"\n",
            "[tool.poetry.build]\nscript = \"/etc/x.py\"\n",
            "[build-system]\nbuild-backend = \"hatchling.build\"\n[tool.hatch.build.hooks.vcs]\n",
            "[tool.setuptools.cmdclass]\nbuild_py = \"../x.Y\"\n",
        ] {
            assert!(backend_files(toml).is_empty(), "{toml}: {:?}", backend_files(toml));
        }
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

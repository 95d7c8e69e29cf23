//! Finding the interpreter before anything is confined: resolve `python3` (often a shell shim,
//! as with pyenv) to the real executable, and learn its prefix and standard library from a probe
//! run. The probe's answer is cached per executable (path, size, mtime, inode), so later runs
//! skip it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::SandboxError;

/// What pysbx knows about an interpreter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interpreter {
    /// The real executable (symlinks resolved).
    pub executable: PathBuf,
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// `sys.base_prefix`.
    pub base_prefix: PathBuf,
    /// `sys.exec_prefix`.
    pub exec_prefix: PathBuf,
    /// The standard library directory (`sysconfig` `stdlib`).
    pub stdlib: PathBuf,
    /// The platform standard library directory.
    pub platstdlib: PathBuf,
    /// `site-packages` directories.
    pub site: Vec<PathBuf>,
    /// `sys.version`.
    pub version: String,
    /// The ELF program interpreter (dynamic loader) the kernel runs with it, if any.
    #[serde(default)]
    pub loader: Option<PathBuf>,
    /// For a virtual environment, the path the interpreter was named by (`.venv/bin/python`,
    /// a link to the real executable): started under that name (its `argv[0]`), Python finds
    /// the environment's `pyvenv.cfg` beside it, and with it the environment's packages.
    #[serde(default)]
    pub launcher: Option<PathBuf>,
}

impl Interpreter {
    /// The directories of the interpreter's own: its prefixes, standard library, site
    /// directories and the executable's directory. The program reads them, and native code
    /// loads from them (its extension modules).
    #[must_use]
    pub fn own_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![
            self.prefix.clone(),
            self.base_prefix.clone(),
            self.exec_prefix.clone(),
            self.stdlib.clone(),
            self.platstdlib.clone(),
        ];
        dirs.extend(self.site.iter().cloned());
        if let Some(parent) = self.executable.parent() {
            dirs.push(parent.to_path_buf());
        }
        dirs
    }
}

/// The `PT_INTERP` path of a 64-bit little-endian ELF file: the dynamic loader that the kernel
/// opens for execution along with the program (so it needs the execute right too).
#[must_use]
pub fn elf_loader(path: &Path) -> Option<PathBuf> {
    let data = std::fs::read(path).ok()?;
    let u16_at = |o: usize| data.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at =
        |o: usize| data.get(o..o + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let u64_at =
        |o: usize| data.get(o..o + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    // ELFCLASS64, little-endian.
    if data.get(0..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let phoff = usize::try_from(u64_at(0x20)?).ok()?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    for i in 0..phnum {
        let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
        if u32_at(ph)? == 3 {
            let off = usize::try_from(u64_at(ph + 8)?).ok()?;
            let len = usize::try_from(u64_at(ph + 32)?).ok()?;
            let raw = data.get(off..off.checked_add(len)?)?;
            let raw = raw.split(|b| *b == 0).next()?;
            return Some(PathBuf::from(std::str::from_utf8(raw).ok()?));
        }
    }
    None
}

// Run with `-I -S`: no `site`, so no `.pth` file of the environment runs outside the sandbox,
// and so `sys.prefix` is the base's even in a virtual environment (`site` moves it there).
// The environment is found as `site` finds it, by its `pyvenv.cfg` beside the executable's
// directory or one above, and its paths are the scheme's with the environment as the base.
const PROBE: &str = "import sys, sysconfig, json, os\n\
exe = sys.executable\n\
venv = next((d for d in (os.path.dirname(exe), os.path.dirname(os.path.dirname(exe))) \
if os.path.isfile(os.path.join(d, 'pyvenv.cfg'))), None)\n\
p = sysconfig.get_paths()\n\
v = sysconfig.get_paths(vars={'base': venv, 'platbase': venv}) if venv else p\n\
print(json.dumps({'executable': os.path.realpath(exe), 'prefix': venv or sys.prefix, \
'base_prefix': sys.base_prefix, 'exec_prefix': venv or sys.exec_prefix, 'stdlib': p['stdlib'], \
'platstdlib': p['platstdlib'], 'site': sorted({p['purelib'], p['platlib'], v['purelib'], v['platlib']}), \
'version': sys.version, 'loader': None, 'launcher': exe}))";

/// Finds `name` on `PATH` (or takes it as a path when it contains a slash).
fn which(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 || name.is_absolute() {
        return name.is_file().then(|| name.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0))
}

fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|()| magic == *b"\x7fELF")
}

/// pysbx's per-user cache directory: `$XDG_CACHE_HOME/pysbx`, else `~/.cache/pysbx`. It holds
/// the interpreter probes and the guard's bytecode, and `pysbx exec`'s gate cache.
#[must_use]
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("pysbx"))
}

/// The identity of an executable: path, size, mtime and inode.
fn identity(exe: &Path) -> Option<String> {
    let meta = std::fs::metadata(exe).ok()?;
    Some(format!(
        "{}|{}|{}|{}",
        exe.display(),
        meta.len(),
        meta.mtime_nsec() + meta.mtime() * 1_000_000_000,
        meta.ino()
    ))
}

fn cache_file(exe: &Path, named: Option<&Path>) -> Option<PathBuf> {
    let mut key = identity(exe)?;
    if let Some(named) = named {
        key.push_str(&format!("|named={}", named.display()));
    }
    use sha2::Digest;
    let digest = hex::encode(&sha2::Sha256::digest(key.as_bytes())[..12]);
    Some(cache_dir()?.join(format!("interpreter-{digest}.json")))
}

/// Writes `bytes` to `path` through a temporary sibling and a rename, so a reader never sees
/// a partial file. Failures are ignored: a cache that cannot be written is only slower.
fn write_cache(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, bytes));
    if written.is_err() || std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Whether a cache file may be believed: this user owns it and nobody else may write it. The
/// rule for every pysbx cache whose answers steer what a sandbox runs.
#[must_use]
pub fn trusted_cache_file(meta: &std::fs::Metadata) -> bool {
    meta.uid() == nix::unistd::geteuid().as_raw() && meta.mode() & 0o022 == 0
}

/// A cache file's content, when this user owns it and nobody else may write it. The answers
/// steer what the sandbox runs (the guard's bytecode, the interpreter and its paths): a file a
/// sandboxed program could have planted, through a policy granting writes to the cache
/// directory, is ignored (as root the program runs under another uid, so its files fail the
/// owner check).
fn read_cache(path: &Path) -> Option<Vec<u8>> {
    let mut file = std::fs::File::open(path).ok()?;
    if !trusted_cache_file(&file.metadata().ok()?) {
        return None;
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
    Some(bytes)
}

/// Held while a process is started by this crate at a time other processes must not: the
/// supervisor makes the trampoline's pipe ends inheritable just before starting it, and a
/// process started concurrently (the guard's compilation) would inherit them too.
pub(crate) static SPAWN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Compiles the source on standard input under the file name in `argv[1]` and writes the code
/// object in `marshal` format: the same `compile` call the guard's loader would make.
const COMPILE: &str = "import sys, marshal\n\
sys.stdout.buffer.write(marshal.dumps(compile(sys.stdin.buffer.read(), sys.argv[1], 'exec')))";

/// `source` compiled by `interp` under `filename`, as `marshal` bytes its `marshal.loads`
/// accepts, so a program run by that interpreter can skip compiling it (the guard's bootstrap
/// takes about 10 ms to compile and 0.2 ms to load).
///
/// The bytecode is cached per interpreter identity (path, size, mtime, inode, version), file
/// name and source digest; each cache file carries the SHA-256 of its content, checked on
/// every read. On a miss the interpreter compiles it once (`-I -S`, about 20 ms). `None` when
/// there is no cache directory or the interpreter cannot compile: the caller sends the source.
#[must_use]
pub fn compiled(interp: &Interpreter, source: &str, filename: &str) -> Option<Vec<u8>> {
    use sha2::Digest;
    let key = format!(
        "{}|{}|{}|{}",
        identity(&interp.executable)?,
        interp.version,
        filename,
        hex::encode(sha2::Sha256::digest(source.as_bytes()))
    );
    let digest = hex::encode(&sha2::Sha256::digest(key.as_bytes())[..12]);
    let path = cache_dir()?.join(format!("code-{digest}.bin"));
    if let Some(bytes) = read_cache(&path)
        && bytes.len() > 32
        && bytes[..32] == sha2::Sha256::digest(&bytes[32..])[..]
    {
        return Some(bytes[32..].to_vec());
    }
    let spawned = {
        let _spawning = SPAWN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Command::new(&interp.executable)
            .args(["-I", "-S", "-B", "-c", COMPILE, filename])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
    };
    let mut child = spawned.ok()?;
    let fed = child
        .stdin
        .take()
        .map(|mut stdin| std::io::Write::write_all(&mut stdin, source.as_bytes()));
    let out = child.wait_with_output().ok()?;
    if !out.status.success() || out.stdout.is_empty() || !matches!(fed, Some(Ok(()))) {
        return None;
    }
    let mut file = sha2::Sha256::digest(&out.stdout).to_vec();
    file.extend_from_slice(&out.stdout);
    write_cache(&path, &file);
    if let Some(dir) = path.parent() {
        prune_compiled(dir, CODE_CACHE_AGE);
    }
    Some(out.stdout)
}

/// How long a compiled-code cache file is kept: a miss (a new interpreter or a new pysbx)
/// removes the files older than this, which a pysbx still in use recompiles once.
const CODE_CACHE_AGE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Removes the `code-*.bin` files of `dir` last written more than `age` ago, so the bytecode
/// of interpreters and bootstraps no longer in use does not pile up.
fn prune_compiled(dir: &Path, age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("code-") && name.ends_with(".bin")) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|elapsed| elapsed > age);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// What a pyenv shim's choice of interpreter depends on, as a cache key; `None` for any script
/// that is not a pyenv shim (those are probed on every run).
///
/// pyenv takes `PYENV_VERSION`, else the first `.python-version` from `PYENV_DIR` (default: the
/// current directory) upwards, else the first from the current directory upwards, else
/// `$PYENV_ROOT/version`; finds that version among `$PYENV_ROOT/versions` (on `PATH` for
/// `system`); plugins' hooks may take part. The key holds all of it: the shim's identity, the
/// environment variables pyenv reads, the version files' paths and contents, and the
/// identities (with mtimes) of the versions and plugins directories. The current directory is
/// checked by the entry itself ([`ShimEntry`]), so one file serves each set of the others.
fn pyenv_shim_key(shim: &Path) -> Option<String> {
    let meta = std::fs::metadata(shim).ok()?;
    if meta.len() > 4096 {
        return None;
    }
    let text = std::fs::read_to_string(shim).ok()?;
    if !text.contains("/libexec/pyenv\" exec") {
        return None;
    }
    let root = PathBuf::from(text.lines().find_map(|l| {
        l.trim().strip_prefix("export PYENV_ROOT=\"").and_then(|r| r.strip_suffix('"'))
    })?);
    let mut key = format!("pyenv-shim|{}", identity(shim)?);
    for var in ["PYENV_VERSION", "PYENV_DIR", "PYENV_HOOK_PATH", "PYENV_ROOT", "PATH"] {
        key.push_str(&format!("|{var}={:?}", std::env::var_os(var)));
    }
    let cwd = std::env::current_dir().ok()?;
    let dir = std::env::var_os("PYENV_DIR").map_or_else(|| cwd.clone(), PathBuf::from);
    for start in [&dir, &cwd] {
        let file = start.ancestors().map(|d| d.join(".python-version")).find(|p| p.is_file());
        if let Some(file) = file {
            let content = std::fs::read_to_string(&file).ok()?;
            key.push_str(&format!("|{}={content:?}", file.display()));
        }
    }
    let global = std::fs::read_to_string(root.join("version")).ok();
    key.push_str(&format!("|global={global:?}"));
    for sub in ["versions", "plugins"] {
        key.push_str(&format!("|{sub}={:?}", identity(&root.join(sub))));
    }
    Some(key)
}

/// A pyenv shim's cached answer: the probe's result, the identity its executable had then and
/// the directory it was asked from (plugins' hooks may look at it; a run from elsewhere asks
/// again and replaces the entry, so the cache holds one file per pyenv configuration).
#[derive(serde::Serialize, serde::Deserialize)]
struct ShimEntry {
    identity: String,
    cwd: PathBuf,
    interpreter: Interpreter,
}

/// Resolves and probes an interpreter (default `python3` on `PATH`).
///
/// # Errors
/// [`SandboxError::Interpreter`] when it cannot be found or does not answer the probe.
pub fn resolve(requested: Option<&Path>) -> Result<Interpreter, SandboxError> {
    let requested = requested.unwrap_or(Path::new("python3"));
    let fail = |message: String| SandboxError::Interpreter {
        interpreter: requested.to_path_buf(),
        message,
    };
    let found = which(requested).ok_or_else(|| {
        fail(if requested.components().count() > 1 || requested.is_absolute() {
            "not a file (a path to the interpreter's executable is needed)".into()
        } else {
            "not found on PATH".into()
        })
    })?;
    // A real executable is cached by identity. A shim (a script choosing a version from the
    // environment or the current directory) is asked every time, except pyenv's, whose answer
    // is cached under everything pyenv reads to choose (running the shim costs 200 ms).
    let real = std::fs::canonicalize(&found).map_err(|e| fail(e.to_string()))?;
    let elf = is_elf(&real);
    // A link to the executable may be a virtual environment's, which answers for itself: its
    // answer is cached under the link's path too.
    let named = (found != real).then(|| std::path::absolute(&found).unwrap_or(found.clone()));
    let cache = if elf { cache_file(&real, named.as_deref()) } else { None };
    if let Some(cache) = &cache
        && let Some(text) = read_cache(cache)
        && let Ok(interp) = serde_json::from_slice::<Interpreter>(&text)
    {
        return Ok(interp);
    }
    let shim_cache = if elf { None } else { pyenv_shim_key(&found) }.and_then(|key| {
        use sha2::Digest;
        let digest = hex::encode(&sha2::Sha256::digest(key.as_bytes())[..12]);
        Some(cache_dir()?.join(format!("shim-{digest}.json")))
    });
    if let Some(cache) = &shim_cache
        && let Some(text) = read_cache(cache)
        && let Ok(entry) = serde_json::from_slice::<ShimEntry>(&text)
        && identity(&entry.interpreter.executable).as_deref() == Some(entry.identity.as_str())
        && std::env::current_dir().is_ok_and(|cwd| cwd == entry.cwd)
    {
        return Ok(entry.interpreter);
    }
    let out = Command::new(&found)
        .args(["-I", "-S", "-c", PROBE])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(format!(
            "probe failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut interp: Interpreter = serde_json::from_slice(&out.stdout)
        .map_err(|e| fail(format!("unexpected probe answer: {e}")))?;
    interp.loader = elf_loader(&interp.executable);
    // Only a virtual environment needs its name: elsewhere the real executable is the name.
    if interp.prefix == interp.base_prefix || interp.launcher.as_ref() == Some(&interp.executable) {
        interp.launcher = None;
    }
    if !is_elf(&interp.executable) {
        return Err(fail(format!("{} is not an ELF executable", interp.executable.display())));
    }
    // The shim's answer names the real executable; cache under its identity (and the link's
    // path, for a virtual environment's).
    let named = if elf { named } else { None };
    if let Some(cache) = cache_file(&interp.executable, named.as_deref())
        && let Ok(text) = serde_json::to_string(&interp)
    {
        write_cache(&cache, text.as_bytes());
    }
    if let Some(cache) = &shim_cache
        && let Some(identity) = identity(&interp.executable)
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(text) =
            serde_json::to_string(&ShimEntry { identity, cwd, interpreter: interp.clone() })
    {
        write_cache(cache, text.as_bytes());
    }
    Ok(interp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_python3_to_a_real_executable() {
        let interp = resolve(None).unwrap();
        assert!(is_elf(&interp.executable));
        assert!(interp.stdlib.join("os.py").is_file());
        assert!(interp.version.starts_with("3."));
        // A dynamically linked CPython names its loader, and the loader exists.
        let loader = interp.loader.expect("CPython is dynamically linked here");
        assert!(loader.is_file(), "{}", loader.display());
    }

    #[test]
    fn compiled_code_runs_in_its_interpreter() {
        let interp = resolve(None).unwrap();
        let source = "import sys\nprint('compiled', sys._getframe().f_code.co_filename)\n";
        let code = compiled(&interp, source, "<pysbx-test>").expect("a cache directory");
        // Twice: the second answer comes from the cache and must be the same bytes.
        assert_eq!(compiled(&interp, source, "<pysbx-test>").as_deref(), Some(&code[..]));
        let mut child = Command::new(&interp.executable)
            .args([
                "-I",
                "-S",
                "-c",
                "import sys, marshal; exec(marshal.loads(sys.stdin.buffer.read()))",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &code).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "compiled <pysbx-test>\n");
    }

    #[test]
    fn pyenv_shim_key_follows_what_pyenv_reads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pyenv");
        std::fs::create_dir_all(root.join("versions/3.11.7")).unwrap();
        std::fs::create_dir_all(root.join("shims")).unwrap();
        std::fs::write(root.join("version"), "3.11.7\n").unwrap();
        let shim = root.join("shims/python3");
        std::fs::write(
            &shim,
            format!(
                "#!/usr/bin/env bash\nset -e\nprogram=\"${{0##*/}}\"\n\
                 export PYENV_ROOT=\"{}\"\nexec \"{}/libexec/pyenv\" exec \"$program\" \"$@\"\n",
                root.display(),
                root.display()
            ),
        )
        .unwrap();
        let first = pyenv_shim_key(&shim).expect("a pyenv shim");
        assert_eq!(pyenv_shim_key(&shim).as_deref(), Some(first.as_str()));
        // The global version file, the installed versions and the shim itself are inputs.
        std::fs::write(root.join("version"), "3.12.1\n").unwrap();
        let second = pyenv_shim_key(&shim).unwrap();
        assert_ne!(first, second);
        std::fs::create_dir(root.join("versions/3.12.1")).unwrap();
        let third = pyenv_shim_key(&shim).unwrap();
        assert_ne!(second, third);
        // Any other script is not cached.
        let other = dir.path().join("python3");
        std::fs::write(&other, "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n").unwrap();
        assert_eq!(pyenv_shim_key(&other), None);
    }

    #[test]
    fn old_compiled_code_is_pruned_and_other_files_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = dir.path().join("code-old.bin");
        let fresh = dir.path().join("code-fresh.bin");
        let other = dir.path().join("python-old.json");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, b"x").expect("write");
        }
        let long_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(90 * 24 * 3600);
        for p in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .and_then(|f| f.set_modified(long_ago))
                .expect("set mtime");
        }
        prune_compiled(dir.path(), CODE_CACHE_AGE);
        assert!(!old.exists(), "old compiled code is removed");
        assert!(fresh.exists(), "recent compiled code is kept");
        assert!(other.exists(), "other cache files are not touched");
    }

    #[test]
    fn cache_files_others_may_write_are_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("code.bin");
        write_cache(&path, b"bytes");
        assert_eq!(read_cache(&path).as_deref(), Some(&b"bytes"[..]));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(read_cache(&path), None);
    }

    #[test]
    fn missing_interpreter_is_an_error() {
        let err = resolve(Some(Path::new("/nonexistent/python9"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/python9"), "{err}");
    }
}

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

const PROBE: &str = "import sys, sysconfig, json, os, site\n\
p = sysconfig.get_paths()\n\
print(json.dumps({'executable': os.path.realpath(sys.executable), 'prefix': sys.prefix, \
'base_prefix': sys.base_prefix, 'exec_prefix': sys.exec_prefix, 'stdlib': p['stdlib'], \
'platstdlib': p['platstdlib'], 'site': sorted({p['purelib'], p['platlib']}), \
'version': sys.version, 'loader': None}))";

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

fn cache_file(exe: &Path) -> Option<PathBuf> {
    let meta = std::fs::metadata(exe).ok()?;
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let key = format!(
        "{}|{}|{}|{}",
        exe.display(),
        meta.len(),
        meta.mtime_nsec() + meta.mtime() * 1_000_000_000,
        meta.ino()
    );
    use sha2::Digest;
    let digest = hex::encode(&sha2::Sha256::digest(key.as_bytes())[..12]);
    Some(base.join("pysbx").join(format!("interpreter-{digest}.json")))
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
    let found = which(requested).ok_or_else(|| fail("not found on PATH".into()))?;
    // A real executable can be cached by identity; a shim (a script choosing a version from
    // the environment or the current directory) must be asked every time.
    let real = std::fs::canonicalize(&found).map_err(|e| fail(e.to_string()))?;
    let cache = if is_elf(&real) { cache_file(&real) } else { None };
    if let Some(cache) = &cache
        && let Ok(text) = std::fs::read_to_string(cache)
        && let Ok(interp) = serde_json::from_str::<Interpreter>(&text)
    {
        return Ok(interp);
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
    if !is_elf(&interp.executable) {
        return Err(fail(format!("{} is not an ELF executable", interp.executable.display())));
    }
    // The shim's answer names the real executable; cache under its identity.
    if let Some(cache) = cache_file(&interp.executable) {
        if let Some(dir) = cache.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(text) = serde_json::to_string(&interp) {
            let tmp = cache.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, &cache);
            }
        }
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
    fn missing_interpreter_is_an_error() {
        let err = resolve(Some(Path::new("/nonexistent/python9"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/python9"), "{err}");
    }
}

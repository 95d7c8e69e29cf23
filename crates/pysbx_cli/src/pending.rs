//! Temporary files being written. A signal that ends pysbx removes them first, so that an
//! interrupted run leaves neither its result nor a half-written file beside it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The list, also after a writer panicked while holding it (it is left as it was: usable).
fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary file listed until this is dropped (after the file was renamed into place or
/// removed).
pub(crate) struct Pending(PathBuf);

impl Drop for Pending {
    fn drop(&mut self) {
        let mut list = pending();
        if let Some(i) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(i);
        }
    }
}

/// Lists `path` as a temporary file being written.
pub(crate) fn track(path: &Path) -> Pending {
    pending().push(path.to_path_buf());
    Pending(path.to_path_buf())
}

/// Removes every temporary file still being written (run by the signal thread, the writers
/// stopped or not: the process ends right after).
pub(crate) fn remove_all() {
    let list = pending();
    for path in list.iter() {
        let _ = std::fs::remove_file(path);
    }
    // Held until the process ends: no writer lists or renames anything more.
    std::mem::forget(list);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_while_held_and_removed_by_remove_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kept = dir.path().join("kept.tmp");
        std::fs::write(&kept, "x").expect("write");
        let done = dir.path().join("done.tmp");
        {
            let _finished = track(&done);
        }
        let listed = track(&kept);
        assert!(pending().contains(&kept));
        assert!(!pending().contains(&done));
        drop(listed);
        assert!(!pending().contains(&kept));
        assert!(kept.exists());
    }
}

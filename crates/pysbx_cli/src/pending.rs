//! Temporary files being written. A signal that ends pysbx removes them first, so that an
//! interrupted run leaves neither its result nor a half-written file beside it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A temporary file listed until this is dropped (after the file was renamed into place or
/// removed).
pub(crate) struct Pending(PathBuf);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut list) = PENDING.lock()
            && let Some(i) = list.iter().position(|p| *p == self.0)
        {
            list.swap_remove(i);
        }
    }
}

/// Lists `path` as a temporary file being written.
pub(crate) fn track(path: &Path) -> Pending {
    if let Ok(mut list) = PENDING.lock() {
        list.push(path.to_path_buf());
    }
    Pending(path.to_path_buf())
}

/// Removes every temporary file still being written (run by the signal thread, the writers
/// stopped or not: the process ends right after).
pub(crate) fn remove_all() {
    // A writer that panicked while holding the lock left the list as it was: still usable.
    let list = match PENDING.lock() {
        Ok(list) => list,
        Err(poisoned) => poisoned.into_inner(),
    };
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
        assert!(PENDING.lock().expect("lock").contains(&kept));
        assert!(!PENDING.lock().expect("lock").contains(&done));
        drop(listed);
        assert!(!PENDING.lock().expect("lock").contains(&kept));
        assert!(kept.exists());
    }
}

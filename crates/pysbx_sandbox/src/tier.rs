//! The isolation tier: an honest account of which layers actually applied to a run.

use std::collections::BTreeMap;

/// One layer's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "lowercase")]
pub enum LayerState {
    /// Applied as asked.
    Applied(String),
    /// Applied in part; the detail says what is missing.
    Partial(String),
    /// Not applied because this run does not need it (e.g. uid drop when not root).
    Skipped(String),
    /// Needed but the kernel refused it.
    Failed(String),
}

impl LayerState {
    /// Whether the layer holds (fully or partly).
    #[must_use]
    pub fn holds(&self) -> bool {
        matches!(self, Self::Applied(_) | Self::Partial(_))
    }

    /// Whether the layer holds fully.
    #[must_use]
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Applied(_))
    }

    /// One word: applied, partial, skipped or failed.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Self::Applied(_) => "applied",
            Self::Partial(_) => "partial",
            Self::Skipped(_) => "skipped",
            Self::Failed(_) => "failed",
        }
    }

    /// The detail text.
    #[must_use]
    pub fn detail(&self) -> &str {
        match self {
            Self::Applied(d) | Self::Partial(d) | Self::Skipped(d) | Self::Failed(d) => d,
        }
    }
}

/// Which layers applied to one run. Keys of `layers` are stable names: `rlimits`,
/// `namespace.user`, `namespace.mount`, `namespace.pid`, `namespace.net`, `namespace.ipc`,
/// `namespace.uts`, `uid_drop`, `no_new_privs`, `landlock`, `landlock.net`, `landlock.scopes`,
/// `seccomp`, `fds`, `guard`, `import_gate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tier {
    /// Layer name to outcome.
    pub layers: BTreeMap<String, LayerState>,
}

impl Tier {
    /// Records a layer's outcome.
    pub fn set(&mut self, layer: &str, state: LayerState) {
        self.layers.insert(layer.to_string(), state);
    }

    /// The outcome of a layer, if recorded.
    #[must_use]
    pub fn get(&self, layer: &str) -> Option<&LayerState> {
        self.layers.get(layer)
    }

    /// Adds `note` to the detail of an applied layer (`"new namespace; /srv lent read-only"`);
    /// a layer in any other state is left as it is.
    pub fn note(&mut self, layer: &str, note: &str) {
        if let Some(LayerState::Applied(detail)) = self.layers.get_mut(layer) {
            detail.push_str("; ");
            detail.push_str(note);
        }
    }

    /// Layers that were needed but do not hold, with why.
    #[must_use]
    pub fn missing(&self, required: &[String]) -> Vec<String> {
        required
            .iter()
            .filter_map(|name| match self.layers.get(name) {
                Some(s) if s.holds() || matches!(s, LayerState::Skipped(_)) => None,
                Some(s) => Some(format!("{name}: {}", s.detail())),
                None => Some(format!("{name}: not attempted")),
            })
            .collect()
    }

    /// A multi-line human summary, one layer per line.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (name, state) in &self.layers {
            out.push_str(&format!("  {name:<18} {:<8} {}\n", state.word(), state.detail()));
        }
        out
    }
}

/// Every layer `--require-isolation` checks when no list is given.
pub const ALL_LAYERS: &[&str] = &[
    "rlimits",
    "namespace.mount",
    "namespace.pid",
    "namespace.ipc",
    "namespace.uts",
    "namespace.net",
    "uid_drop",
    "no_new_privs",
    "landlock",
    "seccomp",
    "fds",
    "guard",
    "import_gate",
];

/// Whether the kernel offers Landlock, the layer that keeps a sandboxed program's writes to the
/// paths its policy grants. Without root the program runs under the user's own uid, so only
/// Landlock keeps it out of the user's files (pysbx's caches among them).
#[must_use]
pub fn landlock_available() -> bool {
    crate::sys::landlock_abi().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_extends_an_applied_layer_only() {
        let mut tier = Tier::default();
        tier.set("namespace.mount", LayerState::Applied("new namespace".into()));
        tier.set("uid_drop", LayerState::Skipped("not root".into()));
        tier.note("namespace.mount", "/srv lent read-only");
        tier.note("uid_drop", "ignored");
        tier.note("missing", "ignored");
        assert_eq!(
            tier.get("namespace.mount"),
            Some(&LayerState::Applied("new namespace; /srv lent read-only".into()))
        );
        assert_eq!(tier.get("uid_drop"), Some(&LayerState::Skipped("not root".into())));
        assert_eq!(tier.get("missing"), None);
    }

    #[test]
    fn missing_lists_failed_and_absent_layers_only() {
        let mut tier = Tier::default();
        tier.set("seccomp", LayerState::Applied("filter".into()));
        tier.set("uid_drop", LayerState::Skipped("not root".into()));
        tier.set("landlock", LayerState::Failed("ENOSYS".into()));
        let required: Vec<String> =
            ["seccomp", "uid_drop", "landlock", "guard"].iter().map(|s| s.to_string()).collect();
        assert_eq!(tier.missing(&required), vec!["landlock: ENOSYS", "guard: not attempted"]);
    }
}

//! Events: every violation, gate decision and the end of a run as structured data, and the
//! sinks that render them (stderr summary, JSON lines, SARIF 2.1.0).

use crate::interp::Interpreter;
use crate::tier::Tier;

/// One frame of a user-code stack.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StackFrame {
    /// Source file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// Function name.
    pub function: String,
}

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// The guard stopped (or killed) an operation the policy forbids.
    Violation,
    /// The static gate changed or refused a module before it ran.
    Gate,
}

/// A violation or gate decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// What kind of event.
    pub kind: EventKind,
    /// The policy clause (`fs.read`, `process`, `net`, `ffi`, `imports`, `code`, `introspection`),
    /// `guard` when the program broke the guard's channel to pysbx, or the rule id for gate
    /// events.
    pub clause: String,
    /// What happened, in one sentence.
    pub message: String,
    /// The innermost user module.
    #[serde(default)]
    pub module: Option<String>,
    /// Its file.
    #[serde(default)]
    pub file: Option<String>,
    /// The line in the original source.
    #[serde(default)]
    pub line: Option<u32>,
    /// The function of the innermost user frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// For a violation the policy could grant, what it needed (`{"grant": "fs.read", "path":
    /// "/srv/x"}`, `{"grant": "net", "rule": "10.0.0.1:443"}`...); learning mode reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    /// User frames, innermost first.
    #[serde(default)]
    pub stack: Vec<StackFrame>,
    /// What was done: `raised`, `killed`, `recorded` (learning mode), `stripped`, `stubbed`,
    /// `refused`, `reported`.
    pub action: String,
    /// The audit event or operation behind it (`open`, `socket.connect`...).
    #[serde(default)]
    pub operation: Option<String>,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The program exited by itself.
    Exit,
    /// The guard or the static gate stopped it for a policy violation.
    Violation,
    /// CPU time limit.
    Cpu,
    /// Wall-clock limit.
    Wall,
    /// Memory limit.
    Memory,
    /// File size limit.
    FileSize,
    /// Output limit.
    Output,
    /// The private working area (a size-capped tmpfs) is full.
    Disk,
    /// Open file descriptor limit.
    OpenFiles,
    /// Process and thread limit (or processes forbidden by the policy).
    Processes,
    /// Recursion limit.
    Recursion,
    /// Killed by the seccomp filter.
    Seccomp,
    /// Killed by another signal.
    Signal,
    /// pysbx itself received SIGTERM or SIGHUP (or Ctrl-C before the program ran) and killed
    /// the process tree.
    Stopped,
    /// pysbx could not set up or supervise the run.
    Internal,
}

impl EndReason {
    /// Stable lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exit => "exit",
            Self::Violation => "violation",
            Self::Cpu => "cpu",
            Self::Wall => "wall",
            Self::Memory => "memory",
            Self::FileSize => "file_size",
            Self::Output => "output",
            Self::Disk => "disk",
            Self::OpenFiles => "open_files",
            Self::Processes => "processes",
            Self::Recursion => "recursion",
            Self::Seccomp => "seccomp",
            Self::Signal => "signal",
            Self::Stopped => "stopped",
            Self::Internal => "internal",
        }
    }

    /// Whether the run hit a resource limit.
    #[must_use]
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            Self::Cpu
                | Self::Wall
                | Self::Memory
                | Self::FileSize
                | Self::Output
                | Self::Disk
                | Self::OpenFiles
                | Self::Processes
                | Self::Recursion
        )
    }
}

/// The one classified end event of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct End {
    /// Why it ended.
    pub reason: EndReason,
    /// pysbx's own exit code for this end.
    pub exit_code: u8,
    /// The program's exit code, when it exited.
    pub child_code: Option<i32>,
    /// The signal that killed it, when one did.
    pub signal: Option<i32>,
    /// CPU seconds used.
    pub cpu_s: f64,
    /// Wall seconds elapsed.
    pub wall_s: f64,
    /// Peak resident set in KiB.
    pub max_rss_kb: i64,
    /// A readable sentence.
    pub message: String,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The end event.
    pub end: End,
    /// Violations and gate decisions, in arrival order.
    pub events: Vec<Event>,
    /// Which layers applied.
    pub tier: Tier,
    /// The interpreter that ran.
    pub interpreter: Interpreter,
    /// Notes about pysbx itself during the run (an alert sink that failed), one sentence each.
    pub notes: Vec<String>,
    /// The JSON text the program passed to `pysbx_io.output` (the last one), when it did:
    /// checked to be JSON every parser reads alike ([`interchange_json`]) and kept as
    /// written, so numbers beyond 64 bits stay exact.
    pub output: Option<Box<serde_json::value::RawValue>>,
    /// Why the program's output value was dropped (it was not JSON every parser reads
    /// alike), when it was.
    pub output_refused: Option<String>,
    /// The static gate refused the entry program: nothing of it ran (the end says why, the
    /// events hold the findings behind the refusal).
    pub gate_refused: bool,
    /// The program's file whose line raised the stub's refusal that ended the run, when the
    /// guard's function standing in for a stubbed call raised it (`__pysbx_exec__`).
    pub end_file: Option<String>,
}

/// Checks that `text` is JSON any parser reads the same way and keeps it as written: what the
/// guard's encoder writes passes (integers of any length stay exact, nesting of any depth),
/// what only a forged frame holds does not: a number with a fraction or an exponent past the
/// range of a double (`1e999999`, infinity to some parsers and an error to others), an object
/// with the same key twice (the first value to some, the last to others) or a lone surrogate
/// (not a character; the guard refuses to encode one).
pub fn interchange_json(text: String) -> Result<Box<serde_json::value::RawValue>, String> {
    let raw = serde_json::value::RawValue::from_string(text).map_err(|e| e.to_string())?;
    read_alike(raw.get())?;
    Ok(raw)
}

/// The checks of [`interchange_json`] on text already known to be JSON, in one pass without
/// recursion (the text may nest as deep as its size allows).
fn read_alike(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    // Per open object the keys seen so far; `None` for an array.
    let mut open: Vec<Option<std::collections::HashSet<String>>> = Vec::new();
    let mut at_key = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => {
                open.push(Some(std::collections::HashSet::new()));
                at_key = true;
            }
            b'[' => {
                open.push(None);
                at_key = false;
            }
            b'}' | b']' => {
                open.pop();
                at_key = false;
            }
            b',' => at_key = matches!(open.last(), Some(Some(_))),
            b':' => at_key = false,
            b'"' => {
                let mut end = i + 1;
                while let Some(&c) = bytes.get(end) {
                    match c {
                        b'\\' => end += 2,
                        b'"' => break,
                        _ => end += 1,
                    }
                }
                let quoted = text.get(i..=end).ok_or("a string is not closed")?;
                if at_key || quoted.contains("\\u") {
                    // Decoding refuses a lone surrogate escape.
                    let decoded: String =
                        serde_json::from_str(quoted).map_err(|e| e.to_string())?;
                    if at_key
                        && let Some(Some(keys)) = open.last_mut()
                        && let Some(key) = keys.replace(decoded)
                    {
                        return Err(format!("the key {key:?} appears twice in an object"));
                    }
                }
                at_key = false;
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(bytes.len(), |n| i + n);
                let number = &text[i..end];
                if number.contains(['.', 'e', 'E'])
                    && !number.parse::<f64>().is_ok_and(f64::is_finite)
                {
                    return Err(format!("the number {number} is out of a double's range"));
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

impl Event {
    /// A violation pysbx saw itself, with no frame of the program's behind it (a connection
    /// the network relay refused, the guard's channel broken).
    pub(crate) fn seen_by_pysbx(
        clause: &str,
        message: String,
        action: &str,
        operation: &str,
    ) -> Self {
        Self {
            kind: EventKind::Violation,
            clause: clause.into(),
            message,
            module: None,
            file: None,
            line: None,
            function: None,
            detail: None,
            stack: Vec::new(),
            action: action.into(),
            operation: Some(operation.into()),
        }
    }

    /// Cuts each text the program chose to at most `max` bytes (at a character boundary), and
    /// drops a detail or stack larger than that as JSON: the program may send events as large
    /// as the pipe takes, which pysbx keeps outside its limits.
    pub fn bound(&mut self, max: usize) {
        fn cut(text: &mut String, max: usize) {
            if text.len() > max {
                let mut at = max;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.truncate(at);
                text.push_str("...");
            }
        }
        cut(&mut self.clause, max);
        cut(&mut self.message, max);
        cut(&mut self.action, max);
        for text in [&mut self.module, &mut self.file, &mut self.function, &mut self.operation]
            .into_iter()
            .flatten()
        {
            cut(text, max);
        }
        if self.detail.as_ref().is_some_and(|d| d.to_string().len() > max) {
            self.detail = Some(serde_json::json!({"dropped": "larger than pysbx keeps"}));
        }
        if serde_json::to_string(&self.stack).map_or(true, |s| s.len() > max) {
            self.stack.truncate(0);
        }
    }

    /// One readable line.
    #[must_use]
    pub fn summary(&self) -> String {
        let place = match (&self.file, self.line) {
            (Some(f), Some(l)) => format!("{f}:{l}: "),
            (Some(f), None) => format!("{f}: "),
            _ => String::new(),
        };
        let module = self.module.as_deref().map(|m| format!(" (module {m})")).unwrap_or_default();
        let kind = match self.kind {
            EventKind::Violation => "violation",
            EventKind::Gate => "gate",
        };
        printable(&format!(
            "{place}{kind} [{}] {}{module}; {}",
            self.clause, self.message, self.action
        ))
    }
}

/// `text` for a terminal: control characters written as escapes (`\x1b`). A violation's
/// message holds what the program chose (a path, a host, an exception's text), which would
/// otherwise reach pysbx's own lines raw, where escape sequences can erase or rewrite them.
/// So are the characters that reorder or break a line without being controls: the
/// bidirectional overrides, embeddings, isolates and marks (U+202E shows the rest of the line
/// reversed, so `txt.exe` reads `exe.txt`) and the line and paragraph separators.
#[must_use]
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let reorders = matches!(c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}');
        if (c.is_control() && c != '\t') || reorders {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The hint for a refusal that a learning run records (files, network, processes, foreign
/// code): `--learn` writes the policy.
pub const LEARN_HINT: &str = "pysbx: hint: `pysbx exec --learn policy.yaml ...` runs the \
                              program once with what it asks for recorded, and writes the \
                              narrowest policy that allows it, to review";

/// The module whose own `code` grant allows run-time code it made: `None` for the program
/// itself (`__main__`, or code of no module), whose grant is the top-level `code`. A key
/// covers the module and its submodules, so the module itself is the narrowest grant.
#[must_use]
pub fn code_grant_module(module: Option<&str>) -> Option<&str> {
    module.filter(|m| !m.is_empty() && *m != "__main__")
}

/// That grant in words, for a hint: `modules: {m: {code: true}}` or `code: true`.
#[must_use]
pub fn code_grant_words(module: Option<&str>) -> String {
    match code_grant_module(module) {
        Some(module) => format!("`modules: {{{module}: {{code: true}}}}` (that module alone)"),
        None => "`code: true` (the program's own code)".to_string(),
    }
}

impl Outcome {
    /// Lines for standard error: the end when it is not a plain exit.
    #[must_use]
    pub fn end_summary(&self) -> Option<String> {
        (self.end.reason != EndReason::Exit).then(|| {
            printable(&format!("pysbx: {} (exit {})", self.end.message, self.end.exit_code))
        })
    }

    /// A line for standard error after a run that a violation ended: how a policy could allow
    /// what was refused, when one can. Run-time code is never learned (`--learn`), so its grant
    /// is named; what `--learn` records is pointed to it; what no policy grants has no hint.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        if self.end.reason != EndReason::Violation {
            return None;
        }
        let refused = self.events.iter().rev().find(|e| {
            e.kind == EventKind::Violation && (e.action == "raised" || e.action == "killed")
        })?;
        if refused.clause == "code" {
            return Some(format!(
                "pysbx: hint: code made at run time is refused by the default policy and never \
                 learned; if you trust it, a policy can allow it with {}",
                code_grant_words(refused.module.as_deref())
            ));
        }
        // A function's `__code__` set: what a module granted `code` may do (decorators move a
        // compiled body into one).
        let by_code = refused.detail.as_ref().and_then(|d| d.get("allowed_by"));
        if refused.clause == "introspection" && by_code.is_some_and(|b| b == "code") {
            return Some(format!(
                "pysbx: hint: setting a function's `__code__` is refused by the \
                 default policy and never learned; if you trust the module, a policy can allow \
                 it with {}",
                code_grant_words(refused.module.as_deref())
            ));
        }
        let grantable = refused.detail.as_ref().is_some_and(|d| d.get("grant").is_some());
        grantable.then(|| LEARN_HINT.to_string())
    }

    /// The JSON lines document: a `start` line with the tier, one line per event, an `end` line.
    #[must_use]
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        let start = serde_json::json!({
            "type": "start",
            "tier": self.tier,
            "interpreter": self.interpreter,
        });
        out.push_str(&start.to_string());
        out.push('\n');
        for e in &self.events {
            out.push_str(&event_json(e).to_string());
            out.push('\n');
        }
        for n in &self.notes {
            out.push_str(&serde_json::json!({"type": "note", "message": n}).to_string());
            out.push('\n');
        }
        out.push_str(&end_json(&self.end).to_string());
        out.push('\n');
        out
    }

    /// A SARIF 2.1.0 log: one result per violation and gate event, the end and the tier in the
    /// run's properties.
    #[must_use]
    pub fn to_sarif(&self) -> serde_json::Value {
        let mut rules: Vec<String> = self.events.iter().map(|e| e.clause.clone()).collect();
        rules.sort();
        rules.dedup();
        let results: Vec<serde_json::Value> = self
            .events
            .iter()
            .map(|e| {
                let mut result = serde_json::json!({
                    "ruleId": e.clause,
                    "ruleIndex": rules.iter().position(|r| *r == e.clause).unwrap_or(0),
                    "level": if e.kind == EventKind::Violation { "error" } else { "warning" },
                    "message": {"text": format!("{} ({})", e.message, e.action)},
                    "properties": {"action": e.action, "module": e.module, "operation": e.operation},
                });
                if let Some(file) = &e.file {
                    let mut region = serde_json::json!({});
                    if let Some(line) = e.line.filter(|l| *l > 0) {
                        region = serde_json::json!({"startLine": line});
                    }
                    result["locations"] = serde_json::json!([{
                        "physicalLocation": {
                            "artifactLocation": {"uri": file_uri(file)},
                            "region": region,
                        }
                    }]);
                }
                result
            })
            .collect();
        serde_json::json!({
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{
                "tool": {"driver": {
                    "name": "pysbx",
                    "informationUri": "https://github.com/pysbx/pysbx",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|r| serde_json::json!({
                        "id": r,
                        "shortDescription": {"text": format!("runtime policy clause {r}")},
                    })).collect::<Vec<_>>(),
                }},
                "results": results,
                "properties": {"end": self.end, "tier": self.tier},
            }]
        })
    }
}

/// One event as its JSON line (`"type": "event"`), as files and live sinks carry it.
#[must_use]
pub fn event_json(event: &Event) -> serde_json::Value {
    let mut v = serde_json::to_value(event).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("type".into(), "event".into());
    }
    v
}

/// The end event as its JSON line (`"type": "end"`).
#[must_use]
pub fn end_json(end: &End) -> serde_json::Value {
    let mut v = serde_json::to_value(end).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("type".into(), "end".into());
    }
    v
}

fn file_uri(file: &str) -> String {
    if file.starts_with('/') { format!("file://{file}") } else { file.to_string() }
}

/// Writes `text` to an output file pinned before the run (see [`pysbx_files::PinnedTarget`]):
/// a temporary file in its directory renamed over the name, so that an interrupted run leaves
/// the old file or the new one, or into the stream it was. What the program did to the path
/// meanwhile (a link in the place of the file or of a directory on the way) is never followed.
///
/// # Errors
/// The I/O error with the path.
pub fn write_atomic(
    target: &pysbx_files::PinnedTarget,
    text: &str,
) -> Result<(), crate::SandboxError> {
    target
        .write(text.as_bytes())
        .map_err(|source| crate::SandboxError::Io { path: target.path().to_path_buf(), source })
}

/// Writes the JSON lines and SARIF sinks named on the command line and in the policy.
///
/// # Errors
/// The first sink that could not be written.
pub fn write_sinks(
    outcome: &Outcome,
    jsonl: &[pysbx_files::PinnedTarget],
    sarif: &[pysbx_files::PinnedTarget],
) -> Result<(), crate::SandboxError> {
    for target in jsonl {
        write_atomic(target, &outcome.to_jsonl())?;
    }
    for target in sarif {
        let text = serde_json::to_string_pretty(&outcome.to_sarif()).unwrap_or_default();
        write_atomic(target, &text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tier::LayerState;

    #[test]
    fn lines_for_a_terminal_escape_what_rewrites_or_reorders_them() {
        assert_eq!(printable("a\x1b[2Kb\tc"), "a\\u{1b}[2Kb\tc");
        assert_eq!(printable("/tmp/\u{202E}txt.exe"), "/tmp/\\u{202e}txt.exe");
        assert_eq!(printable("x\u{2028}y\u{2066}z"), "x\\u{2028}y\\u{2066}z");
        assert_eq!(printable("caf\u{e9} \u{65e5}\u{672c}"), "caf\u{e9} \u{65e5}\u{672c}");
    }

    #[test]
    fn output_json_is_kept_as_written_when_every_parser_reads_it_alike() {
        let kept = |t: &str| interchange_json(t.to_string()).map(|v| v.get().to_string());
        for ok in [
            r#"{"n":18446744073709551617,"neg":-1180591620717411303424}"#,
            r#"["caf\u00e9","😀","\ud83d\ude00",1e308,-0.0,null,true]"#,
            r#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#,
            r#"{"k":"{\"k\":1,\"k\":2}","n":-12.5e-3}"#,
        ] {
            assert_eq!(kept(ok).as_deref(), Ok(ok));
        }
        // What Python's encoder writes for deep nesting and huge integers passes.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(kept(&deep).is_ok());
        let huge = format!("[{}1]", "9".repeat(400));
        assert_eq!(kept(&huge).as_deref(), Ok(huge.as_str()));
        for (forged, why) in [
            ("1e999999", "range"),
            (r#"{"x":[-1e400]}"#, "range"),
            (r#"{"a":1,"\u0061":2}"#, "twice"),
            (r#"{"s":"x\"y","s":1}"#, "twice"),
            (r#"{"a":1,"a":2}"#, "twice"),
            (r#"[{"b":{"k":1,"j":2,"k":3}}]"#, "twice"),
            (r#""\ud800""#, "hex escape"),
            (r#"{"k":"\udc00x"}"#, "surrogate"),
            ("[1] [2]", "trailing"),
        ] {
            let e = kept(forged).expect_err(forged);
            assert!(e.contains(why), "{forged}: {e}");
        }
    }

    #[test]
    fn an_event_keeps_bounded_text() {
        let mut e = outcome().events.remove(0);
        e.message = format!("reading /{} is not allowed", "é".repeat(10_000));
        e.file = Some("x".repeat(10_000));
        e.detail = Some(serde_json::json!({"grant": "fs.read", "path": "y".repeat(10_000)}));
        e.bound(100);
        assert!(e.message.len() <= 103 && e.message.ends_with("..."), "{}", e.message);
        assert_eq!(e.file.as_deref().map(str::len), Some(103));
        assert_eq!(e.detail, Some(serde_json::json!({"dropped": "larger than pysbx keeps"})));
        let mut small = outcome().events.remove(0);
        let before = serde_json::to_string(&small).unwrap_or_default();
        small.bound(4096);
        assert_eq!(serde_json::to_string(&small).unwrap_or_default(), before);
    }

    fn outcome() -> Outcome {
        let mut tier = Tier::default();
        tier.set("seccomp", LayerState::Applied("x".into()));
        Outcome {
            end: End {
                reason: EndReason::Violation,
                exit_code: crate::EXIT_VIOLATION,
                child_code: Some(1),
                signal: None,
                cpu_s: 0.1,
                wall_s: 0.2,
                max_rss_kb: 1000,
                message: "policy violation".into(),
            },
            events: vec![Event {
                kind: EventKind::Violation,
                clause: "process".into(),
                message: "os.system is not allowed".into(),
                module: Some("__main__".into()),
                file: Some("/tmp/x.py".into()),
                line: Some(3),
                function: Some("<module>".into()),
                detail: Some(serde_json::json!({"grant": "process", "what": "os.system"})),
                stack: vec![],
                action: "raised".into(),
                operation: Some("os.system".into()),
            }],
            tier,
            interpreter: Interpreter {
                executable: "/usr/bin/python3".into(),
                prefix: "/usr".into(),
                base_prefix: "/usr".into(),
                exec_prefix: "/usr".into(),
                stdlib: "/usr/lib/python3.11".into(),
                platstdlib: "/usr/lib/python3.11".into(),
                site: vec![],
                version: "3.11".into(),
                loader: None,
                launcher: None,
            },
            notes: vec!["alert webhook http://127.0.0.1:9/: 1 of 1 events not delivered".into()],
            output: None,
            output_refused: None,
            gate_refused: false,
            end_file: None,
        }
    }

    #[test]
    fn a_refusal_a_policy_could_lift_comes_with_a_hint() {
        let mut o = outcome();
        // Processes are learned: the hint points to `--learn`.
        assert!(o.hint().is_some_and(|h| h.contains("--learn")), "{:?}", o.hint());
        // Run-time code is never learned: the hint names the grant, for the module that made it.
        o.events[0].clause = "code".into();
        o.events[0].detail = None;
        o.events[0].module = Some("botocore.vendored.six".into());
        let hint = o.hint().unwrap_or_default();
        assert!(hint.contains("`modules: {botocore.vendored.six: {code: true}}`"), "{hint}");
        o.events[0].module = Some("__main__".into());
        assert!(o.hint().is_some_and(|h| h.contains("`code: true`")), "{:?}", o.hint());
        // What no policy grants (introspection), a gate event, or an end without a violation:
        // no hint.
        o.events[0].clause = "introspection".into();
        assert_eq!(o.hint(), None);
        // Except a function's `__code__`, which a module's `code` grant allows.
        o.events[0].module = Some("jinja2.utils".into());
        o.events[0].detail = Some(serde_json::json!({"allowed_by": "code"}));
        let hint = o.hint().unwrap_or_default();
        assert!(hint.contains("`__code__`"), "{hint}");
        assert!(hint.contains("`modules: {jinja2.utils: {code: true}}`"), "{hint}");
        o.events[0].detail = None;
        o.events[0].kind = EventKind::Gate;
        o.events[0].clause = "code".into();
        assert_eq!(o.hint(), None);
        o.events[0].kind = EventKind::Violation;
        o.end.reason = EndReason::Exit;
        assert_eq!(o.hint(), None);
    }

    #[test]
    fn jsonl_has_start_events_and_end() {
        let text = outcome().to_jsonl();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["type"], "start");
        assert_eq!(lines[0]["tier"]["layers"]["seccomp"]["state"], "applied");
        assert_eq!(lines[1]["clause"], "process");
        assert_eq!(lines[2]["type"], "note");
        assert_eq!(lines[3]["reason"], "violation");
    }

    #[test]
    fn sarif_locates_violations() {
        let sarif = outcome().to_sarif();
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "process");
        assert_eq!(result["level"], "error");
        assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
        assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"], "process");
    }
}

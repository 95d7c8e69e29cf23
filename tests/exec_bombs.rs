//! Resource bombs: each is contained by the policy's limits; pysbx returns within the wall
//! time, names the limit on standard error and in the end event, and leaves no process.

use crate::exec_support::{Scratch, exec_with_events, sandbox_processes, stderr, stdout};

const POLICY: &str = "limits: {cpu_s: 1, wall_s: 8, memory_mb: 256, file_size_mb: 1, open_files: 64, processes: 32, output_mb: 1}\n";

/// Runs `code` under `policy`, returns (exit code, stderr, end event).
fn bomb(name: &str, policy: &str, code: &str) -> (Option<i32>, String, serde_json::Value) {
    bomb_within(name, policy, code, 8)
}

/// [`bomb`] for a policy whose wall-clock limit is `wall_s`.
fn bomb_within(
    name: &str,
    policy: &str,
    code: &str,
    wall_s: u64,
) -> (Option<i32>, String, serde_json::Value) {
    let s = Scratch::new();
    let script = s.write(&format!("{name}.py"), code);
    let policy = s.write("policy.yaml", policy);
    let events = s.path().join("events.jsonl");
    let started = std::time::Instant::now();
    // The static gate would stub some bombs (os.fork) before they run; the limits are the
    // point here.
    let out = exec_with_events(&s, &policy, &events, &script, &[]);
    let elapsed = started.elapsed();
    let err = stderr(&out);
    let text = std::fs::read_to_string(&events).unwrap_or_default();
    let end: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "end")
        .unwrap_or_else(|| panic!("no end event for {name}: {err}"));
    // The wall limit bounds every run (plus setup and teardown).
    assert!(elapsed.as_secs() < wall_s + 5, "{name} took {elapsed:?}");
    assert!(sandbox_processes().is_empty(), "{name} left processes: {:?}", sandbox_processes());
    (out.status.code(), err, end)
}

fn assert_limit(name: &str, policy: &str, code: &str, reason: &str, words: &str) {
    let (code_, err, end) = bomb(name, policy, code);
    assert_eq!(end["reason"], reason, "{name}: {err}\n{end}");
    assert_eq!(code_, Some(i32::from(pysbx_sandbox_exit_limit())), "{name}: {err}");
    assert!(err.contains(words), "{name} should name the limit ({words}): {err}");
}

fn pysbx_sandbox_exit_limit() -> u8 {
    124
}

#[test]
fn cpu_loop() {
    assert_limit("cpu", POLICY, "while True:\n    pass\n", "cpu", "CPU limit");
}

#[test]
fn cpu_loop_ignoring_sigxcpu() {
    let code =
        "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n";
    assert_limit("cpu_ignore", POLICY, code, "cpu", "CPU limit");
}

#[test]
fn memory_growth() {
    let code = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n";
    assert_limit("memory", POLICY, code, "memory", "memory limit");
}

/// The interpreter does not always survive memory running out (an allocation that fails while
/// an exception is made, or in a collection, ends in a fatal error): a crash near the limit is
/// reported as what it is, and the status stays the signal's, as under python3.
#[test]
fn a_crash_near_the_memory_limit_names_the_limit() {
    let code = "import os\nheld = b'x' * (220 << 20)\nos.abort()\n";
    let (status, err, end) = bomb("crash", POLICY, code);
    assert_eq!(end["reason"], "signal", "{err}\n{end}");
    assert_eq!(status, Some(134), "SIGABRT: {err}");
    assert!(err.contains("near the memory limit of 256 MiB"), "{err}");
    // Far from the limit, the same crash is the signal alone.
    let (_, err, _) = bomb("crash_small", POLICY, "import os\nos.abort()\n");
    assert!(err.contains("killed by SIG") && !err.contains("memory limit"), "{err}");
}

#[test]
fn fork_bomb_as_root() {
    let policy = format!("{POLICY}process: true\n");
    let code = "import os\nwhile True:\n    os.fork()\n";
    assert_limit("fork_bomb", &policy, code, "processes", "process limit");
}

#[test]
fn thread_bomb() {
    let code = "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()\n";
    assert_limit("threads", POLICY, code, "processes", "process limit");
}

#[test]
fn disk_fill() {
    let code = "i = 0\nwhile True:\n    with open('fill%d' % i, 'wb') as f:\n        f.write(b'x' * (1024 * 1024 - 1))\n    i += 1\n";
    assert_limit("disk", POLICY, code, "disk", "disk limit");
}

/// Entries without data (named pipes, which CPython 3.11 makes with no audit event, empty
/// files, directories) take no page of the private tmpfs's size cap, but each takes the host's
/// kernel memory: the tmpfs holds a number of entries in proportion to its size, so both the
/// working directory and the private `/dev/shm` refuse the next one with ENOSPC long before the
/// CPU limit (without that count, a million pipes made in the CPU second took over 1 GiB of the
/// host's memory, and the run ended on its CPU limit).
#[test]
fn empty_entries_fill_the_private_file_systems() {
    for dir in [".", "/dev/shm"] {
        let code = format!(
            "import os\ni = 0\nwhile True:\n    os.mkfifo(os.path.join({dir:?}, 'p%d' % i))\n    i += 1\n"
        );
        assert_limit("entries", POLICY, &code, "disk", "disk limit");
    }
}

#[test]
fn one_huge_file() {
    let code = "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 65536)\n";
    assert_limit("fsize", POLICY, code, "file_size", "file size limit");
}

/// pysbx's own line for each violation goes to its standard error with the program's output,
/// and the program sets off as many as it likes, each with a path of its choosing: they count
/// against `limits.output_mb` too (without, 1 s of CPU wrote tens of megabytes past a 1 MiB
/// limit).
#[test]
fn violation_flood() {
    let code = "p = '/etc/' + 'A' * 3000\nwhile True:\n    try:\n        open(p)\n    except OSError:\n        pass\n";
    let (code_, err, end) = bomb("violation_flood", POLICY, code);
    assert_eq!(end["reason"], "output", "{}\n{end}", &err[err.len().saturating_sub(2000)..]);
    assert_eq!(code_, Some(i32::from(pysbx_sandbox_exit_limit())));
    assert!(err.len() < 2 << 20, "{} bytes on standard error past a 1 MiB limit", err.len());
    assert!(err.contains("output limit"), "{}", &err[err.len().saturating_sub(2000)..]);
}

#[test]
fn output_flood() {
    let code = "import sys\nwhile True:\n    sys.stdout.write('y' * 4096)\n";
    assert_limit("flood", POLICY, code, "output", "output limit");
}

#[test]
fn sleeping_forever() {
    let policy = "limits: {wall_s: 2}\n";
    assert_limit("sleep", policy, "import time\ntime.sleep(3600)\n", "wall", "wall-clock limit");
}

#[test]
fn ignoring_sigterm() {
    let policy = "limits: {wall_s: 2}\n";
    let code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)\n";
    assert_limit("sigterm", policy, code, "wall", "wall-clock limit");
}

#[test]
fn descriptor_exhaustion() {
    let code = "fds = []\nwhile True:\n    fds.append(open('/dev/null'))\n";
    assert_limit("fds", POLICY, code, "open_files", "open files limit");
}

/// A policy's `recursion_limit` is a ceiling: a runaway recursion that asks for more stops
/// promptly with `RecursionError`.
#[test]
fn deep_recursion() {
    let code = "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n):\n    return f(n + 1)\nf(0)\n";
    let policy = format!("{POLICY}features: {{recursion_limit: 5000}}\n");
    assert_limit("recursion", &policy, code, "recursion", "recursion limit");
}

/// Without one, the program may raise its limit as under Python, but not without bound: a
/// runaway recursion asking for a billion frames stops at the ceiling (a million) with
/// `RecursionError`, well within the default CPU and memory limits.
///
/// A million frames take a few seconds to unwind and report (plain Python takes two), so the
/// default CPU limit stands and the wall-clock limit is the default's.
#[test]
fn deep_recursion_under_the_default_ceiling() {
    let code = "import sys\nsys.setrecursionlimit(10 ** 9)\ndef f(n):\n    return f(n + 1)\nf(0)\n";
    let (exit, err, end) = bomb_within("recursion_default", "limits: {wall_s: 30}\n", code, 30);
    assert_eq!(end["reason"], "recursion", "{err}\n{end}");
    assert_eq!(exit, Some(i32::from(pysbx_sandbox_exit_limit())), "{err}");
    assert!(err.contains("recursion limit"), "{err}");
}

/// The static gate parses the program itself in pysbx, outside the program's limits, at about
/// 75 times its size in memory (a 60 MB script took pysbx to 4.5 GB): a program larger than the
/// gate reads is refused unread, as an imported module is.
#[test]
fn a_huge_program_is_refused_by_the_gate_unread() {
    let s = Scratch::new();
    let script = s.write("huge.py", &"x = 1\n".repeat(1_600_000));
    let out = crate::exec_support::run(s.exec().arg(&script));
    let err = crate::exec_support::stderr(&out);
    assert_eq!(out.status.code(), Some(122), "{err}");
    assert!(err.contains("larger than the 8 MiB the static gate reads"), "{err}");
    assert!(err.contains("--no-gate"), "{err}");
}

/// Code the gate vets at run time (a constant compiled under a name, text an installed package
/// generates) is kept by the guard, one job per distinct text and name: a generator making new
/// names without end would grow that without bound. Past 4,096 the run vets no more: what it
/// already compiled still runs, anything new is refused with the reason and the grant that
/// lifts it.
#[test]
fn code_vetted_at_run_time_is_bounded_per_run() {
    let s = Scratch::new();
    let code = "ran = 0\nfor i in range(4096):\n    exec(compile('ran += 1', '<gen%d>' % i, 'exec'))\n\
                print('ran', ran)\nexec(compile('ran += 1', '<gen7>', 'exec'))\n\
                print('again', ran)\nexec(compile('ran += 1', '<gen4096>', 'exec'))\n\
                print('past the cap', ran)\n";
    let script = s.write("generator.py", code);
    let out = crate::exec_support::run(s.exec().arg(&script));
    let err = stderr(&out);
    assert_eq!(stdout(&out), "ran 4096\nagain 4097\n", "{err}");
    assert_eq!(out.status.code(), Some(122), "{err}");
    assert!(
        err.contains(
            "PSB103 (compile-builtin) blocked at line 7: the run has already compiled 4096 \
             distinct texts or names the gate vetted"
        ),
        "{err}"
    );
    assert!(err.contains("grant `code` to the module that makes them"), "{err}");
}

/// The import gate runs in pysbx, outside the program's limits: a module the program writes
/// and imports must not make pysbx itself parse and report without bound.
#[test]
fn a_huge_module_sent_to_the_import_gate_is_refused_unread() {
    let s = Scratch::new();
    let code = "import os, sys\nd = os.environ['TMPDIR']\nopen(os.path.join(d, 'big.py'), 'w').write('eval(x)\\n' * (9 << 17))\nsys.path.insert(0, d)\ntry:\n    import big\nexcept ImportError as e:\n    print('refused:', e)\n";
    let script = s.write("import_big.py", code);
    let started = std::time::Instant::now();
    let out = crate::exec_support::run(s.exec().arg(&script));
    let text = stdout(&out);
    assert!(
        text.contains("refused:") && text.contains("larger than the 8 MiB"),
        "{text}{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 10, "took {:?}", started.elapsed());
}

/// `RLIMIT_DATA` leaves out shared mappings: anonymous shared memory (`mmap.mmap(-1, n)`)
/// grew resident past 5 GiB against the 512 MiB limit, until the CPU limit ended the run. The
/// address-space backstop (the memory limit, every thread's stack, 1 GiB for the interpreter)
/// refuses the mapping that would pass it.
#[test]
fn shared_memory_stops_at_the_address_space_backstop() {
    let s = Scratch::new();
    let script = s.write(
        "shared_bomb.py",
        "import mmap\nmaps, total = [], 0\ntry:\n    while total < 8192:\n        m = mmap.mmap(-1, 256 << 20)\n        for i in range(0, 256 << 20, 1 << 16):\n            m[i] = 1\n        maps.append(m)\n        total += 256\n    print('REACHED', total)\nexcept (OSError, MemoryError) as e:\n    print('STOPPED at', total)\n",
    );
    let out = crate::exec_support::run(s.exec().arg(&script));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    let reached: u64 = text
        .strip_prefix("STOPPED at ")
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or_else(|| panic!("not stopped: {text}{}", stderr(&out)));
    // 512 MiB of memory, 64 threads' stacks, 1 GiB of headroom: 2 GiB of address space.
    assert!(reached < 2048, "{reached} MiB of shared memory");
}

/// A module under the gate's size limit can still hold millions of tokens (`a` on each of a
/// million lines): its tree took pysbx 1.5 GB at 8 MiB. A module of more than 2,000,000 tokens
/// is refused unparsed (CPython itself, compiling one of 1.8 million in the sandbox, reaches
/// the default 512 MiB); a smaller one goes through.
#[test]
fn a_module_of_too_many_tokens_is_refused_unparsed() {
    let s = Scratch::new();
    let code = "import os, sys\nd = os.environ['TMPDIR']\nfor name, lines in (('flat', 1_100_000), ('fine', 100_000)):\n    with open(os.path.join(d, name + '.py'), 'w') as f:\n        f.write('a = 1\\n' + 'a\\n' * lines)\nsys.path.insert(0, d)\ntry:\n    import flat\n    print('imported flat')\nexcept ImportError as e:\n    print('refused:', e)\nimport fine\nprint('imported fine', fine.a)\n";
    let script = s.write("import_flat.py", code);
    let out = crate::exec_support::run(s.exec().arg(&script));
    let text = stdout(&out);
    assert!(
        text.contains("refused:") && text.contains("more than 2000000 tokens"),
        "{text}{}",
        stderr(&out)
    );
    assert!(text.contains("imported fine 1\n"), "{text}{}", stderr(&out));
}

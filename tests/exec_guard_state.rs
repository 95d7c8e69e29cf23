//! The guard's own state is out of the program's reach. The guard is Python in the program's
//! interpreter: whatever of its functions, frames or built-ins the program could reach, it
//! could rewrite (a closure's cells are writable; a frame's `f_locals`, a function's
//! `__closure__` and `__globals__` are not audited). Each test reaches for the guard by one
//! road, rewrites what it finds the way an attacker would (the function that raises
//! violations made a no-op, the set of threads the hook ignores given this one), and then
//! checks with `--no-gate` that the guard alone still refuses what only it refuses: run-time
//! code (`code: false`) and `ctypes` (`ffi: false`).

use crate::exec_support::{Scratch, run, stderr, stdout};

/// What the attack did, then the guard-only refusals, as `PROBE refused` when all held.
const PROBE: &str = r#"
import threading

def tamper(fn):
    # The attacker's move on a closure it reached: the guard's violation reporter made a
    # no-op, and this thread added to any set of thread idents (the hook's "busy" set).
    for cell in (getattr(fn, "__clo" + "sure__") or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if type(value).__name__ == "function" and value.__name__ == "_violation":
            cell.cell_contents = lambda *a, **k: None
        elif type(value) is set:
            value.add(threading.get_ident())

def internal(obj):
    # A function defined inside the guard (its helpers, hook and checks).
    return type(obj).__name__ == "function" and obj.__qualname__.startswith("_pysbx_guard.")

def probe():
    held = []
    try:
        exec("ran = 1")
        held.append("exec ran")
    except PermissionError:
        pass
    try:
        import ctypes
        held.append("ctypes imported")
    except (PermissionError, ImportError):
        pass
    print("PROBE", "; ".join(held) or "refused", flush=True)
"#;

fn run_attack(attack: &str) -> (String, String) {
    run_attack_under(attack, "{}\n")
}

fn run_attack_under(attack: &str, policy: &str) -> (String, String) {
    let s = Scratch::new();
    let script = s.write("attack.py", &format!("{PROBE}\n{attack}\nprobe()\n"));
    let policy = s.write("policy.yaml", policy);
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    (stdout(&out), format!("{}[{}]", stderr(&out), out.status))
}

/// A Python function for attack scripts: runs each `(label, step)` and prints `LOADED label`
/// (or the word given as `done`), `REFUSED label` (a `PermissionError`: the guard or the gate)
/// or `FAILED label ...`.
const TRY_EACH: &str = r#"
def try_each(steps, done="LOADED"):
    for label, step in steps:
        try:
            step()
            print(done, label)
        except PermissionError:
            print("REFUSED", label)
        except BaseException as e:
            # A refused import is a missing module to the program (`pysbx.ImportRefused`).
            import pysbx
            if isinstance(e, pysbx.ImportRefused):
                print("REFUSED", label)
            else:
                print("FAILED", label, type(e).__name__, e)
"#;

fn assert_guard_holds(text: &str, err: &str) {
    let ctx = format!("{text}{err}");
    assert!(text.contains("PROBE refused\n"), "the guard was disabled: {ctx}");
    assert!(!text.contains("INTERNAL"), "the program reached the guard's functions: {ctx}");
}

#[test]
fn nothing_the_guard_installs_leads_to_its_state() {
    // Every object the guard put where the program can reach it (replaced functions of os,
    // signal, sys, pwd, builtins; the import finder and loaders; pysbx and pysbx_io; signal
    // handlers), followed through closures, globals, defaults, bound methods and classes.
    let (text, err) = run_attack(
        r#"
import sys, os, signal, builtins, _signal, types
roots = [sys.meta_path, sys.path_hooks, builtins.__import__]
for name in ("pysbx", "pysbx_io", "pwd", "_signal", "signal", "os", "posix", "sys", "builtins"):
    module = sys.modules.get(name)
    if module is not None:
        roots.extend(vars(module).values())
for module in list(sys.modules.values()):
    roots.append(getattr(module, "__loader__", None))
    roots.append(getattr(module, "__spec__", None))
for number in range(1, signal.NSIG):
    try:
        roots.append(_signal.getsignal(number))
    except (ValueError, OSError):
        pass
seen, todo, found = set(), list(roots), 0
while todo:
    obj = todo.pop()
    if id(obj) in seen or isinstance(obj, types.ModuleType):
        continue
    seen.add(id(obj))
    found += 1
    if internal(obj):
        print("INTERNAL", obj.__qualname__)
    if type(obj).__name__ == "function":
        tamper(obj)
        for cell in (getattr(obj, "__clo" + "sure__") or ()):
            try:
                todo.append(cell.cell_contents)
            except ValueError:
                pass
        todo.extend(getattr(obj, "__glo" + "bals__").values())
        for attr in ("__defaults__", "__kwdefaults__", "__wrapped__"):
            try:
                value = getattr(obj, attr, None)
            except PermissionError:
                continue
            todo.extend(value.values() if isinstance(value, dict) else
                        value if isinstance(value, tuple) else [value])
    elif isinstance(obj, (classmethod, staticmethod)):
        todo.append(obj.__func__)
    elif isinstance(obj, types.MethodType):
        todo += [obj.__func__, obj.__self__]
    elif isinstance(obj, type):
        todo.extend(vars(obj).values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        todo.extend(obj)
    elif isinstance(obj, dict):
        todo.extend(obj.values())
    elif hasattr(obj, "__dict__"):
        try:
            todo.extend(vars(obj).values())
        except TypeError:
            pass
print("REACHED", found)
"#,
    );
    assert_guard_holds(&text, &err);
    // The walk went somewhere (the roots are real objects).
    let reached: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("REACHED "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the walk did not finish: {text}{err}"));
    assert!(reached > 500, "{text}");
}

#[test]
fn frames_the_standard_library_hands_out_hold_nothing_of_the_guards() {
    // `traceback.walk_tb` reads `tb_frame` and `traceback.walk_stack` calls `sys._getframe`
    // for the program (both allowed to the standard library); a frame's `f_locals` and
    // `f_globals` are not audited. The tracebacks of the guard's own refusals and the stack
    // the program runs on must not show the guard's frames.
    let (text, err) = run_attack(
        r#"
import traceback, sys
frames = [f for f, _ in traceback.walk_stack(None)]
for attempt in ("exec('1')", "import ctypes", "sys.setrecursionlimit('x')",
                "__import__('signal').signal(2, 'no')"):
    try:
        exec(attempt) if attempt.startswith("exec") else eval(compile(attempt, "a", "exec"))
    except BaseException as e:
        frames += [f for f, _ in traceback.walk_tb(e.__traceback__)]
        context = e.__context__
        while context is not None:
            frames += [f for f, _ in traceback.walk_tb(context.__traceback__)]
            context = context.__context__
for f in frames:
    for space in (f.f_locals, f.f_globals, f.f_builtins):
        for value in list(space.values()):
            if internal(value):
                print("INTERNAL", value.__qualname__)
            if type(value).__name__ == "function":
                tamper(value)
            elif type(value) is set:
                value.add(threading.get_ident())
print("FRAMES", len(frames))
"#,
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("FRAMES "), "{text}{err}");
}

#[test]
fn a_stack_walk_on_top_of_the_guards_work_hands_out_no_frame() {
    // A finalizer the garbage collector runs in the middle of a check walks its stack with
    // `traceback.walk_stack` (the guard's facade): the frames beneath it lead, by `f_back`
    // (not audited), to the guard's, whose locals hold its state.
    let (text, err) = run_attack(
        r#"
import gc, sys, traceback
traceback.extract_stack()  # the facade is installed at the standard library's sys._getframe
walk = getattr(traceback, "walk" + "_stack")
seen = []
def h4():
    frames = []
    for f, _ in walk(None):  # four frames above this generator's: the finalizer's
        frames.append(f)
    return frames
def h3(): return h4()
def h2(): return h3()
def h1(): return h2()
class Finalized:
    def __del__(self):
        for f in h1():
            b = f
            while b is not None:
                for value in list(b.f_locals.values()) + list(b.f_globals.values()):
                    if internal(value):
                        print("INTERNAL", value.__qualname__)
                        seen.append(b)
                    if type(value).__name__ == "function":
                        tamper(value)
                b = b.f_back
gc.set_threshold(1, 1, 1)
for i in range(2000):
    a, b = Finalized(), Finalized()
    a.o, b.o = b, a
    del a, b
    try:
        open("/nonexistent/%d" % i).close()
    except OSError:
        pass
    if seen:
        break
gc.set_threshold(700, 10, 10)
print("WALKS", i + 1)
"#,
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("WALKS "), "{text}{err}");
}

/// A generator `g`, started, that loots (see [`LOOT`]) from its own frame down each time it is
/// resumed: its `f_back` is whoever resumes it.
const LOOTING_GENERATOR: &str = r#"
import inspect
def gen():
    me = inspect.currentframe()
    yield
    while True:
        loot(me.f_back)
        yield
g = gen()
next(g)
"#;

/// Walks down `f_back` from a frame of the program's and rewrites any function of the guard's
/// found in a frame's locals or globals (`found` holds what it reached).
const LOOT: &str = r#"
found = []
def loot(f):
    while f is not None:
        for value in list(f.f_locals.values()) + list(f.f_globals.values()):
            if internal(value):
                print("INTERNAL", value.__qualname__)
                found.append(value)
            if type(value).__name__ == "function":
                tamper(value)
        f = f.f_back
"#;

#[test]
fn a_generator_resumed_on_top_of_the_guards_work_leads_nowhere_near_it() {
    // A generator holds its own frame, taken while nothing lies beneath; a finalizer resumes
    // it. A generator's `f_back` is whoever resumes it: with the finalizer run by a collection
    // in the middle of a check, the walk down from it would meet the guard's frames.
    let (text, err) = run_attack(&format!(
        r#"{LOOT}
{LOOTING_GENERATOR}
import gc
class Finalized:
    def __del__(self):
        if not found:
            next(g)
gc.set_threshold(1, 1, 1)
for i in range(2000):
    a, b = Finalized(), Finalized()
    a.o, b.o = b, a
    del a, b
    try:
        open("/nonexistent/%d" % i).close()
    except OSError:
        pass
    if found:
        break
gc.set_threshold(700, 10, 10)
gc.collect()
print("RESUMED", i + 1)
"#
    ));
    assert_guard_holds(&text, &err);
    assert!(text.contains("RESUMED 2000\n"), "{text}{err}");
}

#[test]
fn an_entrys_frame_hands_out_nothing_that_turns_collection_on() {
    // A finalizer runs on top of an entry once the entry has dropped the guard's function, by
    // design, and a generator it resumes reads the entry's locals (which held the
    // interpreter's own `gc.enable`). Each callable found there
    // is called by another thread in a loop while the main thread works in the guard: none may
    // turn automatic collection on then, or finalizers would run on top of the guard's frames.
    let (text, err) = run_attack_under(
        &format!(
            r#"{LOOT}
import _thread, gc, inspect, signal, sys, threading, time
reached = {{}}
def gen():
    me = inspect.currentframe()
    yield
    while True:
        f = me.f_back
        while f is not None:
            names = f.f_locals
            if "__pysbx_trip" in names:  # an entry's frame
                for name, value in names.items():
                    if callable(value):
                        reached.setdefault(name, value)
            f = f.f_back
        if stop is not None:
            loot(me.f_back)
        yield
stop = None
g = gen()
next(g)
class Finalized:
    def __del__(self):
        if not found:
            try:
                next(g)
            except ValueError:
                pass
def churn(i):
    a, b = Finalized(), Finalized()
    a.o, b.o = b, a
    del a, b
    try:
        open("/nonexistent/%d" % i).close()
    except OSError:
        pass
    try:
        signal.getsignal(1000 + i % 7)  # an error raised from the entry: a traceback made there
    except ValueError:
        pass
gc.set_threshold(100, 10, 10)
i = 0
while i < 100 or not reached and i < 5000:
    i += 1
    churn(i)
stop = []
def other():
    while not stop:
        for value in list(reached.values()):
            if value is not _thread.interrupt_main:  # the program's own
                try:
                    value()
                except BaseException:
                    pass
t = threading.Thread(target=other)
t.start()
sys.setswitchinterval(1e-5)
deadline = time.monotonic() + 4
while not found and time.monotonic() < deadline:
    if gc.get_count()[0] > 20000:
        # A collection is under way on the other thread (as under python3, none starts
        # meanwhile): its finalizers are slow, each loots the stack, and the cycles made
        # here would pile up to the memory limit before it ends.
        time.sleep(0.001)
        continue
    i += 1
    churn(i)
stop.append(1)
t.join()
gc.set_threshold(700, 10, 10)
print("CALLED", sorted(reached))
"#
        ),
        "limits: {cpu_s: 30}\n",
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("CALLED ['") && text.contains("'__pysbx_trip'"), "{text}{err}");
}

#[test]
fn an_interrupt_in_the_middle_of_the_guards_work_carries_none_of_its_frames() {
    // `_thread.interrupt_main` from a watchdog thread lands wherever the main thread is, the
    // guard's own work included; the `KeyboardInterrupt`'s traceback, walked by the standard
    // library, must hold no frame of that work.
    let (text, err) = run_attack(&format!(
        r#"{LOOT}
import _thread, threading, time, traceback
rounds = caught = 0
while not found and rounds < 300:
    rounds += 1
    go = threading.Event()
    def watchdog():
        go.wait()
        time.sleep(0.0001 * (rounds % 5))
        _thread.interrupt_main()
    t = threading.Thread(target=watchdog)
    t.start()
    try:
        go.set()
        while True:
            try:
                open("/nonexistent/x")
            except OSError:
                pass
    except KeyboardInterrupt as e:
        caught += 1
        for f, _ in traceback.walk_tb(e.__traceback__):
            loot(f)
    t.join()
print("CAUGHT", caught, "OF", rounds)
"#
    ));
    assert_guard_holds(&text, &err);
    assert!(text.contains("CAUGHT 300 OF 300\n"), "{text}{err}");
}

#[test]
fn an_interrupt_in_the_middle_of_the_guards_work_leaves_collection_running() {
    // The guard holds automatic collection off while a thread works in it; an interrupt
    // (`_thread.interrupt_main`, `os.kill` of SIGINT, a handler of the program's that raises)
    // arriving then must not leave it off for the rest of the run.
    let (text, err) = run_attack(
        r#"
import _thread, gc, os, signal, threading, time
def collections_running():
    before = gc.get_stats()[0]["collections"]
    class Cycle:
        pass
    for _ in range(5000):
        a = Cycle()
        a.self = a
    return gc.get_stats()[0]["collections"] > before
class Stop(Exception):
    pass
def stop(signum, frame):
    raise Stop
caught = stuck = 0
for rnd in range(150):
    if rnd == 100:
        signal.signal(signal.SIGINT, stop)
    go = threading.Event()
    def watchdog():
        go.wait()
        time.sleep(0.0002 * (rnd % 7))
        if rnd % 2:
            _thread.interrupt_main()
        else:
            os.kill(os.getpid(), signal.SIGINT)
    t = threading.Thread(target=watchdog)
    t.start()
    try:
        go.set()
        while True:
            try:
                open("/nonexistent/x")
            except OSError:
                pass
    except (KeyboardInterrupt, Stop):
        caught += 1
        if not collections_running():
            stuck += 1
    t.join()
print("CAUGHT", caught, "STUCK", stuck, "RUNNING", gc.isenabled(), collections_running())
"#,
    );
    assert!(text.contains("CAUGHT 150 STUCK 0 RUNNING True True\n"), "{text}{err}");
    assert!(text.contains("PROBE refused\n"), "{text}{err}");
}

#[test]
fn a_traceback_a_finalizer_kept_leads_nowhere_near_the_guards_work() {
    // A finalizer keeps the traceback of an exception it caught: read later, away from any
    // check, its frame's `f_back` is whatever the finalizer was called on top of.
    let (text, err) = run_attack(&format!(
        r#"{LOOT}
import gc, sys, traceback
kept = []
class Finalized:
    def __del__(self):
        if len(kept) < 50:
            try:
                raise ValueError
            except ValueError:
                kept.append(sys.exc_info()[2])
gc.set_threshold(1, 1, 1)
for i in range(2000):
    a, b = Finalized(), Finalized()
    a.o, b.o = b, a
    del a, b
    try:
        open("/nonexistent/%d" % i).close()
    except OSError:
        pass
    if len(kept) >= 50:
        break
gc.set_threshold(700, 10, 10)
for tb in kept:
    for f, _ in traceback.walk_tb(tb):
        loot(f.f_back)
print("KEPT", len(kept))
"#
    ));
    assert_guard_holds(&text, &err);
    assert!(text.contains("KEPT 50\n"), "{text}{err}");
}

#[test]
fn a_signal_handler_never_runs_on_top_of_the_guards_work() {
    // A timer's handler, run at whatever instruction the signal finds (the guard's included),
    // resumes a generator whose frame it walks down from. The timer counts real time, so the
    // slower the run the more handlers run: on a loaded 2-core machine the run's CPU time
    // swings between 5.6 and 10.5 s, past the default 10 s limit. The limit is raised: what
    // is tested is that the guard holds, not how fast.
    let (text, err) = run_attack_under(
        &format!(
            r#"{LOOT}
{LOOTING_GENERATOR}
import signal
ran = []
def handler(signum, frame):
    ran.append(signum)
    if not found:
        try:
            next(g)
        except ValueError:
            pass  # already running: a signal in the handler's own walk
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
for i in range(20000):
    try:
        open("/nonexistent/%d" % i).close()
    except OSError:
        pass
    if found:
        break
signal.setitimer(signal.ITIMER_REAL, 0)
signal.signal(signal.SIGALRM, signal.SIG_DFL)
print("HANDLED", len(ran) > 10)
"#
        ),
        "limits: {cpu_s: 60, wall_s: 120}\n",
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("HANDLED True\n"), "{text}{err}");
}

/// Python for the tests of signals put off at an entry's end: `trials(count)` sets a timer
/// that fires at a random instant of three sealed entries' work (`signal.signal`) or just
/// after (the kernel's timer slack), then makes no audited call (a loop of `time.sleep`, as a
/// program waiting for Ctrl-C has) until the handler has run: `"ON TIME"` when it always
/// came, `"LATE"` at the first that did not within 2 s. `got` holds the signals handled.
const LATE_SIGNAL_TRIALS: &str = r#"
import random, signal, time
got = []
def handler(signum, frame):
    got.append(signum)
def entries(n):
    for _ in range(n):
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
def trials(count):
    entries(200)
    start = time.perf_counter()
    entries(200)
    per = (time.perf_counter() - start) / 200
    for trial in range(count):
        before = len(got)
        signal.setitimer(signal.ITIMER_REAL, random.random() * (per * 3 + 0.00005) + 1e-6)
        entries(3)
        deadline = time.monotonic() + 2
        while len(got) == before and time.monotonic() < deadline:
            time.sleep(0.0001)
        if len(got) == before:
            return "LATE"
    return "ON TIME"
signal.signal(signal.SIGALRM, handler)
"#;

#[test]
fn a_signal_that_lands_as_the_guards_work_ends_still_comes() {
    // A signal that lands in the last instructions of an entry (past the point where its work
    // handed out the signals put off) is put off by the trampoline; with no audited call after
    // it it must still come. Without the relay one in about 60 trials waited for the next
    // audited call, for ever here.
    let (text, err) = run_attack(&format!(
        r#"{LATE_SIGNAL_TRIALS}
late = 0 if trials(5000) == "ON TIME" else 1
print("LATE", late, "HANDLED", len(got))
# The relay that raised them is a thread of the interpreter's functions alone: counted by
# `_thread._count()`, never listed with the program's threads.
import _thread, threading
print("RELAY", _thread._count(), threading.active_count())
"#
    ));
    assert!(text.contains("LATE 0 HANDLED 5000\n"), "{text}{err}");
    assert!(text.contains("RELAY 1 1\n"), "{text}{err}");
}

#[test]
fn a_child_of_fork_has_a_relay_of_its_own() {
    // The relay thread is the parent's: a child of `os.fork` has its forking thread alone, so
    // signals it puts off at an entry's end need a relay of its own, or they wait for ever.
    let (text, err) = run_attack_under(
        &format!(
            r#"{LATE_SIGNAL_TRIALS}
import os
print("PARENT", trials(1000), flush=True)
pid = os.fork()
if pid == 0:
    got.clear()
    print("CHILD", trials(3000), len(got), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"#
        ),
        "process: true\n",
    );
    assert!(text.contains("PARENT ON TIME\n"), "{text}{err}");
    assert!(text.contains("CHILD ON TIME 3000\n"), "{text}{err}");
}

#[test]
fn a_signal_put_off_while_a_handler_runs_comes_once_the_handler_is_over() {
    // Signals that land in the guard's work while a handler of the program's runs wait for
    // the outermost handler's end (raised inside it they would nest, one handler in the other).
    // The handler's own end raises none (its trampoline's entries): with no audited call after
    // the handler, the timer's signal must still come.
    let (text, err) = run_attack(
        r#"
import os, signal, time
alarms = []
def alarm(signum, frame):
    alarms.append(signum)
def busy(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 0.0005)
    end = time.perf_counter() + 0.005
    while time.perf_counter() < end:
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
signal.signal(signal.SIGALRM, alarm)
signal.signal(signal.SIGUSR1, busy)
late = 0
for rnd in range(50):
    before = len(alarms)
    os.kill(os.getpid(), signal.SIGUSR1)
    deadline = time.monotonic() + 2
    while len(alarms) == before and time.monotonic() < deadline:
        time.sleep(0.001)
    if len(alarms) == before:
        late += 1
        break
print("LATE", late, "ALARMS", len(alarms))
"#,
    );
    assert!(text.contains("LATE 0 ALARMS 50\n"), "{text}{err}");
}

#[test]
fn built_ins_the_program_replaces_never_run_inside_the_guard() {
    // The guard's checks call built-ins (`len`, `getattr`, `isinstance`, `str`, ...); a program
    // that replaced them in `builtins` would have its code called inside the audit hook, where
    // no event of it is seen. Each replacement tries run-time code: it must never run.
    let (text, err) = run_attack(
        r#"
import builtins, os, socket, pickle
def spy(name, real):
    def replacement(*args, **kwargs):
        try:
            exec("print('RAN-IN-GUARD', %r)" % name)
        except BaseException:
            pass
        return real(*args, **kwargs)
    return replacement
for name in ("len", "getattr", "hasattr", "isinstance", "issubclass", "str", "repr", "int",
             "tuple", "any", "all", "sorted", "set", "range", "bool", "id", "open", "type",
             "dict", "list", "min", "max", "zip", "iter", "next", "hash", "format", "object"):
    setattr(builtins, name, spy(name, getattr(builtins, name)))
for step in (lambda: open(os.devnull).close(), lambda: os.listdir("."),
             lambda: socket.socket().connect(("127.0.0.1", 9)), lambda: __import__("json"),
             lambda: pickle.loads(pickle.dumps(os.system)), lambda: os.system("true")):
    try:
        step()
    except BaseException:
        pass
"#,
    );
    assert!(!text.contains("RAN-IN-GUARD"), "a replaced built-in ran in the guard: {text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn objects_the_hook_meets_run_no_code_of_the_program_there() {
    // What an audit event carries is the program's: a socket subclass computing `type`, a
    // port or host that formats itself. The hook reads them through the interpreter's own
    // types only. (Sockets are allowed, so that connecting and sending reach the hook.)
    let (text, err) = run_attack_under(
        r#"
import socket
def sneak(where):
    try:
        exec("print('RAN-IN-HOOK', %r)" % where)
    except BaseException:
        pass
class Sock(socket.socket):
    @property
    def type(self):
        sneak("socket type")
        return socket.SOCK_STREAM
class Port(int):
    def __str__(self):
        sneak("port str")
        return "9"
    __repr__ = __str__
    def __index__(self):
        sneak("port index")
        return 9
class Host(str):
    def lower(self):
        sneak("host lower")
        return str(self)
    def __eq__(self, other):
        sneak("host eq")
        return str.__eq__(self, other)
    __hash__ = str.__hash__
for step in (lambda: Sock().connect(("127.0.0.1", Port(9))),
             lambda: socket.socket().connect((Host("127.0.0.1"), 9)),
             lambda: socket.socket().bind(("127.0.0.1", Port(9))),
             lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", Port(9)))):
    try:
        step()
        print("STEP done")
    except BaseException as e:
        print("STEP", type(e).__name__)
"#,
        "net: {allow: [\"127.0.0.1:9\", \"udp:127.0.0.1:9\"]}\n",
    );
    // The sockets were made (the steps reached the connection, not a refusal of sockets).
    assert!(!text.contains("IP sockets are not allowed"), "{text}{err}");
    assert!(!text.contains("RAN-IN-HOOK"), "program code ran inside the audit hook: {text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn sealed_entries_keep_their_defaults_from_everyone_but_the_guard() {
    // A facade's way into the guard is its keyword default. Neither the program nor the
    // standard library on its behalf (`inspect`) may read it, and no one may change a
    // facade's defaults or code.
    let (text, err) = run_attack(
        r#"
import os, inspect, types
namespace = getattr(os.kill, "__glo" + "bals__")
# The guard's functions there (the rest are the interpreter's own, which facades call).
entries = [v for v in namespace.values()
           if type(v).__name__ == "function" and v.__module__ == "pysbx"]
print("ENTRIES", len(entries))
for f in entries:
    for read in (lambda: f.__kwdefaults__, lambda: f.__defaults__,
                 lambda: types.FunctionType.__kwdefaults__.__get__(f),
                 lambda: inspect.getfullargspec(f).kwonlydefaults,
                 lambda: inspect.signature(f).parameters):
        try:
            value = read()
        except (PermissionError, TypeError):  # inspect wraps the refusal in a TypeError
            continue
        values = value.values() if hasattr(value, "values") else value or ()
        for v in values:
            v = getattr(v, "default", v)
            if callable(v) and getattr(v, "__clo" + "sure__", None):
                print("LEAK", f.__name__, v)
                tamper(v)
    for change in (lambda: setattr(f, "__kwdefaults__", {}), lambda: setattr(f, "__code__", probe.__code__)):
        try:
            change()
            print("CHANGED", f.__name__)
        except (PermissionError, ValueError, TypeError):
            pass
"#,
    );
    assert!(!text.contains("LEAK"), "{text}{err}");
    assert!(!text.contains("CHANGED"), "{text}{err}");
    let entries: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("ENTRIES "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text}{err}"));
    assert!(entries > 5, "the facade namespace holds the sealed entries: {text}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_caller_given_keyword_default_leaves_an_entry_nothing_of_the_guards() {
    // A caller may pass any keyword-only parameter's value itself: by its name, or by a `str`
    // subclass whose `__eq__` matches whichever name the call is compared with (no need to
    // know it). With one default per piece of an entry's state, the program's object given
    // as one (its `__getitem__`, `__bool__`, `__iter__`, `__call__`) ran inside the entry
    // while the others still held the guard's function; `bdb.Bdb.get_stack` hands out real
    // frames, and the entry's `f_locals` (not audited) gave that function, its closure the
    // guard's grants. Every function of the facades' namespace is called so, each of its
    // keyword-only names and the matching-anything name in turn, and with the program's
    // objects as its arguments: an entry called directly (not through its facade) ran their
    // methods inside the guard's work.
    let (text, err) = run_attack(
        r#"
import sys, bdb, inspect, importlib
FOUND = []
def debugger():
    b = bdb.Bdb(); b.botframe = None
    return b
def walker():
    # A generator's own frame, taken from a traceback where reading one is allowed: resumed
    # later, its `f_back` (not audited) is whatever frame resumed it.
    try:
        1 / 0
    except ZeroDivisionError:
        me = debugger().get_stack(None, sys.exc_info()[2])[0][-1][0]
    yield
    while True:
        yield [f for f, _ in debugger().get_stack(me, None)[0]]
frames_below = walker()
next(frames_below)
SECRET = {"__pysbx_entry", "__pysbx_impl", "__pysbx_held", "__pysbx_wanted", "__pysbx_compile",
          "__pysbx_tree", "__pysbx_tree_names"}
def look():
    for f in next(frames_below):
        for name, value in inspect.getargvalues(f).locals.items():
            if name in SECRET and value is not None and not isinstance(value, Inside):
                FOUND.append((f.f_code.co_name, name))
                if internal(value):
                    tamper(value)
class Inside:
    # Whatever the entry does with the value, the program looks down the stack first.
    def __getitem__(self, i): look(); return 0
    def __bool__(self): look(); return False
    def __iter__(self): look(); return iter(())
    def __call__(self, *a, **k): look(); return None
    def __getattr__(self, name): look(); raise AttributeError(name)
class AnyName(str):
    def __eq__(self, other): return True
    __hash__ = str.__hash__
facade = importlib.import_module("_imp").create_builtin
namespace = getattr(facade, "__glo" + "bals__")
import builtins
published = [getattr(builtins, n) for n in dir(builtins) if n.startswith("__pysbx")]
calls = 0
for fn in [v for v in list(namespace.values()) + published if type(v).__name__ == "function"]:
    names = sorted(SECRET) + ["__pysbx_gc", "__pysbx_scrub", "__pysbx_any", "__pysbx_drain",
                              "__pysbx_each", "__pysbx_compile_constant", "__pysbx_rename"]
    for key in names + [AnyName("x")]:
        for args in ((), (1,), (1, 2), ("1", "<x>", "exec")):
            calls += 1
            try:
                fn(*args, **{key: Inside()})
            except BaseException:
                pass
    # The entries themselves, called with the program's objects as their arguments (a facade
    # would have made them plain first). The timer signals' default ends the run, by design.
    if fn.__name__ == "_timer_default":
        continue
    for args in ((Inside(),), (Inside(), Inside()), (Inside(), None), (1, Inside())):
        calls += 1
        try:
            fn(*args)
        except BaseException:
            pass
print("CALLS", calls, "FOUND", sorted(set(FOUND)))
"#,
    );
    assert!(text.contains("FOUND []"), "the program reached the guard's function: {text}{err}");
    assert!(
        text.lines().any(|l| l.starts_with("CALLS ") && !l.starts_with("CALLS 0 ")),
        "{text}{err}"
    );
    assert_guard_holds(&text, &err);
}

#[test]
fn the_timer_signals_default_calls_nothing_the_program_can_replace() {
    // SIGALRM without a handler of the program's ends the run, as under Python, from a facade
    // the interpreter calls wherever the signal lands, the guard's own work included. It
    // called `_exit` from the facades' namespace, which the program can write: a function of
    // the program's put there ran on top of the guard's frames, where a generator frame
    // captured earlier walked down (`f_back`, `f_locals`: not audited) to the guard's
    // functions and, through their closures, its grants.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import os, signal, time
namespace = getattr(os.kill, "__glo" + "bals__")
def replaced_exit(code):
    print("REPLACED RAN", flush=True)
    look_below()
namespace["_exit"] = replaced_exit
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0002)
t0 = time.time()
while time.time() - t0 < 5:
    os.listdir(".")
signal.setitimer(signal.ITIMER_REAL, 0)
print("LOOP ENDED", flush=True)
"#
    ));
    let ctx = format!("{text}{err}");
    assert!(!text.contains("INTERNAL"), "the program reached the guard's functions: {ctx}");
    assert!(!text.contains("REPLACED RAN"), "the program's function ran as the default: {ctx}");
    // The alarm's default ends the run at its first tick, as under Python (128 + SIGALRM).
    assert!(!text.contains("LOOP ENDED"), "{ctx}");
    assert!(err.ends_with("[exit status: 142]"), "{ctx}");
}

/// A generator's own frame, taken from a traceback where reading one is allowed, walks down
/// from wherever it is resumed (`f_back`, `f_locals`: not audited) and names the guard's
/// functions it finds there (`INTERNAL name`, each one tampered with).
const FRAMES_BELOW: &str = r#"
import sys, bdb
def _walker():
    b = bdb.Bdb(); b.botframe = None
    try:
        1 / 0
    except ZeroDivisionError:
        me = b.get_stack(None, sys.exc_info()[2])[0][-1][0]
    yield
    while True:
        found, f = [], me.f_back
        while f is not None:
            found += [v for v in list(f.f_locals.values()) if internal(v)]
            f = f.f_back
        yield found
_frames = _walker()
next(_frames)
SEEN = []
def look_below():
    if SEEN:
        return
    for fn in next(_frames):
        SEEN.append(fn.__qualname__)
        print("INTERNAL", fn.__qualname__, flush=True)
        tamper(fn)
"#;

#[test]
fn the_guards_records_are_written_by_the_interpreters_own_json() {
    // The guard sends each event and gate request as JSON and reads the replies. The C
    // codec's set-up once failed unseen (a name used before it was bound) and the guard fell
    // back to the `json` package, whose `dumps` and `loads` read what the program may
    // replace: its encoder and decoder then ran inside the guard's work.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import json
real_encoder, real_decoder = json._default_encoder, json._default_decoder
class Encoder:
    def encode(self, obj):
        look_below()
        return real_encoder.encode(obj)
class Decoder:
    def decode(self, text):
        look_below()
        return real_decoder.decode(text)
json._default_encoder, json._default_decoder = Encoder(), Decoder()
for path in ("/root/forbidden", "/etc/shadow"):
    try:
        open(path)  # a violation: the guard sends an event record
    except OSError:
        pass
json._default_encoder, json._default_decoder = real_encoder, real_decoder
print("SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("SEEN 0"), "{text}{err}");
    assert!(err.contains("violation [fs.read]"), "the violations were sent: {text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn trampolines_take_the_entries_sealed_at_set_up() {
    // A tracer's or a signal handler's trampoline calls an entry with the frame the
    // interpreter hands it, the guard's own among them. Each new trampoline took that entry
    // from the facades' namespace, which the program can write: its function put there was
    // handed the guard's frames (a tracer set while a thread enters the guard's work).
    let (text, err) = run_attack(
        r#"
import os, threading
namespace = getattr(os.kill, "__glo" + "bals__")
SEEN = []
def handed(frame, *rest):
    while frame is not None and not SEEN:
        for value in list(frame.f_locals.values()):
            if internal(value):
                SEEN.append(value.__qualname__)
                print("INTERNAL", value.__qualname__, flush=True)
                tamper(value)
        frame = frame.f_back
    return None
for name in ("_frame_for_handler", "_handler_begins", "_handler_ends"):
    namespace[name] = handed
threading.settrace(lambda *a: None)
def work():
    import pysbx
    with pysbx.permit(fs_read=[]):
        os.listdir(".")
t = threading.Thread(target=work)
t.start()
t.join()
threading.settrace(None)
print("SEEN", len(SEEN))
"#,
    );
    assert!(text.contains("SEEN 0"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_wakeup_descriptors_failed_write_reports_nothing_inside_the_guards_work() {
    // When the interpreter's write of a signal's number to the wakeup descriptor fails (its
    // reader closed), it reports the error at its next check, the guard's work included,
    // through `sys.unraisablehook` and `sys.stderr`, both the program's to replace. Another
    // thread interrupts the main one in a loop while it makes audited calls.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import os, signal, threading, _thread, time
class Stderr:
    def write(self, text):
        look_below()
        return len(text)
    def flush(self):
        pass
sys.unraisablehook = lambda unraisable: look_below()
real_stderr, sys.stderr = sys.stderr, Stderr()
r, w = os.pipe()
os.set_blocking(w, False)
os.close(r)
previous = signal.set_wakeup_fd(w)
signal.signal(signal.SIGINT, lambda *a: None)
stop = []
def pester():
    while not stop:
        _thread.interrupt_main()
        time.sleep(0.0003)
t = threading.Thread(target=pester)
t.start()
t0 = time.time()
while time.time() - t0 < 2:
    os.listdir(".")
stop.append(1)
t.join()
sys.stderr = real_stderr
print("WAKEUP", previous, signal.set_wakeup_fd(-1) == w)
print("SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("SEEN 0"), "{text}{err}");
    assert!(text.contains("WAKEUP -1 True"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn the_guards_work_compares_and_reads_nothing_of_the_programs() {
    // Four ways the guard's work once ran a method of the program's: arguments of an event
    // the program raises itself compared with `==` (`socket.__new__`'s family, `os.mkdir`'s
    // directory descriptor); a pickle's name looked up in a module's namespace where the
    // program put a `str` subclass key; and a frame's `f_locals` read by the guard (the
    // `os.open` facade's, the standard library's `dataclasses._create_fn`), which writes each
    // name into the frame's dictionary, comparing it with a `str` subclass key the program
    // swapped in there.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import os, pickle, json, dataclasses
class Eq:
    def __eq__(self, other):
        look_below()
        return False
    __hash__ = object.__hash__
for event, args in (("socket.__new__", (None, Eq(), 1, 0)),
                    ("os.mkdir", ("/nonexistent-dir-x", 0o777, Eq())),
                    ("os.symlink", ("/tmp/a", "/nonexistent-x", Eq()))):
    try:
        sys.audit(event, *args)
    except PermissionError:
        pass
class Key(str):
    def __hash__(self):
        return str.__hash__(self)
    def __eq__(self, other):
        look_below()
        return str.__eq__(self, other)
vars(json)[Key("Pwn")] = 1
try:
    pickle.loads(b"cjson\nPwn\n.")
except Exception:
    pass
def frame_of_caller():
    b = bdb.Bdb(); b.botframe = None
    try:
        1 / 0
    except ZeroDivisionError:
        return b.get_stack(None, sys.exc_info()[2])[0][-1][0].f_back.f_back
def swap(frame, *names):
    local = frame.f_locals
    for name in names:
        if name in local:
            local[Key(name)] = local.pop(name)
class Mode:
    def __index__(self):
        swap(frame_of_caller(), "path")
        return 0o644
try:
    os.open("/nonexistent-file-x", os.O_RDONLY, Mode())
except OSError:
    pass
def arguments():
    b = bdb.Bdb(); b.botframe = None
    try:
        1 / 0
    except ZeroDivisionError:
        swap(b.get_stack(None, sys.exc_info()[2])[0][-1][0].f_back, "name", "txt", "ns")
    yield "x"
try:
    dataclasses._create_fn("f", arguments(), ["return x"])
except Exception:
    pass
print("SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("SEEN 0"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn an_error_at_the_recursion_limit_carries_none_of_the_guards_frames() {
    // Near the recursion limit the guard's own calls fail, its scrub of the error among them:
    // the error that left held, in the entry's locals, the one the scrub could not clean,
    // with the guard's frames in its traceback. It leaves as a fresh `RecursionError` now.
    let (text, err) = run_attack(
        r#"
import sys, bdb
CAUGHT = []
def deep(n, trigger):
    if n > 0:
        return deep(n - 1, trigger)
    try:
        trigger()
    except BaseException as e:
        CAUGHT.append(e)
def frames_of(tb):
    b = bdb.Bdb(); b.botframe = None
    try:
        return [f for f, _ in b.get_stack(None, tb)[0]]
    except BaseException:
        return []
def guard_functions(exc):
    todo, seen, found = [exc], set(), []
    while todo:
        e = todo.pop()
        if id(e) in seen or not isinstance(e, BaseException):
            continue
        seen.add(id(e))
        todo += [e.__context__, e.__cause__]
        for f in frames_of(e.__traceback__):
            for v in list(f.f_locals.values()):
                if internal(v):
                    found.append(v)
                if isinstance(v, BaseException):
                    todo.append(v)
    return found
limit = sys.getrecursionlimit()
found = []
for trigger in (lambda: open("/root/x", "w"), lambda: sys.audit("pysbx.x")):
    for n in range(limit - 120, limit):
        CAUGHT.clear()
        try:
            deep(n, trigger)
        except RecursionError:
            break
        for e in CAUGHT:
            found += guard_functions(e)
for fn in found[:1]:
    print("INTERNAL", fn.__qualname__)
    tamper(fn)
print("FOUND", len(found))
"#,
    );
    assert!(text.contains("FOUND 0"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn code_named_like_the_guard_is_judged_as_the_programs() {
    // With run-time code allowed, code compiled under the guard's file name is still the
    // program's: the guard refuses its read of a file outside the policy itself (a
    // PolicyViolation), not only the kernel (a plain PermissionError).
    let s = Scratch::new();
    let secret_dir = tempfile::tempdir().expect("tempdir");
    let secret = secret_dir.path().join("secret.txt");
    std::fs::write(&secret, "s3cret").expect("test setup");
    let policy = s.write("p.yaml", "code: true\n");
    let script = s.write(
        "named.py",
        &format!(
            "try:\n    exec(compile('open({secret:?}).read()', '<pysbx-guard>', 'exec'))\n    \
             print('READ')\nexcept PermissionError as e:\n    print('REFUSED', type(e).__name__)\n"
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    assert_eq!(text, "REFUSED PolicyViolation\n", "{text}{}", stderr(&out));
}

/// Code of the program's that runs on top of the guard's own work, unasked: `sweep` looks
/// through every frame it can get below itself, `ran` tries run-time code from there.
const ON_TOP: &str = r#"
import gc, inspect, os, signal, sys, threading, traceback
hits = []
def sweep(frame, how):
    while frame is not None:
        try:
            for space in (frame.f_locals,):
                for value in list(space.values()):
                    if internal(value):
                        hits.append(how)
                        tamper(value)
                    elif type(value) is set and value and all(type(x) is int for x in value):
                        value.add(threading.get_ident())
        except BaseException:
            pass
        frame = frame.f_back
def ran(where):
    try:
        exec("hits.append('exec in ' + %r)" % where)
    except BaseException:
        pass
"#;

fn run_on_top(attack: &str) -> (String, String) {
    run_attack(&format!("{ON_TOP}\n{attack}\nprint('HITS', sorted(set(hits)))\n"))
}

fn assert_nothing_on_top(text: &str, err: &str) {
    assert!(text.contains("HITS []\n"), "code running on top of the guard reached it: {text}{err}");
    assert_guard_holds(text, err);
}

#[test]
fn finalizers_run_inside_the_guard_are_checked_and_get_no_frame() {
    // With the collector's threshold at 1, objects of the program's are finalized in the
    // middle of the guard's checks: their `__del__` runs there.
    let (text, err) = run_on_top(
        r#"
class Bomb:
    def __del__(self):
        ran("finalizer")
        for get in (lambda: inspect.currentframe(), lambda: [f for f, _ in traceback.walk_stack(None)][-1]):
            try:
                sweep(get(), "finalizer")
            except BaseException:
                pass
gc.set_threshold(1, 1, 1)
for i in range(3000):
    b = Bomb(); b.me = b; del b
    try:
        open(os.devnull).close()
        sys.setrecursionlimit(3000)
    except BaseException:
        pass
gc.set_threshold(700, 10, 10)
"#,
    );
    assert_nothing_on_top(&text, &err);
}

#[test]
fn signal_handlers_get_no_frame_of_the_guards() {
    // A timer interrupts the program a thousand times a second while it opens files: the
    // handler's `frame` is often the guard's, and its own stack lies on top of the guard's.
    let (text, err) = run_on_top(
        r#"
attempts = []
def handler(signum, frame):
    # A few hundred attempts: each refusal is a message to pysbx, and at a thousand a
    # second on a loaded machine the handlers alone would use up the CPU limit.
    if len(attempts) >= 300:
        return
    attempts.append(1)
    ran("handler")
    sweep(frame, "handler frame")
    try:
        sweep(inspect.currentframe(), "handler stack")
    except BaseException:
        pass
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
for i in range(3000):
    try:
        open(os.devnull).close()
    except BaseException:
        pass
signal.setitimer(signal.ITIMER_REAL, 0)
print("ATTEMPTS", len(attempts) > 10)
"#,
    );
    assert_nothing_on_top(&text, &err);
    // The handler did run, many times, while the program's loop met the guard.
    assert!(text.contains("ATTEMPTS True\n"), "{text}{err}");
}

#[test]
fn tracers_are_not_installed_even_by_the_standard_library() {
    // `threading.settrace` has each new thread's bootstrap (the standard library) install the
    // tracer, which would be handed every frame of that thread, the guard's included.
    let (text, err) = run_on_top(
        r#"
traced = []
def tracer(frame, event, arg):
    traced.append(event)
    sweep(frame, "tracer")
    return tracer
threading.settrace(tracer)
t = threading.Thread(target=lambda: (open(os.devnull).close(), sys.setrecursionlimit(3000), __import__("json")))
t.start(); t.join()
threading.settrace(None)
print("TRACED", "call" in traced)
"#,
    );
    assert_nothing_on_top(&text, &err);
    // The tracer did trace the program's own calls in that thread.
    assert!(text.contains("TRACED True\n"), "{text}{err}");
}

#[test]
fn the_guards_entries_are_no_deputies_of_the_program() {
    // The facades' namespace is the program's to change and its entries are the program's to
    // call. Neither may make the guard run code of the program's as its own: the REPL server's
    // entry would compile the entry text (in a file run, the program's own source) as the
    // guard's code, and the runner, whose frame the hook counts as the guard's, would run
    // whatever code object the namespace's `_program_code` gave it (here one that `codeop`,
    // the standard library, compiled from a string under `code: false`).
    let (text, err) = run_attack(
        r#"
import builtins, codeop, os
if "__name__" not in globals():
    # Running as the REPL server's code: as the guard's, run-time code would be allowed.
    try:
        exec("print('RAN-AS-GUARD')")
    except BaseException:
        pass
elif getattr(builtins, "_attack_rerun", False):
    print("RERUN")
else:
    builtins._attack_rerun = True
    namespace = getattr(os.kill, "__glo" + "bals__")
    try:
        namespace["_repl_server"]()
        print("REPL-SERVER-MADE")
    except BaseException as e:
        print("REPL-SERVER", type(e).__name__)
    code = codeop.compile_command("print('DYNAMIC-RAN')")
    namespace["_program_code"] = lambda: code
    try:
        namespace["_pysbx_run"]()
    except BaseException as e:
        print("RUNNER", type(e).__name__)
"#,
    );
    assert!(!text.contains("RAN-AS-GUARD"), "{text}{err}");
    assert!(!text.contains("DYNAMIC-RAN"), "{text}{err}");
    assert!(!text.contains("REPL-SERVER-MADE"), "{text}{err}");
    // The runner, called again, is the program's: not even the program's own code runs again
    // through it (see `the_runner_called_again_by_the_program_is_the_programs`).
    assert!(!text.contains("RERUN\n"), "{text}{err}");
    assert!(text.contains("RUNNER "), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn the_standard_library_runs_no_code_the_program_handed_it() {
    // Under `code: false`, code made from a string by the standard library (`codeop`) and run
    // by another of its functions (`runpy._run_code`, a loader's `exec_module`, `run_path` of
    // a file that is not a module) is refused, also under the name of one of the interpreter's
    // own files (which the standard library's code objects carry); what the standard library makes and runs in
    // one call for itself (namedtuple, dataclasses) still runs. (doctest's examples are docstring
    // text, the program's: `the_standard_library_runs_no_string_the_program_handed_it`.)
    let (text, err) = run_attack(
        r#"
import codeop, collections, dataclasses, importlib.abc, importlib.machinery, importlib.util, os, runpy
code = codeop.compile_command("print('DYNAMIC-RAN')")
class Loader(importlib.abc.Loader):
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        exec(code, module.__dict__)
class CodeLoader(importlib.abc.InspectLoader):
    def get_source(self, name):
        return None
    def get_code(self, name):
        return code
with open("payload.txt", "w") as f:
    f.write("print('DYNAMIC-RAN from a file')\n")
for name, step in (("runpy", lambda: runpy._run_code(code, {})),
                   ("loader", lambda: CodeLoader().exec_module(
                       importlib.util.module_from_spec(importlib.util.spec_from_loader("m", CodeLoader())))),
                   ("run_path", lambda: runpy.run_path("payload.txt")),
                   ("stdlib-name", lambda: runpy._run_code(codeop.compile_command(
                       "print('DYNAMIC-RAN under a stdlib name')", filename=collections.__file__), {})),
                   ("source_to_code", lambda: runpy._run_code(importlib.machinery.SourceFileLoader(
                       "m", collections.__file__).source_to_code(
                       b"print('DYNAMIC-RAN through importlib')", collections.__file__), {}))):
    try:
        step()
    except PermissionError as e:
        print("REFUSED", name)
    except BaseException as e:
        print("FAILED", name, type(e).__name__, e)
Point = collections.namedtuple("Point", "x y")
@dataclasses.dataclass
class Pair:
    a: int = 1
import asyncio  # `types.coroutine` rebuilds code objects of the standard library's at import
print("CONTROLS", Point(1, 2), Pair(), asyncio.run(asyncio.sleep(0, 7)))
"#,
    );
    assert!(!text.contains("DYNAMIC-RAN"), "{text}{err}");
    for name in ["runpy", "loader", "run_path", "stdlib-name", "source_to_code"] {
        assert!(text.contains(&format!("REFUSED {name}\n")), "{name}: {text}{err}");
    }
    assert!(text.contains("CONTROLS Point(x=1, y=2) Pair(a=1) 7\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

/// The standard library's runners of strings, each given `print('RAN-<label>')`.
const STRING_RUNNERS: &str = r#"
import bdb, cProfile, inspect, logging.config, optparse, os, profile, site, timeit, trace, tempfile
def attempt(label, step):
    try:
        step("print('RAN-%s')" % label)
    except PermissionError:
        print("REFUSED", label)
    except BaseException as e:
        print("FAILED", label, type(e).__name__, e)
def annotated(src):
    def f(x): pass
    f.__annotations__ = {"x": src}
    inspect.get_annotations(f, eval_str=True)
def pth_file(src):
    os.makedirs("site-dir", exist_ok=True)
    with open("site-dir/extra.pth", "w") as f:
        f.write("import builtins; %s\n" % src)
    site.addsitedir(os.path.abspath("site-dir"))
def options_file(src):
    with open("options.py", "w") as f:
        f.write(src + "\n")
    optparse.Values().read_file("options.py")
def logging_file(src):
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
        f.write("[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n[logger_root]\n"
                "handlers=h\n[handler_h]\nclass=StreamHandler\nargs=(%s,)\n" % src)
    logging.config.fileConfig(f.name)
def doctest_example(src):
    # A docstring set at run time; doctest reports a failing example instead of raising, and
    # prints what the example printed only in its report: both are read back from it.
    import doctest
    def f(): pass
    f.__doc__ = ">>> " + src + "\n"
    report = []
    for test in doctest.DocTestFinder().find(f, "f", globs={}):
        doctest.DocTestRunner().run(test, out=report.append)
    report = "".join(report)
    if "PolicyViolation" in report:
        raise PermissionError(report)
    for line in report.splitlines():
        if line.strip().startswith("RAN-"):
            print(line.strip())
for label, step in (("timeit", lambda s: timeit.timeit(s, number=1)),
                    ("timeit-setup", lambda s: timeit.Timer(lambda: None, setup=s).timeit(1)),
                    ("trace", lambda s: trace.Trace(count=0, trace=0).runctx(s, {}, {})),
                    ("cprofile", lambda s: cProfile.Profile().runctx(s, {}, {})),
                    ("profile", lambda s: profile.Profile().runctx(s, {}, {})),
                    ("bdb", lambda s: bdb.Bdb().run(s)),
                    ("bdb-eval", lambda s: bdb.Bdb().runeval(s)),
                    ("annotations", annotated),
                    ("logging-config", logging_file),
                    ("pth-file", pth_file),
                    ("options-file", options_file),
                    ("doctest", doctest_example)):
    attempt(label, step)
"#;

const RUNNER_LABELS: [&str; 12] = [
    "timeit",
    "timeit-setup",
    "trace",
    "cprofile",
    "profile",
    "bdb",
    "bdb-eval",
    "annotations",
    "logging-config",
    "pth-file",
    "options-file",
    "doctest",
];

#[test]
fn the_standard_library_runs_no_string_the_program_handed_it() {
    // Under `code: false` the debugger's, profilers' and tracer's `run` functions, `timeit`
    // given a string, string annotations evaluated by `inspect`, `logging.config`'s handler
    // arguments, the `import` lines of a `.pth` file given to `site.addsitedir` and
    // `optparse`'s option files and `doctest`'s examples (of a docstring set at run time) run
    // nothing, though they compile what they run in the same call; a name in
    // site-packages passes nothing off as the interpreter's code. Callables given to `timeit`
    // and the profilers still run.
    let (text, err) = run_attack(&format!(
        r#"{STRING_RUNNERS}
import codeop, runpy, sysconfig
try:
    runpy._run_code(codeop.compile_command("print('RAN-site-name')",
                                           filename=sysconfig.get_paths()["purelib"] + "/m"), {{}})
except PermissionError:
    print("REFUSED site-name")
print("CONTROLS", timeit.Timer(lambda: None, lambda: None).timeit(2) >= 0, timeit.timeit(number=2) >= 0,
      profile.Profile().runcall(lambda: 7), trace.Trace(count=0, trace=0).runfunc(lambda: 8))
"#
    ));
    assert!(!text.contains("RAN-"), "{text}{err}");
    for label in RUNNER_LABELS.iter().chain(&["site-name"]) {
        if *label == "pth-file" {
            // `site` reports a failing `.pth` line on standard error and goes on.
            assert!(err.contains("handed to addpackage"), "{label}: {text}{err}");
            continue;
        }
        assert!(text.contains(&format!("REFUSED {label}\n")), "{label}: {text}{err}");
    }
    assert!(text.contains("CONTROLS True True 7 8\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
    // A `code` grant lets each of them run the program's string, but the C profiler's, which
    // is refused under every policy (see `a_c_profilers_timer_never_runs`).
    let (text, err) = run_attack_under(STRING_RUNNERS, "code: true\n");
    for label in RUNNER_LABELS {
        let expected = if label == "cprofile" {
            "REFUSED cprofile".to_string()
        } else {
            format!("RAN-{label}")
        };
        assert!(text.contains(&format!("{expected}\n")), "{label}: {text}{err}");
    }
}

#[test]
fn a_code_grant_reads_no_code_of_the_guards() {
    // Under a `code` grant the program may read and set `__code__` (code it could make), but
    // never a function of the guard's: a frame running the guard's code counts as the guard's.
    // Every function reachable from every loaded module (and its classes), facades included.
    let (text, err) = run_attack_under(
        r#"
import sys, types
def own():
    return 1
print("OWN", own.__code__.co_name)
seen, guard_code, refused = set(), [], 0
def visit(obj):
    global refused
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, types.FunctionType):
        try:
            code = obj.__code__
        except PermissionError:
            refused += 1
            return
        if code.co_filename.startswith("<pysbx"):
            guard_code.append(obj)
for module in list(sys.modules.values()):
    for value in list(vars(module).values()):
        visit(value)
        if isinstance(value, type):
            for attr in list(vars(value).values()):
                visit(getattr(attr, "__func__", attr))
print("GUARD-CODE", len(guard_code), "REFUSED", refused > 0)
own.__code__ = (lambda: 2).__code__
print("OWN-SET", own())
changed = 0
for facade in (sys.audit, sys.setrecursionlimit, __import__("signal").signal):
    try:
        facade.__code__ = own.__code__
        changed += 1
    except (PermissionError, AttributeError, TypeError, ValueError):
        pass
print("FACADES-CHANGED", changed)
# The code of the guard's facades and entries reaches the program (a C profiler's statistics
# named it, before it was refused; a traceback through an entry holds the entry's frame):
# none of it may run again in a function, an `exec` or another function's body.
import bdb, os, signal, subprocess
try:
    sys.setrecursionlimit(-5)
except ValueError as e:
    tb = e.__traceback__
walker = bdb.Bdb(); walker.botframe = None
leaked = [f.f_code for f, _ in walker.get_stack(None, tb)[0]
          if f.f_code.co_filename.startswith("<pysbx")]
ran, other = 0, set()
for code in leaked:
    shell = {"_real_kill": subprocess.call, "_getpid": lambda: -1, "_end_if_fatal": print}
    cells = tuple(types.CellType(None) for _ in code.co_freevars)
    attempts = [lambda: types.FunctionType(code, shell, None, None, cells)]
    if not cells:  # `exec` takes no code with free variables
        attempts.append(lambda: exec(code, shell))
        attempts.append(lambda: setattr(own, "__code__", code))
    for attempt in attempts:
        try:
            attempt()
            ran += 1
        except PermissionError:
            pass
        except BaseException as e:
            other.add(type(e).__name__)
print("LEAKED", len(leaked) > 0, "RAN", ran, sorted(other))
"#,
        "code: true\n",
    );
    assert!(text.contains("OWN own\n"), "{text}{err}");
    assert!(text.contains("OWN-SET 2\nFACADES-CHANGED 0\n"), "{text}{err}");
    assert!(text.contains("LEAKED True RAN 0 []\n"), "{text}{err}");
    assert!(text.contains("GUARD-CODE 0 REFUSED True\n"), "{text}{err}");
    // (The probe's `exec` runs under this grant: the refusals above show the guard alive.)
    assert!(err.contains("access to __code__ is not allowed"), "{text}{err}");
}

#[test]
fn a_functions_code_is_readable_and_stays_inert_without_a_grant() {
    // numpy checks its dispatchers' signatures on `__code__` at import, and `jinja2` keeps its
    // own functions' code: the program reads any function's code under the default policy, as
    // `dis.Bytecode(f).codeobj` hands it out anyway. What would run it (`exec`, a function made
    // of it, a `__code__` set, `code.replace`, a library that runs what it is handed) stays
    // refused without the `code` grant, and a function or code object of the guard's stays out
    // of reach.
    let (text, err) = run_attack(
        r#"
import dis, os, runpy, shutil, sys, types
def own(a, b=2):
    os.system("echo PWN$((6*7))")
def other():
    return str("other")
code = own.__code__
print("OWN", code.co_name, code.co_varnames[:code.co_argcount], own.__defaults__)
print("LIB", shutil.rmtree.__code__.co_name, dis.Bytecode(shutil.copyfile).codeobj.co_name)
class K:
    def m(self):
        pass
print("METHOD", K().m.__code__.co_name, os.PathLike.__subclasshook__.__code__.co_name)
runs = {
    "exec": lambda: exec(other.__code__),
    "eval": lambda: eval(other.__code__),
    "function": lambda: types.FunctionType(other.__code__, {})(),
    "set": lambda: setattr(other, "__code__", code),
    "replace": lambda: other.__code__.replace(co_name="renamed"),
    "runpy": lambda: runpy._run_code(other.__code__, {}),
}
for label, attempt in runs.items():
    try:
        attempt()
        print("RAN", label)
    except PermissionError:
        print("REFUSED", label)
try:
    print("GUARD", sys.audit.__code__.co_filename)
except PermissionError:
    print("GUARD refused")
print("STILL", other())
"#,
    );
    assert!(text.contains("OWN own ('a', 'b') (2,)\n"), "{text}{err}");
    assert!(text.contains("LIB rmtree copyfile\n"), "{text}{err}");
    assert!(text.contains("METHOD m __subclasshook__\n"), "{text}{err}");
    for label in ["exec", "eval", "function", "set", "replace", "runpy"] {
        assert!(text.contains(&format!("REFUSED {label}\n")), "{label}: {text}{err}");
    }
    assert!(!text.contains("RAN "), "{text}{err}");
    assert!(!text.contains("PWN42"), "{text}{err}");
    assert!(text.contains("GUARD refused\n"), "{text}{err}");
    assert!(text.contains("STILL other\nPROBE refused\n"), "{text}{err}");
}

/// `six` runs constant strings at import through an alias of `exec` the gate does not follow
/// (`getattr(moves.builtins, "exec")`), so `pandas`, `boto3` and whatever imports
/// `dateutil` needed a `code` grant. The guard sends such a string to the gate as code of the
/// module that spells it, and runs it when the gate would leave it unchanged; so it does for an
/// `exec` of a constant the gate sees, which the gate reads in place and no longer stubs for
/// the indirection alone (`patsy` runs one at import). Nothing else
/// passes that way: a constant the gate would change (it stubs `os.system`), text computed at
/// run time, a constant compiled apart, a constant spelled in another module, or any constant
/// with the gate off.
#[test]
fn constant_code_run_through_an_alias_is_read_by_the_gate() {
    let s = Scratch::new();
    s.write(
        "compat.py",
        r#"import types

class _Lazy(types.ModuleType):
    def __getattr__(self, name):
        return __import__(name)

moves = _Lazy("moves")
exec_ = getattr(moves.builtins, "exec")
eval_ = getattr(moves.builtins, "eval")
compile_ = getattr(moves.builtins, "compile")
exec_("""def raise_from(value, from_value):
    try:
        raise value from from_value
    finally:
        value = None
""")
answer = eval_("6 * 7")
SHARED = "shared = 1"

def spawn():
    exec_("import os; os.system('echo PWN$((6*7))')")

def computed(word):
    exec_("value = " + repr(word))

def separately():
    exec_(compile_("x = 1", "<string>", "exec"))

def elsewhere(text):
    exec_(text)

def introspect():
    exec_("import sys\nframe = sys._getframe(0).f_back")

# As `patsy` does at import: `exec` the gate sees, of a constant it reads in place.
BUILTINS = {}
exec("from math import tau", {}, BUILTINS)
"#,
    );
    let main = s.write(
        "main.py",
        r#"import compat
try:
    compat.raise_from(ValueError("a"), KeyError("b"))
except ValueError as e:
    print("raised", e, repr(e.__cause__))
print("answer", compat.answer, round(compat.BUILTINS["tau"], 2))
attempts = [("spawn", compat.spawn), ("computed", lambda: compat.computed("w")),
            ("separately", compat.separately), ("elsewhere", lambda: compat.elsewhere(compat.SHARED)),
            ("introspect", compat.introspect)]
for label, attempt in attempts:
    try:
        attempt()
        print("RAN", label)
    except PermissionError as e:
        print("REFUSED", label)
"#,
    );
    let out = run(s.exec().arg(&main));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(
        text,
        "raised a KeyError('b')\nanswer 42 6.28\nREFUSED spawn\nREFUSED computed\n\
         REFUSED separately\nREFUSED elsewhere\nREFUSED introspect\n",
        "{err}"
    );
    assert!(!text.contains("PWN42") && !err.contains("PWN42"), "{err}");
    assert!(
        err.contains(
            "compat.py:21: violation [code] running constant code that the static gate \
                      would change is not allowed"
        ),
        "{err}"
    );
    assert!(err.contains("compat.py:24: violation [code] compile of dynamic code"), "{err}");
    let ungated = run(s.exec().arg("--no-gate").arg(&main));
    assert_eq!(ungated.status.code(), Some(122), "{}", stderr(&ungated));
    assert!(
        stderr(&ungated).contains("compat.py:11: violation [code] compile of dynamic code"),
        "{}",
        stderr(&ungated)
    );
}

#[test]
fn proxy_method_names_carry_no_code() {
    // `multiprocessing.managers.MakeProxyType` writes each exposed name into the text of a
    // method and runs it, unchecked: a name that is code ran under `code: false`, gate on or
    // off (nothing in the program names `exec`). Only its own template around a name runs.
    let program = r#"
from multiprocessing.managers import MakeProxyType
try:
    MakeProxyType("P", ["x(self): pass\nprint('RAN-' + 'managers')\ndef y"])
    print("MADE injected")
except PermissionError:
    print("REFUSED injected")
P = MakeProxyType("Q", ["get", "set", "__len__", "_private"])
print("CONTROL", sorted(k for k in vars(P) if not k.startswith("__") or k == "__len__"))
"#;
    let expected = "REFUSED injected\nCONTROL ['__len__', '_exposed_', '_private', 'get', 'set']\n";
    let (text, err) = run_attack(program);
    assert!(text.contains(expected), "{text}{err}");
    assert_guard_holds(&text, &err);
    let s = Scratch::new();
    let script = s.write("proxy.py", program);
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), expected, "{}", stderr(&out));
}

#[test]
fn shared_ctypes_field_names_carry_no_code() {
    // `multiprocessing.sharedctypes.make_property` writes a field name seven times into one
    // text and runs it, unchecked; the module imports `ctypes`, refused under `ffi: false`,
    // but loads with a stand-in in `sys.modules`. A name that is no identifier compiled and
    // ran (no name that is code was found: the text's contexts leave none); only the
    // template around an identifier runs now.
    let program = r#"
import sys, types
stand_in = types.ModuleType("ctypes")
for n in ("c_char c_wchar c_byte c_ubyte c_short c_ushort c_int c_uint c_long c_ulong "
          "c_longlong c_ulonglong c_float c_double").split():
    setattr(stand_in, n, type(n, (), {}))
stand_in.sizeof = len
sys.modules["ctypes"] = stand_in
import multiprocessing.sharedctypes as shared
for name in ("x ", "x"):
    try:
        shared.make_property(name)
        print("MADE", repr(name))
    except PermissionError:
        print("REFUSED", repr(name))
    except Exception as e:
        print("RAN", repr(name), type(e).__name__)
del sys.modules["ctypes"]
"#;
    let expected = "REFUSED 'x '\nMADE 'x'\n";
    let (text, err) = run_attack(program);
    assert!(text.contains(expected), "{text}{err}");
    assert_guard_holds(&text, &err);
}

/// A Python function for attack scripts, after [`TRY_EACH`]: makes a dataclass of one field per
/// `(label, name)`, with `repr` and nothing else generated, shows it, and prints `MADE label`,
/// `REFUSED label` (a `PermissionError`) or `FAILED label ...`.
const TRY_FIELD_NAMES: &str = r#"
import dataclasses
def try_field_names(pairs):
    def made(name):
        C = type("C", (), {"__annotations__": {name: int}})
        C = dataclasses.dataclass(init=False, eq=False)(C)
        repr(C())
    try_each([(where, lambda name=name: made(name)) for where, name in pairs], "MADE")
"#;

#[test]
fn dataclass_field_names_carry_no_code() {
    // `dataclasses` writes its methods as text from the field names without checking them:
    // a name that is code would run inside the generated `__repr__`, code the gate never read.
    // The generated text may call only what dataclasses handed it; every feature's still runs.
    let attack = format!(
        r#"{TRY_EACH}{TRY_FIELD_NAMES}
try_field_names((("repr", '"+__import__("builtins").print("RAN-repr")+"'),
                 ("repr-through-self",
                  '"+self.__class__.__repr__.__globals__["__builtins__"]["print"]("RAN-self")+"')))
from dataclasses import dataclass, field, InitVar, KW_ONLY
@dataclass(frozen=True, order=True, unsafe_hash=True, slots=True, weakref_slot=True)
class A:
    x: int
    y: tuple = field(default_factory=tuple)
    _: KW_ONLY
    z: int = 3
@dataclass
class B:
    a: int
    b: InitVar[int] = 0
    def __post_init__(self, b):
        self.d = b * 2
@dataclass
class S:
    self: int = 1
try:
    A(1).x = 2
except dataclasses.FrozenInstanceError:
    pass
P = dataclasses.make_dataclass("P", [("p", int), ("q", int, field(default=2))])
print("CONTROLS", A(1, z=4), hash(A(1)) == hash(A(1)), A(1) < A(2), B(1, 3).d, S(), P(1))
"#
    );
    let expected = "CONTROLS A(x=1, y=(), z=4) True True 6 S(self=1) P(p=1, q=2)\n";
    let (text, err) = run_attack(&attack);
    assert!(!text.contains("RAN-"), "{text}{err}");
    for where_ in ["repr", "repr-through-self"] {
        assert!(text.contains(&format!("REFUSED {where_}\n")), "{where_}: {text}{err}");
    }
    assert!(text.contains(expected), "{text}{err}");
    assert_guard_holds(&text, &err);
    // The gate reads no code in a string, so the guard holds it with the gate on as well.
    let s = Scratch::new();
    let script = s.write("attack.py", &attack);
    let out = run(s.exec().arg(&script));
    assert!(!stdout(&out).contains("RAN-"), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("REFUSED repr\n"), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(expected), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn a_dataclass_field_name_binds_no_name_a_call_may_use() {
    // The text dataclasses generates may call the names it hands the text (a method's
    // `self`, `hash`): a field name that bound one of them anew to any callable (an assignment
    // expression, a comprehension's target, a lambda's parameter) then called it as the text's
    // own.
    let attack = format!(
        r#"{TRY_EACH}{TRY_FIELD_NAMES}
class K:
    pass
k = K()
try_field_names((
        # A name that is no identifier ends the template's line and writes statements of its
        # own: an attribute store on a class of the program's, and an operator that calls it.
        ("statements", ')"\n K.__add__=print\n k+"RAN-statements" #'),
        ("walrus", '"+((self:=print) and "" or self("RAN-walrus") or "")+"'),
        ("comprehension", '"+([self("RAN-comprehension") for self in [print]] and "")+"'),
        ("hash", '"+((hash:=print) and "" or hash("RAN-hash") or "")+"'),
        # A lambda's parameters, bound by their defaults, installed as a method of the class
        # through `type` and run by `hash`: no name bound, no call of the lambda in sight.
        ("lambda", '"+((type.__setattr__(type(self), "__hash__", lambda s, p=print: '
                   'p("RAN-lambda")) or hash(self)) and "" or "")+"')))
# Fields named with double underscores (automat's `__automat_core__`) are fields as any.
@dataclasses.dataclass(frozen=True, order=True)
class D:
    __core__: int = 1
    __data__: list = dataclasses.field(default_factory=list, compare=False)
@dataclasses.dataclass
class E:
    __core__: int = 2
    def __post_init__(self):
        self.__seen__ = True
print("CONTROL", D(), D(3) == D(3), D(2) < D(3), E(), E().__seen__)
"#
    );
    let (text, err) = run_attack(&attack);
    assert!(!text.contains("RAN-"), "{text}{err}");
    for where_ in ["statements", "walrus", "comprehension", "hash", "lambda"] {
        assert!(text.contains(&format!("REFUSED {where_}\n")), "{where_}: {text}{err}");
    }
    assert!(
        text.contains("CONTROL D(__core__=1, __data__=[]) True True E(__core__=2) True\n"),
        "{text}{err}"
    );
    assert_guard_holds(&text, &err);
}

#[test]
fn a_warning_compiling_a_text_runs_nothing_of_the_programs_inside_the_guard() {
    // The guard compiles a text that reaches `exec` to check it is the code run. Compiling may
    // warn (`"is"` with a literal, an invalid escape), and a warning goes through `warnings`
    // and its `showwarning`, the program's to replace: the program's function ran on top of
    // the guard's frames, where a generator frame captured earlier walked down to them.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import dataclasses, warnings
warnings.simplefilter("always")
def shown(*args, **kwargs):
    look_below()
warnings.showwarning = shown
# A field name that compiles with a warning, in the `__repr__` dataclasses writes as text.
C = type("C", (), {{"__annotations__": {{"x,'a' is 'b',self.x": int}}}})
try:
    dataclasses.dataclass(init=False, eq=False)(C)
    print("MADE")
except PermissionError:
    print("REFUSED")
"#
    ));
    assert!(text.contains("MADE\n") || text.contains("REFUSED\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn built_in_modules_the_guard_changed_are_not_made_anew() {
    // `_imp.create_builtin` (behind `importlib.util.module_from_spec` too) would put `sys`'s
    // dictionary back as it was at start-up, over the guard's facades, and make a fresh
    // `_signal` whose `signal` installs a handler without the guard's trampoline: such a
    // handler was handed the guard's own frames. Other built-in modules still load.
    let (text, err) = run_attack_under(
        r#"
import _imp, _signal, importlib.util, os, signal, sys, time
for name, make in (("sys", lambda: _imp.create_builtin(sys.__spec__)),
                   ("_signal", lambda: _imp.create_builtin(_signal.__spec__)),
                   ("_imp", lambda: _imp.create_builtin(_imp.__spec__)),
                   ("builtins", lambda: _imp.create_builtin(__builtins__.__spec__)),
                   ("sys-from-spec", lambda: importlib.util.module_from_spec(sys.__spec__)),
                   ("_signal-from-spec", lambda: importlib.util.module_from_spec(_signal.__spec__))):
    try:
        made = make()
        print("MADE", name, type(getattr(made, "setrecursionlimit", made.__dict__.get("signal"))).__name__)
    except PermissionError:
        print("REFUSED", name)
seen = []
def handler(signum, frame):
    # The guard's frames above the program's (the runner's and the loader's lie below it).
    while frame is not None and frame.f_code.co_filename != __file__:
        if frame.f_code.co_filename == "<pysbx-guard>":
            seen.append(frame.f_code.co_name)
        frame = frame.f_back
try:
    made = _imp.create_builtin(_signal.__spec__)
    made.signal(signal.SIGALRM, handler)
except PermissionError:
    signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
start = time.time()
while time.time() - start < 0.5:
    open(os.devnull).close()
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print("GUARD-FRAMES" if seen else "NO-GUARD-FRAME")
sys.setrecursionlimit(50000)
print("LIMIT", sys.getrecursionlimit())
unloaded = sorted(set(sys.builtin_module_names) - set(sys.modules) - {"_testinternalcapi"})
print("CONTROL", unloaded[0], __import__(unloaded[0]).__name__ == unloaded[0])
"#,
        "features: {recursion_limit: 2000}\n",
    );
    for name in ["sys", "_signal", "_imp", "builtins", "sys-from-spec", "_signal-from-spec"] {
        assert!(text.contains(&format!("REFUSED {name}\n")), "{name}: {text}{err}");
    }
    assert!(text.contains("NO-GUARD-FRAME\n"), "{text}{err}");
    assert!(text.contains("LIMIT 2000\n"), "{text}{err}");
    let control = text.lines().find(|l| l.starts_with("CONTROL "));
    assert!(control.is_some_and(|l| l.ends_with(" True")), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn compiled_code_the_program_wrote_is_not_loaded() {
    // Code loaded by `marshal` carries whatever file name its bytes say, and the standard
    // library's is trusted by name: a `.pyc` the program wrote with a standard-library name in
    // it ran under `code: false`. Below the program, only importlib's own reading of the
    // interpreter's cached modules unmarshals; every road to the program's bytes is refused.
    let generated = std::process::Command::new(crate::exec_support::python())
        .args([
            "-c",
            "import importlib.util, json, marshal\n\
             code = compile('print(\"RAN-\" + \"pyc\")', json.__file__, 'exec')\n\
             print((importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(code)).hex())",
        ])
        .output()
        .expect("test setup");
    let blob = String::from_utf8_lossy(&generated.stdout).trim().to_string();
    assert!(blob.len() > 64, "{}", String::from_utf8_lossy(&generated.stderr));
    let (text, err) = run_attack(&format!(
        r#"
import importlib._bootstrap_external as external, importlib.machinery, json, os, runpy, sys, zipfile
data = bytes.fromhex("{blob}")
with open("payload.bin", "wb") as f:
    f.write(data)
with zipfile.ZipFile("payload.zip", "w") as z:
    z.writestr("zipped.pyc", data)
sys.path.insert(0, os.path.abspath("payload.zip"))
{TRY_EACH}
try_each((
        ("sourceless-loader", lambda: importlib.machinery.SourcelessFileLoader(
            "m", os.path.abspath("payload.bin")).load_module()),
        ("compile-bytecode", lambda: runpy._run_code(external._compile_bytecode(
            memoryview(data)[16:], bytecode_path=json.__file__ + "c"), {{}})),
        ("run-path", lambda: runpy.run_path("payload.bin")),
        ("zip-import", lambda: __import__("zipped"))))
import decimal, xml.dom.minidom, email.mime.text
print("CONTROLS", decimal.Decimal("1.5") * 2, xml.dom.minidom.parseString("<a/>").documentElement.tagName)
"#
    ));
    assert!(!text.contains("RAN-pyc"), "{text}{err}");
    for label in ["sourceless-loader", "compile-bytecode", "run-path", "zip-import"] {
        assert!(text.contains(&format!("REFUSED {label}\n")), "{label}: {text}{err}");
    }
    assert!(text.contains("CONTROLS 3.0 a\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn source_loaders_the_program_names_are_refused_at_run_time() {
    // The loaders that bypass the import system (`runpy-run`) are reported by the exec gate, not
    // stubbed: the guard refuses what they would do with a file the program names, by any road.
    // `runpy.run_path` of a `.py` file gets its code from the gate instead, so a payload's
    // refused call is stubbed there (and refused by the guard without the gate).
    // A module that only names a loader class (a registry keyed by it, as `pkg_resources` keeps)
    // imports.
    let attack = r#"
import importlib.machinery as machinery, importlib.util, os, runpy, sys, warnings
warnings.simplefilter("ignore")
import imp
with open("payload.py", "w") as f:
    f.write("print('RAN-' + 'payload')\n")
with open("dropped.py", "w") as f:
    f.write("import os\nprint('THROUGH-' + 'gate')\nos.system('echo PWN' + 'ED')\n")
here = os.getcwd()
def via_spec(path, name, cls):
    loader = cls(name, path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
class Mine(machinery.SourceFileLoader):
    pass
def finder():
    spec = machinery.FileFinder(here, (machinery.SourceFileLoader, [".py"])).find_spec("payload")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
try_each((
        ("load-module-abs", lambda: machinery.SourceFileLoader("p1", here + "/payload.py").load_module()),
        ("load-module-rel", lambda: machinery.SourceFileLoader("p2", "payload.py").load_module()),
        ("exec-module-abs", lambda: via_spec(here + "/payload.py", "p3", machinery.SourceFileLoader)),
        ("exec-module-rel", lambda: via_spec("payload.py", "p4", machinery.SourceFileLoader)),
        ("subclass", lambda: via_spec("payload.py", "p5", Mine)),
        ("file-finder", finder),
        ("run-path-abs", lambda: runpy.run_path(here + "/dropped.py")),
        ("run-path-rel", lambda: runpy.run_path("dropped.py")),
        ("imp-load-source", lambda: imp.load_source("p6", "payload.py"))))
import registry
print("CONTROL", registry.HANDLERS[machinery.SourceFileLoader])
"#;
    let labels = [
        "load-module-abs",
        "load-module-rel",
        "exec-module-abs",
        "exec-module-rel",
        "subclass",
        "file-finder",
        "run-path-abs",
        "run-path-rel",
        "imp-load-source",
    ];
    let registry = "import importlib.machinery as m\nHANDLERS = {}\n\
                    for name in ('SourceFileLoader', 'SourcelessFileLoader'):\n\
                    \x20   HANDLERS[getattr(m, name, type(None))] = name.lower()\n";
    for gate in [true, false] {
        let s = Scratch::new();
        s.write("registry.py", registry);
        let script = s.write("attack.py", &format!("{TRY_EACH}{attack}"));
        let mut cmd = s.exec();
        if !gate {
            cmd.arg("--no-gate");
        }
        let out = run(cmd.arg(&script));
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(!text.contains("RAN-payload"), "gate {gate}: {text}{err}");
        assert!(!text.contains("PWNED"), "gate {gate}: {text}{err}");
        // The file runs up to its refused call: by the absolute path, and by the relative one
        // without the gate (with it, the gate reads the constant text written to that name and
        // stubs the `run_path` call itself).
        let runs = if gate { 1 } else { 2 };
        assert_eq!(text.matches("THROUGH-gate\n").count(), runs, "gate {gate}: {text}{err}");
        for label in labels {
            assert!(
                text.contains(&format!("REFUSED {label}\n")),
                "gate {gate}, {label}: {text}{err}"
            );
        }
        assert!(text.contains("CONTROL sourcefileloader\n"), "gate {gate}: {text}{err}");
    }
}

#[test]
fn sqlite_extensions_are_foreign_code() {
    // A SQLite extension is a shared library loaded into the process at an entry point the
    // caller names: under `ffi: false` neither enabling nor loading one is allowed. Only some
    // builds of Python can (Debian's can; pyenv's here was built without it).
    let has_extensions = |python: &std::path::Path| {
        std::process::Command::new(python)
            .args(["-c", "import sqlite3, sys; sys.exit(0 if hasattr(sqlite3.Connection, 'enable_load_extension') else 1)"])
            .status()
            .is_ok_and(|s| s.success())
    };
    let candidates = [crate::exec_support::python().to_path_buf(), "/usr/bin/python3".into()];
    let Some(python) = candidates.iter().find(|p| has_extensions(p)) else {
        eprintln!("skipped: no interpreter here has SQLite extension loading");
        return;
    };
    let program = "import sqlite3\nc = sqlite3.connect(':memory:')\n\
                   for label, step in (('enable', lambda: c.enable_load_extension(True)),\n\
                   \x20                   ('load', lambda: c.load_extension('libm.so.6'))):\n\
                   \x20   try:\n        step()\n        print('ALLOWED', label)\n\
                   \x20   except PermissionError:\n        print('REFUSED', label)\n\
                   \x20   except Exception as e:\n        print('FAILED', label, type(e).__name__)\n";
    for gate in [true, false] {
        let s = Scratch::new();
        let script = s.write("ext.py", program);
        let mut cmd = s.exec_with(python);
        if !gate {
            cmd.arg("--no-gate");
        }
        let out = run(cmd.arg(&script));
        assert_eq!(stdout(&out), "REFUSED enable\nREFUSED load\n", "gate {gate}: {}", stderr(&out));
    }
}

#[test]
fn the_interpreters_code_events_cannot_be_forged() {
    // A `compile` event raised with `sys.audit` from a standard-library frame passed for the
    // standard library compiling there: `sched.scheduler.run` calls its actions from one frame,
    // so a forged `compile` and then `exec` of a code object `codeop` made from a string ran
    // under `code: false`. The code clause's events are the interpreter's alone to raise; a
    // program's own events, and the standard library's `sys.audit` calls, still are raised.
    let (text, err) = run_attack(
        r#"
import codeop, functools, pickle, sched, sys, tempfile, time
code = codeop.compile_command("print('FORGED-' + 'RAN')")
for name in ("compile", "exec", "code.__new__", "marshal.loads"):
    s = sched.scheduler(time.monotonic, lambda d: None)
    s.enter(0, 1, functools.partial(sys.audit, name, b"print('FORGED-RAN')", "<input>"))
    s.enter(0, 2, functools.partial(exec, code, {}))
    try:
        s.run()
        print("RETURNED", name)
    except PermissionError:
        print("REFUSED", name)
try:
    print("SEALED", sys.audit.__kwdefaults__)
except PermissionError:
    pass
sys.audit("myapp.event", 1)
tempfile.mkstemp()
try:
    pickle._loads(b"\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.")
    print("PICKLE-GLOBAL")
except PermissionError:
    print("CONTROLS pickle")
"#,
    );
    assert!(!text.contains("FORGED-RAN"), "{text}{err}");
    for name in ["compile", "exec", "code.__new__", "marshal.loads"] {
        assert!(text.contains(&format!("REFUSED {name}\n")), "{name}: {text}{err}");
    }
    assert!(!text.contains("SEALED"), "{text}{err}");
    assert!(text.contains("CONTROLS pickle\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn exec_handed_to_the_standard_library_as_a_callback_is_the_programs() {
    // `exec` and `compile` are C functions: called by a library function that calls what it
    // is given (a thread's target, `sched`'s actions, a pool's work item, a finalizer), their
    // events come from the library's frame, and in a new thread with no frame of the
    // program's at all. They were taken for the standard library's own work and ran strings
    // under `code: false`; a real `compile` as one action also made the next action's `exec`
    // of any code object pass for a same-call compile.
    let (text, err) = run_attack(
        r#"
import codeop, collections, concurrent.futures, functools, runpy, sched, threading, time, weakref
def report(label, step):
    try:
        step()
        print("RETURNED", label)
    except PermissionError:
        print("REFUSED", label)
def thread():
    t = threading.Thread(target=exec, args=("print('RAN-thread')",))
    t.start()
    t.join()
    # A library function as the target: no frame of the program's in that thread at all.
    t = threading.Thread(target=runpy._run_code,
                         args=(codeop.compile_command("print('RAN-thread-runpy')"), {}))
    t.start()
    t.join()
def scheduled(actions):
    s = sched.scheduler(time.monotonic, lambda d: None)
    for i, action in enumerate(actions):
        s.enter(0, i, action)
    s.run()
code = codeop.compile_command("print('RAN-compile-then-exec')")
report("pool", lambda: concurrent.futures.ThreadPoolExecutor().submit(exec, "print('RAN-pool')").result())
report("sched-exec", lambda: scheduled([functools.partial(exec, "print('RAN-sched')")]))
report("sched-compile-then-exec", lambda: scheduled([
    functools.partial(compile, "pass", "<x>", "exec"), functools.partial(exec, code, {})]))
class Obj:
    pass
o = Obj()
weakref.finalize(o, exec, "print('RAN-finalizer')")
del o
thread()
def work(results):
    results.append(collections.namedtuple("Pair", "a b")(1, 2))
results = []
t = threading.Thread(target=work, args=(results,))
t.start()
t.join()
print("CONTROLS", results)
"#,
    );
    assert!(!text.contains("RAN-"), "{text}{err}");
    for label in ["pool", "sched-exec", "sched-compile-then-exec"] {
        assert!(text.contains(&format!("REFUSED {label}\n")), "{label}: {text}{err}");
    }
    assert!(text.contains("CONTROLS [Pair(a=1, b=2)]\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

/// A facade's frame counts as the guard's, but what runs straight above it may be the
/// program's choice without a frame of its own: a callable of the interpreter's
/// (`functools.partial(exec, text)`) set as a method of an object a facade is handed, or put in
/// the facades' namespace in place of what they call. Those ran strings under `code: false`
/// (the runner reading the program's exception, `pwd`'s look-ups, the import finder iterating
/// a path list, `pwd.getpwnam` calling its namespace's `_real_getpwnam`) and made a directory
/// no grant allows, all without a violation.
#[test]
fn callables_run_from_a_facade_are_the_programs() {
    let (text, err) = run_attack_under(
        r#"
import builtins, functools, os, pwd, sys
ex = getattr(builtins, "ex" + "ec")
def attempt(label, step):
    try:
        step()
        print("DONE", label)
    except BaseException as e:
        print("STOPPED", label, type(e).__name__)
class Mapping(dict):
    pass
Mapping.__index__ = functools.partial(ex, "print('RAN index')")
Mapping.__iter__ = functools.partial(ex, "print('RAN iter')")
attempt("pwd", lambda: pwd.getpwuid(Mapping()))
finders = [f for f in sys.meta_path if getattr(f, "__module__", "") == "pysbx"]
print("FINDERS", len(finders))
attempt("finder", lambda: finders[0].find_spec("zz_nothing", Mapping()))
ns = os.kill.__globals__
real = ns["_real_getpwnam"]
ns["_real_getpwnam"] = functools.partial(ex, "print('RAN namespace')")
attempt("namespace", lambda: pwd.getpwnam({}))
made = os.path.join(os.path.dirname(os.path.abspath(__file__)), "made")
ns["_real_getpwnam"] = functools.partial(os.mkdir)
attempt("mkdir", lambda: pwd.getpwnam(made))
ns["_real_getpwnam"] = real
import gc
ns["_real_getpwuid"] = gc.get_objects
attempt("objects", lambda: pwd.getpwuid(None))
print("MADE" if os.path.exists(made) else "NOT MADE")
"#,
        "{}\n",
    );
    let ctx = format!("{text}{err}");
    assert!(!text.contains("RAN"), "a string ran under code: false: {ctx}");
    assert!(text.contains("FINDERS 1\n"), "{ctx}");
    // `pwd.getpwuid` turns what `__index__` raised into its own TypeError.
    assert!(text.contains("STOPPED pwd "), "{ctx}");
    // `gc.get_objects` in the namespace handed every object out, the guard's functions too.
    for label in ["finder", "namespace", "mkdir", "objects"] {
        assert!(text.contains(&format!("STOPPED {label} PolicyViolation")), "{label}: {ctx}");
    }
    assert!(text.contains("NOT MADE\n"), "{ctx}");
    assert!(err.contains("[fs.write] changing"), "{ctx}");
    assert_guard_holds(&text, &err);

    // The runner reads the text of the exception that ends the program.
    let (text, err) = run_attack_under(
        r#"
import builtins, functools
class Ending(Exception):
    __str__ = functools.partial(getattr(builtins, "ex" + "ec"), "print('RAN str')")
raise Ending()
"#,
        "{}\n",
    );
    let ctx = format!("{text}{err}");
    assert!(!text.contains("RAN"), "a string ran under code: false: {ctx}");
    assert!(err.contains("Ending: <exception str() failed>"), "{ctx}");
    // The string is refused as it is compiled: the printer compiles only parts of its lines.
    assert!(err.contains("[code] compile of dynamic code is not allowed"), "{ctx}");
}

/// The guard's file checks read the path the interpreter will use: a `str` or `bytes`
/// subclass's own characters and a `pathlib` path's text (such paths passed unjudged, to the
/// kernel alone), and a path relative to a directory descriptor resolved against that
/// directory, not the working one.
#[test]
fn paths_in_subclasses_and_relative_to_descriptors_are_judged() {
    let (text, err) = run_attack_under(
        r#"
import os
def attempt(label, step):
    try:
        step()
        print("DONE", label)
    except BaseException as e:
        print("STOPPED", label, type(e).__name__, e)
class S(str):
    pass
class B(bytes):
    pass
here = os.path.dirname(os.path.abspath(__file__))
attempt("write", lambda: open(S(os.path.join(here, "made.txt")), "w"))
attempt("read", lambda: open(S("/etc/passwd")))
attempt("list", lambda: os.listdir(B(b"/root")))
import pathlib
attempt("pathlib", lambda: pathlib.Path("/etc/passwd").read_text())
attempt("pathlib-write", lambda: open(pathlib.PurePosixPath(here, "made.txt"), "w"))
fd = os.open(here, os.O_RDONLY)
attempt("mkdir-at", lambda: os.mkdir("made-dir", dir_fd=fd))
attempt("remove-at", lambda: os.remove("attack.py", dir_fd=fd))
"#,
        "{}\n",
    );
    let ctx = format!("{text}{err}");
    for label in ["write", "read", "list", "pathlib", "pathlib-write", "mkdir-at", "remove-at"] {
        assert!(text.contains(&format!("STOPPED {label} PolicyViolation")), "{label}: {ctx}");
    }
    assert!(err.contains("[fs.write] changing") && err.contains("made-dir"), "{ctx}");
    assert!(err.contains("[fs.read] reading /root"), "{ctx}");
    assert_guard_holds(&text, &err);
}

/// The guard's pipe to pysbx sat at descriptors 3 and 4: a program that closed its inherited
/// descriptors (a daemon's `os.closerange(3, ...)`) and opened files got those numbers, and
/// the guard wrote its messages into the program's files and read replies from them (or pysbx
/// ended with 125 and no word). The pipe now lies near the top of the descriptor table, a
/// program's first files get 3 and 4 as under Python, and the kernel keeps the program from
/// closing the pipe's two: everything else is closed, and the gate and the reports go on (a
/// pipe whose descriptors no longer are its own, were that layer missing, is noticed by the
/// guard: nothing is written to them, and an import that needs the gate fails saying why).
#[test]
fn a_program_closing_its_descriptors_gets_none_of_the_guards_messages() {
    let s = Scratch::new();
    s.write("helper_mod.py", "VALUE = 42\n");
    let script = s.write(
        "daemon.py",
        r#"
import os
first = open("first.txt", "w")
print("FIRST", first.fileno())
first.close()
os.closerange(3, 65536)
log = open("app.log", "w")
other = open("other.log", "w")
try:
    import helper_mod
    print("IMPORTED")
except OSError as e:
    print("IMPORT", type(e).__name__, "gone" in str(e))
try:
    open("/etc/passwd")
except PermissionError:
    print("REFUSED")
log.write("mine\n")
log.close()
other.close()
print(repr(open("app.log").read()), repr(open("other.log").read()))
"#,
    );
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    assert!(text.contains("FIRST 3\n"), "{ctx}");
    assert!(text.contains("IMPORTED\n"), "{ctx}");
    assert!(text.contains("REFUSED\n"), "{ctx}");
    assert!(ctx.contains("violation [fs.read] reading /etc/passwd"), "{ctx}");
    assert!(text.contains("'mine\\n' ''\n"), "{ctx}");
}

/// Two roads to code the guard took for the standard library's (whose frames may read the
/// guard's through a signal handler, and whose code objects `runpy._run_code` runs): a module
/// found through a `sys.path` entry that climbs out of the standard library with `..` kept
/// that unresolved name, which began with the library's directory; and a `compile` of the
/// program's string under a library file's name, made from the exception printer's facade
/// (`functools.partial(compile, ...)` as an exception's `__str__`), whose result a `deque`
/// kept.
#[test]
fn no_code_of_the_programs_passes_for_the_standard_librarys() {
    let (text, err) = run_attack_under(
        r#"
import collections, functools, os, runpy, sys
stdlib = os.path.dirname(os.__file__)
here = os.getcwd()
open("climber.py", "w").write("import sys\ntry:\n    sys._getframe(0)\n    print('FRAME GIVEN')\nexcept PermissionError:\n    print('FRAME REFUSED')\n")
sys.path.insert(0, stdlib + "/.." * stdlib.count("/") + here)
import climber
kept = collections.deque()
class Shown(Exception):
    __str__ = functools.partial(kept.extend, map(compile, ["print('RAN AS STDLIB')"], [os.__file__], ["exec"]))
try:
    sys.excepthook(Shown, Shown(), None)
except BaseException:
    pass
print("KEPT", len(kept))
for code in kept:
    try:
        runpy._run_code(code, {})
    except PermissionError:
        print("RUN REFUSED")
"#,
        "{}\n",
    );
    let ctx = format!("{text}{err}");
    assert!(text.contains("FRAME REFUSED\n"), "{ctx}");
    assert!(!text.contains("RAN AS STDLIB"), "{ctx}");
    assert!(text.contains("KEPT 0\n"), "{ctx}");
    assert_guard_holds(&text, &err);
}

/// The guard's pipe is the program's to write: a gate request of its own left a reply in the
/// pipe that the guard's next import read as its own, and so compiled the program's source as
/// a granted module (which started a shell under `process: false`). Each of the guard's
/// requests now carries an id the program never sees, and a reply to any other is dropped.
#[test]
fn a_gate_reply_to_the_programs_own_request_is_never_the_guards() {
    let s = Scratch::new();
    s.write("granted_mod.py", "print('REAL MODULE')\n");
    let policy = s.write("policy.yaml", "modules:\n  granted_mod: {process: true}\n");
    let script = s.write(
        "desync.py",
        r#"
import json, os
def a_pipe(fd):
    try:
        return os.readlink("/proc/self/fd/%d" % fd).startswith(("pipe:", "socket:"))
    except OSError:
        return False
pipes = [fd for fd in range(3, 1024) if a_pipe(fd)]
src = b"print('FORGED SOURCE RAN')\n"
for fd in pipes:
    hdr = json.dumps({"t": "gate", "path": "/nowhere/evil.py", "blob": len(src)}).encode()
    try:
        os.write(fd, len(hdr).to_bytes(4, "big") + hdr + src)
        print("WROTE")
    except OSError:
        pass
import granted_mod
"#,
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert!(text.contains("WROTE\n"), "no pipe written: {ctx}");
    assert!(text.contains("REAL MODULE\n"), "{ctx}");
    assert!(!text.contains("FORGED"), "{ctx}");
    assert_eq!(out.status.code(), Some(0), "{ctx}");
}

/// A module's grants go to the file that is that module's by name and lies where nothing of
/// the run may write: `/dev/shm`, which the kernel lets the sandbox write (`shm_open` raises
/// no audit event) though the guard refuses it to `open`, counted as such a place, and a file
/// written there through `shared_memory` ran with `runner`'s `process: true` under the
/// program's `process: false`.
#[test]
fn a_file_in_the_private_shared_memory_gets_no_modules_grants() {
    let s = Scratch::new();
    let policy = s.write("policy.yaml", "modules:\n  runner: {process: true}\n");
    let script = s.write(
        "shm.py",
        r#"
from multiprocessing import shared_memory, resource_tracker
import importlib.util
resource_tracker.register = resource_tracker.unregister = lambda *a: None
src = b"import subprocess\ndef run(c):\n    return subprocess.run(c, shell=True, capture_output=True).stdout\n"
m = shared_memory.SharedMemory(name="runner.py", create=True, size=len(src))
m.buf[:len(src)] = src
spec = importlib.util.spec_from_file_location("runner", "/dev/shm/runner.py")
mod = importlib.util.module_from_spec(spec)
try:
    spec.loader.exec_module(mod)
    print("RAN", mod.run("echo PWN$((6*7))").decode().strip())
except PermissionError as e:
    print("REFUSED")
"#,
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert!(!text.contains("PWN42"), "{ctx}");
    assert!(text.contains("REFUSED\n"), "{ctx}");
}

#[test]
fn library_functions_handed_a_string_run_it_as_the_programs() {
    // `runpy._run_code`, `code.InteractiveInterpreter.runcode`, importlib's
    // `_call_with_frames_removed` and a loader whose `get_code` gives text `exec` what they
    // were handed from a frame whose own code calls `exec`: the `compile` of that string is
    // the program's, refused under `code: false`, not the library's making. Text a library
    // function makes itself (namedtuple), and `ast.parse` or `symtable` of the program's own
    // file (a tree, no code), still pass.
    let (text, err) = run_attack(&format!(
        r#"{TRY_EACH}
import builtins, code, runpy, types
import importlib._bootstrap as bootstrap
from importlib.machinery import SourceFileLoader
helper = types.SimpleNamespace(exec=None)
helper.exec  # the name `exec` among this module's names
class TextLoader(SourceFileLoader):
    def get_code(self, name):
        return "print('RAN-' + 'loader')"
runner = getattr(builtins, "ex" + "ec")
class Text(str):
    pass
try_each([
    ("run-code", lambda: runpy._run_code("print('RAN-' + 'run-code')", {{}})),
    # A `str` subclass is compared by the characters it holds, not skipped.
    ("subclass", lambda: runpy._run_code(Text("print('RAN-' + 'subclass')"), {{}})),
    ("frames-removed", lambda: bootstrap._call_with_frames_removed(
        runner, "print('RAN-' + 'frames-removed')", {{}})),
    ("loader", lambda: TextLoader("x", "/nonexistent/x.py").exec_module(types.ModuleType("x"))),
])
# `runcode` prints what its `exec` raised, and goes on.
code.InteractiveInterpreter().runcode("print('RAN-' + 'runcode')")
import ast, collections, symtable
P = collections.namedtuple("P", "a b")
tree = ast.parse(open(__file__).read(), filename=__file__)
table = symtable.symtable("def f(a):\n    return a + b\n", __file__, "exec")
print("CONTROLS", P(1, 2), type(tree).__name__, table.get_type())
"#
    ));
    assert!(!text.contains("RAN-"), "{text}{err}");
    for label in ["run-code", "subclass", "frames-removed", "loader"] {
        assert!(text.contains(&format!("REFUSED {label}\n")), "{label}: {text}{err}");
    }
    assert!(err.contains("compile of dynamic code is not allowed"), "{text}{err}");
    assert!(text.contains("CONTROLS P(a=1, b=2) Module module\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn generated_text_takes_no_code_from_names() {
    // `unittest.mock.create_autospec` formats a function's `__name__` into the text it runs
    // once `isidentifier()` said so, which a `str` subclass answers as it likes; a dataclass
    // field name could call a global by naming it as a lambda's parameter elsewhere in the
    // generated text. Both run nothing; plain uses still work.
    let (text, err) = run_attack(&format!(
        r#"{TRY_EACH}
import dataclasses
from unittest import mock
class Name(str):
    def isidentifier(self):
        return True
    def __str__(self):
        return "f(*a, **k): pass\nprint('RAN-' + 'mock')\ndef f"
def victim(a, b):
    pass
victim.__name__ = Name("victim")
field = '"+((print("RAN-" + "dataclass") or "") if (lambda print: 0) else "")+"'
C = type("C", (), {{"__annotations__": {{field: int}}}})
class Default:
    def __repr__(self):
        return "print('RAN-' + 'turtle')"
class Methods:
    def fwd(self, a=Default()):
        pass
def turtle_functions():
    try:
        import turtle
    except ImportError:
        # turtle needs tkinter, which an interpreter may lack: nothing to generate then.
        print("NO-TK")
        return
    turtle._make_global_funcs(["fwd"], Methods, "x", "y", lambda doc: doc)
try_each([
    ("mock", lambda: mock.create_autospec(victim)),
    ("dataclass", lambda: repr(dataclasses.dataclass(init=False, eq=False)(C)())),
    ("turtle", turtle_functions),
])
def plain(a, b=1):
    return a
spec = mock.create_autospec(plain, return_value=3)
@dataclasses.dataclass
class Point:
    x: int
    y: int = dataclasses.field(default_factory=lambda: 2)
print("CONTROLS", spec(1), spec.call_count, Point(1))
"#
    ));
    assert!(!text.contains("RAN-"), "{text}{err}");
    assert!(text.contains("REFUSED mock\n"), "{text}{err}");
    assert!(text.contains("REFUSED dataclass\n"), "{text}{err}");
    // Without tkinter the interpreter has no turtle to attack (said as NO-TK, not passed off
    // as a refusal).
    assert!(
        text.contains("REFUSED turtle\n") || text.contains("NO-TK\nLOADED turtle\n"),
        "{text}{err}"
    );
    assert!(text.contains("CONTROLS 3 1 Point(x=1, y=2)\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn native_modules_made_under_other_names_are_judged_by_what_they_are() {
    // `_imp.create_dynamic` runs `PyInit_<last part of the name>` of the file its spec names:
    // `x._ctypes` is `_ctypes` (foreign code, `ffi: false`), and a copy of the interpreter's
    // native module in a directory the program writes is native code from outside the
    // interpreter's directories. A native module of the standard library still imports.
    let (text, err) = run_attack(&format!(
        r#"{TRY_EACH}
import _imp, glob, os, shutil, sys, tempfile
from importlib.machinery import ModuleSpec
def native(stem):
    for entry in sys.path:
        found = glob.glob(os.path.join(entry, stem + ".*.so"))
        if found:
            return found[0]
    raise RuntimeError("no " + stem)
ctypes_file = native("_ctypes")
json_file = native("_json")
copy = os.path.join(tempfile.mkdtemp(), os.path.basename(json_file))
shutil.copyfile(json_file, copy)
plain = os.path.join(tempfile.mkdtemp(), "plainfile")
shutil.copyfile(json_file, plain)
try_each([
    ("dotted", lambda: _imp.create_dynamic(ModuleSpec("x._ctypes", None, origin=ctypes_file))),
    ("renamed", lambda: _imp.create_dynamic(ModuleSpec("_json", None, origin=copy))),
    # A loader maps any file: one without an extension's suffix is native code all the same.
    ("no-suffix", lambda: _imp.create_dynamic(ModuleSpec("_json", None, origin=plain))),
])
import _json, decimal
print("CONTROLS", _json.__name__, decimal.Decimal("1.5") * 2)
"#
    ));
    assert!(text.contains("REFUSED dotted\n"), "{text}{err}");
    assert!(text.contains("REFUSED renamed\n"), "{text}{err}");
    assert!(text.contains("REFUSED no-suffix\n"), "{text}{err}");
    assert!(text.contains("CONTROLS _json 3.0\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn code_objects_are_made_only_by_the_libraries_that_make_them() {
    // `code.replace` wrapped in C (`functools.lru_cache`) has no frame of its own: called
    // from a library frame whose code names `replace` (as `str.replace` does everywhere), the
    // new code object passed for the library's making, and a file name of the standard
    // library's made it run as trusted code. Only `types.coroutine` and `modulefinder` make
    // code objects in the standard library; `types.coroutine` still works.
    let (text, err) = run_attack(&format!(
        r#"{TRY_EACH}
import dis, functools, inspect, os, runpy, types
class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)
def target():
    print("RAN-" + "replace")
kw = {{"co_filename": os.__file__}}
made = functools.lru_cache(None)(dis._get_code_object(target).replace)
def through_inspect():
    try:
        inspect._signature_get_partial(Obj(parameters={{}}, bind_partial=made), Obj(args=(), keywords=kw))
    except AttributeError:
        pass
    runpy._run_code(made(**kw), {{"__builtins__": __builtins__}})
def through_modulefinder():
    # modulefinder renames code after paths its caller gives.
    import modulefinder
    code = dis._get_code_object(target)
    finder = modulefinder.ModuleFinder(replace_paths=[(os.path.normpath(code.co_filename), os.__file__)])
    runpy._run_code(finder.replace_paths_in_code(code), {{"__builtins__": __builtins__}})
def code_moved_by_update_wrapper():
    # functools sets `__code__` from its own frame: a program function would run the
    # standard library's code (trusted by its file) with the program's globals.
    import collections
    def borrower(*a, **k):
        pass
    functools.update_wrapper(borrower, collections.namedtuple, assigned=("__code__",), updated=())
try_each([("replace", through_inspect), ("modulefinder", through_modulefinder),
          ("update-wrapper", code_moved_by_update_wrapper)])
def wrapped(x):
    return x + 1
print("WRAPS", functools.wraps(wrapped)(lambda *a: wrapped(*a))(1))
@types.coroutine
def pause():
    yield
async def main():
    await pause()
    return 7
import asyncio
print("CONTROL", asyncio.run(main()))
"#
    ));
    assert!(!text.contains("RAN-"), "{text}{err}");
    assert!(text.contains("REFUSED replace\n"), "{text}{err}");
    assert!(text.contains("REFUSED modulefinder\n"), "{text}{err}");
    assert!(text.contains("REFUSED update-wrapper\n"), "{text}{err}");
    assert!(text.contains("WRAPS 2\n"), "{text}{err}");
    assert!(text.contains("CONTROL 7\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
    // Under a `code` grant the program makes code objects, but none named after one of the
    // interpreter's files (trusted as the standard library's) or another module's (judged
    // with that module's grants); its own code keeps its name.
    let (text, err) = run_attack_under(
        &format!(
            r#"{TRY_EACH}
import os
code = (lambda: print("RAN-" + "renamed")).__code__
try_each([("stdlib-name", lambda: code.replace(co_filename=os.__file__)),
          ("frozen-name", lambda: code.replace(co_filename="<frozen os>"))])
print("OWN", code.replace(co_name="renamed").co_name)
"#
        ),
        "code: true\n",
    );
    assert!(text.contains("REFUSED stdlib-name\n"), "{text}{err}");
    assert!(text.contains("REFUSED frozen-name\n"), "{text}{err}");
    assert!(text.contains("OWN renamed\n"), "{text}{err}");
}

/// The program's deputies for a function of the guard's it has reached: `exec` of a string
/// with no frame of the program's (a callable of the interpreter's), and an object whose
/// every attribute is that callable, for the function's closure cells.
const DEPUTIES: &str = r#"
import functools
DEPUTY = []
deputy_exec = functools.partial(exec, "DEPUTY.append(1)", globals())
class Deputy:
    def __getattr__(self, name):
        return deputy_exec
    def __getitem__(self, key):
        return 0
def as_deputy(fn):
    # Each closure cell in turn becomes the deputy object, and the function is called as the
    # program would call it; then every function of its globals (the guard's module-level
    # entry templates) with its keyword defaults the program's: one that calls them runs
    # `exec` straight from the guard's frame.
    for cell in (getattr(fn, "__clo" + "sure__") or ()):
        try:
            real = cell.cell_contents
        except ValueError:
            continue
        cell.cell_contents = Deputy()
        try:
            for args in ((), (None,), (None, None), (None, None, None)):
                try:
                    fn(*args)
                except BaseException:
                    pass
        finally:
            cell.cell_contents = real
    for t in list(getattr(fn, "__glo" + "bals__").values()):
        if type(t).__name__ != "function":
            continue
        for impl in (lambda *a: (None, True, (), ()), lambda *a: (True, None, True, (), ())):
            try:
                t(None, None, __pysbx_impl=impl, __pysbx_held={}, __pysbx_wanted=[1],
                  __pysbx_gc=deputy_exec, __pysbx_any=BaseException)
            except BaseException:
                pass
def deputies_ran():
    if DEPUTY:
        print("DEPUTY RAN", len(DEPUTY))
"#;

#[test]
fn the_guards_own_functions_are_neither_found_nor_used_as_deputies() {
    // Every class is the program's to find (`object.__subclasses__()`, no audit event), and
    // so is a weak reference's callback (`_weakref.getweakrefs`). A method or callback of the
    // guard's leads through its closure and globals to the guard's state; called by the
    // program with a closure cell (the pipe's lock) rewritten to hold
    // `functools.partial(exec, text)`, it ran the string from the guard's own frame, which the
    // hook passed as the guard's work (then `gc.get_objects()` and the sealed defaults, and
    // every cell of the guard: a complete takeover).
    let (text, err) = run_attack(&format!(
        r#"{DEPUTIES}
import inspect, _weakref
reached = []
def keep(value):
    for fn in (value, getattr(value, "__func__", None), getattr(value, "fget", None)):
        if fn is not None and internal(fn) and all(fn is not r for r in reached):
            reached.append(fn)
todo, seen = [object], set()
while todo:
    cls = todo.pop()
    if id(cls) in seen:
        continue
    seen.add(id(cls))
    try:
        todo.extend(type.__subclasses__(cls))
    except TypeError:
        pass
    for value in list(vars(cls).values()):
        keep(value)
print("CLASSES", len(seen) > 200)
# The program's own code object, which the guard compiled and keeps a weak reference to.
for ref in _weakref.getweakrefs(inspect.currentframe().f_code):
    keep(ref.__callback__)
for fn in reached:
    print("INTERNAL", fn.__qualname__)
    as_deputy(fn)
    tamper(fn)
deputies_ran()
"#
    ));
    assert!(text.contains("CLASSES True\n"), "{text}{err}");
    assert!(!text.contains("DEPUTY RAN"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn what_the_guards_trampolines_call_for_the_program_is_the_programs() {
    // A signal handler, a tracer and a profiler are called by the guard's trampolines. One that
    // is a callable of the interpreter's has no frame of its own: `max(text, ..., key=exec)`
    // ran the string straight from the trampoline's frame, which the hook passed as the
    // guard's work, and `gc.get_referrers` the same way.
    let (text, err) = run_attack(&format!(
        r#"{DEPUTIES}
import gc, os, signal, sys, threading
# The string runs with the globals of the frame beneath `exec` (the trampoline's).
deputy = functools.partial(max, "print('DEPUTY RAN in a trampoline')", key=exec)
def raise_it():
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
    except BaseException as e:
        print("HANDLER", type(e).__name__)
signal.signal(signal.SIGUSR1, deputy)
raise_it()
signal.signal(signal.SIGUSR1, functools.partial(max, [], key=gc.get_referrers))
raise_it()
def work():
    pass
for install in (threading.setprofile, threading.settrace):
    install(deputy)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    install(None)
deputies_ran()
"#
    ));
    assert!(!text.contains("DEPUTY RAN"), "{text}{err}");
    // Both handlers were refused where they ran, in the program's call.
    assert_eq!(text.matches("HANDLER PolicyViolation\n").count(), 2, "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn class_attributes_the_program_sets_run_nothing_inside_the_guard() {
    // A class's attributes raise no audit event. One the guard's work uses (the class of its
    // violations, the gate's loader class, a class of the guard's found through
    // `object.__subclasses__()`, the syntax tree's classes, which the hook builds a tree of
    // for what dataclasses generates) given a method or property of the program's would run
    // its code inside that work, where a generator taken earlier and resumed there walks down
    // `f_back` to the guard's frames.
    let s = Scratch::new();
    s.write("plugin.py", "X = 1\n");
    s.write("plugin2.py", "Y = 2\n");
    let script = s.write(
        "attack.py",
        &format!(
            r#"{PROBE}
{LOOT}
{LOOTING_GENERATOR}
import ast, dataclasses, pysbx, _imp
def step(label, run):
    try:
        run()
    except BaseException as e:
        print("STEP", label, type(e).__name__)
def looting(*a, **k):
    if not found:
        next(g)
# The class of the guard's violations.
real_init = pysbx.PolicyViolation.__init__
def init(self, *a):
    looting()
    real_init(self, *a)
pysbx.PolicyViolation.__init__ = init
step("violation", lambda: exec("1"))
pysbx.PolicyViolation.__init__ = real_init
# A class of the guard's own, found by its name.
for cls in object.__subclasses__():
    if cls.__name__ in ("_BuiltinName", "_Failed", "_ScanContext", "_pipe"):
        print("GUARD CLASS", cls.__name__)
        cls.__setattr__ = lambda self, name, value: (looting(), object.__setattr__(self, name, value))
        cls.__init__ = looting
class Spec:
    name = "_json"
step("builtin", lambda: _imp.create_builtin(Spec()))
# The import gate's loader class.
import plugin
class Names:
    def __iter__(self):
        looting()
        return iter(["x"])
loader_class = type(plugin.__spec__.loader)
loader_class.__abstractmethods__ = Names()
step("loader", lambda: __import__("plugin2"))
loader_class.__abstractmethods__ = frozenset()
# The syntax tree's classes.
names = {{}}
def name_get(self):
    looting()
    return names.get(id(self), "x")
def name_set(self, value):
    looting()
    names[id(self)] = value
ast.Name.id = property(name_get, name_set)
def make_dataclass():
    @dataclasses.dataclass
    class Point:
        x: int = 0
    print("DATACLASS", Point())
step("dataclass", make_dataclass)
print("FOUND", len(found))
probe()
"#
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let (text, err) = (stdout(&out), format!("{}[{}]", stderr(&out), out.status));
    assert!(text.contains("FOUND 0\n"), "{text}{err}");
    assert!(!text.contains("GUARD CLASS"), "{text}{err}");
    assert!(text.contains("STEP violation PolicyViolation\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

/// The first road to a complete takeover of the guard: `object.__subclasses__()` found a
/// class defined inside the guard, the pipe's context manager; its `__enter__` took the pipe's
/// lock from a closure cell, which the program rewrote with an object whose `acquire` was
/// `functools.partial(exec, text)` (no frame of the program's). Called by the program, the
/// guard's own frame made the call, and the hook passed it as the guard's work. The second
/// script names every dunder at run time, so the static gate lets it run; through the same
/// deputy it read the sealed entries' defaults, called `gc.get_objects()`, mapped the guard's
/// closure cells and set `_ffi`, `_code` and `_process` to true.
const PIPE_DEPUTY_MIN: &str = r#"# Minimal reproducer (run with --no-gate; guard_pipe_cell_deputy_gate.py passes the gate too).
# The guard's nested class `_pipe` is reachable by __subclasses__; its __enter__ (guard code, not
# a facade) calls `_lock.acquire()` from a closure cell the program can rewrite.
import functools, os
P = next(c for c in object.__subclasses__() if c.__name__ == "_pipe")
lock, depth = P.__enter__.__closure__          # co_freevars: ('_lock', '_pipe_depth')
real = lock.cell_contents
class L:
    acquire = functools.partial(exec, "print('GUARD BYPASS: exec of a string ran under code: false, BYPASS-' + str(6*7))")
    release = int
lock.cell_contents = L()
try:
    P.__enter__(None)                          # the guard's own frame calls exec: judged as the guard's work
finally:
    lock.cell_contents = real
    depth.cell_contents[0] = 0
try:
    exec("1")
    print("(exec from the program itself also ran)")
except Exception as e:
    print("direct exec still refused, as expected:", e)
"#;

const PIPE_DEPUTY_GATE: &str = r#"# Technique: object.__subclasses__() finds the guard's nested class `_pipe`; its __enter__'s
# __closure__ cells (`_lock`, `_pipe_depth`) are writable without any audit event. Putting a fake
# lock whose `acquire` is a C-level callable (partial/map/list.extend) into the cell makes the
# guard's OWN, non-facade frame (`_pipe.__enter__`) call whatever we choose: every audit event it
# raises has the guard's code as its immediate frame, so `_guards_own` passes it.
import functools, sys

def N(obj, tail):  # an attribute name found at run time, never written in the source
    return [n for n in dir(obj) if n.endswith(tail)][0]

def A(obj, tail):
    return getattr(obj, N(obj, tail))

def classes():
    seen, todo, out = set(), [object], []
    sub = vars(type)[N(type, 'classes__')]
    while todo:
        k = todo.pop()
        for s in sub(k):
            if s not in seen:
                seen.add(s); out.append(s); todo.append(s)
    return out

pipe_cls = [c for c in classes() if c.__name__ == '_pipe' and '__enter__' in c.__dict__][0]
enter = pipe_cls.__dict__['__enter__']
cells = A(enter, 'osure__')
lock_cell = [c for c in cells if type(A(c, '_contents')).__name__ == 'RLock'][0]
depth_cell = [c for c in cells if type(A(c, '_contents')) is list][0]
real_lock, real_depth = A(lock_cell, '_contents'), A(depth_cell, '_contents')

class Fake:  # attributes are C callables: no frame of ours runs
    pass

def as_guard(fn, *args):
    """Call the C callable fn(*args) with the guard's __enter__ as the calling frame."""
    out = []
    f = Fake()
    if args:
        f.acquire = functools.partial(out.extend, map(fn, *[[a] for a in args]))
    else:  # fn() through starmap of one empty argument tuple
        import itertools
        f.acquire = functools.partial(out.extend, itertools.starmap(fn, [()]))
    f.release = int
    setattr(lock_cell, N(lock_cell, '_contents'), f)
    setattr(depth_cell, N(depth_cell, '_contents'), [0])
    try:
        enter(None)
    finally:
        setattr(lock_cell, N(lock_cell, '_contents'), real_lock)
        setattr(depth_cell, N(depth_cell, '_contents'), real_depth)
    return out[0]

# Step 1: guard's sealed entries live in _F; _F reached through pysbx.permit's globals.
import pysbx
F = A(pysbx.permit.__init__, 'lobals__')
kw = as_guard(getattr, F['_create_builtin'], N(len, 'text_signature__').replace('text_signature', 'kwdefaults'))
shielded = kw['__pysbx_impl']
named = {}
todo, seen = [], set()
for k, v in list(F.items()):
    if type(v).__name__ != 'function':
        continue
    try:
        kwd = as_guard(getattr, v, N(len, 'text_signature__').replace('text_signature', 'kwdefaults'))
    except Exception:
        continue
    if kwd and '__pysbx_impl' in kwd:
        todo.append(kwd['__pysbx_impl'])
import gc
for o in as_guard(getattr(gc, N(gc, 't_objects'))):
    if type(o).__name__ == 'function' and o.__name__ == '_audit_entry' and o.__module__ == 'pysbx':
        try:
            kwd = as_guard(getattr, o, N(len, 'text_signature__').replace('text_signature', 'kwdefaults'))
        except Exception:
            continue
        if kwd and '__pysbx_impl' in kwd:
            todo.append(kwd['__pysbx_impl'])  # the registered audit hook's `_hook`
while todo:
    g = todo.pop()
    if id(g) in seen or type(g).__name__ != 'function' or A(g, 'osure__') is None:
        continue
    seen.add(id(g))
    co = as_guard(getattr, g, '__'+'co'+'de__')
    for name, cell in zip(co.co_freevars, A(g, 'osure__')):
        named.setdefault(name, cell)
        try:
            v = A(cell, '_contents')
        except ValueError:
            continue
        vs = [v] if type(v).__name__ == 'function' else list(v.values()) if type(v) is dict else list(v) if type(v) in (list, tuple) else []
        todo.extend(x for x in vs if type(x).__name__ == 'function')
print("guard cells reached:", len(named), sorted(k for k in named if k in ('_ffi','_code','_process','_check','_hook','_net')))
for k in ('_ffi', '_code', '_process'):
    if k in named:
        setattr(named[k], N(named[k], '_contents'), True)
# Step 3 (hidden from the static gate as hex: run-time code, which the guard now lets through).
import builtins
STAGE2 = '23205374657020333a207468696e677320746865206775617264207265667573657320756e646572207468652064656661756c7420706f6c6963792e0a72203d205b5d0a7472793a0a20202020657865632822722e617070656e642827657865632d6f6b272922290a65786365707420457863657074696f6e20617320653a0a20202020722e617070656e6428276578656320726566757365643a2025732720252065290a7472793a0a20202020696d706f7274206374797065730a20202020722e617070656e6428276374797065732d6f6b206765747069643d2564272025206374797065732e43444c4c284e6f6e65292e6765747069642829290a65786365707420457863657074696f6e20617320653a0a20202020722e617070656e64282763747970657320726566757365643a2025732720252065290a696d706f7274206f730a7472793a0a202020207374203d206f732e73797374656d28226563686f206869203e2f6465762f6e756c6c22290a20202020722e617070656e6428276f732e73797374656d207061737365642067756172642c207374617475733d2573272025207374290a65786365707420457863657074696f6e20617320653a0a20202020722e617070656e6428276f732e73797374656d20726566757365643a2025732720252065290a7072696e742872290a69662027657865632d6f6b2720696e207220616e6420616e7928782e7374617274737769746828276374797065732d6f6b272920666f72207820696e2072293a0a202020207072696e7428224755415244204259504153533a2022202b20224259504153532d22202b2073747228362a3729202b20222067756172642063656c6c73205f6666692f5f636f64652f5f70726f636573732072657772697474656e20766961205f706970652e5f5f656e7465725f5f2064657075747922290a656c73653a0a202020207072696e74282248454c443a2067756172645f706970655f63656c6c5f64657075747922290a'
getattr(builtins, N(builtins, 'xec'))(bytes.fromhex(STAGE2).decode())
"#;

#[test]
fn the_guards_pipe_is_no_deputy_with_or_without_the_gate() {
    let s = Scratch::new();
    let minimal = s.write("pipe_min.py", PIPE_DEPUTY_MIN);
    let out = run(s.exec().arg("--no-gate").arg(&minimal));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!text.contains("BYPASS"), "{text}{err}");
    assert!(!text.contains("(exec from the program itself also ran)"), "{text}{err}");
    let script = s.write("pipe_gate.py", PIPE_DEPUTY_GATE);
    for gate in [true, false] {
        let mut cmd = s.exec();
        if !gate {
            cmd.arg("--no-gate");
        }
        let out = run(cmd.arg(&script));
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(!text.contains("BYPASS"), "gate {gate}: {text}{err}");
        assert!(!text.contains("exec-ok"), "gate {gate}: {text}{err}");
        assert!(!text.contains("ctypes-ok"), "gate {gate}: {text}{err}");
        // The gate let the script run: it failed at run time, finding no class of the guard's.
        assert!(!err.contains("static gate"), "gate {gate}: {text}{err}");
        assert!(err.contains("IndexError"), "gate {gate}: {text}{err}");
    }
}

#[test]
fn what_compiling_warns_runs_nothing_inside_the_guard() {
    // Compiling may warn (an escape sequence the parser does not know, a number run into a
    // keyword), and the warnings machinery calls what the program replaced
    // (`warnings.showwarning`, a filter's `match`). The guard compiled the gate's modules and,
    // when the program called the runner again, the program itself inside its own work, and
    // parsed the text dataclasses generates inside the hook: the program's `showwarning`
    // resumed a generator there, whose `f_back` led to the guard's frames.
    let s = Scratch::new();
    s.write("escapes.py", "PATTERN = \"\\d+\"\nNUMBER = 1if True else 2\n");
    let script = s.write(
        "attack.py",
        &format!(
            r#"{PROBE}
{LOOT}
{LOOTING_GENERATOR}
import builtins, dataclasses, os, warnings
ESCAPE = "\d"
def showwarning(message, *a, **k):
    # (`found` and what `loot` prints are what it reached; the runner called again runs this
    # file again, in the same namespace.)
    print("WARNED", type(message).__name__, flush=True)
    next(g)
def step(label, run):
    try:
        run()
    except BaseException as e:
        print("STEP", label, type(e).__name__)
if not getattr(builtins, "_attack_rerun", False):
    warnings.simplefilter("always")
    warnings.showwarning = showwarning
    builtins._attack_rerun = True
    import escapes
    print("IMPORTED", escapes.PATTERN, escapes.NUMBER)
    # A field name with an escape sequence in the text dataclasses writes.
    Odd = type("Odd", (), {{"__annotations__": {{'x="\\d"': int}}}})
    step("dataclass", lambda: dataclasses.dataclass(Odd))
    # The runner, called again, compiles the program again.
    step("rerun", lambda: getattr(os.kill, "__glo" + "bals__")["_pysbx_run"]())
    probe()
"#
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let (text, err) = (stdout(&out), format!("{}[{}]", stderr(&out), out.status));
    assert!(text.contains("IMPORTED \\d+ 1\n"), "{text}{err}");
    // The module's two warnings, and the program's own when the runner compiled it again.
    assert_eq!(text.matches("WARNED").count(), 3, "{text}{err}");
    assert!(text.contains("STEP dataclass PolicyViolation\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn comparisons_inside_the_guard_run_nothing_of_the_programs() {
    // A look-up in a dictionary compares the name with every key of the same hash, and a key
    // of the program's class (a `str` subclass whose `__hash__` is the name's, put where the
    // name's entry would be) has its `__eq__` run by the interpreter; `type(x) in (str, ...)`
    // runs the `__eq__` of a metaclass of the program's; a dictionary look-up of an object of
    // the program's runs its `__hash__`. The guard's work did each of these: in `sys.modules`
    // and a module's or a class's namespace (what a pickle names), in `errno`'s namespace (read
    // at each violation), in `traceback`'s (its stack walk replaced), in the dictionary of a
    // spec a path hook of the program's made (the import gate), in the message of a refused
    // address, and with the `errno` of the exception that ended the program; and `%s` of a
    // `str` subclass runs its `__str__` (a name handed to `Unpickler.find_class`); the paths of
    // a permit whose `_want` the program rewrote were told apart with `in`. Each resumed a
    // generator there, whose `f_back` led to the guard's frames.
    let (text, err) = run_attack_under(
        &format!(
            r#"{LOOT}
{LOOTING_GENERATOR}
import errno, importlib.machinery as machinery, io, os, pickle, pysbx, socket, sys, tempfile
def trap():
    if not found:
        next(g)
def colliding(name):
    class K(str):
        def __hash__(self):
            return hash(name)
        def __eq__(self, other):
            trap()
            return False
    return K("k_" + name)
def plant(d, name):
    # The program's key takes the name's place: a look-up meets it before the name.
    if name in d:
        value = d.pop(name)
        d[colliding(name)] = 1
        d[name] = value
    else:
        d[colliding(name)] = 1
def step(label, run):
    try:
        run()
    except BaseException as e:
        print("STEP", label, type(e).__name__)
plant(sys.modules, "absent_module")
step("pickle module", lambda: pickle.loads(b"cabsent_module\nX\n."))
class Inner:
    pass
Inner.__qualname__ = "Outer.Inner"
Outer = type("Outer", (), {{colliding("Inner"): 1, "Inner": Inner}})
plant(globals(), "Outer")
step("pickle class", lambda: pickle.loads(pickle.dumps(Inner, protocol=4)))
plant(vars(errno), "EPERM")
step("violation", lambda: open("/etc/shadow"))
plant(sys.modules, "traceback")
import traceback
plant(vars(traceback), "walk_stack")
step("stack", traceback.extract_stack)
hooked = os.path.join(tempfile.gettempdir(), "hooked.py")
with open(hooked, "w") as f:
    f.write("X = 1\n")
class Finder:
    def __init__(self, path):
        if path != "/hooked":
            raise ImportError
    def find_spec(self, name, target=None):
        spec = machinery.ModuleSpec(name, machinery.SourceFileLoader(name, hooked), origin=hooked)
        spec.has_location = True
        for key in ("origin", "loader", "_set_fileattr"):
            plant(spec.__dict__, key)
        return spec
sys.path_hooks.insert(0, Finder)
sys.path.insert(0, "/hooked")
sys.path_importer_cache.clear()
step("spec", lambda: __import__("hooked"))
class M(type):
    def __eq__(cls, other):
        trap()
        return False
    __hash__ = type.__hash__
class Host(bytearray, metaclass=M):
    pass
step("address", lambda: socket.socket().connect((Host(b"127.0.0.1"), 9)))
class Named(str):
    def __str__(self):
        trap()
        return str.__str__(self)
step("find_class", lambda: pickle.Unpickler(io.BytesIO()).find_class(Named("os"), Named("system")))
class Path(str, metaclass=M):
    pass
permit = pysbx.permit()
permit._want = (None, (Path("/tmp"),), None, None, None)
def enter_permit():
    with permit:
        pass
step("permit", enter_permit)
print("FOUND", len(found))
probe()
class Number:
    def __hash__(self):
        trap()
        try:
            exec("print('EXEC AT THE END')")
        except PermissionError:
            pass
        return 1
    def __eq__(self, other):
        return False
raise OSError(Number(), "the end")
"#
        ),
        "net:\n  allow: [\"127.0.0.1:9\"]\n",
    );
    assert!(text.contains("FOUND 0\n"), "{text}{err}");
    assert!(text.contains("STEP violation PolicyViolation\n"), "{text}{err}");
    assert!(!text.contains("STEP stack"), "{text}{err}");
    assert!(text.contains("STEP address PolicyViolation\n"), "{text}{err}");
    assert!(text.contains("STEP find_class PolicyViolation\n"), "{text}{err}");
    assert!(text.contains("STEP permit TypeError\n"), "{text}{err}");
    assert!(!text.contains("EXEC AT THE END"), "{text}{err}");
    assert!(err.contains("OSError"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn the_classes_of_ast_changed_by_another_thread_run_nothing_inside_the_guard() {
    // The guard reads the text dataclasses generates from a syntax tree, and the interpreter
    // sets each node's fields through the classes of `ast`, which raise no audit event when
    // changed. They were checked before the tree was built inside the hook, not held still
    // while it was: another thread that set a property on `ast.Name.id` between the check and
    // the parse, and took it away again, ran its setter inside the hook (with a short switch
    // interval, within a few hundred dataclasses), which resumed a generator there.
    // Two threads spin with a switch interval of a microsecond: on a loaded machine that takes
    // more than the default 10 s of CPU, so the limits are raised and the loop is bounded in
    // time instead.
    let (text, err) = run_attack_under(
        &format!(
            r#"{LOOT}
{LOOTING_GENERATOR}
import ast, dataclasses, sys, threading, time
def setter(self, value):
    self.__dict__["id"] = value
    if not found:
        next(g)
prop = property(lambda self: self.__dict__["id"], setter)
stop = []
def flip():
    while not stop:
        ast.Name.id = prop
        for _ in range(3):
            pass
        del ast.Name.id
        for _ in range(30):
            pass
sys.setswitchinterval(1e-6)
flipper = threading.Thread(target=flip, daemon=True)
flipper.start()
made = 0
deadline = time.monotonic() + 20
for i in range(1200):
    if time.monotonic() > deadline:
        break
    try:
        dataclasses.make_dataclass("C%d" % i, [("x", int), ("y", str)])
        made += 1
    except Exception:
        pass
    if found:
        break
stop.append(True)
flipper.join()
sys.setswitchinterval(0.005)
print("MADE", made > 0)
"#
        ),
        "limits: {cpu_s: 120, wall_s: 90}\n",
    );
    assert!(text.contains("MADE True\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn the_resolvers_encoding_of_a_host_runs_nothing_inside_the_guard() {
    // Under a policy with a host map, the guard answers lookups itself and hands the others
    // to the interpreter's resolver. Given a `str`, the interpreter encodes the host with the
    // "idna" codec: Python code of the standard library, which looks up `len` in the
    // built-ins the program can replace (and names in `encodings.idna`'s namespace). Called
    // inside the guard's work, that code ran on top of the guard's frames.
    let (text, err) = run_attack_under(
        &format!(
            r#"{LOOT}
{LOOTING_GENERATOR}
import builtins, socket
real_len = builtins.len
def trap(x):
    builtins.len = real_len
    if not found:
        next(g)
    return real_len(x)
lookups = [
    ("getaddrinfo", lambda: socket.getaddrinfo("127.0.0.2", 80)),
    ("gethostbyname", lambda: socket.gethostbyname("127.0.0.3")),
    ("gethostbyname_ex", lambda: socket.gethostbyname_ex("127.0.0.4")),
]
for label, lookup in lookups:
    builtins.len = trap
    try:
        print("LOOKUP", label, lookup())
    except OSError as e:
        print("LOOKUP", label, type(e).__name__, e)
    finally:
        builtins.len = real_len
print("PINNED", socket.gethostbyname("api.test"), socket.getaddrinfo("api.test", 80)[0][4])
"#
        ),
        "net:\n  allow: [\"api.test:80\"]\nhosts:\n  api.test: [\"127.0.0.2\"]\n",
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("LOOKUP getaddrinfo [("), "{text}{err}");
    assert!(text.contains("LOOKUP gethostbyname 127.0.0.3\n"), "{text}{err}");
    assert!(
        text.contains("LOOKUP gethostbyname_ex ('127.0.0.4', [], ['127.0.0.4'])\n"),
        "{text}{err}"
    );
    assert!(text.contains("PINNED 127.0.0.2 ('127.0.0.2', 80)\n"), "{text}{err}");
}

/// A program that has another thread put, again and again, an object whose `__del__` walks a
/// generator down the stack under `key` of `sys.modules`, while the main thread loads
/// `pickled` (a pickle naming a module): each release of that object by the guard's work
/// would run its `__del__` on top of the guard's frames. `cleanup` runs after the churn.
fn churned_module_entry_attack(key: &str, pickled: &str, cleanup: &str) -> (String, String) {
    run_attack_under(
        &format!(
            r#"{LOOT}
{LOOTING_GENERATOR}
import pickle, sys, threading, time
main = threading.get_ident()
class Dropped:
    def __del__(self):
        if threading.get_ident() == main and not found:
            next(g)
stop = []
def churn():
    modules = sys.modules
    while not stop:
        modules[{key}] = Dropped()
sys.setswitchinterval(1e-6)
churner = threading.Thread(target=churn, daemon=True)
churner.start()
start, tries = time.monotonic(), 0
while not found and time.monotonic() - start < 4:
    tries += 1
    try:
        pickle.loads({pickled})
    except BaseException:
        pass
stop.append(1)
churner.join()
{cleanup}
sys.setswitchinterval(0.005)
print("TRIED", tries > 100)
"#
        ),
        "limits: {cpu_s: 60, wall_s: 60}\n",
    )
}

#[test]
fn the_guards_work_never_lets_go_of_the_programs_last_reference() {
    // The guard's work reads objects of the program's from places the program can change:
    // here the entry of `sys.modules` a pickle names. Another thread replaces that entry again
    // and again, so that the guard's own reference is now and then the last one: its release
    // ran the object's `__del__` on top of the guard's frames (won within a few thousand
    // pickles, often the first), and a generator resumed there walked down to them.
    let (text, err) = churned_module_entry_attack(r#""churned""#, r#"b"cchurned\nX\n.""#, "");
    assert_guard_holds(&text, &err);
    assert!(text.contains("TRIED True\n"), "{text}{err}");
}

#[test]
fn the_guards_copy_of_a_dictionary_lets_go_of_nothing_inside_its_work() {
    // A dictionary the guard's work reads with a key that is no `str` in it (here
    // `sys.modules`) is copied item by item: the copy kept only the `str` keys, and the items
    // under other keys, which another thread replaced meanwhile, were let go when the copy was
    // made, running their `__del__` on top of the guard's frames.
    let (text, err) = churned_module_entry_attack(
        "12345",
        r#"b"cabsent_module\nX\n.""#,
        "del sys.modules[12345]",
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("TRIED True\n"), "{text}{err}");
}

#[test]
fn a_profilers_frame_at_an_entrys_start_sets_off_no_collection() {
    // A profiler (`profile`'s behind the guard's trampoline; the C profiler of `cProfile`,
    // which this was found with, is refused now) is handed the frame object of every call,
    // made before the call's first instruction:
    // with collection on, that allocation set off a collection at a sealed entry's start
    // (here `sys.getrecursionlimit`'s), whose finalizers ran on top of the entry, which
    // already held the guard's function (found at the first call under `profile`).
    // Collection is held off while a profiler or a tracer is on, and resumes after.
    let (text, err) = run_attack(&format!(
        r#"{LOOT}
{LOOTING_GENERATOR}
import cProfile, gc, profile, sys, weakref
class Cycle:
    def __del__(self):
        if not found:
            next(g)
def spin(n):
    for i in range(n):
        a, b = Cycle(), Cycle()
        a.o, b.o = b, a
        del a, b
        sys.getrecursionlimit()
        if found:
            break
    return i + 1
gc.set_threshold(1, 1, 1)
try:
    cProfile.Profile().enable()
    print("CPROFILE", spin(3000))
except PermissionError:
    print("CPROFILE refused")
print("PROFILE", profile.Profile().runcall(spin, 300))
gc.set_threshold(700, 10, 10)
class Node:
    pass
a, b = Node(), Node()
a.o, b.o = b, a
collected = []
weakref.finalize(a, collected.append, 1)
del a, b
junk = []
for i in range(200000):
    junk.append([i])
    if collected:
        break
print("COLLECTED AFTER", bool(collected))
import os, threading
threading.setprofile(lambda *a: None)
worker = threading.Thread(target=sum, args=(range(1000),))
worker.start()
worker.join()
threading.setprofile(None)
os.listdir(".")  # an audited call: the guard sees the thread has ended
a, b = Node(), Node()
a.o, b.o = b, a
ended = []
weakref.finalize(a, ended.append, 1)
del a, b
for i in range(200000):
    junk.append([i])
    if ended:
        break
print("COLLECTED AFTER A THREAD'S END", bool(ended))
"#
    ));
    assert_guard_holds(&text, &err);
    assert!(text.contains("COLLECTED AFTER A THREAD'S END True\n"), "{text}{err}");
    assert!(text.contains("CPROFILE refused\n"), "{text}{err}");
    assert!(text.contains("PROFILE 300\n"), "{text}{err}");
    assert!(text.contains("COLLECTED AFTER True\n"), "{text}{err}");
}

#[test]
fn the_collectors_saved_garbage_hands_out_nothing_of_the_guards() {
    // `gc.DEBUG_SAVEALL` keeps every object a collection finds unreachable in `gc.garbage`,
    // for the program to read: a violation leaves cycles behind that hold the frames it was
    // raised through, the guard's own, whose locals hold its functions (a guard function's
    // cells, rewritten, let `exec` and `ctypes` through). The flag is refused, in
    // `DEBUG_LEAK` too; the flags that only print stay the program's.
    let (text, err) = run_attack(
        r#"
import gc, types
for flags in (gc.DEBUG_SAVEALL, gc.DEBUG_LEAK, gc.DEBUG_SAVEALL | gc.DEBUG_STATS):
    try:
        gc.set_debug(flags)
        print("SET", flags)
    except PermissionError:
        print("REFUSED", flags)
for i in range(50):
    try:
        open("/etc/shadow")
    except PermissionError:
        pass
    try:
        exec("x = 1")
    except PermissionError:
        pass
gc.collect()
todo, seen = [], set()
for o in gc.garbage:
    if isinstance(o, types.FrameType):
        todo.extend(o.f_locals.values())
while todo:
    v = todo.pop()
    if id(v) in seen:
        continue
    seen.add(id(v))
    if internal(v):
        print("INTERNAL", v.__qualname__)
        tamper(v)
        for cell in (getattr(v, "__clo" + "sure__") or ()):
            try:
                todo.append(cell.cell_contents)
            except ValueError:
                pass
gc.set_debug(0)
gc.set_debug(gc.DEBUG_UNCOLLECTABLE)
print("DEBUG", gc.get_debug())
gc.set_debug(0)
"#,
    );
    assert_guard_holds(&text, &err);
    for flags in [32, 38, 33] {
        assert!(text.contains(&format!("REFUSED {flags}\n")), "{text}{err}");
    }
    assert!(text.contains("DEBUG 4\n"), "{text}{err}");
}

#[test]
fn another_threads_handled_exception_leads_nowhere_near_the_guard() {
    // `sys._current_exceptions()` hands out the exception every thread is handling, with its
    // traceback: while another thread's work handles one of the guard's (a violation on its
    // way out of the hook), that traceback runs through the guard's frames, whose locals hold
    // its functions (`traceback.walk_tb` reads `tb_frame` for the program). Refused as
    // `sys._current_frames` is.
    let (text, err) = run_attack(
        r#"
import sys, threading, traceback, types
stop = []
def busy():
    while not stop:
        try:
            open("/etc/shadow")
        except PermissionError:
            pass
worker = threading.Thread(target=busy, daemon=True)
worker.start()
sys.setswitchinterval(1e-6)
me = threading.get_ident()
reached = 0
try:
    for i in range(200000):
        for tid, exc in sys._current_exceptions().items():
            if tid == me or exc is None:
                continue
            for f, _ in traceback.walk_tb(exc[2]):
                for v in f.f_locals.values():
                    if internal(v):
                        print("INTERNAL", v.__qualname__)
                        tamper(v)
                        for cell in (getattr(v, "__clo" + "sure__") or ()):
                            try:
                                tamper(cell.cell_contents)
                            except (ValueError, AttributeError):
                                pass
                        reached += 1
        if reached:
            break
    print("ASKED")
except PermissionError:
    print("REFUSED")
stop.append(1)
worker.join()
sys.setswitchinterval(0.005)
"#,
    );
    assert_guard_holds(&text, &err);
    assert!(text.contains("REFUSED\n"), "{text}{err}");
}

#[test]
fn an_entry_put_under_another_entrys_name_is_refused_to_the_facade() {
    // The facades find the sealed entries they call by name in their namespace, which the
    // program may write. An entry put under another's name (or a converter the facades use,
    // `_index`, replaced) was called by a facade with the program's objects as they were, made
    // plain for the entry the facade meant: their methods ran inside the guard's work. An
    // entry now runs only for code that names it or was handed it sealed, and takes nothing
    // it reads on a facade's word.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import signal, traceback, importlib.machinery
F = signal.getsignal.__globals__
class Evil:
    @property
    def f_back(self):
        look_below()
        return None
    def __sub__(self, other):
        look_below()
        return 0
    __rsub__ = __sub__
    def __ne__(self, other):
        look_below()
        return True
    def __eq__(self, other):
        look_below()
        return False
    __hash__ = object.__hash__
    def __index__(self):
        look_below()
        return 3
    def __int__(self):
        look_below()
        return 3
entries = [n for n, v in list(F.items()) if callable(v) and getattr(v, "__name__", "") == n
           and n in ("_frame_for_handler", "_caught_in_c", "_set_wakeup", "_permit_push",
                     "_program_frames", "_gate_spec", "_create_builtin", "_current_handler")]
print("ENTRIES", len(entries))
calls = [
    ("walk_stack", "_program_frames", lambda: list(traceback.walk_stack(Evil()))),
    ("find_spec", "_gate_spec", lambda: [f.find_spec(Evil(), None) for f in sys.meta_path
                                        if hasattr(f, "find_spec")]),
    ("getsignal", "_current_handler", lambda: signal.getsignal(signal.SIGTERM)),
]
original = dict(F)
tried = 0
for label, name, call in calls:
    for other in entries:
        if other == name:
            continue
        F[name] = original[other]
        try:
            call()
        except BaseException:
            pass
        tried += 1
        F[name] = original[name]
F["_index"] = lambda x: x
for call in (lambda: signal.set_wakeup_fd(Evil()), lambda: signal.getsignal(Evil())):
    try:
        call()
    except BaseException:
        pass
    tried += 1
F["_index"] = original["_index"]
print("TRIED", tried, "SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("ENTRIES 8"), "{text}{err}");
    assert!(text.contains("TRIED 23 SEEN 0"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_c_profilers_timer_never_runs() {
    // The C profiler given a timer of the program's calls it at every call and return: around
    // the facades, whose frames hold what they hand the guard or the interpreter (the
    // interpreter's `sys.audit`), and, before the entries' work moved into the audit hook, on
    // top of the guard's functions. The guard cannot tell whether a profiler has a timer:
    // the C profiler is refused, however it is started, and its timer never runs.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import cProfile, _lsprof, gc, os, signal, tempfile
ticks = [0]
def timer():
    ticks[0] += 1
    look_below()
    return ticks[0] / 1e6
def work():
    fd, path = tempfile.mkstemp()
    os.close(fd)
    os.unlink(path)
    signal.getsignal(signal.SIGTERM)
    sys.audit("pysbx.test", 1)
    return "worked"
refused = 0
for make in (lambda: cProfile.Profile(timer), lambda: _lsprof.Profiler(timer)):
    p = make()
    for start in (lambda: p.runcall(work) if hasattr(p, "runcall") else p.enable(), p.enable):
        try:
            start()
        except PermissionError:
            refused += 1
    work()
print("REFUSED", refused, "TICKS", ticks[0], "SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("REFUSED 4 TICKS 0 SEEN 0"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn an_entrys_frame_left_in_a_traceback_and_a_threads_first_frame_hand_out_nothing() {
    // Three roads of one round: an entry's error leaves the entry's frame in its traceback,
    // which held the interpreter's `sys.audit` (it raises any event, a forged `compile` of a
    // constant among them) and the class of the guard's answers; a signal handler run on top
    // of an entry waiting for its answer raised an answer of its own making, which the facade
    // took as the guard's; and a thread whose first frame is code compiled under "<string>"
    // (a dataclass's `__init__`, as the thread's target) was taken for the `-c` loader, with
    // nothing judged beneath it, and its field's default factory ran a string made at run
    // time.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import bdb, dataclasses, functools, signal, _thread, time, builtins
try:
    sys.setrecursionlimit(-5)
except ValueError as e:
    tb = e.__traceback__
b = bdb.Bdb(); b.botframe = None
held = [sorted(k for k, v in f.f_locals.items() if v is not None and k in (
            "audit", "done", "answer", "__pysbx_call", "__pysbx_answer"))
        for f, _ in b.get_stack(None, tb)[0]]
print("HELD", [h for h in held if h])
kinds = [c for c in BaseException.__subclasses__() if c.__name__ == "EntryDone"]
forged, inside, raised = [], [0], [0]
def handler(signum, frame):
    if kinds and inside[0]:
        raised[0] += 1
        raise BaseException.__new__(kinds[0], 424242)
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0001, 0.0001)
for _ in range(20000):
    try:
        inside[0] = 1
        value = sys.getrecursionlimit()
        inside[0] = 0
        if value == 424242:
            forged.append(1)
    except BaseException:
        inside[0] = 0
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print("FORGED", len(forged), "RAISED", raised[0] > 0)
run_exec = [v for n, v in vars(builtins).items() if n == "ex" + "ec"][0]
text = "import builtins\nbuiltins.RAN_IN_THREAD = " + str(len(held) * 7)
@dataclasses.dataclass
class D:
    exec: object = dataclasses.field(default_factory=functools.partial(run_exec, text, {{}}))
o = object.__new__(D)
_thread.start_new_thread(D.__init__, (o,))
for _ in range(200):
    time.sleep(0.01)
    if "exec" in vars(o) or hasattr(builtins, "RAN_IN_THREAD"):
        break
time.sleep(0.2)
print("THREAD", hasattr(builtins, "RAN_IN_THREAD"))
"#
    ));
    assert!(text.contains("HELD []"), "{text}{err}");
    assert!(text.contains("FORGED 0 RAISED True"), "{text}{err}");
    assert!(text.contains("THREAD False"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_facade_holds_no_primitive_and_an_entry_converts_nothing_of_the_programs() {
    // Four roads of one round: a job's code renamed with `co_firstlineno` an object of the
    // program's (`CodeType.replace` called its `__index__` inside the guard's work); the
    // `sys.audit` and `fork_exec` facades held the interpreter's functions in their locals
    // while the program's code ran on top (an event name's `__class__`, a signal's handler at
    // the facade's first instruction); and a `namedtuple` field name whose `str` compiled a
    // text of the program's choosing from namedtuple's own frame, then ran another code.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import builtins, collections, codeop, functools, operator, signal, _thread
def victim():
    return 1
class Index:
    def __index__(self):
        look_below()
        return 5
try:
    builtins.__pysbx_code_rename__(victim.__code__, co_firstlineno=Index())
except BaseException:
    pass
held = []
class Name:
    @property
    def __class__(self):
        stack = bdb.Bdb()
        stack.botframe = None
        try:
            1 / 0
        except ZeroDivisionError:
            me = stack.get_stack(None, sys.exc_info()[2])[0][-1][0]
        f = me
        while f is not None:
            for value in list(f.f_locals.values()):
                if getattr(value, "__name__", "") in ("audit", "fork_exec") \
                        and type(value).__name__ == "builtin_function_or_method":
                    held.append(value)
            f = f.f_back
        return str
try:
    sys.audit(Name())
except BaseException:
    pass
def handler(signum, frame):
    f = frame
    while f is not None:
        for value in list(f.f_locals.values()):
            for item in (value if type(value) is tuple else (value,)):
                if type(item).__name__ == "builtin_function_or_method" \
                        and getattr(item, "__name__", "") in ("audit", "fork_exec"):
                    held.append(item)
        f = f.f_back
signal.signal(signal.SIGUSR1, handler)
import _posixsubprocess
for _ in range(50):
    _thread.interrupt_main(signal.SIGUSR1)
    try:
        _posixsubprocess.fork_exec(*([None] * 23))
    except BaseException:
        pass
print("PRIMITIVES", len(held))
made = codeop.compile_command("RAN.append(1)", "<input>", "exec")
ns = {{"RAN": []}}
run_it = [v for n, v in vars(builtins).items() if n == "ex" + "ec"][0]
make = [v for n, v in vars(builtins).items() if n == "comp" + "ile"][0]
steps = [functools.partial(make, "pass", "<x>", "exec"), functools.partial(run_it, made, ns)]
class Field:
    __str__ = functools.partial(collections.deque, map(operator.call, steps), 0)
try:
    collections.namedtuple("T", [Field()])
except BaseException:
    pass
print("NAMEDTUPLE RAN", bool(ns["RAN"]), "SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("PRIMITIVES 0\n"), "{text}{err}");
    assert!(text.contains("NAMEDTUPLE RAN False SEEN 0\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn an_entry_handed_the_programs_names_reads_them_before_hashing_them() {
    // The `compile` facade takes a caller's own sealed default (a keyword passed in its place)
    // and calls the entry it holds, which the facade's code was lent: the entry that gives a
    // tree's code its names back then looked each name up by a key of the caller's, whose
    // `str` subclass's `__hash__` ran inside the guard's work. It reads the pairs first now,
    // each checked before anything hashes it.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import builtins
facade = builtins.__pysbx_compile__
names = facade.__globals__
class Key(str):
    armed = False
    def __hash__(self):
        if Key.armed:
            look_below()
        return str.__hash__(self)
class Tree:
    pass
prefix = "_pysbx_tree_0123456789abcdef_"
def writer(tree, mode, bundle):
    return "pass", {{Key(prefix + "0_"): "a b"}}, prefix, None
def constant(text, name, tree=False):
    return ("pass", "x")
made = (lambda: 0).__code__
names["compile"] = lambda *a, **k: made
Key.armed = True
try:
    facade(Tree(), "x.py", "exec",
           __pysbx_compile=(constant, names["_restore_tree_names"], (writer, Tree, None, 0, {{}})))
except BaseException:
    pass
Key.armed = False
del names["compile"]
print("SEEN", len(SEEN))
"#
    ));
    assert!(text.contains("SEEN 0\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_standard_library_frame_lent_to_a_chain_of_callables_runs_nothing_of_the_programs() {
    // A `namedtuple` field name whose `str` is a chain of the interpreter's callables
    // (`functools.partial`, `map`, `operator.call`, `deque`) compiles and runs the program's
    // run-time text from namedtuple's own frame, whose code calls `eval`: the events were
    // taken for namedtuple's own. They count as the frame's own only when the instruction it
    // runs is a call of `compile`, `exec` or `eval` (here it is `list(map(str, ...))`).
    let (text, err) = run_attack(
        r#"
import builtins, codeop, collections, functools, operator, os
run_it = [v for n, v in vars(builtins).items() if n == "ex" + "ec"][0]
make = [v for n, v in vars(builtins).items() if n == "comp" + "ile"][0]
source = "RAN.append(%d)" % os.getpid()
made = codeop.compile_command(source, "<x>", "exec")
ns = {"RAN": []}
steps = [functools.partial(make, source, "<x>", "exec"), functools.partial(run_it, made, ns)]
class Field:
    __str__ = functools.partial(collections.deque, map(operator.call, steps), 0)
try:
    collections.namedtuple("T", [Field()])
except BaseException as e:
    print("RAISED", type(e).__name__)
print("RAN", bool(ns["RAN"]))
P = collections.namedtuple("P", "x y")
print("NAMEDTUPLE", P(1, 2))
"#,
    );
    assert!(text.contains("RAN False\n"), "{text}{err}");
    assert!(text.contains("NAMEDTUPLE P(x=1, y=2)\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn the_runner_called_again_by_the_program_is_the_programs() {
    // The runner that starts the program is in the facades' namespace (and the loader's
    // frame), and takes a program of the caller's as its keyword default: called again, its
    // frame was the bottom of every stack walk and the guard's own code, so the `compile` and
    // `exec` of the caller's run-time text passed, and its end record was taken as the run's.
    // Only the runner the loader called is the bottom; called again, its frame is the
    // program's, and the end it reports is refused.
    let (text, err) = run_attack(
        r#"
import signal
runner = signal.getsignal.__globals__["_pysbx_run"]
source = "import builtins\nbuiltins.AGAIN = " + str(len(runner.__name__))
try:
    runner(**{"__pysbx_program": lambda: (source, "again.py", True)})
except BaseException as e:
    print("RAISED", type(e).__name__)
import builtins
print("AGAIN", hasattr(builtins, "AGAIN"))
"#,
    );
    assert!(text.contains("AGAIN False\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn an_exec_handed_a_code_object_pairs_with_no_text_compiled_at_its_call() {
    // `exec(code, globals)` in a library function (`code.InteractiveInterpreter.runcode`)
    // looks for `__builtins__` in the globals first; a `str` subclass key there, whose
    // `__eq__` is a chain of the interpreter's callables, compiled the program's run-time
    // text from that frame, at that call. The compile was taken for the call's own (an `exec`
    // of text compiles it first) and the code it made, handed to the next such call, ran as
    // the library's (also `typing.ForwardRef._evaluate`'s `eval(self.__forward_code__, ...)`,
    // a code object put in the slot). Only an `exec`/`eval` handed text compiles at its call.
    let (text, err) = run_attack(
        r#"
import builtins, code, collections, dataclasses, functools, itertools
make = [v for n, v in vars(builtins).items() if n == "comp" + "ile"][0]
source = "import builtins\nbuiltins.RAN = %d" % len(__name__)
class Key(str):
    __hash__ = str.__hash__
def tainted(sink):
    class Compiles(Key):
        __hash__ = str.__hash__
        __eq__ = functools.partial(sink.update, itertools.starmap(make, [(source, "<x>", "exec")]))
    return {Compiles("__builtins__"): 0}
sink = set()
try:
    code.InteractiveInterpreter(tainted(sink)).runcode((lambda: None).__code__)
except BaseException as e:
    print("FIRST RAISED", type(e).__name__)
made = [c for c in sink if type(c) is type((lambda: None).__code__)]
print("COMPILED", len(made))
for c in made:
    try:
        code.InteractiveInterpreter(tainted(set())).runcode(c)
    except BaseException as e:
        print("RAISED", type(e).__name__)
import typing
forward = typing.ForwardRef("int")
sink = set()
try:
    forward._evaluate(tainted(sink), None, frozenset())
except BaseException as e:
    print("FORWARD RAISED", type(e).__name__)
for c in [c for c in sink if type(c) is type((lambda: None).__code__)]:
    forward = typing.ForwardRef("int")
    forward.__forward_code__ = c  # `eval(self.__forward_code__, globalns, localns)`
    try:
        forward._evaluate(tainted(set()), None, frozenset())
    except BaseException as e:
        print("RAISED", type(e).__name__)
print("RAN", hasattr(builtins, "RAN"))
P = collections.namedtuple("P", "x y")
@dataclasses.dataclass
class D:
    a: int
    b: str = "b"
print("MADE", P(1, 2), D(3))
print("EMPTY", collections.namedtuple("E", [])(), collections.namedtuple("O", ["a"])(1))
"#,
    );
    assert!(text.contains("RAN False\n"), "{text}{err}");
    assert!(text.contains("MADE P(x=1, y=2) D(a=3, b='b')\n"), "{text}{err}");
    assert!(text.contains("EMPTY E() O(a=1)\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_collection_at_an_entrys_own_event_finds_nothing_in_its_frame() {
    // A sealed entry raises its event through the interpreter's `sys.audit`, which allocates
    // the event's arguments before any hook runs: with collection on (`gc.set_threshold(1)`),
    // a finalizer ran there on top of the entry's frame, whose locals held that `sys.audit`
    // (with it, a finalizer that was a chain of the interpreter's callables raised entry
    // events the hook took for the entry's own) and the keywords the hook was about to read.
    // The function is on the value stack only, and every local is cleared before the call.
    let (text, err) = run_attack(
        r#"
import gc, inspect, sys
def frames():
    me = inspect.currentframe()
    yield
    while True:
        yield me.f_back
below = frames()
next(below)
held = set()
looked = [0]
class Cycle:
    def __del__(self):
        f = next(below)
        while f is not None:
            looked[0] += 1
            for value in list(f.f_locals.values()):
                for v in (value if type(value) is tuple else (value,)):
                    if type(v) is type(len) and v.__name__ == "audit" and v is not sys.audit:
                        held.add("sys.audit in " + f.f_code.co_name)
                    if type(v) is dict and f.f_code.co_name == "_get_tracer":
                        held.add("keywords in " + f.f_code.co_name)
            f = f.f_back
gc.set_threshold(1)
for i in range(300):
    a, b = Cycle(), Cycle()
    a.o, b.o = b, a
    del a, b
    sys.gettrace()
    sys.getrecursionlimit()
gc.set_threshold(700)
print("LOOKED", looked[0] > 0)
print("HELD", sorted(held))
"#,
    );
    assert!(text.contains("LOOKED True\n"), "{text}{err}");
    assert!(text.contains("HELD []\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_library_frames_locals_are_no_witness_of_what_its_exec_is_handed() {
    // Whether an `exec` call in a library frame is handed text was read from the frame's
    // locals: a tracer changed the local between its load and the call (the call ran the text
    // it was handed, taken for a text of the library's own), and the read itself, in place
    // inside the hook, ran the `__eq__` of a `str` subclass key planted in the locals'
    // dictionary. Only the frame's code and its library's templates are read now.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import builtins, code, dis, functools, inspect, itertools, sys, threading
source = "import builtins\nbuiltins.SWAPPED = %d" % len(sys.argv)
runcode = code.InteractiveInterpreter.runcode.__code__
# The offset past the `code` its `exec(code, self.locals)` loads: the value is on the stack.
loaded = [i.offset for i in dis.get_instructions(runcode)
          if i.opname == "LOAD_FAST" and i.argval == "code"][0]
def swap(frame, event, arg):
    if event == "opcode" and frame.f_code is runcode and frame.f_lasti > loaded \
            and frame.f_locals.get("code") == source:
        frame.f_locals["code"] = "pass"
    return swap
def start(frame, event, arg):
    if event == "call" and frame.f_code is runcode:
        frame.f_trace_opcodes = True
        return swap
def traced():
    try:
        code.InteractiveInterpreter({{}}).runcode(source)
    except BaseException as e:
        print("TRACED RAISED", type(e).__name__)
threading.settrace(start)
worker = threading.Thread(target=traced)
worker.start()
worker.join()
threading.settrace(None)
print("SWAPPED", hasattr(builtins, "SWAPPED"))
looking = []
class Planted(str):
    __hash__ = str.__hash__
    def __eq__(self, other):
        if not looking:  # the walk's own reads of the frame's locals come back here
            looking.append(1)
            try:
                look_below()
            finally:
                looking.pop()
        return str.__eq__(self, other)
planted = []
class Plants(str):
    __hash__ = str.__hash__
    def __eq__(self, other):
        if not planted:
            f = inspect.currentframe()
            while f is not None and f.f_code is not runcode:
                f = f.f_back
            if f is not None:
                local = f.f_locals
                local[Planted("code")] = local.pop("code")
                planted.append(1)
        return False
class Compiles(str):
    __hash__ = str.__hash__
    __eq__ = functools.partial(set().update, itertools.starmap(
        compile, [("x = %d" % len(sys.argv), "<x>", "exec")]))
ns = {{Plants("__builtins__"): 1, Compiles("__builtins__"): 2}}
try:
    code.InteractiveInterpreter(ns).runcode(0)
except BaseException as e:
    print("PLANTED RAISED", type(e).__name__)
print("PLANTED", bool(planted))
"#
    ));
    assert!(text.contains("SWAPPED False\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_tracer_planting_in_importlibs_frame_reaches_nothing_of_the_guards() {
    // The guard read the `.pyc` path of importlib's `_compile_bytecode` from its frame's
    // locals in place, inside the hook; a tracer handed that frame at its call had put a
    // `str` subclass key in them, whose `__eq__` ran inside the guard's work. The locals are
    // read on a thread of their own.
    let (text, err) = run_attack(&format!(
        r#"{FRAMES_BELOW}
import importlib, threading
looking = []
class Planted(str):
    __hash__ = str.__hash__
    def __eq__(self, other):
        if not looking:  # the walk's own reads of the frame's locals come back here
            looking.append(1)
            try:
                look_below()
            finally:
                looking.pop()
        return str.__eq__(self, other)
planted = []
def plant(frame, event, arg):
    if event == "call" and not planted and frame.f_code.co_name == "_compile_bytecode":
        local = frame.f_locals
        local[Planted("bytecode_path")] = local.pop("bytecode_path")
        planted.append(1)
def load():
    for name in ("fractions", "statistics", "difflib", "pprint", "colorsys", "shlex"):
        try:
            importlib.import_module(name)
        except BaseException as e:
            print("IMPORT RAISED", type(e).__name__)
        if planted:
            break
threading.settrace(plant)
worker = threading.Thread(target=load)
worker.start()
worker.join()
threading.settrace(None)
print("PLANTED", bool(planted))
"#
    ));
    assert!(text.contains("PLANTED True\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn a_constant_declaring_a_codec_the_program_replaced_runs_nothing_unread() {
    // `exec(b"# coding: koi8-u\n...")` of a constant: the gate reads the bytes with the real
    // codec, the interpreter with whatever the program put in `encodings`' cache, and the
    // guard compiled them again inside its work to compare, running that decoder there. A
    // constant declaring an encoding only a looked-up codec decodes is refused, and the guard
    // decodes what it compiles itself.
    let s = Scratch::new();
    let script = s.write(
        "cookie.py",
        &format!(
            "{LOOT}\n{LOOTING_GENERATOR}\n\
             import codecs, encodings\n\
             def decode(data, errors='strict'):\n    loot(__import__('inspect').currentframe().f_back)\n\
             \x20   return ('import builtins\\nbuiltins.DECODED = 1\\n', len(data))\n\
             encodings._cache['koi8_u'] = codecs.CodecInfo(\n\
             \x20   encode=lambda s, e='strict': (s.encode(), len(s)), decode=decode, name='koi8-u')\n\
             try:\n    exec(b\"# coding: koi8-u\\nx = 1\\n\")\n\
             except BaseException as e:\n    print('RAISED', type(e).__name__)\n\
             import builtins\n\
             print('DECODED', hasattr(builtins, 'DECODED'))\n\
             exec(b\"# -*- coding: utf-8 -*-\\ny = 'plain'\\n\")\n\
             print('DECLARED', y)\n\
             print('END')\n"
        ),
    );
    let out = run(s.exec().arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("DECODED False\n"), "{text}{err}");
    assert!(text.contains("DECLARED plain\n"), "{text}{err}");
    assert!(text.contains("END\n"), "{text}{err}");
    assert!(!text.contains("INTERNAL"), "the program reached the guard's functions: {text}{err}");
}

#[test]
fn a_tracer_on_the_runners_frame_compiles_nothing_there() {
    // `bdb.Bdb().set_trace()` sets a tracer on every frame beneath it, the runner that starts
    // the program included: at a line of its `except` clause the tracer set the runner's
    // locals to a text of its making and moved it back to its `compile` line, and that
    // compile, at the bottom of the stack, was taken for the runner's own. The runner
    // compiles the program's text only.
    let (text, err) = run_attack(
        r#"
import bdb, builtins, dis, sys
source = "import builtins\nbuiltins.RAN = %d" % len(sys.argv)
moved = []
class Mover(bdb.Bdb):
    def trace_dispatch(self, frame, event, arg):
        if event == "line" and not moved and frame.f_code.co_name == "_pysbx_run":
            lines = [i.positions.lineno for i in dis.get_instructions(frame.f_code)
                     if i.opname == "LOAD_GLOBAL" and i.argval == "exec"]
            if lines and frame.f_lineno > lines[-1]:
                moved.append(1)
                local = frame.f_locals
                local["text"], local["name"] = source, "<x>"
                frame.f_lineno = lines[-1]
        return self.trace_dispatch
def probe():
    print("MOVED", bool(moved))
    print("RAN", hasattr(builtins, "RAN"))
import atexit
atexit.register(probe)
Mover().set_trace()
raise KeyError("the end")
"#,
    );
    assert!(!text.contains("RAN True"), "{text}{err}");
    assert!(err.contains("compile of dynamic code is not allowed"), "{text}{err}");
}

#[test]
fn a_dataclass_field_name_calls_nothing_through_a_roots_attributes() {
    // The check of what dataclasses generates let a call rooted at a name it is handed
    // (`hash`, `self`, a parameter) through any chain of attributes: `hash.__self__` is the
    // builtins module, so a field name that was code calling `hash.__self__.setattr(...)`
    // ran. One attribute at most, of the methods dataclasses itself calls.
    let (text, err) = run_attack(
        r#"
import builtins, dataclasses
marker = "".join(["R", "AN"])
name = "x," + 'hash.__self__.setattr(hash.__self__, "%s", True)' % marker + ",self.x"
ns = {"__annotations__": {name: int}, "x": 0, "__module__": __name__}
try:
    made = dataclasses.dataclass(init=False, repr=False, eq=True)(type("C", (), ns))
    a, b = made.__new__(made), made.__new__(made)
    print("COMPARED", a == b)
except BaseException as e:
    print("RAISED", type(e).__name__)
print("RAN", hasattr(builtins, "RAN"))
@dataclasses.dataclass(frozen=True)
class Frozen:
    n: int
    def __post_init__(self):
        object.__setattr__(self, "n", self.n * 2)
print("FROZEN", Frozen(2))
"#,
    );
    assert!(text.contains("RAN False\n"), "{text}{err}");
    assert!(text.contains("FROZEN Frozen(n=4)\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn the_tree_of_a_dataclass_text_is_parsed_from_text_the_guard_decoded() {
    // The check of what dataclasses generates parsed the event's bytes inside the hook, and
    // bytes with a coding declaration had the interpreter look up a codec the program had put
    // in `encodings`' cache: its decoder ran inside the guard's work (a compile of such bytes
    // raised from dataclasses' frame by a `str` subclass key of the module's globals).
    let (text, err) = run_attack(&format!(
        r##"{FRAMES_BELOW}
import builtins, codecs, dataclasses, encodings, functools, itertools, sys, types
decoded = []
def decode(data, errors="strict"):
    decoded.append(1)
    look_below()
    return ("pass\n", len(data))
encodings._cache["evil"] = codecs.CodecInfo(
    lambda s, errors="strict": (s.encode(), len(s)), decode, name="evil")
class Key(str):
    __hash__ = str.__hash__
    __eq__ = functools.partial(set().update, itertools.starmap(
        builtins.compile, [(b"# coding: evil\npass\n", "<x>", "exec")]))
module = types.ModuleType("tainted")
sys.modules["tainted"] = module
module.__dict__[Key("__builtins__")] = 1
for i in range(5):
    ns = {{"__annotations__": {{"x": int}}, "x": 0, "__module__": "tainted"}}
    try:
        dataclasses.dataclass(init=False, repr=False, eq=True)(type("C%d" % i, (), ns))
    except BaseException as e:
        print("RAISED", type(e).__name__)
        break
print("DONE", len(SEEN))
"##
    ));
    assert!(text.contains("DONE 0\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

#[test]
fn code_keeps_the_file_name_it_was_compiled_under() {
    // The guard judges a frame by its code's file name (the standard library's, a frozen
    // module's, a module the gate compiled): `_imp._fix_co_filename`, which renames code in
    // place with no event, gives none of those names but from importlib's own call (it
    // renames code it loaded from a cache). Renamed after `types.py`, a function of the
    // program made code objects as that module does; renamed after a frozen module, it read
    // frames. A name of no such file (pytest's, for the test modules it caches) is given.
    let (text, err) = run_attack(&format!(
        r#"
import _imp, os, sys, types
{TRY_EACH}
def forge():
    return sys._getframe(0)
def cached():
    return 1
try_each((
        ("as-types", lambda: _imp._fix_co_filename(forge.__code__, types.__file__)),
        ("as-frozen", lambda: _imp._fix_co_filename(forge.__code__, "<frozen importlib._bootstrap>")),
        ("as-string", lambda: _imp._fix_co_filename(forge.__code__, "<string>")),
        ("through-imp", lambda: __import__("imp")._fix_co_filename(forge.__code__, types.__file__)),
        ("frame-after", forge),
        ("as-own-test", lambda: _imp._fix_co_filename(cached.__code__, os.path.abspath("test_cached.py")))))
print("NAME", forge.__code__.co_filename == __file__, cached.__code__.co_filename.endswith("test_cached.py"))
import fractions, statistics, zoneinfo
print("CONTROLS", fractions.Fraction(1, 3) * 3, statistics.mean([1, 2, 3]))
"#
    ));
    for label in ["as-types", "as-frozen", "as-string", "through-imp", "frame-after"] {
        assert!(text.contains(&format!("REFUSED {label}\n")), "{label}: {text}{err}");
    }
    assert!(text.contains("LOADED as-own-test\n"), "{text}{err}");
    assert!(text.contains("NAME True True\n"), "{text}{err}");
    assert!(text.contains("CONTROLS 1 2\n"), "{text}{err}");
    assert_guard_holds(&text, &err);
}

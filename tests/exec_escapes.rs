//! The escape suite: each technique tries to break out of `pysbx exec`, once through the
//! static gate and once without it (so the guard and the kernel must hold alone). Every test
//! observes from outside the sandbox: a spawn marker the Python code never prints itself, a
//! secret token in a file or in pysbx's environment, a canary file that must not change, a
//! loopback listener that must see nothing, a host process that must survive.

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;

use std::process::Command;

use crate::exec_support::{
    GENERATOR_PACKAGE, Scratch, TREE_PACKAGE, Waiting, exec_as_nobody, python, run,
    sandbox_processes, stderr, stdout, token, venv_with_installed, violations,
};

/// What the technique tries to achieve.
#[derive(Clone, Copy)]
enum Goal {
    /// Start a process: a shell prints `PWN$((6*7))`, so `PWN42` appears only if one ran.
    Spawn,
    /// Print the content of a secret file outside the policy (path in `SECRET_PATH`).
    ReadSecret,
    /// Change, replace or delete a canary file outside the policy (path in `CANARY`).
    Canary,
    /// Leak the `PYSBX_TEST_SECRET` variable of pysbx's own environment.
    EnvSecret,
    /// Reach a TCP listener on 127.0.0.1 (port in `PORT`).
    Tcp,
    /// Send a datagram to a UDP socket on 127.0.0.1 (port in `PORT`).
    Udp,
    /// Create a file in a directory outside the policy (path in `OUTSIDE_DIR`).
    CreateOutside,
    /// Kill a host process (pid in `VICTIM`).
    Kill,
    /// Connect to a host service listening on a world-writable UNIX socket path
    /// (`UNIX_SOCKET`): a syslog, D-Bus or container socket stands for it.
    Unix,
    /// Send a datagram to a host service's datagram socket on a world-writable path
    /// (`UNIX_DGRAM`): syslog's `/dev/log` or a journal stands for it.
    UnixDatagram,
    /// Load native code (prints `NATIVE-LOADED` only once it ran).
    Native,
}

struct Setup {
    scratch: Scratch,
    outside: tempfile::TempDir,
    secret: String,
    secret_path: PathBuf,
    canary: PathBuf,
    canary_text: String,
}

fn setup() -> Setup {
    let scratch = Scratch::new();
    let outside = tempfile::tempdir().expect("test setup");
    use std::os::unix::fs::PermissionsExt;
    // World-readable and writable: only the sandbox's own layers stand in the way.
    std::fs::set_permissions(outside.path(), std::fs::Permissions::from_mode(0o777))
        .expect("test setup");
    let secret = token("file");
    let secret_path = outside.path().join("secret.txt");
    std::fs::write(&secret_path, &secret).expect("test setup");
    std::fs::set_permissions(&secret_path, std::fs::Permissions::from_mode(0o666))
        .expect("test setup");
    let canary = outside.path().join("canary.txt");
    let canary_text = token("canary");
    std::fs::write(&canary, &canary_text).expect("test setup");
    std::fs::set_permissions(&canary, std::fs::Permissions::from_mode(0o666)).expect("test setup");
    Setup { scratch, outside, secret, secret_path, canary, canary_text }
}

fn check(name: &str, goal: Goal, code: &str, gate: bool, stdin: Option<&str>) {
    let s = setup();
    let env_secret = token("env");
    let tcp = TcpListener::bind("127.0.0.1:0").expect("test setup");
    tcp.set_nonblocking(true).expect("test setup");
    let udp = UdpSocket::bind("127.0.0.1:0").expect("test setup");
    udp.set_nonblocking(true).expect("test setup");
    let port = match goal {
        Goal::Udp => udp.local_addr().expect("test setup").port(),
        _ => tcp.local_addr().expect("test setup").port(),
    };
    let unix_path = s.outside.path().join("host.sock");
    let unix = std::os::unix::net::UnixListener::bind(&unix_path).expect("test setup");
    unix.set_nonblocking(true).expect("test setup");
    let dgram_path = s.outside.path().join("host.dgram");
    let dgram = std::os::unix::net::UnixDatagram::bind(&dgram_path).expect("test setup");
    dgram.set_nonblocking(true).expect("test setup");
    {
        use std::os::unix::fs::PermissionsExt;
        for path in [&unix_path, &dgram_path] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777))
                .expect("test setup");
        }
    }
    let mut victim = std::process::Command::new("sleep").arg("600").spawn().expect("test setup");
    let prelude = format!(
        "SECRET_PATH = {:?}\nCANARY = {:?}\nOUTSIDE_DIR = {:?}\nPORT = {port}\nVICTIM = {}\nUNIX_SOCKET = {:?}\nUNIX_DGRAM = {:?}\n",
        s.secret_path.display().to_string(),
        s.canary.display().to_string(),
        s.outside.path().display().to_string(),
        victim.id(),
        unix_path.display().to_string(),
        dgram_path.display().to_string(),
    );
    // A coding cookie must stay on the first line to count: the prelude goes after it.
    let text = match code.split_once('\n') {
        Some((cookie, rest)) if cookie.starts_with('#') && cookie.contains("coding") => {
            format!("{cookie}\n{prelude}{rest}\n")
        }
        _ => format!("{prelude}{code}\n"),
    };
    let script = s.scratch.write(&format!("{name}.py"), &text);
    s.scratch.write("helper_mod.py", "import os\ndef run(cmd):\n    return os.system(cmd)\n");
    let mut cmd = s.scratch.exec();
    cmd.env("PYSBX_TEST_SECRET", &env_secret);
    if !gate {
        cmd.arg("--no-gate");
    }
    cmd.arg(&script);
    if let Some(input) = stdin {
        use std::io::Write;
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("test setup");
        crate::exec_support::track(&child);
        child.stdin.take().expect("test setup").write_all(input.as_bytes()).expect("test setup");
        let out = child.wait_with_output().expect("test setup");
        verify(name, goal, gate, &s, &env_secret, (&tcp, &udp, &unix, &dgram), &mut victim, &out);
    } else {
        let out = run(&mut cmd);
        verify(name, goal, gate, &s, &env_secret, (&tcp, &udp, &unix, &dgram), &mut victim, &out);
    }
}

#[expect(clippy::too_many_arguments, reason = "every observation point of one run")]
fn verify(
    name: &str,
    goal: Goal,
    gate: bool,
    s: &Setup,
    env_secret: &str,
    (tcp, udp, unix, dgram): (
        &TcpListener,
        &UdpSocket,
        &std::os::unix::net::UnixListener,
        &std::os::unix::net::UnixDatagram,
    ),
    victim: &mut std::process::Child,
    out: &std::process::Output,
) {
    let all = format!("{}{}", stdout(out), stderr(out));
    let ctx = format!("technique {name} (gate {gate}):\n{all}");
    // The sandbox must have run (a setup failure would prove nothing).
    assert_ne!(out.status.code(), Some(125), "{ctx}");
    assert!(!all.contains("sandbox setup failed"), "{ctx}");
    match goal {
        Goal::Spawn => assert!(!all.contains("PWN42"), "a process ran: {ctx}"),
        Goal::ReadSecret => assert!(!all.contains(&s.secret), "secret file leaked: {ctx}"),
        Goal::EnvSecret => assert!(!all.contains(env_secret), "environment secret leaked: {ctx}"),
        Goal::Canary => {
            let now = std::fs::read_to_string(&s.canary).unwrap_or_default();
            assert_eq!(now, s.canary_text, "canary changed: {ctx}");
        }
        Goal::Tcp => {
            let accepted = tcp.accept();
            assert!(
                matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
                "the listener got a connection: {ctx}"
            );
        }
        Goal::Udp => {
            let mut buf = [0u8; 512];
            let got = udp.recv_from(&mut buf);
            assert!(
                matches!(&got, Err(e) if e.kind() == ErrorKind::WouldBlock),
                "the UDP socket got a datagram: {ctx}"
            );
        }
        Goal::Unix => {
            let accepted = unix.accept();
            assert!(
                matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
                "the UNIX socket got a connection: {ctx}"
            );
        }
        Goal::UnixDatagram => {
            let mut buf = [0u8; 512];
            let got = dgram.recv(&mut buf);
            assert!(
                matches!(&got, Err(e) if e.kind() == ErrorKind::WouldBlock),
                "the UNIX datagram socket got a datagram: {ctx}"
            );
        }
        Goal::Native => assert!(!all.contains("NATIVE-LOADED"), "native code ran: {ctx}"),
        Goal::CreateOutside => {
            let entries: Vec<_> = std::fs::read_dir(s.outside.path())
                .expect("test setup")
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    !["secret.txt", "canary.txt", "host.sock", "host.dgram"].contains(&n.as_str())
                })
                .collect();
            assert!(entries.is_empty(), "files appeared outside: {entries:?}; {ctx}");
        }
        Goal::Kill => {
            assert!(
                victim.try_wait().expect("test setup").is_none(),
                "the host process was killed: {ctx}"
            );
        }
    }
    // The secret file and the canary are never touched, whatever the goal.
    assert_eq!(std::fs::read_to_string(&s.canary).unwrap_or_default(), s.canary_text, "{ctx}");
    assert!(sandbox_processes().is_empty(), "processes left: {:?}", sandbox_processes());
    let _ = victim.kill();
    let _ = victim.wait();
}

macro_rules! escape {
    ($name:ident, $goal:expr, $code:expr) => {
        escape!($name, $goal, $code, None);
    };
    ($name:ident, $goal:expr, $code:expr, $stdin:expr) => {
        #[test]
        fn $name() {
            check(stringify!($name), $goal, $code, true, $stdin);
            check(stringify!($name), $goal, $code, false, $stdin);
        }
    };
}

use Goal::*;

// Processes, exec, shells.
escape!(os_system, Spawn, "import os\nos.system('echo PWN$((6*7))')");
escape!(
    subprocess_run,
    Spawn,
    "import subprocess\nprint(subprocess.run(['sh', '-c', 'echo PWN$((6*7))'], capture_output=True).stdout)"
);
escape!(os_popen, Spawn, "import os\nprint(os.popen('echo PWN$((6*7))').read())");
escape!(os_execv, Spawn, "import os\nos.execv('/bin/sh', ['sh', '-c', 'echo PWN$((6*7))'])");
escape!(
    fork_then_exec,
    Spawn,
    "import os\npid = os.fork()\nif pid == 0:\n    os.execv('/bin/sh', ['sh', '-c', 'echo PWN$((6*7))'])\nos.waitpid(pid, 0)"
);
escape!(
    posix_spawn,
    Spawn,
    "import os\npid = os.posix_spawn('/bin/sh', ['sh', '-c', 'echo PWN$((6*7))'], {})\nos.waitpid(pid, 0)"
);
escape!(pty_spawn, Spawn, "import pty\npty.spawn(['sh', '-c', 'echo PWN$((6*7))'])");
escape!(
    posixsubprocess_unaudited,
    Spawn,
    "import os\nimport _posixsubprocess as p\nr, w = os.pipe()\npid = p.fork_exec([b'/bin/sh', b'-c', b'echo PWN$((6*7))'], [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, None, None, None, -1, None, False)\nos.waitpid(pid, 0)"
);
escape!(
    multiprocessing_spawn,
    Spawn,
    "import multiprocessing as mp\ndef child():\n    print('PWN' + str(6 * 7))\nif __name__ == '__main__':\n    mp.set_start_method('spawn')\n    p = mp.Process(target=child)\n    p.start()\n    p.join()"
);
escape!(
    fresh_interpreter,
    Spawn,
    "import os, sys\nos.execv(sys.executable, [sys.executable, '-c', 'import os; os.system(\"echo PWN$((6*7))\")'])"
);
escape!(
    computed_names,
    Spawn,
    "m = __import__('o' + 's')\ngetattr(m, 'sys' + 'tem')('echo PWN$((6*7))')"
);
escape!(
    subclass_walk,
    Spawn,
    "for c in ().__class__.__base__.__subclasses__():\n    if c.__name__ == '_wrap_close':\n        c.__init__.__globals__['system']('echo PWN$((6*7))')"
);
escape!(
    function_globals,
    Spawn,
    "import shutil\nshutil.copy.__globals__['os'].system('echo PWN$((6*7))')"
);
escape!(
    closure_cells,
    Spawn,
    "import os\ndef make():\n    f = getattr(os, 'system')\n    return lambda: f\nmake().__closure__[0].cell_contents('echo PWN$((6*7))')"
);
escape!(
    generator_frame_walk,
    Spawn,
    "def g():\n    yield 1\nit = g()\nb = it.gi_frame.f_builtins\nb['__import__']('os').system('echo PWN$((6*7))')"
);
escape!(
    coroutine_frame_walk,
    Spawn,
    "async def c():\n    pass\nco = c()\nfr = co.cr_frame\nfr.f_globals['__builtins__'].__import__('os').system('echo PWN$((6*7))')"
);
escape!(
    traceback_frame_walk,
    Spawn,
    "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    f = e.__traceback__.tb_frame\n    f.f_builtins['__import__']('os').system('echo PWN$((6*7))')"
);
escape!(
    f_back_walk_from_stdlib_frame,
    Spawn,
    "import inspect\nf = inspect.currentframe()\nwhile f.f_back is not None:\n    f = f.f_back\nf.f_builtins['__import__']('os').system('echo PWN$((6*7))')"
);
escape!(
    builtins_recovery,
    Spawn,
    "b = (lambda: 0).__globals__['__builtins__']\nimp = b['__import__'] if isinstance(b, dict) else b.__import__\nimp('posix').system('echo PWN$((6*7))')"
);
escape!(
    nfkc_identifiers,
    Spawn,
    "import os\n\u{ff4f}\u{ff53}.\u{ff53}\u{ff59}\u{ff53}\u{ff54}\u{ff45}\u{ff4d}('echo PWN$((6*7))')"
);
// Source codecs that turn an escape in a comment into a newline: the statement after it runs.
escape!(
    utf7_hidden_statement,
    Spawn,
    "# -*- coding: utf-7 -*-\nx = 1  # +AAo-import os+ADs- os.system(+ACI-echo PWN$((6*7))+ACI-)\n"
);
escape!(
    unicode_escape_hidden_statement,
    Spawn,
    "# coding: unicode_escape\nx = 1  # \\x0aimport os; os.system('echo PWN$((6*7))')\n"
);
// A character-code loader and a method called by name.
escape!(
    char_code_loader,
    Spawn,
    "import os\ngetattr(os, ''.join(chr(c ^ 1) for c in (114, 120, 114, 117, 100, 108)))('echo PWN$((6*7))')"
);
escape!(
    methodcaller_call,
    Spawn,
    "import operator, os\noperator.methodcaller('sys' + 'tem', 'echo PWN$((6*7))')(os)"
);
escape!(
    decorator_call,
    Spawn,
    "import os\n@os.system\n@(lambda f: 'echo PWN$((6*7))')\ndef x():\n    pass"
);
escape!(
    decoded_exec,
    Spawn,
    "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImVjaG8gUFdOJCgoNio3KSkiKQ=='))"
);
escape!(eval_concat, Spawn, "eval('__imp' + 'ort__(\"os\").sys' + 'tem(\"echo PWN$((6*7))\")')");
escape!(
    code_construction,
    Spawn,
    "import types\nsrc = compile('import os; os.system(\"echo PWN$((6*7))\")', 'x', 'exec')\nf = types.FunctionType(src, {})\nf()"
);
escape!(
    code_replace,
    Spawn,
    "def f():\n    return 'x'\ndef g():\n    import os\n    os.system('echo PWN$((6*7))')\nf.__code__ = g.__code__\nf()"
);
escape!(
    pickle_loads,
    Spawn,
    "import pickle\npickle.loads(b\"cos\\nsystem\\n(S'echo PWN$((6*7))'\\ntR.\")"
);
// Protocol 4 names a global by a dotted path from a module: through the program's own module
// (`__main__.os.system`) or a module the guard trusts (`copyreg.__builtins__.exec`).
escape!(
    pickle_dotted_name_through_main,
    Spawn,
    "import os, pickle\ndef name(m, n):\n    return b'\\x8c' + bytes([len(m)]) + m.encode() + b'\\x8c' + bytes([len(n)]) + n.encode() + b'\\x93'\ncmd = b'echo PWN$((6*7))'\npickle.loads(b'\\x80\\x04' + name('__main__', 'os.system') + b'\\x8c' + bytes([len(cmd)]) + cmd + b'\\x85R.')"
);
escape!(
    pickle_dotted_name_to_builtins,
    Spawn,
    "import pickle\ndef name(m, n):\n    return b'\\x8c' + bytes([len(m)]) + m.encode() + b'\\x8c' + bytes([len(n)]) + n.encode() + b'\\x93'\ncode = b'import os; os.system(\"echo PWN$((6*7))\")'\npickle.loads(b'\\x80\\x04' + name('copyreg', '__builtins__.exec') + b'\\x8c' + bytes([len(code)]) + code + b'\\x85R.')"
);
escape!(
    marshal_loads,
    Spawn,
    "import marshal\ndata = marshal.dumps(compile('import os; os.system(\"echo PWN$((6*7))\")', 'x', 'exec'))\nexec(marshal.loads(data))"
);
escape!(ctypes_libc, Spawn, "import ctypes\nctypes.CDLL(None).system(b'echo PWN$((6*7))')");
escape!(
    sys_modules_bypass,
    Spawn,
    "import sys, os\nsys.modules['posix'].system('echo PWN$((6*7))')"
);
escape!(
    importlib_bypass,
    Spawn,
    "import importlib\nimportlib.import_module('posix').system('echo PWN$((6*7))')"
);
escape!(
    importlib_loader_bypass,
    Spawn,
    "import importlib.machinery, os\nm = importlib.machinery.SourceFileLoader('helper_mod', os.path.join(os.path.dirname(__file__), 'helper_mod.py')).load_module()\nm.run('echo PWN$((6*7))')"
);
// A module the program writes at run time where imports look: Python source inside a zip on
// `sys.path` (zipimport compiles it without the gate's loader), and compiled code without
// source (a `.pyc` from bytes the program carries, for which the gate has nothing to read).
const ZIP_MODULE_PROGRAM: &str = "import sys, os, zipfile, tempfile\np = os.path.join(tempfile.mkdtemp(), 'm.zip')\nwith zipfile.ZipFile(p, 'w') as z:\n    z.writestr('zmod.py', 'import os\\nos.system(\"echo PWN$((6*7))\")\\n')\nsys.path.insert(0, p)\nimport zmod";
escape!(zip_module_written_at_run_time, Spawn, ZIP_MODULE_PROGRAM);
escape!(sourceless_module_written_at_run_time, Spawn, &sourceless_module_program());

/// The two programs above do start a process under the interpreter pysbx runs, unconfined:
/// their refusal under pysbx is the sandbox's doing, not a module that fails to load.
#[test]
fn modules_written_at_run_time_run_under_a_plain_interpreter() {
    for program in [ZIP_MODULE_PROGRAM.to_string(), sourceless_module_program()] {
        let dir = tempfile::tempdir().expect("test setup");
        let out = Command::new(python())
            .arg("-c")
            .arg(&program)
            .current_dir(dir.path())
            .env("TMPDIR", dir.path())
            .output()
            .expect("test setup");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("PWN42"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// A program that writes a `.pyc` of code calling `os.system` (marshalled here, by the
/// interpreter the tests run; its header is the child's own magic number) and imports it.
fn sourceless_module_program() -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import marshal, sys; sys.stdout.write(marshal.dumps(compile('import os\\nos.system(\"echo PWN$((6*7))\")\\n', 'pmod.py', 'exec')).hex())",
        ])
        .output()
        .expect("test setup: python3 runs");
    assert!(out.status.success(), "test setup: {}", String::from_utf8_lossy(&out.stderr));
    let hex = String::from_utf8(out.stdout).expect("test setup: hex");
    format!(
        "import sys, os, tempfile, importlib.util\nd = tempfile.mkdtemp()\nwith open(os.path.join(d, 'pmod.pyc'), 'wb') as f:\n    f.write(importlib.util.MAGIC_NUMBER + bytes(12) + bytes.fromhex('{hex}'))\nsys.path.insert(0, d)\nimport pmod"
    )
}

escape!(
    gc_walk,
    Spawn,
    "import gc\nfor o in gc.get_objects():\n    if callable(o) and getattr(o, '__name__', '') == 'system':\n        o('echo PWN$((6*7))')\n        break"
);
escape!(
    guard_tampering,
    Spawn,
    "import sys, builtins\nsys.meta_path.clear()\nsys.path_hooks.clear()\nsys.modules.pop('pysbx', None)\ntry:\n    sys.addaudithook(lambda *a: None)\nexcept Exception:\n    pass\nimport posix\nposix.system('echo PWN$((6*7))')"
);
escape!(
    breakpoint_pdb,
    Spawn,
    "breakpoint()\nprint('done')",
    Some("import os; os.system('echo PWN$((6*7))')\ncontinue\n")
);
// Files.
escape!(read_outside, ReadSecret, "print(open(SECRET_PATH).read())");
escape!(
    read_outside_lowlevel,
    ReadSecret,
    "import os\nfd = os.open(SECRET_PATH, os.O_RDONLY)\nprint(os.read(fd, 100))"
);
escape!(
    read_via_symlink,
    ReadSecret,
    "import os\nos.symlink(SECRET_PATH, 'link')\nprint(open('link').read())"
);
escape!(
    read_via_hardlink,
    ReadSecret,
    "import os\nos.link(SECRET_PATH, 'hard')\nprint(open('hard').read())"
);
escape!(read_via_proc_root, ReadSecret, "print(open('/proc/self/root' + SECRET_PATH).read())");
// Pid 1 is stage B, the pid namespace's init, which is not confined: its root and its memory.
escape!(read_via_init_root, ReadSecret, "print(open('/proc/1/root' + SECRET_PATH).read())");
escape!(write_outside, Canary, "open(CANARY, 'w').write('pwned')");
escape!(delete_outside, Canary, "import os\nos.remove(CANARY)");
escape!(rename_outside, Canary, "import os\nos.rename(CANARY, 'stolen')");
escape!(
    write_via_hardlink,
    Canary,
    "import os\nos.link(CANARY, 'hard')\nopen('hard', 'w').write('pwned')"
);
escape!(
    write_via_symlink,
    Canary,
    "import os\nos.symlink(CANARY, 'link')\nopen('link', 'w').write('pwned')"
);
escape!(truncate_outside, Canary, "import os\nos.truncate(CANARY, 0)");
escape!(
    create_outside,
    CreateOutside,
    "import os\nopen(os.path.join(OUTSIDE_DIR, 'new.txt'), 'w').write('x')"
);
escape!(mkdir_outside, CreateOutside, "import os\nos.mkdir(os.path.join(OUTSIDE_DIR, 'newdir'))");
// Other processes and the environment.
escape!(
    environment_secret,
    EnvSecret,
    "import os\nprint(dict(os.environ))\nprint(open('/proc/self/environ', 'rb').read())"
);
escape!(
    proc_of_other_processes,
    EnvSecret,
    "import os\nfor pid in os.listdir('/proc'):\n    try:\n        print(open('/proc/%s/environ' % pid, 'rb').read())\n    except Exception as e:\n        print(e)\nfor pid in range(1, 4096):\n    try:\n        print(open('/proc/%d/environ' % pid, 'rb').read())\n    except Exception:\n        pass"
);
escape!(
    kill_host_processes,
    Kill,
    "import os, signal\ntry:\n    os.kill(VICTIM, signal.SIGKILL)\nexcept Exception as e:\n    print(e)\nos.kill(-1, signal.SIGKILL)"
);
// Network.
escape!(
    tcp_connect,
    Tcp,
    "import socket\ns = socket.create_connection(('127.0.0.1', PORT))\ns.sendall(b'PWN')"
);
escape!(
    raw_socket_module,
    Tcp,
    "import _socket\ns = _socket.socket(2, 1)\ns.connect(('127.0.0.1', PORT))"
);
escape!(
    udp_sendto,
    Udp,
    "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'PWN', ('127.0.0.1', PORT))"
);
escape!(
    asyncio_connect,
    Tcp,
    "import asyncio\nasync def main():\n    r, w = await asyncio.open_connection('127.0.0.1', PORT)\n    w.write(b'PWN')\n    await w.drain()\nasyncio.run(main())"
);
escape!(
    dns_query,
    Udp,
    "import socket, struct\nq = struct.pack('>HHHHHH', 1, 256, 1, 0, 0, 0) + b'\\x07example\\x03com\\x00' + struct.pack('>HH', 1, 1)\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(q, ('127.0.0.1', PORT))\nprint(socket.getaddrinfo('localhost', PORT))"
);

// Host services on named UNIX sockets: neither Landlock nor the network namespace separates
// them, so the kernel filter refuses `socket(AF_UNIX)` without network or processes.
escape!(
    unix_socket_to_host_service,
    Unix,
    "import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\ns.connect(UNIX_SOCKET)\ns.sendall(b'hi')"
);
escape!(
    unix_socket_through_multiprocessing,
    Unix,
    "from multiprocessing.connection import Client\nc = Client(UNIX_SOCKET, family='AF_UNIX')\nc.send('hi')"
);
// A datagram end of a socket pair may `sendto` any named datagram socket.
escape!(
    unix_datagram_from_a_socket_pair,
    UnixDatagram,
    "import socket\na, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\na.sendto(b'hi', UNIX_DGRAM)"
);
// A sequenced-packet pair is allowed: its ends reach each other only (the kernel ignores a
// `sendto` address on a connected end, and `connect` fails).
escape!(
    unix_datagram_from_a_sequenced_packet_pair,
    UnixDatagram,
    "import socket\na, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)\ntry:\n    a.connect(UNIX_DGRAM)\nexcept OSError:\n    pass\na.sendto(b'hi', UNIX_DGRAM)\nprint(b.recv(10))"
);
escape!(
    unix_socket_from_a_sequenced_packet_pair,
    Unix,
    "import socket\na, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)\ntry:\n    a.connect(UNIX_SOCKET)\nexcept OSError:\n    pass\na.sendmsg([b'hi'], [], 0, UNIX_SOCKET)\nprint(b.recv(10))"
);
escape!(
    unix_datagram_through_syslog_handler,
    Unix,
    "import logging.handlers\nh = logging.handlers.SysLogHandler(address=UNIX_SOCKET)\nh.emit(logging.makeLogRecord({'msg': 'hi'}))"
);

// Native code from an anonymous in-memory file: the private directories are `noexec`, and
// `memfd_create` is refused without foreign code. A real extension module of the interpreter
// stands for the payload (no audit event covers `_imp.create_dynamic`).
escape!(
    native_code_from_memfd,
    Native,
    "import glob, os, sys, _imp\nimport importlib.machinery as m\nsrc = sorted(glob.glob(os.path.join(sys.base_prefix, 'lib', 'python3*', 'lib-dynload', '_json*.so')) + glob.glob('/usr/lib/python3*/lib-dynload/_json*.so'))[0]\nfd = os.memfd_create('x')\nos.write(fd, open(src, 'rb').read())\n_imp.create_dynamic(m.ModuleSpec('_json', None, origin='/proc/self/fd/%d' % fd))\nprint('NATIVE-' + 'LOADED')"
);

/// The script's lent directory (see `a_script_in_a_private_directory`) shows its owner's files
/// as the sandbox uid's own, which would let the owner-only calls Landlock does not cover
/// (`chmod`, `chown`, `utimes`, extended attributes) change them: the lent mount is read-only.
/// Foreign code is granted so that libc is called directly, past the guard's audit hook: the
/// kernel alone must refuse, and with `EROFS`, the read-only mount's answer.
#[test]
fn owner_calls_on_the_lent_directory_meet_a_read_only_mount() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("test setup");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("test setup");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "original\n").expect("test setup");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).expect("test setup");
    let before = std::fs::metadata(&victim).expect("test setup");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "ffi: true\n").expect("test setup");
    let code = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "victim.txt").encode()
print("read", open(path).read().strip())
def attempt(name, call):
    rc = call()
    print(name, rc, ctypes.get_errno())
attempt("chmod", lambda: libc.chmod(path, 0o777))
attempt("chown", lambda: libc.chown(path, os.getuid(), os.getgid()))
attempt("utimes", lambda: libc.utimes(path, None))
attempt("setxattr", lambda: libc.setxattr(path, b"user.pwn", b"1", 1, 0))
attempt("truncate", lambda: libc.truncate(path, 0))
attempt("unlink", lambda: libc.unlink(path))
"#;
    let script = dir.path().join("owner_calls.py");
    std::fs::write(&script, code).expect("test setup");
    // Started elsewhere, and in the directory itself (whose working directory is then a
    // copy-on-write view of it, writable): the directory's own path stays read-only.
    for cwd in [std::env::temp_dir(), dir.path().to_path_buf()] {
        owner_calls_refused(&script, &policy, &cwd, &victim, &before);
    }
}

/// The script's directory is granted for reading (Python puts it first on `sys.path`), but not
/// its hidden entries: a script run from a home or project directory must not read `~/.ssh` or
/// a `.env`. Foreign code is granted so that libc opens the files past the guard (the kernel
/// alone must refuse), as root (lent directory) and as an unprivileged user (user namespace),
/// started in the directory (its copy-on-write view hides the entries) and elsewhere; then the
/// guard's refusal of a plain `open`, with the reason. The other entries stay readable.
/// A hidden entry the host makes in the script's directory while the program runs (pysbx
/// started in that directory) shows through the working directory's copy-on-write view,
/// whose whiteouts were made at the start: the guard refuses it there as at the directory's
/// own path, to read, to open for writing, to link, rename or copy (each copies the host's
/// file up with its content). A hidden file the program makes itself stays its own.
#[test]
fn a_hidden_entry_made_during_the_run_stays_closed_in_the_working_directory() {
    let s = Scratch::new();
    let secret = token("late-hidden");
    let code = r#"
import os, shutil, time
open(".mine", "w").write("mine")
print("own", open(".mine").read())
deadline = time.monotonic() + 30
while ".late" not in os.listdir(".") and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.2)
def attempt(label, fn):
    try:
        print(label, "GOT", fn())
    except Exception as e:
        print(label, "refused", type(e).__name__)
attempt("read", lambda: open(".late").read())
attempt("rplus", lambda: open(".late", "r+").read())
attempt("link", lambda: (os.link(".late", "lnk"), open("lnk").read())[1])
attempt("rename", lambda: (os.rename(".late", "ren"), open("ren").read())[1])
attempt("copy", lambda: (shutil.copyfile(".late", "cp"), open("cp").read())[1])
"#;
    let script = s.write("late.py", code);
    let mut cmd = s.exec();
    cmd.arg("--no-gate").arg(&script).current_dir(s.path());
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("pysbx starts");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::fs::write(s.path().join(".late"), &secret).expect("test setup");
    let out = child.wait_with_output().expect("pysbx ends");
    let (text, err) = (stdout(&out), stderr(&out));
    let ctx = format!("{text}{err}");
    assert!(!ctx.contains(&secret), "the late hidden entry was read: {ctx}");
    assert!(text.contains("own mine\n"), "{ctx}");
    for label in ["read", "rplus", "link", "rename", "copy"] {
        assert!(text.contains(&format!("{label} refused PolicyViolation\n")), "{label}: {ctx}");
    }
    assert!(err.contains("the hidden entries of the script's directory are not granted"), "{ctx}");
    assert_eq!(std::fs::read_to_string(s.path().join(".late")).ok().as_deref(), Some(&*secret));
}

#[test]
fn the_hidden_entries_of_the_scripts_directory_stay_closed() {
    let s = Scratch::new();
    let secret = token("hidden-entry");
    s.write(".ssh/id_rsa", &secret);
    s.write(".env", &secret);
    s.write("data.txt", "plain data\n");
    s.write("sub/notes.txt", "below\n");
    s.write("helper.py", "VALUE = 'helper imported'\n");
    let policy = s.write("policy.yaml", "ffi: true\n");
    let code = r#"
import ctypes, os, helper
libc = ctypes.CDLL(None, use_errno=True)
here = os.path.dirname(os.path.abspath(__file__))
print(helper.VALUE)
print(open(os.path.join(here, "data.txt")).read().strip())
print(open(os.path.join(here, "sub", "notes.txt")).read().strip())
def attempt(label, path):
    fd = libc.open(path.encode(), os.O_RDONLY)
    if fd >= 0:
        print(label, "opened", os.read(fd, 100))
    else:
        print(label, "errno", ctypes.get_errno())
attempt("key", os.path.join(here, ".ssh", "id_rsa"))
attempt("env", os.path.join(here, ".env"))
attempt("env-relative", ".env")
print("listed", sorted(n for n in os.listdir(".") if n.startswith(".")))
"#;
    let script = s.write("hidden.py", code);
    let elsewhere = std::env::temp_dir();
    let runs: Vec<(&str, Command)> = vec![
        ("root, in the directory", escape_exec(&s, &policy, &script, s.path())),
        ("root, elsewhere", escape_exec(&s, &policy, &script, &elsewhere)),
        // `cd sub && pysbx exec ../hidden.py`: the directory named `sub/..` is the same one.
        ("root, named through ..", {
            let mut cmd = s.exec();
            cmd.arg("--no-gate")
                .arg("--policy")
                .arg(&policy)
                .arg("../hidden.py")
                .current_dir(s.path().join("sub"));
            cmd
        }),
        ("unprivileged, in the directory", {
            let mut cmd = exec_as_nobody(&s);
            cmd.arg("--policy").arg(&policy).arg(&script);
            cmd
        }),
    ];
    for (label, mut cmd) in runs {
        let out = run(&mut cmd);
        let text = stdout(&out);
        let ctx = format!("{label}: {text}{}", stderr(&out));
        assert!(!ctx.contains(&secret), "a hidden entry was read: {ctx}");
        for line in
            ["helper imported\n", "plain data\n", "below\n", "key errno 13\n", "env errno 13\n"]
        {
            assert!(text.contains(line), "{line:?} missing: {ctx}");
        }
        if label.ends_with("in the directory") {
            // The working directory shows the script's directory without its hidden entries.
            assert!(text.contains("env-relative errno 2\n"), "{ctx}");
            assert!(text.contains("listed []\n"), "{ctx}");
        }
    }
    // With the guard: a relative `open` in the working directory finds nothing there, as if
    // the file did not exist; by the directory's own path it is refused as a violation that
    // says why.
    let relative = s.write("relative.py", "print(open('.env').read())\n");
    let out = run(s.exec().arg("--no-gate").arg(&relative));
    let ctx = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!ctx.contains(&secret), "{ctx}");
    assert!(ctx.contains("FileNotFoundError"), "{ctx}");
    let absolute = s.write(
        "absolute.py",
        "import os\nprint(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '.env')).read())\n",
    );
    let out = run(s.exec().arg("--no-gate").arg(&absolute));
    let ctx = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(122), "{ctx}");
    assert!(!ctx.contains(&secret), "{ctx}");
    assert!(ctx.contains("the hidden entries of the script's directory are not granted"), "{ctx}");
    // A policy that names the entry grants it.
    let granting =
        s.write("grant.yaml", &format!("fs:\n  read: [{}]\n", s.path().join(".env").display()));
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&granting).arg(&absolute));
    assert!(stdout(&out).contains(&secret), "{}{}", stdout(&out), stderr(&out));
}

/// `pysbx exec --no-gate --policy POLICY SCRIPT` as root, started in `cwd`.
fn escape_exec(
    s: &Scratch,
    policy: &std::path::Path,
    script: &std::path::Path,
    cwd: &std::path::Path,
) -> Command {
    let mut cmd = s.exec();
    cmd.arg("--no-gate").arg("--policy").arg(policy).arg(script).current_dir(cwd);
    cmd
}

fn owner_calls_refused(
    script: &std::path::Path,
    policy: &std::path::Path,
    cwd: &std::path::Path,
    victim: &std::path::Path,
    before: &std::fs::Metadata,
) {
    use std::os::unix::fs::MetadataExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    cmd.args(["exec", "--no-config", "--no-gate", "--python"])
        .arg(crate::exec_support::python())
        .arg("--policy")
        .arg(policy)
        .arg(script)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null());
    let out = run(&mut cmd);
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    // The program ran and read the file: the lending applied, so the refusals below are the
    // mount's and not a directory it could not enter.
    assert!(text.contains("read original\n"), "{ctx}");
    for call in ["chmod", "chown", "utimes", "setxattr"] {
        assert!(
            text.contains(&format!("{call} -1 30\n")),
            "{call} was not refused with EROFS: {ctx}"
        );
    }
    for call in ["truncate", "unlink"] {
        assert!(text.contains(&format!("{call} -1 ")), "{call} was not refused: {ctx}");
    }
    let after = std::fs::metadata(victim).expect("the file is still there");
    assert_eq!(std::fs::read_to_string(victim).expect("readable"), "original\n");
    assert_eq!(after.mode(), before.mode());
    assert_eq!(
        (after.uid(), after.gid(), after.mtime()),
        (before.uid(), before.gid(), before.mtime())
    );
    assert!(xattr_names(victim).is_empty(), "an attribute was set");
}

/// The names of `path`'s extended attributes (`getfattr` is not always installed).
fn xattr_names(path: &std::path::Path) -> Vec<String> {
    let out = Command::new(crate::exec_support::python())
        .args(["-c", "import os, sys; print(os.listxattr(sys.argv[1]))"])
        .arg(path)
        .output()
        .expect("test setup");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    if text.trim() == "[]" { Vec::new() } else { vec![text.trim().to_string()] }
}

/// The guard's check of what a pickle names stands alone (no gate): plain data, the program's
/// own classes and functions, and every protocol load; never an object reached by a dotted
/// path through a module, a dunder, an imported name, an unsafe built-in or an operator
/// function that reaches into an object (`attrgetter`, `methodcaller`, `getitem`).
#[test]
fn pickles_name_only_data_and_the_programs_own_definitions() {
    let s = Scratch::new();
    let code = r#"
import pickle, collections, datetime, decimal, os
class Point:
    def __init__(self, x): self.x = x
    def __eq__(self, o): return self.x == o.x
def double(x): return 2 * x
data = {"p": Point(3), "d": datetime.date(2024, 1, 2), "c": collections.Counter("aab"),
        "dec": decimal.Decimal("1.5"), "e": ValueError("v"), "f": double, "t": (1, None, b"x", {2})}
for proto in range(pickle.HIGHEST_PROTOCOL + 1):
    back = pickle.loads(pickle.dumps(data, protocol=proto))
    assert back["p"] == data["p"] and back["f"] is double and back["c"] == data["c"], proto
print("round trips", pickle.HIGHEST_PROTOCOL + 1)
def name(m, n):
    return b"\x80\x04\x8c" + bytes([len(m)]) + m.encode() + b"\x8c" + bytes([len(n)]) + n.encode() + b"\x93."
for m, n in [("__main__", "os.system"), ("__main__", "os"), ("__main__", "__builtins__.eval"),
             ("__main__", "Point.__init__.__closure__"), ("__main__", "double.__globals__"),
             ("copyreg", "__builtins__.setattr"), ("uuid", "os.system"), ("builtins", "getattr"),
             ("builtins", "eval"), ("posix", "system"), ("__main__", "pickle.loads"),
             ("operator", "attrgetter"), ("_operator", "methodcaller"), ("_operator", "getitem"),
             ("builtins", "vars"), ("builtins", "open"), ("builtins", "__import__"),
             ("builtins", "print"), ("math", "__loader__")]:
    try:
        pickle.loads(name(m, n))
        print("LOADED", m, n)
    except PermissionError:
        print("refused", m, n)
print(pickle.loads(name("__main__", "Point")).__name__, pickle.loads(name("__main__", "double"))(4))
"#;
    let script = s.write("pickles.py", code);
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let text = stdout(&out);
    assert!(text.starts_with("round trips 6\n"), "{text}{}", stderr(&out));
    assert!(!text.contains("LOADED"), "{text}");
    assert_eq!(text.matches("refused ").count(), 19, "{text}");
    assert!(text.ends_with("Point 8\n"), "{text}{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// An enumeration of the standard library's unpickles before its module is loaded (the
/// unpickler imports it after the check), but not when a file of the script's directory takes
/// that module's name: the unpickler would import the program's module, where the name may be
/// anything it imported.
#[test]
fn a_module_named_like_the_standard_librarys_is_not_its_enumerations() {
    let s = Scratch::new();
    s.write("pstats.py", "import os\nSortKey = os.system\n");
    let code = r#"
import pickle
cmd = b"echo PWN$((6*7))"
blob = b"\x80\x04\x8c\x06pstats\x8c\x07SortKey\x93\x8c" + bytes([len(cmd)]) + cmd + b"\x85R."
try:
    pickle.loads(blob)
    print("LOADED")
except PermissionError:
    print("refused")
"#;
    let script = s.write("shadow.py", code);
    for gate in [true, false] {
        let mut cmd = s.exec();
        if !gate {
            cmd.arg("--no-gate");
        }
        let out = run(cmd.arg(&script));
        assert_eq!(stdout(&out), "refused\n", "{}", stderr(&out));
    }
}

/// The check of what a pickle names runs inside the guard's audit hook, where the events of any
/// code it called would go unseen. It reads modules and classes through their types' own
/// descriptors, so a property `__file__` on an object put in `sys.modules`, a metaclass's
/// `__dict__` or `__module__`, or an object's `__class__` never runs there: their `exec` of
/// run-time code (which the guard alone refuses under the default policy) must still be refused.
#[test]
fn the_pickle_check_runs_no_code_of_the_program() {
    let s = Scratch::new();
    let code = r#"
import pickle, sys
def name(m, n):
    return b"\x80\x04\x8c" + bytes([len(m)]) + m.encode() + b"\x8c" + bytes([len(n)]) + n.encode() + b"\x93."
def sneak(where):
    exec("print('RAN-IN-HOOK', %r)" % where)
class Module:
    @property
    def __file__(self):
        sneak("module __file__")
        return "/srv/app/sneaky.py"
    @property
    def __dict__(self):
        sneak("module __dict__")
        return {"x": Module}
sys.modules["sneaky"] = Module()
class Meta(type):
    @property
    def __dict__(cls):
        sneak("metaclass __dict__")
        return {}
    @property
    def __module__(cls):
        sneak("metaclass __module__")
        return "__main__"
class Sneaky(metaclass=Meta):
    class Inner:
        pass
class Disguised:
    @property
    def __class__(self):
        sneak("__class__")
        return type
disguised = Disguised()
for m, n in [("sneaky", "x"), ("__main__", "Sneaky.Inner"), ("__main__", "Sneaky"), ("__main__", "disguised.x")]:
    try:
        pickle.loads(name(m, n))
        print("loaded", m, n)
    except PermissionError:
        print("refused", m, n)
    except Exception as e:
        print("failed", m, n, type(e).__name__)
"#;
    let script = s.write("hook_code.py", code);
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert!(!text.contains("RAN-IN-HOOK"), "program code ran inside the audit hook: {ctx}");
    // Every case was decided (the run went through them all).
    assert_eq!(text.lines().count(), 4, "{ctx}");
    assert!(text.contains("refused sneaky x\n"), "{ctx}");
    assert!(text.contains("refused __main__ disguised.x\n"), "{ctx}");
}

/// The working directory's copy-on-write view is mounted `noexec` when neither foreign code
/// nor processes are granted, as the private directories are: a shared object the program
/// writes there cannot be mapped as code (Landlock's execute right covers `execve`, not
/// `mmap`). With `ffi: true` the program's own extension modules there may load.
#[test]
fn the_working_directory_maps_no_code_without_ffi_or_processes() {
    let s = Scratch::new();
    let script = s.write(
        "mounts.py",
        "import os\nprint(os.path.exists('mounts.py'), bool(os.statvfs('.').f_flag & os.ST_NOEXEC))\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "True True\n", "{}", stderr(&out));
    let policy = s.write("ffi.yaml", "ffi: true\n");
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out), "True False\n", "{}", stderr(&out));
}

/// The script's directory is mounted `noexec` too, without foreign code or processes: a
/// shared object shipped beside the script cannot be mapped as code by a loader the guard does
/// not judge (Tcl's `load`, which mapped one and ran it, past the audit hook). With `ffi: true`
/// it may.
#[test]
fn the_scripts_directory_maps_no_code_without_ffi_or_processes() {
    let s = Scratch::new();
    s.write("blob.bin", &"\0".repeat(8192));
    let script = s.write(
        "beside.py",
        &format!(
            "{}import json, decimal, _json\nprint(\"extension modules load\")\n",
            map_as_code_probe("os.path.dirname(os.path.abspath(__file__))", "\"blob.bin\"")
        ),
    );
    // Started elsewhere, so that the script's directory is not the working directory's view.
    let elsewhere = tempfile::tempdir().expect("a directory");
    let out = run(s.exec().current_dir(elsewhere.path()).arg("--no-gate").arg(&script));
    assert_eq!(
        stdout(&out),
        "noexec True\nrefused 1\nextension modules load\n",
        "{}",
        stderr(&out)
    );
    let policy = s.write("ffi.yaml", "ffi: true\n");
    let out = run(s
        .exec()
        .current_dir(elsewhere.path())
        .arg("--no-gate")
        .arg("--policy")
        .arg(&policy)
        .arg(&script));
    assert_eq!(stdout(&out), "noexec False\nmapped\nextension modules load\n", "{}", stderr(&out));
}

/// A directory the policy lets the program write is mounted `noexec` too, without foreign code
/// or processes: a shared object written there could otherwise be loaded by a library that
/// maps one by its own configuration (an OpenSSL provider named by `OPENSSL_CONF`, which ran
/// its constructor at `import hashlib`), with no import the guard judges. With `ffi: true` it
/// may be mapped.
#[test]
fn a_write_path_maps_no_code_without_ffi_or_processes() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let out_dir = tempfile::tempdir().expect("test setup");
    std::fs::set_permissions(out_dir.path(), std::fs::Permissions::from_mode(0o777))
        .expect("test setup");
    let dir = out_dir.path().display().to_string();
    // The file is the program's own, written in the directory first (a name per uid: each run
    // has its own).
    let name = "'blob%d.bin' % os.getuid()";
    let script = s.write(
        "written.py",
        &format!(
            "import os\nopen(os.path.join({dir:?}, {name}), 'wb').write(bytes(8192))\n{}",
            map_as_code_probe(&format!("{dir:?}"), name)
        ),
    );
    let policy = s.write("w.yaml", &format!("fs:\n  read: [{dir:?}]\n  write: [{dir:?}]\n"));
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out), "noexec True\nrefused 1\n", "{}", stderr(&out));
    let policy =
        s.write("ffi.yaml", &format!("ffi: true\nfs:\n  read: [{dir:?}]\n  write: [{dir:?}]\n"));
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out), "noexec False\nmapped\n", "{}", stderr(&out));
}

/// A program that prints whether the directory `dir` (a Python expression) is mounted
/// `noexec`, then maps its file `name` (an expression) readable and executable.
fn map_as_code_probe(dir: &str, name: &str) -> String {
    format!(
        r#"import mmap, os
d = {dir}
print("noexec", bool(os.statvfs(d).f_flag & os.ST_NOEXEC))
with open(os.path.join(d, {name}), "rb") as f:
    try:
        mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ | mmap.PROT_EXEC)
        print("mapped")
    except OSError as e:
        print("refused", e.errno)
"#
    )
}

/// A directory that holds the interpreter's own (a virtual environment inside the project) is
/// not mounted `noexec`: its extension modules load from there.
#[test]
fn the_scripts_directory_holding_the_interpreter_keeps_its_code() {
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[]);
    s.write("blob.bin", &"\0".repeat(8192));
    let script = s.write(
        "in_project.py",
        &map_as_code_probe("os.path.dirname(os.path.abspath(__file__))", "\"blob.bin\""),
    );
    let elsewhere = tempfile::tempdir().expect("a directory");
    let out =
        run(s.exec_with(&interpreter).current_dir(elsewhere.path()).arg("--no-gate").arg(&script));
    assert_eq!(stdout(&out), "noexec False\nmapped\n", "{}", stderr(&out));
}

/// Tcl, embedded by `_tkinter`, is foreign code: its `load` command maps any shared library,
/// and its file, socket and `exec` commands raise no audit event. Refused without `ffi`, as
/// `ctypes` is, whoever imports it; so are CPython's test and sample extension modules.
#[test]
fn tcl_is_foreign_code() {
    let s = Scratch::new();
    let script = s.write(
        "tcl.py",
        "import importlib\nfor name in ('_tkinter', 'tkinter', '_ctypes_test', '_testclinic', 'xxlimited', '_xxtestfuzz'):\n    try:\n        importlib.import_module(name)\n        print('imported', name)\n    except Exception as e:\n        print(type(e).__name__, name)\n",
    );
    let out = run(s.exec().arg("--no-gate").arg(&script));
    assert_eq!(
        stdout(&out),
        "ImportRefused _tkinter\nImportRefused tkinter\nImportRefused _ctypes_test\n\
         ImportRefused _testclinic\nImportRefused xxlimited\nImportRefused _xxtestfuzz\n",
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("importing _tkinter is not allowed (ffi: false)"),
        "{}",
        stderr(&out)
    );
}

/// Without processes, `execveat` is let through only for the interpreter's own start: its
/// descriptor, `AT_EMPTY_PATH` and one path pointer at a random address. The kernel ignores
/// the descriptor when the path is absolute, so native code (granted here) calling it with the
/// dynamic loader's path, or with an empty string of its own, would replace the interpreter
/// with a fresh one that has no guard. The filter kills the process instead.
#[test]
fn native_code_cannot_replace_the_interpreter_through_execveat() {
    let s = Scratch::new();
    let policy = s.write("ffi.yaml", "ffi: true\n");
    for (name, path_expr) in [("absolute", "loader.encode()"), ("empty", "ctypes.c_char_p(b'')")] {
        let code = format!(
            r#"
import ctypes, os, resource, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
loader = next(p for p in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1")
              if os.path.exists(p))
exec_fd = resource.getrlimit(resource.RLIMIT_NOFILE)[0] + 16
code = "print('NOGUARD-' + str(6 * 7))"
args = [loader, sys.executable, "-I", "-c", code]
argv = (ctypes.c_char_p * (len(args) + 1))(*[a.encode() for a in args], None)
envp = (ctypes.c_char_p * 1)(None)
sys.stdout.flush()
for fd in (exec_fd, exec_fd - 1, exec_fd + 1):
    rc = libc.syscall(322, fd, {path_expr}, argv, envp, 0x1000)
    print("refused", fd, rc, ctypes.get_errno(), flush=True)
"#
        );
        let script = s.write(&format!("execveat_{name}.py"), &code);
        let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
        let (so, se) = (stdout(&out), stderr(&out));
        assert!(!so.contains("NOGUARD-42"), "{name}: a new program ran:\n{so}\n{se}");
        assert!(
            !so.contains("refused"),
            "{name}: the call returned instead of ending the program:\n{so}\n{se}"
        );
        assert!(se.contains("seccomp"), "{name}: {se}");
        assert_ne!(out.status.code(), Some(0), "{name}: {se}");
    }
}

/// The guard's channel is the program's to write to as well; an `end` record forged there
/// (a memory limit, a violation of the program's wording) decides neither pysbx's verdict nor
/// its exit status: only the guard's own record, which carries a secret, does.
#[test]
fn an_end_record_forged_on_the_guards_pipe_changes_no_verdict() {
    let s = Scratch::new();
    let script = s.write(
        "forge.py",
        r#"
import json, os, sys
high = sorted(int(x) for x in os.listdir("/proc/self/fd") if x.isdigit() and int(x) > 100)
pipes = [f for f in high if os.readlink("/proc/self/fd/%d" % f).startswith(("pipe:", "socket:"))]
for reason in ("memory", "violation"):
    h = json.dumps({"t": "end", "reason": reason, "message": "forged by the program"}).encode()
    for fd in pipes:
        try:
            os.write(fd, len(h).to_bytes(4, "big") + h)
        except OSError:
            pass
print("exiting 3", flush=True)
sys.exit(3)
"#,
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "exiting 3\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!stderr(&out).contains("memory limit"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("forged by the program"), "{}", stderr(&out));
}

/// The guard reads a violation end from the class of the exception that ended the program,
/// and the program can make those classes itself: `pysbx.PolicyViolation` with a refusal's
/// words, a class of its own named `PysbxBlocked` with a gate stub's. Neither is reported as a
/// violation (nor gets a hint to widen the policy) unless the run recorded that refusal: the
/// program ends as the uncaught exception it is, with python3's status. A real refusal and a
/// real stub still end the run as violations.
#[test]
fn a_violation_the_program_raises_itself_is_not_reported_as_one() {
    let s = Scratch::new();
    let forged = s.write(
        "forged.py",
        r#"import errno, sys
import pysbx
class PysbxBlocked(PermissionError):
    pass
if sys.argv[1:] == ["guard"]:
    raise pysbx.PolicyViolation(errno.EPERM, "pysbx: connecting to 10.6.6.6:22 is not allowed (net)")
raise PysbxBlocked("PSB103 (exec-string) blocked at line 3: exec(payload)")
"#,
    );
    for args in [&["guard"][..], &[][..]] {
        let events = s.path().join("events.jsonl");
        let out = run(s.exec().arg("--events").arg(&events).arg(&forged).arg("--").args(args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("pysbx: policy violation"), "{args:?}: {err}");
        assert!(!err.contains("hint:"), "{args:?}: {err}");
        let text = std::fs::read_to_string(&events).expect("events written");
        let end: serde_json::Value =
            serde_json::from_str(text.lines().last().expect("an end record")).expect("json");
        assert_eq!(end["reason"], "exit", "{args:?}: {text}");
    }
    let real = s.write("real.py", "import socket\ns = socket.socket()\n");
    let out = run(s.exec().arg(&real));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(stderr(&out).contains("pysbx: policy violation: PSB401"), "{}", stderr(&out));
    let out = run(s.exec().arg("--no-gate").arg(&real));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pysbx: policy violation: pysbx: IP sockets are not allowed"),
        "{}",
        stderr(&out)
    );
}

/// On a terminal the program's own escape sequences cannot hide how the run ended: a title
/// sequence left open (`ESC ] 0 ;`, which swallows what follows) is cancelled before pysbx's
/// last lines, and a refusal whose line the program moved back over and erased is told again
/// at the end, after the program can no longer write. Run under `script`, which gives the run
/// a terminal.
#[test]
fn the_programs_escape_sequences_cannot_hide_the_runs_refusals_on_a_terminal() {
    let s = Scratch::new();
    let script = s.write(
        "erase.py",
        r#"import sys, time
try:
    open("/root/pysbx-erase-test", "w")
except OSError:
    pass
time.sleep(0.2)
sys.stdout.write("\x1b[1A\x1b[2K\rall good\n\x1b]0;")
sys.stdout.flush()
"#,
    );
    let command = format!(
        "{} exec --no-config --python {} {}",
        env!("CARGO_BIN_EXE_pysbx"),
        python().display(),
        script.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(s.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("`script` (util-linux) runs the test on a terminal");
    let text = String::from_utf8_lossy(&out.stdout);
    let opened = text.find("\x1b]0;").expect("the program's open title sequence");
    let cancelled = text[opened..].find("\x18\x1b\\\x1b[0m").map(|at| opened + at);
    let told = text.find("pysbx: 1 operation was refused during the run, the first: changing");
    assert!(cancelled.is_some_and(|c| told.is_some_and(|t| c < t)), "{text:?}");
    assert!(text.contains("(fs.write)"), "{text:?}");
    assert!(!std::path::Path::new("/root/pysbx-erase-test").exists());
}

/// Nor does any other record forged there: a violation event (which would have the run
/// killed and a violation reported that never was, in the program's chosen words), a second
/// `hello` (which would rewrite the isolation tier and stall the loop that answers the import
/// gate), or the program's `pysbx_io` output. The program runs on to its end, its imports
/// still gated, and only what the guard itself said is reported.
#[test]
fn records_forged_on_the_guards_pipe_are_not_believed() {
    let s = Scratch::new();
    s.write("helper_after.py", "VALUE = 7\n");
    let script = s.write(
        "forge_all.py",
        r#"
import json, os, sys
high = sorted(int(x) for x in os.listdir("/proc/self/fd") if x.isdigit() and int(x) > 100)
pipes = [f for f in high if os.readlink("/proc/self/fd/%d" % f).startswith(("pipe:", "socket:"))]
event = {"kind": "violation", "clause": "net", "message": "forged violation of the program",
         "module": "requests", "file": "/x/api.py", "line": 59, "stack": [],
         "action": "killed", "operation": "socket.connect"}
records = [
    ({"t": "event", "event": event}, b""),
    ({"t": "hello", "layers": {"landlock": "forged layer", "seccomp": "forged layer"}}, b""),
    ({"t": "output", "blob": 17}, b'{"forged": true} '),
]
for header, blob in records:
    h = json.dumps(header).encode()
    for fd in pipes:
        try:
            os.write(fd, len(h).to_bytes(4, "big") + h + blob)
        except OSError:
            pass
import helper_after
print("still running", helper_after.VALUE, flush=True)
"#,
    );
    let events = s.path().join("ev.jsonl");
    let output = s.path().join("out.json");
    let started = std::time::Instant::now();
    let out = run(s
        .exec()
        .arg("-v")
        .arg("--events")
        .arg(&events)
        .arg("--output")
        .arg(&output)
        .arg(&script));
    let err = stderr(&out);
    assert_eq!(stdout(&out), "still running 7\n", "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("forged"), "{err}");
    let logged = std::fs::read_to_string(&events).expect("events written");
    assert!(!logged.contains("forged"), "{logged}");
    assert!(
        !output.exists()
            || !std::fs::read_to_string(&output).unwrap_or_default().contains("forged")
    );
    // The gate answered the import at once: the loop was not left waiting for a configuration.
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

/// The guard's channel, at the top two descriptors the open-files limit leaves (where the
/// guard moves it), for a program to reach.
const CHANNEL_FDS: &str = r#"
import os
TOP = max(5, min(os.sysconf("SC_OPEN_MAX"), 1 << 16) - 2)
CHANNEL = (TOP - 1, TOP)
"#;

/// The channel's descriptors are the program's too, but closing them (a daemon's
/// `os.closerange`), shutting them down or putting another file in their place would end
/// every report after it, the run's violations and its verdict, while the guard refused on
/// unseen. The kernel refuses all three; the guard's reports go on.
#[test]
fn the_guards_channel_cannot_be_closed_and_its_reports_go_on() {
    let s = Scratch::new();
    let script = s.write(
        "closer.py",
        &format!(
            r#"{CHANNEL_FDS}
import socket
os.closerange(3, 1 << 16)
for fd in CHANNEL:
    for what, step in (("close", lambda: os.close(fd)), ("dup2", lambda: os.dup2(0, fd)),
                       ("shutdown", lambda: socket.socket(fileno=fd).shutdown(socket.SHUT_RDWR))):
        try:
            step()
            print("DONE", what, fd)
        except PermissionError:
            print("REFUSED", what)
try:
    open("/etc/shadow").read()
except PermissionError:
    print("shadow refused")
import json
print("imported", json.dumps(1))
"#
        ),
    );
    let events = s.path().join("ev.jsonl");
    let out = run(s.exec().arg("--events").arg(&events).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!text.contains("DONE"), "{text}{err}");
    assert_eq!(text.matches("REFUSED").count(), 6, "{text}{err}");
    assert!(text.ends_with("shadow refused\nimported 1\n"), "{text}{err}");
    // Reported as it happened, after every descriptor was closed.
    assert!(err.contains("violation [fs.read] reading /etc/shadow"), "{err}");
    let v = violations(&events);
    assert!(v.iter().any(|e| e["clause"] == "fs.read"), "{v:?}");
}

/// Runs `attack` (after [`CHANNEL_FDS`], before a last `print`) without the gate, and checks
/// the run was ended as a violation of the guard's channel, reported as such, before the
/// program could run on.
fn assert_the_broken_channel_ends_the_run(what: &str, attack: &str) {
    let s = Scratch::new();
    let script =
        s.write("attack.py", &format!("{CHANNEL_FDS}\n{attack}\nprint('ran on unreported')\n"));
    let events = s.path().join("ev.jsonl");
    let out = run(s.exec().arg("--no-gate").arg("--events").arg(&events).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    let ctx = format!("{what}: {text}{err}");
    assert!(!text.contains("ran on unreported"), "{ctx}");
    assert_eq!(out.status.code(), Some(122), "{ctx}");
    assert!(err.contains("violation [guard] the program broke the guard's channel"), "{ctx}");
    let v = violations(&events);
    assert!(v.iter().any(|e| e["clause"] == "guard" && e["action"] == "killed"), "{ctx}: {v:?}");
}

/// Any descriptor of the channel's socket shuts it down, a copy of one too (`dup2` from it, or
/// one the program sent itself over a socket pair): the guard's reports after it were lost and
/// the run ended as the program chose. pysbx sees the channel end while the program still runs
/// (not exiting, by the kernel's word) and ends the run as a violation; the guard itself ends
/// the program at the first report it cannot send.
#[test]
fn the_guards_channel_shut_down_through_a_copy_ends_the_run() {
    for (how, copy) in [
        ("dup2", "a, b = socket.socketpair()\nos.dup2(CHANNEL[0], a.fileno())\ncopy = a"),
        (
            "sent",
            "a, b = socket.socketpair()\nsocket.send_fds(a, [b'x'], [CHANNEL[0]])\n\
             fds = socket.recv_fds(b, 1, 1)[1]\ncopy = socket.socket(fileno=fds[0])",
        ),
    ] {
        // Then nothing (pysbx sees the end), a violation (the guard cannot report it), and a
        // record cut short first (the end comes inside a frame).
        for then in ["time.sleep(3)", "open('/etc/shadow').read()", "None\n    time.sleep(3)"] {
            let cut = if then.starts_with("None") {
                "os.write(copy.fileno(), (100).to_bytes(4, 'big') + b'{')\n"
            } else {
                ""
            };
            assert_the_broken_channel_ends_the_run(
                &format!("{how}, {then}"),
                &format!(
                    "import socket, time\n{copy}\n{cut}copy.shutdown(socket.SHUT_WR)\n\
                     try:\n    {then}\nexcept PermissionError:\n    pass\n"
                ),
            );
        }
    }
}

/// Writing on the channel is the program's to do, and a whole record of its own is read past
/// (it lacks the guard's secret). Written out of step, a record of its own would swallow the
/// guard's that followed: a length alone (the guard's next record read as its header), or a
/// header announcing data (the guard's records read as that data). pysbx notices the guard's
/// record where it lands and ends the run as a violation, rather than run on unreported.
#[test]
fn a_record_written_out_of_step_on_the_guards_channel_ends_the_run() {
    for (how, write) in [
        ("length", "os.write(CHANNEL[0], (1000).to_bytes(4, 'big'))"),
        (
            "data",
            "h = json.dumps({'t': 'output', 'blob': 100000}).encode()\n\
             os.write(CHANNEL[0], len(h).to_bytes(4, 'big') + h)",
        ),
    ] {
        assert_the_broken_channel_ends_the_run(
            how,
            &format!(
                "import json, time\n{write}\n\
                 try:\n    open('/etc/shadow').read()\nexcept PermissionError:\n    pass\n\
                 time.sleep(2)\n"
            ),
        );
    }
}

/// A lock is state every process opening the file shares: the program may lock what it may
/// write (its working directory's files), not a file of the host it can only read (its own
/// script, lent at its host path), where a lock would hold up the host's processes that lock
/// the same file until the run ended. While the program runs, the host still locks its script.
#[test]
fn the_program_cannot_lock_the_hosts_files() {
    let s = Scratch::new();
    let script = s.write(
        "locker.py",
        r#"
import fcntl, os, struct, sys
with open("own.lock", "w") as own:
    fcntl.flock(own, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fcntl.lockf(own, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("own locked", flush=True)
held = []
for how in ("flock", "lockf", "fcntl"):
    f = open(os.path.abspath(__file__), "rb")
    try:
        if how == "flock":
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        elif how == "lockf":
            fcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        else:
            fcntl.fcntl(f, fcntl.F_SETLK, struct.pack("hhqqi", fcntl.F_RDLCK, 0, 0, 0, 0))
        print(how, "taken", flush=True)
    except OSError as e:
        print(how, "refused", flush=True)
    held.append(f)
print("holding", flush=True)
sys.stdin.readline()
"#,
    );
    let mut held = Waiting::spawn(s.exec().arg(&script));
    let said = held.lines_until("holding");
    // The host locks the script, exclusively and without waiting, while the program holds
    // what it opened.
    let file = std::fs::File::open(&script).expect("test setup");
    let locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map(drop)
        .map_err(|(_, e)| e);
    let (_, out) = held.finish(b"\n");
    assert_eq!(
        said,
        ["own locked", "flock refused", "lockf refused", "fcntl refused", "holding"],
        "{}",
        stderr(&out)
    );
    assert_eq!(locked, Ok(()), "the host could not lock the script");
}

/// A relative symlink is read from wherever it is: one that climbs with `..` could lead
/// inside the policy where it is made and outside once it, or a directory holding it, is
/// renamed elsewhere in a write path, where it stays on the host after the run (the host then
/// reads a secret or writes a file through it). Such links are refused; one that stays below
/// its directory, and an absolute one inside the policy, are made as before.
#[test]
fn a_symlink_cannot_be_planted_to_lead_outside_a_write_path() {
    let s = Scratch::new();
    let allowed = s.path().join("allowed");
    std::fs::create_dir(&allowed).expect("test setup");
    std::fs::set_permissions(&allowed, std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .expect("test setup");
    s.write("priv/secret.txt", "not for the program\n");
    let policy = s.write(
        "w.yaml",
        &format!("fs:\n  read: [{a:?}]\n  write: [{a:?}]\n", a = allowed.display().to_string()),
    );
    let script = s.write(
        "plant.py",
        &format!(
            r#"
import os
A = {a:?}
os.mkdir(A + "/sub")
for target, link in (("../priv/secret.txt", "/sub/report.txt"), ("sub/../../priv", "/up")):
    try:
        os.symlink(target, A + link)
        print("made", link)
    except OSError as e:
        print("refused", link)
os.symlink("data.txt", A + "/sub/inside")
os.rename(A + "/sub/inside", A + "/inside")
print("kept", os.readlink(A + "/inside"))
"#,
            a = allowed.display().to_string()
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    assert_eq!(text, "refused /sub/report.txt\nrefused /up\nkept data.txt\n", "{}", stderr(&out));
    for name in ["report.txt", "sub/report.txt", "up"] {
        assert!(std::fs::symlink_metadata(allowed.join(name)).is_err(), "{name} was made");
    }
}

/// A persistent working directory is given back to its owner after the run with everything
/// the program made in it; what the program made loses others' write permission (and set-id
/// bits, which the program cannot set: see the next test), which given to root would let any
/// local user change a root-owned file or use a set-group-id directory of root's. Other
/// permissions stay as the program set them.
#[test]
fn a_persistent_workdir_comes_back_without_set_id_or_world_writable_entries() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = Scratch::new();
    let kept = tempfile::tempdir().expect("test setup");
    std::fs::set_permissions(kept.path(), std::fs::Permissions::from_mode(0o755))
        .expect("test setup");
    let policy =
        s.write("wd.yaml", &format!("fs:\n  workdir: {:?}\n", kept.path().display().to_string()));
    let script = s.write(
        "modes.py",
        "import os\nopen('ww', 'w').close()\nos.chmod('ww', 0o777)\nos.mkdir('sgid_d')\n\
         try:\n    os.chmod('sgid_d', 0o2777)\nexcept PermissionError:\n    print('set-id refused')\n\
         os.chmod('sgid_d', 0o777)\nopen('plain', 'w').close()\nos.chmod('plain', 0o640)\n\
         print('made')\n",
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out), "set-id refused\nmade\n", "{}", stderr(&out));
    let mode = |name: &str| {
        let meta = std::fs::metadata(kept.path().join(name)).expect("made by the program");
        (meta.mode() & 0o7777, meta.uid())
    };
    let me = std::fs::metadata(kept.path()).expect("test setup").uid();
    assert_eq!(mode("ww"), (0o775, me));
    assert_eq!(mode("sgid_d"), (0o775, me));
    assert_eq!(mode("plain"), (0o640, me));
}

/// A file the program makes in a directory of the host's stays there, owned by the run's uid:
/// with a set-user-id or set-group-id bit it would run as that uid for whoever starts it (and
/// for the next run given the uid), and a set-group-id directory would give its group to what
/// the host makes in it. No way of giving a mode sets either bit: `chmod` (by path or
/// descriptor), a creating `open` (`os.open`, and `O_TMPFILE`), `mkdir`. Other modes stay
/// the program's to choose.
#[test]
fn no_set_id_mode_reaches_a_host_directory() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let out_dir = tempfile::tempdir().expect("test setup");
    std::fs::set_permissions(out_dir.path(), std::fs::Permissions::from_mode(0o777))
        .expect("test setup");
    let dir = out_dir.path().display().to_string();
    let policy = s.write("w.yaml", &format!("fs:\n  read: [{dir:?}]\n  write: [{dir:?}]\n"));
    let script = s.write(
        "setid.py",
        &format!(
            r#"
import os
d = {dir:?}
steps = [
    ("chmod", lambda: (open(d + "/a", "w").close(), os.chmod(d + "/a", 0o4755))),
    ("fchmod", lambda: os.fchmod(os.open(d + "/b", os.O_CREAT | os.O_WRONLY, 0o755), 0o2755)),
    ("open", lambda: os.open(d + "/c", os.O_CREAT | os.O_WRONLY, 0o4755)),
    ("tmpfile", lambda: os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o2755)),
    ("mkdir", lambda: os.mkdir(d + "/e", 0o2775)),
    ("plain", lambda: os.chmod(d + "/a", 0o751)),
]
for label, step in steps:
    try:
        step()
        print("DONE", label)
    except PermissionError:
        print("REFUSED", label)
"#
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(
        stdout(&out),
        "REFUSED chmod\nREFUSED fchmod\nREFUSED open\nREFUSED tmpfile\nREFUSED mkdir\nDONE plain\n",
        "{}",
        stderr(&out)
    );
    for entry in std::fs::read_dir(out_dir.path()).expect("test setup") {
        let path = entry.expect("test setup").path();
        let mode = std::fs::metadata(&path).expect("test setup").permissions().mode();
        assert_eq!(mode & 0o6000, 0, "{} has mode {mode:o}", path.display());
    }
    let mode = |name: &str| {
        std::fs::metadata(out_dir.path().join(name)).map(|m| m.permissions().mode() & 0o7777)
    };
    assert_eq!(mode("a").ok(), Some(0o751));
    assert!(mode("c").is_err() && mode("e").is_err(), "created with a set-id mode");
}

/// The classic walk from `object` to every loaded class (`().__class__.__base__.__subclasses__()`
/// and its spellings) is refused when it runs, whatever the receiver was bound to: the gate
/// hands `X.__subclasses__()` to the guard's checked walk, which refuses the builtins' classes
/// (from which every class is reached, the guard's own included) and gives any other class's
/// subclasses. What the rules cannot see as a walk written out is stubbed as before.
#[test]
fn the_walk_from_objects_subclasses_is_refused_however_it_is_reached() {
    let s = Scratch::new();
    let script = s.write(
        "walk.py",
        r#"
def walk(cls):
    return cls.__subclasses__()

roots = [("object", lambda: walk(object)), ("dunder", lambda: ().__class__.__base__.__subclasses__()),
         ("mro", lambda: walk("".__class__.__mro__[-1])), ("exceptions", lambda: walk(BaseException)),
         ("type", lambda: walk(type)), ("method", lambda: type.__subclasses__(object)),
         ("own", lambda: walk(type("Mine", (), {})))]
for label, attempt in roots:
    try:
        print("WALKED", label, len(attempt()))
    except PermissionError as e:
        print("REFUSED", label)
"#,
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "REFUSED object\nREFUSED dunder\nREFUSED mro\nREFUSED exceptions\nREFUSED type\n\
         REFUSED method\nWALKED own 0\n",
        "{}",
        stderr(&out)
    );
}

/// `sys._getframe(n).f_globals`, which the gate hands to the guard, gives the globals of the
/// program's frames, the standard library's and importlib's (each a module's, which importing
/// it gives anyway), and never a frame of pysbx's: walked down from the program and from a
/// module being imported, it ends refused (or past the stack's end) without ever giving the
/// facades' namespace. The frame itself is never handed out.
#[test]
fn a_callers_globals_never_reach_the_guards_frames() {
    let s = Scratch::new();
    let walk = r#"
import sys
def walk(label):
    seen = []
    for n in range(60):
        try:
            g = sys._getframe(n).f_globals
        except PermissionError:  # before ValueError: the refusal is both, as a stub's is
            seen.append("refused")
            break
        except ValueError:
            seen.append("end")
            break
        if "_frame_at" in g or "_walk_roots" in g or "_real_kill" in g:
            seen.append("FACADES")
            break
        seen.append(g.get("__name__", "?"))
    # Below the first frame of pysbx's lies the loader that started it: nothing there either.
    deeper = []
    for m in range(n + 1, n + 4):
        try:
            deeper.append(sorted(sys._getframe(m).f_globals))
        except (PermissionError, ValueError):
            pass
    print(label, seen[0], seen[-1], "FACADES" in seen, deeper)
"#;
    s.write("walker.py", walk);
    s.write("imported.py", "import walker\nwalker.walk('import')\n");
    let script = s.write("main.py", "import walker\nwalker.walk('main')\nimport imported\n");
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "main walker refused False []\nimport walker refused False []\n",
        "{}",
        stderr(&out)
    );
}

/// A `compile` that only parses is handed to `ast.parse` and gives a tree; making code of that
/// tree is a `compile` of its own, refused as run-time code (and so are the builtins the
/// gate's rewrites call, called by hand for anything else).
#[test]
fn a_parse_only_compile_gives_a_tree_and_no_code() {
    let s = Scratch::new();
    let script = s.write(
        "parse.py",
        r#"
import ast
tree = compile("import os\nos.system('echo PWN$((6*7))')\n", "x.py", "exec", ast.PyCF_ONLY_AST)
print(type(tree).__name__, len(tree.body))
for label, attempt in [("from the tree", lambda: compile(tree, "x.py", "exec")),
                       ("by hand", lambda: __pysbx_parse__("x = 1", "x.py", "exec").body[0].value.value)]:
    try:
        print("MADE", label, attempt())
    except PermissionError:
        print("REFUSED", label)
"#,
    );
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    assert_eq!(text, "Module 2\nREFUSED from the tree\nMADE by hand 1\n", "{}", stderr(&out));
    assert!(!text.contains("PWN42") && !stderr(&out).contains("PWN42"), "{}", stderr(&out));
}

/// A file-system watch reports the names of the entries made, opened, changed or removed in
/// a directory, which Landlock does not judge: even with foreign code granted (and so through
/// the C library, past the guard), a watch is refused, on a directory the policy does not let
/// the program read as on any other.
#[test]
fn no_file_system_watch_lists_a_directory() {
    let s = Scratch::new();
    let policy = s.write("ffi.yaml", "ffi: true\n");
    let script = s.write(
        "watch.py",
        r#"
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0o4000)
for path in (b"/root", b"/tmp", os.getcwd().encode()):
    wd = libc.inotify_add_watch(fd, path, 0xfff)
    print(path.decode().split("/")[1] or "cwd", wd, errno.errorcode.get(ctypes.get_errno(), "0"))
print("fanotify", libc.fanotify_init(0, 0), errno.errorcode.get(ctypes.get_errno(), "0"))
"#,
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}{}", stderr(&out));
    for line in &lines {
        assert!(line.ends_with(" -1 EPERM"), "{line}: {text}{}", stderr(&out));
    }
}

/// Without foreign code no memory is writable and executable at once, and none is executable
/// anonymous memory (which `mprotect`, out of Python's reach but not of a bug of CPython's,
/// would otherwise make the end of a write-then-flip): machine code the program writes has
/// nowhere to run. Memory the program reads and writes, and files mapped for reading, still
/// map; `ffi: true` (a JIT's case) maps all of it.
#[test]
fn memory_is_never_writable_and_executable_without_ffi() {
    let s = Scratch::new();
    let code = r#"
import mmap, os, tempfile
R, W, X = mmap.PROT_READ, mmap.PROT_WRITE, mmap.PROT_EXEC
def attempt(name, make):
    try:
        m = make()
    except PermissionError:
        print(name, "refused")
    except OSError as e:
        print(name, "failed", e.errno)
    else:
        m.close()
        print(name, "mapped")
def of_file(path, flags, prot, mode="rb"):
    with open(path, mode) as f:
        return mmap.mmap(f.fileno(), 0, flags=flags, prot=prot)
# A file of the interpreter's own, on a mount that lets files be mapped as code.
lib = os.__file__
scratch = os.path.join(tempfile.gettempdir(), "code.bin")
with open(scratch, "wb") as f:
    f.write(b"\xc3" * 4096)
attempt("anonymous-rwx", lambda: mmap.mmap(-1, 4096, prot=R | W | X))
attempt("anonymous-rx", lambda: mmap.mmap(-1, 4096, prot=R | X))
attempt("private-file-rwx", lambda: of_file(lib, mmap.MAP_PRIVATE, R | W | X))
attempt("shared-scratch-rwx", lambda: of_file(scratch, mmap.MAP_SHARED, R | W | X, "r+b"))
attempt("anonymous-rw", lambda: mmap.mmap(-1, 4096))
attempt("file-r", lambda: of_file(lib, mmap.MAP_SHARED, R))
attempt("file-rx", lambda: of_file(lib, mmap.MAP_PRIVATE, R | X))
m = mmap.mmap(-1, 1 << 20)
m[:5] = b"hello"
print("anonymous memory", m[:5].decode(), len(m))
"#;
    let script = s.write("wx.py", code);
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    for refused in ["anonymous-rwx", "anonymous-rx", "private-file-rwx", "shared-scratch-rwx"] {
        assert!(text.contains(&format!("{refused} refused\n")), "{refused}: {ctx}");
    }
    for mapped in ["anonymous-rw", "file-r", "file-rx"] {
        assert!(text.contains(&format!("{mapped} mapped\n")), "{mapped}: {ctx}");
    }
    assert!(text.ends_with("anonymous memory hello 1048576\n"), "{ctx}");
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    // Granted foreign code, every mapping but the one of a file in a private directory (a
    // `noexec` mount whatever the policy) is made.
    let policy = s.write("ffi.yaml", "ffi: true\n");
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    for mapped in
        ["anonymous-rwx", "anonymous-rx", "private-file-rwx", "anonymous-rw", "file-r", "file-rx"]
    {
        assert!(text.contains(&format!("{mapped} mapped\n")), "ffi: {mapped}: {ctx}");
    }
    assert!(text.contains("shared-scratch-rwx refused\n"), "ffi: {ctx}");
    assert_eq!(out.status.code(), Some(0), "ffi: {ctx}");
}

/// The script's lent directory shows its files as the sandbox uid's own, and the owner of a
/// file may take a lease on it: a read lease made every open of that file for writing on the
/// host (root's too: an editor saving the script) wait until the program let go or ended, up to
/// the wall time. The kernel filter refuses leases (and directory notices).
#[test]
fn a_lease_on_the_scripts_own_file_never_holds_up_the_host() {
    use std::io::{BufRead, BufReader};
    for gate in [true, false] {
        let s = Scratch::new();
        let code = "import fcntl, time\nf = open(__file__)\ntry:\n    fcntl.fcntl(f.fileno(), fcntl.F_SETLEASE, fcntl.F_RDLCK)\n    print('LEASED', flush=True)\nexcept OSError as e:\n    print('refused', e.errno, flush=True)\ntime.sleep(6)\n";
        let script = s.write("lease.py", code);
        let mut cmd = s.exec();
        if !gate {
            cmd.arg("--no-gate");
        }
        cmd.arg(&script).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("test setup");
        crate::exec_support::track(&child);
        let mut first = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("test setup"));
        out.read_line(&mut first).expect("test setup");
        // The host opens the script for writing (and writes nothing) while the program waits.
        let started = std::time::Instant::now();
        let opened = std::fs::OpenOptions::new().append(true).open(&script);
        let waited = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        assert!(opened.is_ok(), "gate {gate}: {opened:?}");
        assert!(
            waited < std::time::Duration::from_secs(2),
            "gate {gate}: {first}waited {waited:?}"
        );
        assert!(first.starts_with("refused 1"), "gate {gate}: {first}");
    }
}

/// A path relative to a directory descriptor is judged by the guard against the directory the
/// descriptor stands for, not the working directory: a descriptor of `/proc/self` (which the
/// policy lets the program open) and `root/etc/shadow` name `/etc/shadow`, refused by the
/// guard by that name (through `os.open`, `open` with an opener, and a bytes path), and a
/// descriptor that stands for no directory (a pipe) is refused rather than guessed at.
#[test]
fn a_path_relative_to_a_descriptor_is_judged_where_it_leads() {
    let s = setup();
    let secret = s.secret_path.display().to_string();
    let code = format!(
        r#"
import os
d = os.open("/proc/self", os.O_RDONLY)
tries = [
    ("os.open", lambda: os.open("root/etc/shadow", os.O_RDONLY, dir_fd=d)),
    ("bytes", lambda: os.open(b"root" + {secret:?}.encode(), os.O_RDONLY, dir_fd=d)),
    ("opener", lambda: open("root/etc/passwd", opener=lambda p, fl: os.open(p, fl, dir_fd=d))),
]
r, w = os.pipe()
tries.append(("pipe", lambda: os.open("x", os.O_RDONLY, dir_fd=r)))
for name, attempt in tries:
    try:
        attempt()
        print(name, "opened")
    except PermissionError as e:
        print(name, type(e).__name__, e)
"#
    );
    let script = s.scratch.write("at.py", &code);
    let out = run(s.scratch.exec().arg("--no-gate").arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!text.contains(&s.secret), "{text}");
    for (name, path) in
        [("os.open", "/etc/shadow"), ("bytes", secret.as_str()), ("opener", "/etc/passwd")]
    {
        let line = format!(
            "{name} PolicyViolation [Errno 1] pysbx: reading {path} is not allowed (fs.read)"
        );
        assert!(text.lines().any(|l| l.contains(&line)), "{line}:\n{text}{err}");
        assert!(
            err.contains(&format!("violation [fs.read] reading {path} is not allowed")),
            "{err}"
        );
    }
    assert!(
        text.lines().any(|l| l.starts_with("pipe PolicyViolation")
            && l.contains("the directory it stands for cannot be told")),
        "{text}{err}"
    );
}

/// Real-time scheduling and a raised priority stay out of reach whatever the invoking shell
/// allows: with a real-time priority limit inherited from the caller (a desktop's audio group
/// often has one), a program that asked for `SCHED_FIFO` would hold a core of the host away
/// from everything else with a busy loop. The sandbox pins the real-time priority, real-time
/// CPU time and nice limits to 0, so none is inherited. (Raising them around pysbx needs
/// `CAP_SYS_RESOURCE`, which the test machine's root may lack; the pinned values are checked
/// directly: the real-time CPU time is unlimited by default, 0 here.)
#[test]
fn real_time_scheduling_is_refused_whatever_the_caller_allows() {
    let s = Scratch::new();
    let code = "import os, resource\nout = []\ntry:\n    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))\n    out.append('fifo granted')\nexcept OSError as e:\n    out.append('fifo refused %d' % e.errno)\ntry:\n    os.setpriority(os.PRIO_PROCESS, 0, -5)\n    out.append('priority raised')\nexcept OSError as e:\n    out.append('priority refused %d' % e.errno)\nprint([resource.getrlimit(r) for r in (resource.RLIMIT_RTPRIO, resource.RLIMIT_RTTIME, resource.RLIMIT_NICE)], out)\n";
    let script = s.write("realtime.py", code);
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let text = stdout(&out);
    assert!(text.starts_with("[(0, 0), (0, 0), (0, 0)]"), "{text}{}", stderr(&out));
    assert!(text.contains("fifo refused 1"), "{text}{}", stderr(&out));
    assert!(!text.contains("priority raised"), "{text}{}", stderr(&out));
}

/// The owner-only calls Landlock does not cover (`chmod`, `chown`, `utime`, extended
/// attributes) given a descriptor rather than a path (`fchmod`, `fchown`, `futimens`,
/// `fsetxattr`) are judged by the file the descriptor stands for, as their plain forms are.
/// Without root the program keeps the user's uid and owns the user's files: a file of a read
/// path, opened for reading, was changed through its descriptor. A descriptor given as an
/// object of the program's class, whose number the guard cannot read, is refused; a nameless
/// temporary file and a pipe stay the program's to change.
#[test]
fn owner_calls_by_descriptor_are_judged_by_the_file() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = Scratch::new();
    let data = tempfile::tempdir().expect("test setup");
    let file = data.path().join("kept.txt");
    std::fs::write(&file, "kept\n").expect("test setup");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("test setup");
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755))
        .expect("test setup");
    let nobody = 65534;
    for path in [data.path(), file.as_path()] {
        std::os::unix::fs::chown(path, Some(nobody), Some(nobody)).expect("test setup");
    }
    let before = std::fs::metadata(&file).expect("test setup");
    let policy = s.write("policy.yaml", &format!("fs:\n  read: [{:?}]\n", data.path()));
    let code = format!(
        r#"
import os, tempfile
path = {path:?}
fd = os.open(path, os.O_RDONLY)
d = os.open(os.path.dirname(path), os.O_RDONLY)
class Index:
    def __index__(self):
        return fd
tries = [
    ("fchmod", lambda: os.chmod(fd, 0o666)),
    ("fchmod-dir", lambda: os.chmod(d, 0o777)),
    ("fchown", lambda: os.chown(fd, -1, os.getgid())),
    ("futimens", lambda: os.utime(fd, (5, 5))),
    ("fsetxattr", lambda: os.setxattr(fd, "user.pwn", b"1")),
    ("index", lambda: os.chmod(Index(), 0o666)),
]
for name, attempt in tries:
    try:
        attempt()
        print(name, "changed")
    except PermissionError as e:
        print(name, type(e).__name__, e)
with tempfile.TemporaryFile() as t:
    os.chmod(t.fileno(), 0o600)
r, w = os.pipe()
os.chmod(w, 0o600)
print("own files changed")
"#,
        path = file.display().to_string()
    );
    let script = s.write("owner_fd.py", &code);
    let out = exec_as_nobody(&s).arg("--policy").arg(&policy).arg(&script).output();
    let out = out.expect("test setup");
    let (text, err) = (stdout(&out), stderr(&out));
    let ctx = format!("{text}{err}");
    for name in ["fchmod", "fchown", "futimens", "fsetxattr"] {
        let line = format!(
            "{name} PolicyViolation [Errno 1] pysbx: changing {} is not allowed (fs.write)",
            file.display()
        );
        assert!(text.lines().any(|l| l == line), "{line}: {ctx}");
    }
    assert!(
        text.contains(&format!(
            "fchmod-dir PolicyViolation [Errno 1] pysbx: changing {} is not allowed",
            data.path().display()
        )),
        "{ctx}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("index PolicyViolation")
            && l.contains("<Index object> stands for is not allowed")),
        "{ctx}"
    );
    assert!(text.contains("own files changed\n"), "{ctx}");
    let after = std::fs::metadata(&file).expect("test setup");
    assert_eq!(
        (after.mode(), after.uid(), after.gid(), after.mtime()),
        (before.mode(), before.uid(), before.gid(), before.mtime()),
        "{ctx}"
    );
    assert_eq!(std::fs::metadata(data.path()).expect("test setup").mode() & 0o777, 0o755);
    assert!(xattr_names(&file).is_empty(), "an attribute was set: {ctx}");
}

/// Without root the program keeps the user's uid and owns the user's files, and Landlock does
/// not cover the owner-only calls (`chmod`, `chown`, `utimes`, extended attributes): every
/// mount of its namespace is read-only but the write paths (and its private directory), so
/// those calls fail with `EROFS` whatever code makes them, on a file of a read path, on the
/// script, and on a file of the user's outside every policy path (a `~/.bashrc` made
/// world-writable would be anyone's to change). Foreign code is granted so that libc is called
/// directly, past the guard. A write path inside a read path stays writable, its files the
/// program's to change.
#[test]
fn owner_calls_without_root_meet_a_read_only_mount() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = Scratch::new();
    let data = tempfile::tempdir().expect("test setup");
    let file = data.path().join("kept.txt");
    std::fs::write(&file, "kept\n").expect("test setup");
    let out_dir = data.path().join("out");
    std::fs::create_dir(&out_dir).expect("test setup");
    let elsewhere = tempfile::tempdir().expect("test setup");
    let rc = elsewhere.path().join(".bashrc");
    std::fs::write(&rc, "alias ls='ls -F'\n").expect("test setup");
    let nobody = 65534;
    for (path, mode) in [
        (data.path(), 0o755),
        (out_dir.as_path(), 0o755),
        (file.as_path(), 0o644),
        (elsewhere.path(), 0o755),
        (rc.as_path(), 0o644),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("test setup");
        std::os::unix::fs::chown(path, Some(nobody), Some(nobody)).expect("test setup");
    }
    let policy = s.write(
        "policy.yaml",
        &format!("ffi: true\nfs:\n  read: [{:?}]\n  write: [{:?}]\n", data.path(), out_dir),
    );
    let code = format!(
        r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, call):
    ctypes.set_errno(0)
    rc = call()
    print(name, rc, ctypes.get_errno())
for label, path in (("data", {file:?}), ("script", os.path.abspath(__file__)), ("home", {rc:?})):
    p = path.encode()
    attempt(label + " chmod", lambda: libc.chmod(p, 0o666))
    attempt(label + " chown", lambda: libc.chown(p, os.getuid(), os.getgid()))
    attempt(label + " utimes", lambda: libc.utimes(p, None))
    attempt(label + " setxattr", lambda: libc.setxattr(p, b"user.pwn", b"1", 1, 0))
made = os.path.join({out:?}, "made.txt")
with open(made, "w") as f:
    f.write("x")
attempt("made chmod", lambda: libc.chmod(made.encode(), 0o600))
"#,
        file = file.display().to_string(),
        rc = rc.display().to_string(),
        out = out_dir.display().to_string()
    );
    let script = s.write("owner_ro.py", &code);
    std::os::unix::fs::chown(&script, Some(nobody), Some(nobody)).expect("test setup");
    let before: Vec<_> = [&file, &script, &rc]
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p).expect("test setup");
            (m.mode(), m.uid(), m.gid(), m.mtime(), m.mtime_nsec())
        })
        .collect();
    let out = exec_as_nobody(&s).arg("--policy").arg(&policy).arg(&script).output();
    let out = out.expect("test setup");
    let (text, err) = (stdout(&out), stderr(&out));
    let ctx = format!("{text}{err}");
    for label in ["data", "script", "home"] {
        for call in ["chmod", "chown", "utimes", "setxattr"] {
            let line = format!("{label} {call} -1 30\n");
            assert!(text.contains(&line), "{label} {call} was not refused with EROFS: {ctx}");
        }
    }
    assert!(text.contains("made chmod 0 0\n"), "the write path is writable: {ctx}");
    let after: Vec<_> = [&file, &script, &rc]
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p).expect("test setup");
            (m.mode(), m.uid(), m.gid(), m.mtime(), m.mtime_nsec())
        })
        .collect();
    assert_eq!(before, after, "{ctx}");
    assert!(xattr_names(&file).is_empty(), "an attribute was set: {ctx}");
    assert!(xattr_names(&script).is_empty(), "an attribute was set: {ctx}");
    assert!(xattr_names(&rc).is_empty(), "an attribute was set: {ctx}");
}

/// A new user namespace needs no privilege and gives its first process every capability in
/// it, over a network namespace made with it too (netfilter and the rest of the kernel's
/// network administration code, a large surface): `unshare` is refused, and so is `clone`
/// with a namespace flag when processes are granted (foreign code calls it directly). A plain
/// process still starts.
#[test]
fn processes_cannot_make_namespaces_through_clone() {
    let s = Scratch::new();
    let policy = s.write("policy.yaml", "ffi: true\nprocess: true\n");
    let code = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SIGCHLD = 17
for name, flags in (("user", 0x10000000), ("user+net", 0x10000000 | 0x40000000),
                    ("mount", 0x00020000), ("pid", 0x20000000)):
    ctypes.set_errno(0)
    pid = libc.syscall(56, flags | SIGCHLD, 0, 0, 0, 0)
    if pid == 0:
        os.write(1, b"NEW-" + b"NAMESPACE\n")
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        print(name, "made")
    else:
        print(name, "refused", ctypes.get_errno())
pid = libc.syscall(56, SIGCHLD, 0, 0, 0, 0)
if pid == 0:
    os._exit(7)
print("process", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"#;
    let script = s.write("clone_ns.py", code);
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!text.contains("NEW-NAMESPACE"), "{text}{err}");
    for name in ["user", "user+net", "mount", "pid"] {
        assert!(text.contains(&format!("{name} refused 1\n")), "{name}: {text}{err}");
    }
    assert!(text.contains("process 7\n"), "{text}{err}");
}

/// Native code (`ffi: true`) calling the kernel's interfaces an ordinary process may use but
/// the sandbox refuses (another process's memory, `ptrace`, `userfaultfd`, `io_uring`, the
/// key rings, `kcmp`, a new user namespace, another process's descriptors): each fails with
/// `EPERM` from the seccomp filter, whatever the arguments. (x86_64 numbers.)
#[cfg(target_arch = "x86_64")]
#[test]
fn native_code_meets_the_filter_on_the_kernels_risky_interfaces() {
    let s = Scratch::new();
    let policy = s.write("policy.yaml", "ffi: true\n");
    let code = r#"import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pid = os.getpid()
buf = ctypes.create_string_buffer(16)
iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 16)
params = ctypes.create_string_buffer(120)
calls = [
    ("ptrace", 101, (0, 0, 0, 0)),
    ("process_vm_readv", 310, (pid, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0)),
    ("process_vm_writev", 311, (pid, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0)),
    ("userfaultfd", 323, (1,)),
    ("io_uring_setup", 425, (4, ctypes.addressof(params))),
    ("keyctl", 250, (0, -3, 0)),
    ("add_key", 248, (b"user", b"k", b"v", 1, -3)),
    ("kcmp", 312, (pid, pid, 0, 0, 0)),
    ("unshare", 272, (0x10000000,)),
    ("pidfd_getfd", 438, (0, 0, 0)),
]
for name, nr, args in calls:
    ctypes.set_errno(0)
    r = libc.syscall(nr, *args)
    print(name, r, ctypes.get_errno())
"#;
    let script = s.write("syscalls.py", code);
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    for name in [
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "userfaultfd",
        "io_uring_setup",
        "keyctl",
        "add_key",
        "kcmp",
        "unshare",
        "pidfd_getfd",
    ] {
        assert!(text.contains(&format!("{name} -1 1\n")), "{name}: {text}{err}");
    }
}

/// Pid 1 of the sandbox's pid namespace is stage B, left behind as the namespace's init so
/// that the interpreter (pid 2) can end by its own signals: it is neither confined nor, as
/// root, of the sandbox uid. Native code of the program's (`ffi` and `process` granted, no
/// gate) can neither read its entry (memory, environment, descriptors, root, working
/// directory), nor signal, stop or trace it; as root and as an unprivileged user (whose uid
/// the init shares, inside a user namespace).
#[test]
fn the_init_of_the_sandbox_is_out_of_the_programs_reach() {
    let s = Scratch::new();
    let policy = s.write("policy.yaml", "ffi: true\nprocess: true\n");
    let code = r#"import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
print("pid", os.getpid(), os.getppid())
for path in (b"/proc/1/mem", b"/proc/1/environ", b"/proc/1/fd/0", b"/proc/1/fd/3",
             b"/proc/1/fd/5", b"/proc/1/root/etc/hostname", b"/proc/1/cwd/.", b"/proc/1/maps"):
    for flags in (os.O_RDONLY, os.O_RDWR):
        ctypes.set_errno(0)
        fd = libc.open(path, flags)
        print("open", path.decode(), flags, "OPENED" if fd >= 0 else "refused", ctypes.get_errno())
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
    ctypes.set_errno(0)
    print("kill", int(sig), libc.kill(1, sig), ctypes.get_errno())
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
for request in (PTRACE_ATTACH, PTRACE_SEIZE):
    ctypes.set_errno(0)
    print("ptrace", request, libc.ptrace(request, 1, None, None), ctypes.get_errno())
print("alive")
"#;
    let script = s.write("init.py", code);
    std::fs::set_permissions(s.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("test setup");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("test setup");
    std::fs::set_permissions(&policy, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("test setup");
    let as_root = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let as_nobody = exec_as_nobody(&s).arg("--policy").arg(&policy).arg(&script).output();
    let as_nobody = as_nobody.expect("test setup");
    for (who, out) in [("root", &as_root), ("nobody", &as_nobody)] {
        let (text, err) = (stdout(out), stderr(out));
        assert!(text.starts_with("pid 2 1\n"), "{who}: {text}{err}");
        assert_eq!(text.matches("refused").count(), 16, "{who}: {text}{err}");
        assert!(!text.contains("OPENED"), "{who}: {text}{err}");
        for sig in [9, 15, 19] {
            assert!(text.contains(&format!("kill {sig} -1 1\n")), "{who}: {text}{err}");
        }
        assert!(text.contains("ptrace 16 -1 1\n"), "{who}: {text}{err}");
        assert!(text.contains("ptrace 16902 -1 1\n"), "{who}: {text}{err}");
        assert!(text.ends_with("alive\n"), "{who}: {text}{err}");
        assert_eq!(out.status.code(), Some(0), "{who}: {text}{err}");
    }
}

/// `/proc/self/mem` written patches the interpreter's own memory, read-only pages included
/// (the kernel forces the write): the audit hook's list, the guard's code, machine code to
/// run. Read, it gives any byte of the interpreter: the secret the guard's records carry
/// among them, with which the program could forge a violation, its output or the verdict.
/// No code of the program's may open it, to write or to read, by any path that leads there
/// (a symlink, a descriptor's directory, the process's root, a thread's entry, the entry of a
/// thread made later), and native code (`ffi: true`, past the guard) meets Landlock's rule
/// (which grants `/proc/self` without `mem`) and a read-only `/proc`. The rest of the
/// process's entry stays readable.
#[test]
fn the_interpreters_memory_is_neither_writable_nor_readable_through_proc() {
    let s = Scratch::new();
    let code = r#"import os, threading
def attempt(label, fn):
    try:
        fn()
        print("OPENED", label)
    except OSError as e:
        print("refused", label, e.errno)
os.symlink("/proc/self/mem", "m")
d = os.open("/proc/self", os.O_RDONLY | os.O_DIRECTORY)
for mode, flags, tag in (("r+b", os.O_RDWR, "w"), ("rb", os.O_RDONLY, "r")):
    attempt("plain" + tag, lambda: open("/proc/self/mem", mode, buffering=0))
    attempt("pid" + tag, lambda: os.open("/proc/%d/mem" % os.getpid(), flags))
    attempt("thread" + tag, lambda: open("/proc/thread-self/mem", mode, buffering=0))
    attempt("task" + tag, lambda: os.open("/proc/self/task/%d/mem" % os.getpid(), flags))
    attempt("symlink" + tag, lambda: open("m", mode, buffering=0))
    attempt("dir_fd" + tag, lambda: os.open("mem", flags, dir_fd=d))
    attempt("root" + tag, lambda: open("/proc/self/root/proc/self/mem", mode, buffering=0))
    later = threading.Thread(target=attempt, args=("later" + tag,
        lambda: os.open("/proc/thread-self/mem", flags)))
    later.start()
    later.join()
print("pid", os.getpid())
print("status", open("/proc/self/status").readline().split()[0])
print("maps", len(open("/proc/self/maps").readline()) > 0)
print("fds", len(os.listdir("/proc/self/fd")) >= 3)
"#;
    let script = s.write("procmem.py", code);
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    for label in ["plain", "pid", "thread", "task", "symlink", "dir_fd", "root", "later"] {
        assert!(text.contains(&format!("refused {label}w 1\n")), "{label}: {text}{err}");
        assert!(text.contains(&format!("refused {label}r 13\n")), "{label}: {text}{err}");
    }
    assert!(!text.contains("OPENED"), "{text}{err}");
    assert!(text.contains("status Name:\nmaps True\nfds True\n"), "{text}{err}");
    // The interpreter's own entry by its number (pid 2: stage B stays behind as the pid
    // namespace's init).
    let pid = text
        .lines()
        .find_map(|l| l.strip_prefix("pid "))
        .unwrap_or_else(|| panic!("no pid printed: {text}{err}"));
    assert!(err.contains(&format!("[fs.write] changing /proc/{pid}/mem is not allowed")), "{err}");
    // `-v` says what Landlock left out.
    let quiet = s.write("quiet.py", "pass\n");
    let out = run(s.exec().arg("-v").arg(&quiet));
    assert!(
        stderr(&out).contains("/proc/self without the process's memory (mem)"),
        "{}",
        stderr(&out)
    );

    let policy = s.write("policy.yaml", "ffi: true\n");
    let native = r#"import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for path in (b"/proc/self/mem", b"/proc/self/task/%d/mem" % os.getpid()):
    for flags, tag in ((os.O_RDWR, "w"), (os.O_RDONLY, "r")):
        ctypes.set_errno(0)
        fd = libc.open(path, flags)
        print(path.decode(), tag, fd, ctypes.get_errno())
"#;
    let script = s.write("procmem_native.py", native);
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    for path in ["/proc/self/mem", "/proc/self/task/2/mem"] {
        assert!(text.contains(&format!("{path} w -1 30\n")), "EROFS: {text}{err}");
        assert!(text.contains(&format!("{path} r -1 13\n")), "EACCES: {text}{err}");
    }
}

/// The program sends its ends of the guard's channel and its standard output over the channel
/// itself (`SCM_RIGHTS`) while pysbx writes a large reply (the gate's for a big module it
/// imports), then exits: the descriptors wait in flight in pysbx's own receive queue, holding
/// the output pipe and the reply's reader open. pysbx ended neither at the program's end nor
/// at its wall clock, nor by SIGTERM; now the run ends at once, as the program did. Run under
/// `timeout`, so that a regression fails rather than stalls the suite.
#[test]
fn descriptors_sent_over_the_guards_channel_do_not_stall_the_end() {
    let s = Scratch::new();
    let code = r#"import array, os, select, socket, sys, threading
with open("bigmod.py", "w") as f:
    f.write("x = 1\n" * 400000)
sys.path.insert(0, os.getcwd())
ends = sorted(fd for fd in range(3, 1 << 16)
              if fd not in (0, 1, 2) and os.path.exists("/proc/self/fd/%d" % fd)
              and os.readlink("/proc/self/fd/%d" % fd).startswith("socket:"))
OUT, IN = ends[-2], ends[-1]
def imp():
    try:
        import bigmod
    except BaseException:
        pass
threading.Thread(target=imp, daemon=True).start()
select.select([IN], [], [], 20)
sock = type(socket.socketpair()[0])(fileno=OUT)
sock.sendmsg([b"\x00"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [OUT, IN, 1, 2]))])
sock.detach()
print("sent", flush=True)
os._exit(0)
"#;
    let script = s.write("inflight.py", code);
    let policy = s.write("policy.yaml", "limits: {wall_s: 30}\n");
    let pysbx = s.exec();
    let started = std::time::Instant::now();
    let out = run(Command::new("timeout")
        .args(["-k", "5", "90"])
        .arg(pysbx.get_program())
        .args(pysbx.get_args())
        .arg("--policy")
        .arg(&policy)
        .arg(&script)
        .current_dir(s.path())
        .stdin(std::process::Stdio::null()));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("sent\n"), "{text}{err}");
    assert!(!matches!(out.status.code(), Some(124 | 137) | None), "pysbx stalled: {err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "{:?}: {err}",
        started.elapsed()
    );
}

/// CPython gh-60198: a raw stream's `readinto` keeps the view its buffered reader lends it, the
/// reader is freed, a `bytearray` takes the freed memory, and the view rewrites its header: a
/// `bytearray` over the whole process, through which a published escape empties the audit
/// hooks' list. The gate strips the statement that keeps the view (`lent-buffer-kept`,
/// PSB715), so the program is left with nothing (the kernel's layers hold either way).
#[test]
fn a_view_lent_to_readinto_is_not_kept() {
    let s = Scratch::new();
    let code = r#"import io
class Raw(io.RawIOBase):
    kept = None
    def readable(self):
        return True
    def readinto(self, b):
        Raw.kept = b
        return 0
reader = io.BufferedReader(Raw(), buffer_size=bytearray.__basicsize__)
reader.read(1)
view = Raw.kept
del reader
spray = [bytearray() for _ in range(64)]
print("kept", view is not None)
if view is not None:
    q = view.cast("Q")
    print("aliased", q[1] == id(bytearray))
"#;
    let script = s.write("uaf.py", code);
    let out = run(s.exec().arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(text, "kept False\n", "{err}");
    assert!(err.contains("gate [PSB715]") && err.contains("stripped"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// The program can write frames of its own on the guard's channel; pysbx drops them for want
/// of the guard's secret, and must not pay for them more than their bytes: a header of 64 MiB
/// holding an array of zeros, made into a JSON tree, took about 2.5 GB of pysbx's memory
/// (twice, for the two frames the channel holds). Under a 1 GiB limit on pysbx's address
/// space the run ends as the program does, with its output.
#[test]
fn a_forged_header_on_the_guards_channel_costs_pysbx_only_its_bytes() {
    let s = Scratch::new();
    // The channel's descriptors are the program's sockets; the one pysbx reads is the one
    // that takes writes (the other is shut in that direction).
    let code = r#"import os, stat, struct
body = b"[" + b"0," * (32 * 1024 * 1024 - 2) + b"0]"
frame = struct.pack(">I", len(body)) + body
def is_socket(fd):
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
for fd in [int(n) for n in os.listdir("/proc/self/fd") if int(n) > 2 and is_socket(int(n))]:
    try:
        for _ in range(2):
            view, off = memoryview(frame), 0
            while off < len(view):
                off += os.write(fd, view[off:off + (1 << 20)])
        print("forged two frames")
    except BrokenPipeError:
        pass
"#;
    let script = s.write("forge.py", code);
    let out = run(std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" exec --no-gate \"$1\"")
        .arg(env!("CARGO_BIN_EXE_pysbx"))
        .arg(&script)
        .current_dir(s.path()));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    assert!(text.contains("forged two frames\n"), "{text}{err}");
}

/// Without root the program keeps the user's uid, and the user's own services on UNIX
/// sockets (the session's D-Bus and service manager in the runtime directory, an SSH agent)
/// take the uid for the user: a service manager starts any command outside the sandbox, an
/// agent signs with the user's keys. A UNIX socket is reached by its path, which neither
/// Landlock nor the network namespace judges, so when the program may make UNIX sockets
/// (`process: true` here) those directories are covered with an empty tmpfs. Two listeners
/// stand for them, in the user's directories named by `XDG_RUNTIME_DIR` and `SSH_AUTH_SOCK`
/// (`/tmp/ssh-*`): neither may get a connection.
#[test]
fn the_users_session_sockets_are_out_of_reach_without_root() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let nobody = 65534;
    let runtime = tempfile::tempdir().expect("test setup");
    let agent_dir = tempfile::Builder::new().prefix("ssh-").tempdir_in("/tmp").expect("test setup");
    let mut listeners = Vec::new();
    let mut paths = Vec::new();
    for (dir, name) in [(runtime.path(), "bus"), (agent_dir.path(), "agent.1")] {
        let path = dir.join(name);
        let listener = std::os::unix::net::UnixListener::bind(&path).expect("test setup");
        listener.set_nonblocking(true).expect("test setup");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))
            .expect("test setup");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("test setup");
        std::os::unix::fs::chown(dir, Some(nobody), Some(nobody)).expect("test setup");
        listeners.push(listener);
        paths.push(path.display().to_string());
    }
    let policy = s.write("policy.yaml", "process: true\n");
    let code = format!(
        "import socket\nfor path in {paths:?}:\n    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    try:\n        s.connect(path)\n        s.sendall(b'hi')\n        print('connected', path)\n    except OSError as e:\n        print('refused', path, e.errno)\n"
    );
    let script = s.write("session.py", &code);
    let out = exec_as_nobody(&s)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("SSH_AUTH_SOCK", &paths[1])
        .arg("--policy")
        .arg(&policy)
        .arg(&script)
        .output()
        .expect("test setup");
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!text.contains("connected"), "{text}{err}");
    for path in &paths {
        assert!(text.contains(&format!("refused {path}")), "{path}: {text}{err}");
    }
    for listener in &listeners {
        let accepted = listener.accept();
        assert!(
            matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
            "a session service got a connection: {text}{err}"
        );
    }
}

/// As root the program's uid is derived from pysbx's pid (`0x60000000 + pid`), so a later run
/// may get the uid of an earlier one (pids are used again) and own what it left (in a persistent write
/// path of another policy). The owner-only calls Landlock does not cover (`chmod`, `utimes`,
/// extended attributes) must not reach such a file outside the run's own write paths: every
/// mount but those is read-only. The file is made, owned by the uid this run gets, once the run
/// has started; foreign code calls libc directly, past the guard.
#[test]
fn a_recycled_uid_cannot_change_what_an_earlier_run_left() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = Scratch::new();
    let left = tempfile::tempdir().expect("test setup");
    std::fs::set_permissions(left.path(), std::fs::Permissions::from_mode(0o755))
        .expect("test setup");
    let file = left.path().join("result.txt");
    let policy = s.write("policy.yaml", "ffi: true\n");
    let code = format!(
        "import ctypes, sys\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('ready', flush=True)\nsys.stdin.readline()\np = {path:?}.encode()\nfor name, call in (('chmod', lambda: libc.chmod(p, 0o666)), ('utimes', lambda: libc.utimes(p, None)), ('setxattr', lambda: libc.setxattr(p, b'user.pwn', b'1', 1, 0))):\n    ctypes.set_errno(0)\n    print(name, call(), ctypes.get_errno(), flush=True)\n",
        path = file.display().to_string()
    );
    let script = s.write("recycled.py", &code);
    let mut waiting =
        Waiting::spawn(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let uid = crate::exec_support::sandbox_uid(waiting.id());
    let first = waiting.lines_until("ready").join("\n");
    std::fs::write(&file, "an earlier run's result\n").expect("test setup");
    std::os::unix::fs::chown(&file, Some(uid), Some(uid)).expect("test setup");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("test setup");
    let before = std::fs::metadata(&file).expect("test setup");
    let (rest, out) = waiting.finish(b"go\n");
    let text = format!("{first}\n{}", rest.join("\n"));
    let ctx = format!("{text}\n{}", stderr(&out));
    assert_eq!(first, "ready", "{ctx}");
    for call in ["chmod", "utimes", "setxattr"] {
        assert!(text.contains(&format!("{call} -1 30")), "{call} was not refused: {ctx}");
    }
    let after = std::fs::metadata(&file).expect("test setup");
    assert_eq!(
        (after.mode(), after.mtime(), after.mtime_nsec()),
        (before.mode(), before.mtime(), before.mtime_nsec()),
        "{ctx}"
    );
    assert!(xattr_names(&file).is_empty(), "an attribute was set: {ctx}");
}

/// A service listening on a UNIX socket anyone may write (a system D-Bus, a syslog's
/// `/dev/log`, a printing or container engine's socket whose group the user is in) is reached
/// by its path, which neither Landlock nor the network namespace judges. When the program may
/// make UNIX sockets (`process: true` here), the sockets in the directories where services
/// put them (`/run`, `/tmp`...) are covered: neither as root (the sandbox uid) nor without root
/// (the user's) may the program get a connection.
#[test]
fn the_machines_service_sockets_are_out_of_reach() {
    use std::os::unix::fs::PermissionsExt;
    let mut dirs = vec![tempfile::Builder::new().prefix("pysbx-svc-").tempdir_in("/tmp")];
    if std::path::Path::new("/run").is_dir() {
        dirs.push(tempfile::Builder::new().prefix("pysbx-svc-").tempdir_in("/run"));
    }
    let mut listeners = Vec::new();
    let mut paths = Vec::new();
    for dir in dirs.into_iter().filter_map(Result::ok) {
        let path = dir.path().join("service.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).expect("test setup");
        listener.set_nonblocking(true).expect("test setup");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))
            .expect("test setup");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("test setup");
        listeners.push((listener, dir));
        paths.push(path.display().to_string());
    }
    let code = format!(
        "import socket\nfor path in {paths:?}:\n    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    try:\n        s.connect(path)\n        s.sendall(b'hi')\n        print('connected', path)\n    except OSError as e:\n        print('refused', path, e.errno)\n"
    );
    let s = Scratch::new();
    let policy = s.write("policy.yaml", "process: true\n");
    let script = s.write("service.py", &code);
    std::fs::set_permissions(s.path(), std::fs::Permissions::from_mode(0o755)).expect("test setup");
    for as_nobody in [false, true] {
        // Past the static gate, which stubs `socket.socket` without a network grant.
        let mut cmd = if as_nobody {
            exec_as_nobody(&s)
        } else {
            let mut cmd = s.exec();
            cmd.arg("--no-gate");
            cmd
        };
        let out =
            cmd.arg("-v").arg("--policy").arg(&policy).arg(&script).output().expect("test setup");
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(!text.contains("connected"), "nobody {as_nobody}: {text}{err}");
        for path in &paths {
            assert!(text.contains(&format!("refused {path}")), "{path}: {text}{err}");
        }
        assert!(err.contains("UNIX sockets of the host hidden"), "{err}");
        for (listener, _) in &listeners {
            let accepted = listener.accept();
            assert!(
                matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
                "a service got a connection (nobody {as_nobody}): {text}{err}"
            );
        }
    }
    // A socket inside a path the policy grants is the policy's to give: it stays.
    let (listener, dir) = &listeners[0];
    let granted = s.write(
        "granted.yaml",
        &format!("process: true\nfs:\n  read: [{:?}]\n", dir.path().display().to_string()),
    );
    let out = s
        .exec()
        .arg("--no-gate")
        .arg("--policy")
        .arg(&granted)
        .arg(&script)
        .output()
        .expect("test setup");
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains(&format!("connected {}", paths[0])), "{text}{err}");
    assert!(listener.accept().is_ok(), "the granted socket got no connection: {text}{err}");
}

/// The examples of docstrings the gate read run under `code: false` (doctest compiles and runs
/// each in one call, see `exec_benign::doctest_runs_the_examples_of_docstrings_the_gate_read`);
/// that allowance covers the example's text, compiled by doctest itself, and nothing else.
/// `compile` and `exec` are reached by names given on the command line, which the gate cannot
/// follow, so the guard alone is tried.
const DOCTEST_DEPUTY_PROGRAM: &str = r#"
import builtins, doctest, sys
C = getattr(builtins, sys.argv[1])
E = getattr(builtins, sys.argv[2])
def f():
    """
    >>> print("real example")
    real example
    """
def attempt(label, step):
    try:
        step()
        print("RAN", label)
    except PermissionError:
        print("REFUSED", label)
# doctest's `compile` replaced by the program's, which compiles text of its own.
def own_compile(src, *a, **k):
    return C("print('PWN' + '42')", *a, **k)
def swapped_compile():
    doctest.compile = own_compile
    try:
        doctest.run_docstring_examples(f, {})
    finally:
        del doctest.compile
# The code object doctest compiled from a real example, kept and run by the program.
kept = []
def keep():
    doctest.exec = lambda code, globs: kept.append(code)
    try:
        doctest.run_docstring_examples(f, {})
    finally:
        del doctest.exec
def run_kept():
    E(kept[0], {"print": lambda *a: builtins.print("PWN42 ran kept", *a)})
# A real example's text compiled by the program under doctest's file name.
def own_example():
    E(C('print("real example")\n', "<doctest f[0]>", "single"))
for label, step in (("swapped_compile", swapped_compile), ("keep", keep),
                    ("run_kept", run_kept), ("own_example", own_example)):
    attempt(label, step)
print("kept", len(kept))
"#;

#[test]
fn doctests_allowance_runs_only_the_examples_own_code() {
    let s = Scratch::new();
    let script = s.write("deputy.py", DOCTEST_DEPUTY_PROGRAM);
    let out = run(s.exec().arg(&script).arg("--").args(["compile", "exec"]));
    let text = stdout(&out);
    assert!(!text.contains("PWN42"), "{text}{}", stderr(&out));
    for line in ["RAN keep", "kept 1", "REFUSED run_kept", "REFUSED own_example"] {
        assert!(text.lines().any(|l| l == line), "{line}: {text}{}", stderr(&out));
    }
    // Under Python each attempt runs its own text: the program's compile, the kept code.
    let plain =
        Command::new(python()).arg(&script).args(["compile", "exec"]).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("Got:\n    PWN42\n"), "{plain}");
    assert!(plain.contains("PWN42 ran kept real example"), "{plain}");
}

/// numpy's reconstructors pass the pickle clause only as numpy's own: the names a pickle may
/// use are checked once loaded (a native function of that name bound to numpy's extension, a
/// function whose code of that name is in numpy's files, a class that is numpy's array), so a
/// process starter the program binds to such a name (its module renamed `numpy.native`), a
/// standard-library function or class given numpy's module name, another function of
/// numpy's, and any other name of numpy's stay refused (`.ci/run` installs numpy).
const NUMPY_PICKLE_DEPUTY_PROGRAM: &str = r#"
import os, pickle, sys
import numpy
import numpy._core.multiarray as multiarray
import numpy.ma.core as macore
import numpy.random._pickle, numpy.testing
def attempt(label, data):
    try:
        pickle.loads(data)
        print("RAN", label)
    except Exception as e:
        print("REFUSED", label, type(e).__name__)
attempt("array", pickle.dumps(numpy.arange(3)))
native = sys.modules[getattr(os, sys.argv[1]).__module__]
native.__name__ = "numpy.native"
setattr(multiarray, "_reconstruct", getattr(os, sys.argv[1]))
attempt("builtin", b"cnumpy._core.multiarray\n_reconstruct\n(S'echo PWN42'\ntR.")
import argparse
argparse.Namespace.__module__ = "numpy.ma"
numpy.ma.MaskedArray = argparse.Namespace
attempt("class", b"cnumpy.ma\nMaskedArray\n)R.")
attempt("numpys-function", b"cnumpy.random._pickle\n__generator_ctor\n)R.")
starter = numpy.testing.assert_equal
setattr(numpy.random._pickle, "__generator_ctor", starter)
attempt("another-numpy-function", b"cnumpy.random._pickle\n__generator_ctor\n(I1\nI1\ntR.")
starter = getattr(os, sys.argv[2])
starter.__module__ = "numpy.ma.core"
setattr(macore, "_mareconstruct", starter)
attempt("function", b"cnumpy.ma.core\n_mareconstruct\n(S'echo PWN42'\ntR.")
attempt("other", b"cnumpy.testing._private.utils\nrunstring\n(S'print(1)'\n(dtR.")
"#;

#[test]
fn numpys_reconstructors_unpickle_only_as_numpys_own() {
    let s = Scratch::new();
    let script = s.write("numpy_pickles.py", NUMPY_PICKLE_DEPUTY_PROGRAM);
    // The names come from argv, which the gate cannot follow: the guard decides. (Without the
    // gate numpy does not import: its `import ctypes` is refused, not stubbed.)
    let out = run(s.exec().arg(&script).arg("--").args(["system", "popen"]));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!text.contains("PWN42"), "{text}{err}");
    assert!(text.contains("RAN array"), "{text}{err}");
    assert!(text.contains("RAN numpys-function"), "{text}{err}");
    for (label, name) in [
        ("builtin", "numpy._core.multiarray._reconstruct"),
        ("function", "numpy.ma.core._mareconstruct"),
        ("other", "numpy.testing._private.utils.runstring"),
        ("class", "numpy.ma.MaskedArray"),
        ("another-numpy-function", "numpy.random._pickle.__generator_ctor"),
    ] {
        assert!(text.contains(&format!("REFUSED {label} PolicyViolation")), "{label}: {text}{err}");
        assert!(err.contains(&format!("unpickling {name} is not allowed")), "{label}: {err}");
    }
    // Under Python the replaced names run what they were bound to.
    let plain =
        Command::new(python()).arg(&script).args(["system", "popen"]).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("PWN42"), "{plain}");
    assert!(plain.contains("RAN builtin"), "{plain}");
}

/// The profilers', the tracer's and the debugger's runners of a string run constant strings
/// of the program's that the gate leaves unchanged, nothing else: each runner is reached by a
/// name from argv, which the gate cannot follow, so only the guard decides. A constant that
/// starts a process, one run in a namespace that binds a process starter to a plain name (the
/// gate reads the text as the module's code, where the name is unbound: the guard's process
/// clause refuses the call), and a string made at run time.
const STRING_RUNNER_DEPUTY_PROGRAM: &str = r#"
import bdb, os, profile, sys, trace
runners = {
    "profile": profile.Profile().runctx,
    "trace": trace.Trace(count=0, trace=0).runctx,
    "bdb": bdb.Bdb().run,
}
run = runners[sys.argv[1]]
cases = {
    "plain": ("y = [1, 2]", {}),
    "os": ("__import__('os').system('echo PWN' + '42')", {}),
    "namespace": ("f('echo PWN' + '42')", {"f": getattr(os, sys.argv[2])}),
    "made": ("".join(["print('PW", "N42')"]), {}),
}
for name, (stmt, namespace) in cases.items():
    try:
        run(stmt, namespace, {})
        print("RAN", name)
    except Exception as e:
        print("REFUSED", name, type(e).__name__)
"#;

#[test]
fn the_profilers_and_tracers_runners_run_only_constants_the_gate_leaves_unchanged() {
    let s = Scratch::new();
    let script = s.write("runners.py", STRING_RUNNER_DEPUTY_PROGRAM);
    for runner in ["profile", "trace", "bdb"] {
        let out = run(s.exec().arg(&script).arg("--").args([runner, "system"]));
        let text = stdout(&out);
        let err = stderr(&out);
        assert!(!text.contains("PWN42"), "{runner}: {text}{err}");
        assert!(text.contains("RAN plain"), "{runner}: {text}{err}");
        for name in ["os", "namespace", "made"] {
            let refused = format!("REFUSED {name} PolicyViolation");
            assert!(text.contains(&refused), "{runner} {name}: {text}{err}");
        }
        // The namespace's text was vetted and ran: its call met the process clause.
        assert!(err.contains("violation [process] os.system is not allowed"), "{runner}: {err}");
        // Without a gate reading code, no string is vetted: the plain one is refused too.
        let out = run(s.exec().arg("--no-gate").arg(&script).arg("--").args([runner, "system"]));
        assert!(stdout(&out).contains("REFUSED plain PolicyViolation"), "{}", stdout(&out));
        assert!(!stdout(&out).contains("PWN42"), "{}", stdout(&out));
        // Under Python every one runs.
        let plain = Command::new(python())
            .arg(&script)
            .args([runner, "system"])
            .output()
            .expect("test setup");
        let plain = String::from_utf8_lossy(&plain.stdout);
        for name in ["plain", "os", "namespace", "made"] {
            assert!(plain.contains(&format!("RAN {name}")), "{runner} {name}: {plain}");
        }
    }
}

/// `timeit`'s allowance runs constant strings of the program's that the gate leaves unchanged,
/// nothing else: the call is reached by a name from argv, which the gate cannot follow, so
/// only the guard decides. A constant that starts a process, or reaches one through the names
/// of `timeit`'s namespace it runs in (`sys`, `_globals()`), or walks the heap through its
/// `gc`; a statement made at run time; the template changed by the program.
const TIMEIT_DEPUTY_PROGRAM: &str = r#"
import sys, timeit
run = getattr(timeit, sys.argv[1])
cases = {
    "plain": "y = [1, 2]",
    "os": "__import__('os').system('echo PWN' + '42')",
    "sys": "sys.modules['os'].system('echo PWN' + '42')",
    "globals": "_globals()['sys'].modules['os'].system('echo PWN' + '42')",
    "gc": "gc.get_objects()",
    "timer": "Timer(\"__import__('os').system('echo PWN' + '42')\").timeit(1)",
    "made": "".join(["print('PW", "N42')"]),
}
for name, stmt in cases.items():
    for arguments in ((stmt,), ("pass", stmt)):
        try:
            run(*arguments, number=1)
            print("RAN", name)
        except Exception as e:
            print("REFUSED", name, type(e).__name__)
timeit.template = timeit.template.replace("pass", "print('PWN' + '42')")
try:
    run("x = 1", number=1)
    print("RAN template")
except Exception as e:
    print("REFUSED template", type(e).__name__)
"#;

#[test]
fn timeits_allowance_runs_only_constants_the_gate_leaves_unchanged() {
    let s = Scratch::new();
    let script = s.write("deputy.py", TIMEIT_DEPUTY_PROGRAM);
    let out = run(s.exec().arg(&script).arg("--").arg("timeit"));
    let text = stdout(&out);
    assert!(!text.contains("PWN42"), "{text}{}", stderr(&out));
    assert_eq!(text.matches("RAN plain").count(), 2, "{text}{}", stderr(&out));
    for name in ["os", "sys", "globals", "gc", "timer", "made"] {
        let refused = format!("REFUSED {name} PolicyViolation");
        assert_eq!(text.matches(&refused).count(), 2, "{name}: {text}{}", stderr(&out));
    }
    assert!(text.contains("REFUSED template PolicyViolation"), "{text}");
    assert!(
        stderr(&out).contains(
            "running a timeit statement or setup that is not a constant string of the \
             program's, or that the gate would change, in Timer.__init__"
        ),
        "{}",
        stderr(&out)
    );
    // Without a gate reading code, no string is vetted: the plain one is refused too.
    let out = run(s.exec().arg("--no-gate").arg(&script).arg("--").arg("timeit"));
    assert_eq!(
        stdout(&out).matches("REFUSED plain PolicyViolation").count(),
        2,
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("PWN42"), "{}", stdout(&out));
    // Under Python every one runs (the gc walk and the made statement included).
    let plain = Command::new(python()).arg(&script).arg("timeit").output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    for name in ["plain", "os", "sys", "globals", "gc", "timer", "made", "template"] {
        assert!(plain.contains(&format!("RAN {name}")), "{name}: {plain}");
    }
}

/// `eval` of text read at run time evaluates data only (literals and operators): every text
/// that names, reads an attribute, calls or subscripts anything but data is refused with the
/// rule's stub message, whatever it reaches, called by name, through an alias or by `map`; a
/// `str` subclass lying about itself is refused too; without the gate the guard refuses each
/// one; under Python each one runs.
const EVAL_ATTACKS: &str = "__import__('os').system('echo PWN42')\n\
    ().__class__.__base__.__subclasses__()\n\
    [c for c in ().__class__.__mro__[1].__subclasses__()]\n\
    (lambda: 0).__globals__\n\
    globals()\n\
    __builtins__\n\
    print('PWN42')\n\
    (x := 5)\n\
    1 if 1 else print('PWN42')\n\
    f'{print}'\n\
    [1][0].__class__\n\
    {1: print}[1]\n";

const EVAL_PROGRAM: &str = r#"
import sys
texts = open("attacks.txt").read().split("\n")[:-1]
class Liar(str):
    def lstrip(self, *a):
        return "1"
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
texts.append(Liar("__import__('os').system('echo PWN' '42')"))
alias = eval
for run in (eval, alias, lambda t: list(map(eval, [t]))):
    for text in texts:
        try:
            run(text) if run is not eval else eval(text)
            print("RAN", text)
        except Exception as e:
            print("REFUSED", type(e).__name__, text)
"#;

#[test]
fn eval_of_run_time_text_evaluates_data_only() {
    let s = Scratch::new();
    s.write("attacks.txt", EVAL_ATTACKS);
    let script = s.write("evals.py", EVAL_PROGRAM);
    // Each text by the name called, by an alias of `eval` and through `map`.
    let count = 3 * (EVAL_ATTACKS.lines().count() + 1);
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    assert!(!text.contains("RAN"), "{text}{}", stderr(&out));
    assert!(!text.contains("\nPWN42"), "{text}");
    assert_eq!(text.matches("REFUSED PysbxBlocked").count(), count, "{text}{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(s.exec().arg("--no-gate").arg(&script));
    let text = stdout(&out);
    assert!(!text.contains("RAN"), "{text}{}", stderr(&out));
    assert_eq!(text.matches("REFUSED PolicyViolation").count(), count, "{text}{}", stderr(&out));
    // With run-time code granted each one runs but the two that start a process (`process:
    // false`); under Python each one runs.
    let policy = s.write("code.yaml", "code: true\n");
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out).matches("RAN").count(), count - 6, "{}{}", stdout(&out), stderr(&out));
    let plain =
        Command::new(python()).arg(&script).current_dir(s.path()).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert_eq!(plain.matches("RAN").count(), count, "{plain}");
}

/// Frames of the program's stack are handed out as snapshots that end above pysbx's first
/// frame: walked to their end from the program's first frame, a function, a thread, a
/// generator, an import hook importlib calls and a finalizer, none holds code of pysbx's, and
/// no local of any is one of pysbx's functions. A traceback through the guard's entry shows the
/// program's entries alone, as under Python, walked by `tb_next`; reached by a name the gate
/// does not read, the guard's entry's frame is refused. A real frame, handed to a signal handler, leads nowhere (its `f_back` is
/// refused); the handler itself gets no frame of its own.
const FRAME_WALK_PROGRAM: &str = r#"
import inspect, signal, sys, threading, time
found = []
def walk(snapshot, where):
    depth = 0
    while snapshot is not None:
        depth += 1
        code = snapshot.f_code
        if code.co_filename == "<pysbx-guard>":
            found.append((where, "code", code.co_name))
        for value in list(snapshot.f_locals.values()):
            inner = getattr(value, "__code__", None)
            if inner is not None and inner.co_filename == "<pysbx-guard>":
                found.append((where, "local", inner.co_name))
        snapshot = snapshot.f_back
    print("walked", where, depth)
def from_a_function():
    walk(inspect.currentframe(), "function")
walk(inspect.currentframe(), "module")
from_a_function()
thread = threading.Thread(target=lambda: walk(sys._getframe(), "thread"))
thread.start()
thread.join()
def gen():
    yield sys._getframe()
walk(next(gen()), "generator")
class Finder:
    def find_spec(self, name, path=None, target=None):
        walk(sys._getframe(), "finder")
sys.meta_path.insert(0, Finder())
import json.tool
sys.meta_path.pop(0)
class Finalized:
    def __del__(self):
        walk(sys._getframe(), "finalizer")
Finalized()
try:
    open("/etc/shadow")
except PermissionError as e:
    tb = e.__traceback__
    while tb is not None:
        walk(tb.tb_frame, "traceback")
        tb = tb.tb_next
    # The same traceback walked by a computed name, which the gate does not read: it reaches
    # the guard's entry, whose frame is refused.
    tb = e.__traceback__
    while tb is not None:
        try:
            walk(tb.tb_frame, "traceback by name")
        except PermissionError as refused:
            print("REFUSED traceback", type(refused).__name__)
        tb = getattr(tb, "tb_" + "next")
def handler(signum, frame):
    try:
        print("handler frame back", frame.f_back)
    except PermissionError as refused:
        print("REFUSED real frame", type(refused).__name__)
    try:
        walk(sys._getframe(), "handler")
    except PermissionError as refused:
        print("REFUSED handler", type(refused).__name__)
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.01)
time.sleep(0.2)
print("FOUND", found)
"#;

#[test]
fn frames_handed_out_end_above_pysbxs_own() {
    let s = Scratch::new();
    let script = s.write("frames.py", FRAME_WALK_PROGRAM);
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    assert!(text.contains("FOUND []\n"), "{text}{}", stderr(&out));
    for place in ["module", "function", "thread", "generator", "finder", "finalizer", "traceback"] {
        assert!(text.contains(&format!("walked {place} ")), "{place}: {text}{}", stderr(&out));
    }
    // The program's first frame is the last: as under Python, nothing lies below it.
    assert!(text.contains("walked module 1\n"), "{text}");
    assert!(text.contains("walked function 2\n"), "{text}");
    // The program's own frame alone, as under Python (a violation raised through the guard).
    assert!(text.contains("walked traceback 1\n"), "{text}");
    assert!(!text.contains("walked traceback 2"), "{text}");
    assert!(text.contains("REFUSED traceback PysbxBlocked"), "{text}");
    assert!(text.contains("REFUSED real frame PysbxBlocked"), "{text}");
    assert!(text.contains("REFUSED handler PolicyViolation"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Under Python the same walks run to the bottom of each stack and find nothing of pysbx's.
    let plain = Command::new(python()).arg(&script).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("walked module 1\n") && plain.contains("FOUND []"), "{plain}");
}

/// The programs' `attempt(label, fn)`: prints `RAN label`, or `REFUSED <exception> label`.
const ATTEMPT: &str = r#"
def attempt(label, fn):
    try:
        fn()
        print("RAN", label)
    except Exception as e:
        print("REFUSED", type(e).__name__, label)
"#;

/// `compile` of a constant, then `exec` or `eval` of the code it made, runs where the gate would
/// run the constant unchanged; every other way to make code that way is refused: text built at
/// run time, a constant the gate would change, a name of the interpreter's files or of a source
/// file outside the import gate, the facade called with a compiler of the program's, code
/// compiled by the standard library under a name a constant was compiled under, and a copy of
/// the constant's code changed on the way.
const COMPILE_PROGRAM: &str = r#"
import builtins, os, sys
SAFE = "print('RAN safe')"
BAD = "import os\nos.system('echo PWN42')"
safe = compile(SAFE, "<same>", "exec")
exec(safe)
attempt("built", lambda: compile("".join(["print('RAN ", "built')"]), "<same>", "exec"))
attempt("changed", lambda: compile(BAD, "<b>", "exec"))
attempt("stdlib-name", lambda: compile(SAFE, os.__file__, "exec"))
attempt("source-file", lambda: compile(SAFE, "/tmp/elsewhere/mod.py", "exec"))
attempt("frozen-name", lambda: compile(SAFE, "<frozen os>", "exec"))
fake = lambda text, name: ("print('RAN fake')", name)
facade = getattr(builtins, "__pysbx_" + "compile__", None)
if facade is not None:
    attempt("own-compiler", lambda: exec(facade(SAFE, "<f>", "exec",
                                                **{"__pysbx_compile": (fake, None, None)})))
import importlib.abc
other = importlib.abc.InspectLoader.source_to_code
attempt("same-name", lambda: exec(other("print('RAN same-name')", "<same>")))
attempt("replaced", lambda: exec(safe.replace(co_consts=("RAN replaced", None))))
attempt("built-exec", lambda: exec("".join(["print('RAN ", "built-exec')"])))
"#;

/// Asserts that each labelled attempt (`attempt(label, ...)` in the programs below) was refused,
/// by a stub (`PysbxBlocked`) or by the guard (`PolicyViolation`), and never ran.
fn assert_each_refused(text: &str, labels: &[&str], err: &str) {
    for label in labels {
        assert!(
            text.contains(&format!("REFUSED PysbxBlocked {label}\n"))
                || text.contains(&format!("REFUSED PolicyViolation {label}\n")),
            "{label}: {text}{err}"
        );
        assert!(!text.contains(&format!("RAN {label}")), "{label}: {text}");
    }
}

const GENERATOR_ABUSE: &str = r#"
import builtins, genlib, sys
attempt("shell", lambda: genlib.run_text("import os\nos.system('echo PWN42')"))
attempt("injected", lambda: repr(genlib.make_class(
    "Q' + str(__import__('os').system('echo PWN42')) + '", ["a"])(1)))
attempt("frames", lambda: genlib.run_text("import sys\nf = sys._getframe(1).f_back"))
attempt("walk", lambda: genlib.run_text("s = object.__subclasses__()"))
attempt("own-exec", lambda: exec("".join(["print('PWN", "42')"])))
attempt("eval-shell", lambda: genlib.evaluate("__import__('os').system('echo PWN42')"))
exec_facade = getattr(builtins, "__pysbx_" + "exec__")
attempt("facade-globals", lambda: exec_facade.__globals__)
attempt("facade-closure", lambda: getattr(exec_facade, "__closure__"))
attempt("facade-copy", lambda: genlib.copied(exec_facade, "mine"))
internals = getattr(builtins, "__pysbx_" + "function_attr__")
attempt("other-attribute", lambda: internals(genlib, "__dict__"))
attempt("bound-method", lambda: internals(exec_facade.__get__(1), "__globals__"))
print("LENT", genlib.run_text("def k():\n    return 40 + 2")["k"]())
"#;

#[test]
fn code_an_installed_package_generates_runs_only_where_the_gate_leaves_it_unchanged() {
    // A generator in the interpreter's site-packages (see `GENERATOR_PACKAGE`) has the text it
    // makes vetted by the gate: text with a shell call, code injected through a field name, a
    // frame walk or a subclass walk (which the gate would change) is refused, as is the
    // program's own `exec` of run-time text. The guard's functions give neither their globals
    // nor their closures, nor a copy of themselves. What the gate leaves unchanged runs: the
    // generator lends that to the program, which could have written it itself.
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[("genlib/__init__.py", GENERATOR_PACKAGE)]);
    let script = s.write("abuse.py", &format!("{ATTEMPT}{GENERATOR_ABUSE}"));
    let out = run(s.exec_with(&interpreter).arg(&script));
    let text = stdout(&out);
    assert_each_refused(
        &text,
        &[
            "shell",
            "injected",
            "frames",
            "walk",
            "own-exec",
            "eval-shell",
            "facade-globals",
            "facade-closure",
            "facade-copy",
            "bound-method",
        ],
        &stderr(&out),
    );
    assert!(text.contains("REFUSED TypeError other-attribute\n"), "{text}");
    assert!(!text.contains("PWN42") && !text.contains("RAN "), "{text}");
    assert!(text.contains("LENT 42\n"), "{text}{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The same generator beside the program (not installed) is the program's code: its
    // `exec` of the text it makes is refused.
    s.write("localgen.py", GENERATOR_PACKAGE);
    let local = s.write("local.py", "import localgen\nprint(localgen.run_text('y = 1')['y'])\n");
    let out = run(s.exec_with(&interpreter).arg(&local));
    assert_eq!(out.status.code(), Some(122), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("PSB101"), "{}", stderr(&out));
}

const TREE_ABUSE: &str = r#"
import ast, builtins, itertools, treelib
attempt("shell-tree", lambda: treelib.run_tree(ast.parse("import os\nos.system('echo PWN42')")))
attempt("own-tree", lambda: exec(compile(ast.parse("".join(["print('RAN ", "own-tree')"])),
                                         "<own>", "exec")))
# Names read as one thing, then as another: the text is written from one reading, and the
# code made is that text's.
reads = itertools.chain(["len"], itertools.repeat("__import__('os').system"))
ast.Name.id = property(lambda node: next(reads), lambda node, value: None)
flip = ast.Module([ast.Expr(ast.Call(ast.Name("len", ast.Load()), [ast.Constant("echo PWN42")], []))], [])
attempt("flipping-names", lambda: treelib.run_tree(flip))
del ast.Name.id
# A name source cannot spell is only ever a name: code in it runs nothing.
spelled = ast.parse("X('echo PWN42')")
spelled.body[0].value.func.id = "__import__('os').system"
attempt("code-in-a-name", lambda: treelib.run_tree(spelled))
# Such a name where the code made would keep it as a string, or a module named so.
keyword = ast.parse("dict(a=1)")
keyword.body[0].value.keywords[0].arg = "__import__('os').system('echo PWN42')"
attempt("keyword-name", lambda: treelib.run_tree(keyword))
klass = ast.parse("class A: pass")
klass.body[0].name = "A B"
attempt("class-name", lambda: treelib.compile_tree(klass))
module = ast.parse("import os")
module.body[0].names[0].name = "o s"
attempt("module-name", lambda: treelib.compile_tree(module))
try:
    treelib.compile_tree(module)
except PermissionError as e:
    print("WHY", e)
facade = getattr(builtins, "__pysbx_" + "compile__")
attempt("facade-defaults", lambda: print(facade.__kwdefaults__))
"#;

#[test]
fn a_syntax_tree_an_installed_package_compiles_is_run_as_the_text_the_gate_vetted() {
    // A tree-compiling package in the interpreter's site-packages (see `TREE_PACKAGE`) has each
    // tree written out as text and vetted by the gate: a tree with a shell call is refused, so
    // is a tree whose names read differently each time (the text is written from one reading,
    // which the gate vets), and the program's own `compile` of a tree. A name source cannot
    // spell stays a name (code in it runs nothing); one the code made would keep as a string,
    // and a module named so, are refused. The facade's defaults stay sealed.
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[("treelib/__init__.py", TREE_PACKAGE)]);
    let script = s.write("trees.py", &format!("{ATTEMPT}{TREE_ABUSE}"));
    let out = run(s.exec_with(&interpreter).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_each_refused(
        &text,
        &[
            "shell-tree",
            "own-tree",
            "flipping-names",
            "keyword-name",
            "class-name",
            "module-name",
            "facade-defaults",
        ],
        &err,
    );
    assert!(text.contains("REFUSED NameError code-in-a-name\n"), "{text}{err}");
    assert!(!text.contains("PWN42") && !text.contains("RAN "), "{text}{err}");
    assert!(
        text.contains(
            "WHY PSB103 (compile-builtin) blocked at line 56: compile of a syntax tree: it \
             imports a module by a name source cannot spell ('o s')\n"
        ),
        "{text}{err}"
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Under the environment's Python, the trees compile: the shell call runs.
    let plain =
        Command::new(&interpreter).arg(&script).current_dir(s.path()).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(
        plain.contains("PWN42\nRAN shell-tree\n") && plain.contains("RAN own-tree\n"),
        "{plain}"
    );
}

/// An installed package that keeps data as pickles of its own classes in its own directory (as
/// babel keeps its locale data), and a function of it that unpickles what it is handed.
const PICKLING_PACKAGE: &str = r#"
import os, pickle


class Rule:
    def __init__(self, text):
        self.text = text


def load(name):
    with open(os.path.join(os.path.dirname(__file__), name + ".dat"), "rb") as f:
        return pickle.load(f)


def loads(data):
    return pickle.loads(data)
"#;

const PICKLE_ABUSE: &str = r#"
import pickle, localedb
def naming(module, name):
    # A pickle of protocol 4 that names `module.name` and stops.
    m, n = module.encode(), name.encode()
    return b"\x80\x04\x8c" + bytes([len(m)]) + m + b"\x8c" + bytes([len(n)]) + n + b"\x93."
print("LOADED", localedb.load("de").text, localedb.loads(naming("localedb", "Rule")).__name__)
attempt("program-own", lambda: pickle.loads(pickle.dumps(localedb.Rule("x"))))
attempt("through-package", lambda: localedb.loads(naming("posix", "system")))
attempt("imported-name", lambda: localedb.loads(naming("localedb", "pickle")))
attempt("dunder", lambda: localedb.loads(naming("localedb", "Rule.__init__")))
"#;

#[test]
fn an_installed_package_reads_back_pickles_of_its_own_classes_and_nothing_more() {
    // An installed package's pickle of its own class, in its own directory, loads (babel's
    // locale data). The program's own unpickling of that class stays refused, and so does a
    // pickle handed to the package naming anything but its own classes and functions: a
    // function of the interpreter's (`os.system`), a module the package imports
    // (`localedb.pickle`), a dunder of its class.
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[("localedb/__init__.py", PICKLING_PACKAGE)]);
    let made = Command::new(&interpreter)
        .args([
            "-c",
            "import localedb, os, pickle\n\
             path = os.path.join(os.path.dirname(localedb.__file__), 'de.dat')\n\
             open(path, 'wb').write(pickle.dumps(localedb.Rule('Tag')))",
        ])
        .status()
        .expect("test setup");
    assert!(made.success(), "the package's data written");
    let script = s.write("pickles.py", &format!("{ATTEMPT}{PICKLE_ABUSE}"));
    let out = run(s.exec_with(&interpreter).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("LOADED Tag Rule\n"), "{text}{err}");
    for label in ["program-own", "through-package", "imported-name", "dunder"] {
        assert!(
            text.contains(&format!("REFUSED PolicyViolation {label}\n")),
            "{label}: {text}{err}"
        );
    }
    assert!(err.contains("unpickling posix.system is not allowed"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Under the environment's Python, each loads.
    let plain =
        Command::new(&interpreter).arg(&script).current_dir(s.path()).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(
        plain.contains("RAN through-package\n") && plain.contains("RAN program-own\n"),
        "{plain}"
    );
}

/// A stand-in for an installed HTTP library (`requests`): a session whose `get` connects with a
/// socket, and a module-level `get` through one.
const HTTP_LIBRARY: &str = r#"
import socket


class Session:
    def get(self, url):
        host, port = url.split("//")[1].split("/")[0].split(":")
        conn = socket.create_connection((host, int(port)), timeout=2)
        conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
        conn.close()


def get(url):
    return Session().get(url)
"#;

#[test]
fn an_http_client_is_made_but_sends_nothing_without_network() {
    // Making a client sends nothing (`http-client-made` only reports it), so a program may
    // make one; every request it sends is refused: the module's function and the session's
    // method by the gate (`http-library-request`), a method reached by a computed name (which
    // the gate does not follow) by the library's own socket, stubbed, and with the gate off
    // by the guard and the kernel. The listener on the host's loopback gets nothing.
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[("requests/__init__.py", HTTP_LIBRARY)]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("test setup");
    listener.set_nonblocking(true).expect("test setup");
    let port = listener.local_addr().expect("test setup").port();
    let program = format!(
        "{ATTEMPT}import requests\nURL = 'http://127.0.0.1:{port}/'\n\
         attempt('module-get', lambda: requests.get(URL))\n\
         session = requests.Session()\nprint('MADE', type(session).__name__)\n\
         attempt('session-get', lambda: session.get(URL))\n\
         attempt('hidden-get', lambda: getattr(session, 'g' + 'et')(URL))\n"
    );
    let script = s.write("client.py", &program);
    let out = run(s.exec_with(&interpreter).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("MADE Session\n"), "{text}{err}");
    assert_each_refused(&text, &["module-get", "session-get", "hidden-get"], &err);
    assert!(
        err.contains("gate [PSB404] `requests.Session().get` sends an HTTP request; stubbed"),
        "{err}"
    );
    assert!(
        err.contains("gate [PSB416] `requests.Session` makes an HTTP client; reported"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let out = run(s.exec_with(&interpreter).arg("--no-gate").arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("MADE Session\n"), "{text}{err}");
    for label in ["module-get", "session-get", "hidden-get"] {
        assert!(
            text.contains(&format!("REFUSED PolicyViolation {label}\n")),
            "{label}: {text}{err}"
        );
    }
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
        "the listener got a connection: {text}{err}"
    );
    // Under the environment's Python, the requests reach the listener.
    let plain =
        Command::new(&interpreter).arg(&script).current_dir(s.path()).output().expect("test setup");
    assert!(String::from_utf8_lossy(&plain.stdout).contains("RAN hidden-get"), "{plain:?}");
    assert!(listener.accept().is_ok(), "the listener is reachable: {plain:?}");
}

const RUN_PATH_PROGRAM: &str = r#"
import marshal, os, runpy, sys
with open("tool.py", "w") as f:
    f.write("import os\nprint('TOOL-' + 'RAN')\nos.system('echo PWN42')\n")
attempt("gated", lambda: runpy.run_path(os.path.abspath("tool.py")))
code = compile("print('PWN42')", "<c>", "exec")
with open("tool.pyc", "wb") as f:
    f.write(__import__("importlib.util").util.MAGIC_NUMBER + bytes(12) + marshal.dumps(code))
attempt("compiled", lambda: runpy.run_path("tool.pyc"))
real = runpy._get_code_from_file
def reader(run_name, fname):
    return compile(open(fname).read(), fname, "exec"), fname
runpy._get_code_from_file = reader
attempt("own-reader", lambda: runpy.run_path("plain.py"))
runpy._get_code_from_file = real
attempt("handed", lambda: runpy._run_code(
    compile(open("plain.py").read(), "plain.py", "exec"), {}))
"#;

#[test]
fn scripts_run_by_path_go_through_the_gate_and_nothing_else_runs() {
    // `runpy.run_path` of a source file gets the gate's code, which stubs what the policy
    // refuses as in an imported module; compiled code the program wrote, a reader of the
    // program's compiling run-time text and code handed to runpy's runner are refused.
    let s = Scratch::new();
    s.write("plain.py", "print('PWN42 plain')\n");
    let script = s.write("runs.py", &format!("{ATTEMPT}{RUN_PATH_PROGRAM}"));
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    assert_each_refused(&text, &["gated", "compiled", "own-reader", "handed"], &stderr(&out));
    assert!(!text.contains("PWN42"), "{text}");
    // The gated file ran up to its stubbed call.
    assert!(text.contains("TOOL-RAN\n"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Under Python each one runs.
    let plain =
        Command::new(python()).arg(&script).current_dir(s.path()).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("RAN gated\n") && plain.contains("RAN handed\n"), "{plain}");
}

/// Code the guard compiled may be renamed (its name, qualified name and first line: how jinja2
/// re-raises a template's exception at the template's block), through the guard, and then runs
/// what the gate vetted: a vetted constant's, and the program's own file's (which the gate read). Nothing else of a code object changes that way: another field (set
/// directly, or handed to the guard's renamer), a keyword of a `str` subclass claiming to be a
/// name, an object whose `replace` makes other code, the renamer given a helper of the
/// program's, and the program's own function's constants.
const RENAME_PROGRAM: &str = r#"
import builtins, functools
code = compile("print('RAN renamed-runs')", "<job>", "exec")
renamed = code.replace(co_name="block 'body'", co_firstlineno=3)
print("NAME", renamed.co_name, renamed.co_firstlineno, renamed.co_code == code.co_code)
exec(renamed)
def own():
    return 1
attempt("own-renamed", lambda: own.__code__.replace(co_name="y"))
attempt("own-consts", lambda: own.__code__.replace(co_consts=(2,)))
rename = getattr(builtins, "__pysbx_" + "code_rename__")
other = compile("x = 1", "<other>", "exec")
attempt("direct-code", lambda: rename(other, co_code=other.co_code))
class Liar(str):
    def __eq__(self, o):
        return True
    __hash__ = str.__hash__
attempt("liar-key", lambda: rename(other, **{Liar("co_consts"): (3, None)}))
class Fake:
    replace = functools.partial(type(other).replace, other, co_consts=(5, None))
attempt("fake-object", lambda: rename(Fake(), co_name="q"))
attempt("own-helper", lambda: rename(Fake(), co_name="w", **{"__pysbx_rename": lambda o, f: None}))
attempt("other-field", lambda: exec(other.replace(co_consts=("RAN other-field", None))))
"#;

#[test]
fn code_the_guard_compiled_is_renamed_and_nothing_more() {
    let s = Scratch::new();
    let script = s.write("renames.py", &format!("{ATTEMPT}{RENAME_PROGRAM}"));
    let out = run(s.exec().arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("NAME block 'body' 3 True\nRAN renamed-runs\n"), "{text}{err}");
    assert!(text.contains("RAN own-renamed\n"), "{text}{err}");
    assert_each_refused(
        &text,
        &["own-consts", "direct-code", "fake-object", "own-helper", "other-field"],
        &err,
    );
    // The key matched the renamer's own parameter (a `str` subclass compares as it likes),
    // which it then tried to call: refused all the same, nothing made.
    assert!(text.contains("REFUSED TypeError liar-key\n"), "{text}{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn compiling_a_constant_runs_only_code_the_gate_leaves_unchanged() {
    let s = Scratch::new();
    let script = s.write("compiles.py", &format!("{ATTEMPT}{COMPILE_PROGRAM}"));
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    assert!(text.contains("RAN safe"), "{text}{}", stderr(&out));
    assert_each_refused(
        &text,
        &[
            "built",
            "changed",
            "stdlib-name",
            "source-file",
            "frozen-name",
            "own-compiler",
            "same-name",
            "replaced",
            "built-exec",
        ],
        &stderr(&out),
    );
    assert!(!text.contains("PWN42"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Without the gate, nothing vets the constant: its compile is refused too.
    let out = run(s.exec().arg("--no-gate").arg(&script));
    assert!(!stdout(&out).contains("RAN"), "{}{}", stdout(&out), stderr(&out));
    // Under Python every one runs (the stdlib name and the frozen one too).
    let plain =
        Command::new(python()).arg(&script).current_dir(s.path()).output().expect("test setup");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("RAN built\n") && plain.contains("RAN same-name\n"), "{plain}");
}

/// CPython's last moment: it raises `cpython.PyInterpreterState_Clear`, drops its audit hooks,
/// and only then frees what its registries still hold (codec search functions, at-fork
/// callbacks, the warnings filters). A finalizer of an object only those hold ran with no hook
/// at all (code made at run time under `code: false`, and from there native code). The run
/// ends at that event: none of them runs, under python3 each does.
#[test]
fn nothing_runs_once_the_interpreter_drops_its_audit_hooks() {
    let s = Scratch::new();
    let script = s.write(
        "late.py",
        r#"import codecs, os, warnings
def keeper(tag, write=os.write):
    class Late:
        def __del__(self, tag=tag, write=write):
            write(2, b"LATE " + tag + b" ran\n")
    held = Late()
    return lambda *a, held=held: None
codecs.register(keeper(b"codec"))
os.register_at_fork(before=keeper(b"at-fork"))
warnings.filters.append(keeper(b"warnings"))
print("main done")
"#,
    );
    let plain = Command::new(python()).arg(&script).output().expect("python3 runs");
    let plain_err = String::from_utf8_lossy(&plain.stderr);
    assert!(plain_err.contains("LATE codec ran"), "the window exists under python3: {plain_err}");
    let out = run(s.exec().arg("--no-gate").arg(&script));
    assert_eq!(stdout(&out), "main done\n", "{}", stderr(&out));
    assert!(!stderr(&out).contains("LATE"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

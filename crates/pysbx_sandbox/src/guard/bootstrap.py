# The pysbx guard: runs first in the sandboxed interpreter (python3 -I -B), before any user
# code. It installs a PEP 578 audit hook that enforces the policy on imports, opens, process,
# socket, DNS, ctypes, code-object, marshal, pickle, gc, frame and breakpoint events, and an
# import gate (a meta-path finder) that sends every module from outside the standard library to
# pysbx for scanning and sanitizing before it runs. Each event is attributed to the innermost
# user module by walking frames. The guard gives attribution and early, readable errors;
# containment is the kernel's job and does not depend on it.


def _pysbx_guard():
    import os, sys, _thread, builtins, errno as _errno
    # What the guard's work reads of a module is read here, once: a look-up in a module's
    # dictionary at run time compares the name with the keys of the same hash, and a key of
    # the program's (a `str` subclass put in the name's place) has its `__eq__` run there.
    _EBADF, _EPERM = _errno.EBADF, _errno.EPERM
    _ENDING_ERRNOS = {_errno.EFBIG: "file_size", _errno.ENOSPC: "disk",
                      _errno.EMFILE: "open_files", _errno.EAGAIN: "processes"}
    _pread = os.pread
    _modules_dict = sys.modules  # the interpreter's own, whatever `sys.modules` is set to later
    # The guard's own code is known by identity: every code object compiled with it (its
    # functions, and the facades below), not the file name `<pysbx-guard>`, which code made at
    # run time may take too. This module's code is the caller's.
    _code_type = type(_pysbx_guard.__code__)
    _guard_ids = set()
    # Every code object an id was taken of stays alive here: a freed one's id could be given
    # to a code object of anyone's.
    _kept_codes = []

    def _collect(code, into):
        todo = [code]
        while todo:
            c = todo.pop()
            into.add(id(c))
            _kept_codes.append(c)
            todo.extend(k for k in c.co_consts if type(k) is _code_type)

    _collect(sys._getframe(1).f_code, _guard_ids)
    _real_audit = sys.audit  # the interpreter's, before the guard puts its facade there
    # The `-c` loader that started the guard: the bottom of the main thread's stack, known by
    # its code object (a thread's first frame has no caller either, and code compiled under
    # "<string>", as dataclasses' methods are, is no loader).
    _loader_frame = sys._getframe(1)
    while _loader_frame.f_back is not None:
        _loader_frame = _loader_frame.f_back
    _loader_code = _loader_frame.f_code
    del _loader_frame
    # The file name the interpreter gives the code `exec` and `eval` compile from a string:
    # one object of its own, which no `compile(text, "<string>", ...)` of the program's is.
    _EXEC_STRING_NAME = eval("_f(0).f_code.co_filename", {"_f": sys._getframe})
    from importlib.machinery import PathFinder as _PathFinder, BuiltinImporter as _BuiltinImporter
    from importlib.machinery import SourceFileLoader, SourcelessFileLoader, ExtensionFileLoader

    # The pipe to pysbx, moved out of the program's way: a program's first files get 3 and 4,
    # as under Python, and one that closes or reuses descriptors (a daemon's
    # `os.closerange(3, ...)`) is noticed by the pipe's identity (see `_pipe_alive`), never
    # sent pysbx's messages into its own files nor read from them.
    import fcntl as _fcntl
    # Loaded before any facade, for `fork_exec`'s (see `_fork_exec`).
    import _posixsubprocess
    _top = max(5, min(os.sysconf("SC_OPEN_MAX"), 1 << 16) - 2)
    _OUT = _fcntl.fcntl(3, _fcntl.F_DUPFD_CLOEXEC, _top - 1)
    _IN = _fcntl.fcntl(4, _fcntl.F_DUPFD_CLOEXEC, _top)
    if (_OUT, _IN) != (_top - 1, _top):
        # The seccomp filter guards these two numbers, computed by the trampoline from the same
        # open-files limit (`trampoline::guard_channel`): a channel anywhere else could be
        # closed by the program. Refuse to run rather than run with it unguarded.
        os._exit(125)
    os.close(3)
    os.close(4)
    # The kernel's own record of the signals the process catches (`SigCgt`), read with
    # `pread` (no event) where a signal's end is emulated: a handler installed in C
    # (`faulthandler.register`) is not one `signal.getsignal` knows.
    try:
        _status = os.open("/proc/self/status", os.O_RDONLY | os.O_CLOEXEC)
        _STATUS = _fcntl.fcntl(_status, _fcntl.F_DUPFD_CLOEXEC, _top - 2)
        os.close(_status)
    except OSError:
        _STATUS = -1
    _fstat = os.fstat
    _pipe_ends = tuple((st.st_dev, st.st_ino) for st in (_fstat(_OUT), _fstat(_IN)))
    _pipe_lost = []
    _write, _read, _exit, _getpid, _urandom = os.write, os.read, os._exit, os.getpid, os.urandom
    _set_blocking = os.set_blocking
    import select as _select_module
    _select_wait = _select_module.select
    _getcwd, _lstat, _readlink = os.getcwd, os.lstat, os.readlink
    _strerror = os.strerror
    import _stat
    _S_ISLNK = _stat.S_ISLNK
    _S_ISDIR = _stat.S_ISDIR

    # Paths, with the guard's own code over the C functions saved here: the standard library's
    # `posixpath` looks up built-ins and module attributes the program may replace, and the
    # guard's checks must run no code of the program's. (Strings only: `_path_of` decoded.)
    def _isabs(p):
        return p.startswith("/")

    def _join(a, *parts):
        for b in parts:
            if b.startswith("/"):
                a = b
            elif not a or a.endswith("/"):
                a += b
            else:
                a += "/" + b
        return a

    def _dirname(p):
        head = p[:p.rfind("/") + 1]
        return head.rstrip("/") or head

    def _normpath(p):
        if not p:
            return "."
        initial = 2 if p.startswith("//") and not p.startswith("///") else 1 if p.startswith("/") else 0
        parts = []
        for c in p.split("/"):
            if c == "" or c == ".":
                continue
            if c != ".." or (not initial and not parts) or (parts and parts[-1] == ".."):
                parts.append(c)
            elif parts:
                parts.pop()
        p = "/" * initial + "/".join(parts)
        return p or "."

    def _resolve_links(path, rest, seen):
        # posixpath's realpath, step for step (non-strict: a missing part is taken as it is).
        if rest.startswith("/"):
            rest, path = rest[1:], "/"
        while rest:
            name, _, rest = rest.partition("/")
            if not name or name == ".":
                continue
            if name == "..":
                if path:
                    cut = path.rfind("/") + 1
                    path, name = path[:cut].rstrip("/") or path[:cut], path[cut:]
                    if name == "..":
                        path = _join(path, "..", "..")
                else:
                    path = ".."
                continue
            newpath = _join(path, name)
            try:
                link = _S_ISLNK(_lstat(newpath).st_mode)
            except OSError:
                link = False
            if not link:
                path = newpath
                continue
            if newpath in seen:
                path = seen[newpath]
                if path is not None:
                    continue
                return _join(newpath, rest), False  # a loop
            seen[newpath] = None
            path, ok = _resolve_links(path, _readlink(newpath), seen)
            if not ok:
                return _join(path, rest), False
            seen[newpath] = path
        return path, True

    def _realpath(p):
        path, _ = _resolve_links("", p, {})
        if not _isabs(path):
            path = _join(_getcwd(), path)
        return _normpath(path)
    _str, _bytes, _int, _type = str, bytes, int, type
    # The C half of json, without the json package (which imports re): startup time matters.
    # Never the package's Python functions: the guard's work sends and reads its records with
    # these, and `json.dumps` reads what the program may replace (`json._default_encoder`,
    # `JSONEncoder.encode`), which then ran on top of the guard's frames. No fallback: an
    # interpreter without `_json` fails here, before any code of the program's.
    import _json

    # The scanner's settings, read once when it is made, from an object of the interpreter's
    # type: a class of the guard's would be one the program finds through
    # `object.__subclasses__()` (see "The guard's own state").
    _scan = _json.make_scanner(_type(sys.implementation)(
        strict=True, object_hook=None, object_pairs_hook=None, parse_float=float,
        parse_int=int, parse_constant=float, memo={}))
    _encode = _json.make_encoder(None, repr, _json.encode_basestring_ascii, None, ":", ",",
                                 False, False, True)

    def _loads(text):
        if _type(text) is _bytes:
            text = text.decode("utf-8")
        return _scan(text, 0)[0]

    def _dumps(obj):
        return "".join(_encode(obj, 0))
    _get_ident, _getframe = _thread.get_ident, sys._getframe

    # What the guard's work reads of the program's objects from a place the program can change
    # (a dictionary, a namespace, an attribute) is held until the thread's work is over and let
    # go by the entry after it: another thread of the program's may drop every other reference
    # meanwhile (replace the entry of `sys.modules` a pickle names, or a class's `__module__`),
    # and the guard's own release would then be the last, running the object's `__del__` (or a
    # weak reference's callback, or those of everything it held) on top of the guard's frames.
    _kept = {}  # thread -> what its work read

    def _keep(obj):
        tid = _get_ident()
        held = _kept.get(tid)
        if held is None:
            _kept[tid] = held = []
        held.append(obj)
        return obj

    def _keeping(read):
        def kept_read(obj):
            return _keep(read(obj))
        return kept_read

    _bytes_join = b"".join
    _ModuleType = _type(sys)
    # The pipe to pysbx, one message at a time. Reentrant, so that code of the program's that
    # runs inside a send on the same thread (a signal handler, a finalizer) does not wait for
    # itself forever: its own message is refused instead (`_pipe_take`), as it would interleave
    # with the one under way. Two functions, not a context manager: the guard defines no class
    # with methods, since every class is the program's to find (`object.__subclasses__()`,
    # no audit event) and its methods' closures and globals lead to the guard's state.
    _lock = _thread.RLock()
    _pipe_depth = [0]
    # Between processes: a forked child (`process: true`) inherits the pipe, and its records
    # and requests would interleave with its parent's, a reply read by the process that did not
    # ask. The turn is a byte in a pipe of the guard's (`_shared`: its two ends, set up once
    # processes are allowed), taken by reading it and given back by writing it; `_turn[0]`
    # says whether this process holds it. A turn not given back within a few seconds (its
    # holder died in the middle of a record, or the program took the byte) is gone without:
    # the guard never waits forever to report.
    _shared = []
    _turn = [False]

    def _pipe_take():
        _lock.acquire()
        if _pipe_depth[0]:  # only the owner gets here while a message is under way
            _lock.release()
            raise RuntimeError("pysbx: the guard's pipe is in use by this thread")
        _pipe_depth[0] += 1
        if _shared:
            _take_turn()

    def _pipe_give():
        if _turn[0]:
            _turn[0] = False
            try:
                _write(_shared[1], b"t")
            except OSError:
                pass
        _pipe_depth[0] -= 1
        _lock.release()

    def _take_turn():
        waited = 0.0
        while waited < 5.0:
            try:
                if _read(_shared[0], 1):
                    _turn[0] = True
                return
            except BlockingIOError:
                pass  # another process holds it, or took it first
            except OSError:
                return
            try:
                _select_wait((_shared[0],), (), (), 0.05)
            except OSError:
                return
            waited += 0.05

    _busy = set()

    def _pipe_alive():
        # Whether the descriptors are still the pipe's: the program may have closed them and
        # opened files that took their numbers. Once lost, lost for the run: nothing more is
        # reported, and what needs an answer (the import gate) fails.
        if not _pipe_lost:
            try:
                alive = tuple((st.st_dev, st.st_ino) for st in (_fstat(_OUT), _fstat(_IN)))
                if alive == _pipe_ends:
                    return True
            except OSError:
                pass
            _pipe_lost.append(True)
        return False

    def _gone():
        return OSError(_EBADF, "pysbx: the guard's pipe to pysbx is gone (the program "
                       "closed its descriptors)")

    def _read_exact(n):
        buf = b""
        while len(buf) < n:
            if not _pipe_alive():
                raise _gone()
            try:
                chunk = _read(_IN, n - len(buf))
            except BlockingIOError:
                # The program made the descriptor non-blocking (or gave it a time-out): the
                # guard waits for pysbx as before.
                _set_blocking(_IN, True)
                continue
            if not chunk:
                _exit(125)
            buf += chunk
        return buf

    # The secret every record after the configuration carries (set from it below): the
    # program can write to the pipe too, and pysbx believes no record without it (an event, a
    # gate request, the program's output, the end and its verdict).
    _record_token = ""

    def _send(header, blob=b""):
        if not _pipe_alive():
            raise _gone()
        if _record_token:
            header["token"] = _record_token
        if blob:
            header["blob"] = len(blob)
        data = _dumps(header).encode()
        msg = len(data).to_bytes(4, "big") + data + blob
        while msg:
            try:
                n = _write(_OUT, msg)
            except BlockingIOError:
                # As in `_read_exact`: a record is written whole, never given up half-way
                # (pysbx reads a broken record as the program's tampering).
                _set_blocking(_OUT, True)
                continue
            msg = msg[n:]

    def _recv():
        n = int.from_bytes(_read_exact(4), "big")
        header = _loads(_read_exact(n))
        blob = _read_exact(header["blob"]) if header.get("blob") else b""
        return header, blob

    def _request(header, blob=b""):
        # The reply to this request, by the id it carries: a reply to a request the program
        # wrote to the pipe itself is read and dropped (its id cannot be this one's, which the
        # program never sees).
        ask = _urandom(16).hex()
        header["id"] = ask
        _pipe_take()
        try:
            _send(header, blob)
            while True:
                reply, data = _recv()
                if reply.get("id") == ask:
                    return reply, data
        finally:
            _pipe_give()

    _send({"t": "hello", "layers": {"guard": "audit hook installed before user code",
                                    "import_gate": "meta-path finder sends non-stdlib modules to the gate"}})
    cfg, entry = _recv()
    _record_token = cfg.get("record_token", "")

    def _norm(p):
        try:
            return _realpath(p)
        except Exception:
            return p

    # Configured paths pysbx found free of symbolic links, as they were when the run started,
    # need no resolving (realpath is a lstat per component, in Python). Paths met later are
    # always resolved: the program may have changed what they lead to.
    _canonical = frozenset(cfg.get("canonical") or ())

    def _dirs(paths):
        out = []
        for p in paths:
            if p:
                out.append((p if p in _canonical else _norm(p)).rstrip("/") or "/")
        return tuple(sorted(set(out)))

    _stdlib = _dirs(cfg["stdlib"])
    _site = _dirs(cfg["site"])
    _prefixes = _dirs(cfg["prefixes"])
    # What the run leaves nowhere (its TMPDIR, a private working directory): a compiled file
    # written or read there can neither outlive the run nor be imported (the gate compiles
    # modules from their source, and refuses sourceless ones).
    _scratch = _dirs(cfg.get("scratch", []))
    _reads = _dirs(cfg["reads"] + cfg["devices"])
    # The script's directory, readable but for its hidden entries (`.ssh`, `.env`, `.git` of
    # a script run from a home or project directory); the kernel grants it the same way.
    _without_hidden = _dirs(cfg.get("without_hidden") or ())
    # The working directory's copy-on-write view of the script's directory (when pysbx was
    # started there) hides the hidden entries that were there at the start; one the host
    # makes later shows through from the lower layer (see `_hosts_hidden_entry`).
    _cow_lower, _cow_wd = cfg.get("workdir_lower"), cfg.get("workdir")
    if not (_type(_cow_lower) is _str and _type(_cow_wd) is _str
            and _norm(_cow_lower).rstrip("/") in _without_hidden):
        _cow_lower = _cow_wd = None
    else:
        _cow_lower, _cow_wd = _norm(_cow_lower).rstrip("/"), _norm(_cow_wd).rstrip("/")
    _writes = _dirs(cfg["writes"] + ["/dev/null"])
    _process, _ffi, _threads = cfg["process"], cfg["ffi"], cfg["threads"]
    if _process or any(g["process"] for g in cfg["modules"].values()):
        # A program may replace itself (`os.execv`): the channel stays open across it, so that
        # it ends with the process, not while it runs, which pysbx reads as the program's
        # hand on it (see `channel_shut_while_running`).
        for end in (_OUT, _IN):
            _fcntl.fcntl(end, _fcntl.F_SETFD, 0)
        # Processes may be forked: the pipe's turn between them (see `_pipe_take`), kept
        # beneath the status descriptor, out of the way of the program's first files.
        for end in os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC):
            _shared.append(_fcntl.fcntl(end, _fcntl.F_DUPFD_CLOEXEC, max(3, _top - 4)))
            os.close(end)
        _write(_shared[1], b"t")
    _code = cfg.get("code", False)
    # Whether pysbx's gate reads code (not under `--no-gate`): see `_vetted_constant`.
    _gate_reads = cfg.get("gate_reads") is True
    _kill = cfg["on_violation"] == "kill"
    # Learning mode: a violation the policy could grant (its event carries `detail.grant`) is
    # recorded and the operation goes on; others still raise.
    _learn = bool(cfg.get("learn"))
    _deny_imports = tuple(cfg["imports_deny"])
    _allow_imports = tuple(cfg["imports_allow"]) if cfg["imports_allow"] is not None else None
    _net = tuple(cfg["net"])
    _hosts = {k.lower(): tuple(v) for k, v in cfg["hosts"].items()}
    _modules = {}
    for name, g in cfg["modules"].items():
        own_allow = g.get("imports_allow")
        own_deny = tuple(g.get("imports_deny") or ())
        own = None
        if own_allow is not None or own_deny:
            own = (tuple(own_allow) if own_allow is not None else None, own_deny)
        _modules[name] = {"read": _dirs(g["read"]), "write": _dirs(g["write"]),
                          "process": g["process"], "ffi": g["ffi"], "code": g.get("code", False),
                          "net": tuple(g["net"]),
                          "imports": own}
    _module_imports = any(g["imports"] for g in _modules.values())
    # Where anything of the run may write: the grants, and the private `/dev/shm`, which the
    # kernel lets the sandbox write (semaphores, shared memory: `shm_open` raises no audit
    # event) though the guard's own checks refuse it to `open`.
    _any_writes = tuple(sorted(set(_writes).union(*(g["write"] for g in _modules.values()),
                                                  ("/dev/shm",))))
    _names_of = {}
    # Addresses pysbx pinned for a name stand for that name, so a library that passes the
    # address instead of the name is judged by the name's rules.
    for _n, _ips in _hosts.items():
        for _ip in _ips:
            _names_of[_ip] = _names_of.get(_ip, ()) + (_n,)
    # Behind the relay pysbx answers every name: a name it did not pin has no answer.
    _dns_pinned = bool(cfg.get("dns_pinned"))
    # Names under these suffixes are answered during the run by pysbx's DNS server, which the
    # C resolver inside the sandbox asks.
    _dns_wild = tuple(cfg.get("dns_wild") or ())

    def _wild(host):
        for suffix in _dns_wild:
            if len(host) > len(suffix) + 1 and host.endswith("." + suffix):
                return True
        return False

    def _under(path, roots):
        for r in roots:
            if path == r or path.startswith(r + "/") or r == "/":
                return True
        return False

    def _is_stdlib_file(path):
        # By name, so a name with `.`, `..` or empty parts, which may lead anywhere
        # (`<stdlib>/../../tmp/x.py`, a module found on such a `sys.path` entry), is none.
        return _under(path, _stdlib) and not _under(path, _site) and _plain_path(path)

    def _plain_path(path):
        return ("/../" not in path and not path.endswith("/..") and "/./" not in path
                and not path.endswith("/.") and "//" not in path)

    # Saved before any code of the program's runs: what the guard reads of the program's
    # objects it reads through the interpreter's own descriptors, never through attributes a
    # subclass or a metaclass may compute (that would run the program's code inside the guard).
    _id, _repr = id, repr
    _function_type = _type(_is_stdlib_file)
    _function_code = _function_type.__dict__["__code__"].__get__
    _type_name = _type.__dict__["__name__"].__get__
    _exc_traceback = BaseException.__dict__["__traceback__"]
    _exc_context = BaseException.__dict__["__context__"]
    _exc_cause = BaseException.__dict__["__cause__"]
    _GUARDED_FUNCTION_ATTRS = {"__defaults__", "__kwdefaults__", "__code__"}
    try:
        import _socket
        _socket_class = _socket.socket
        _socket_type = _socket_class.__dict__["type"].__get__
    except (ImportError, KeyError):
        _socket_class, _socket_type = None, None
    try:
        raise ValueError
    except ValueError as probe:
        _traceback_type = _type(probe.__traceback__)
        del probe

    # Whether the type `t` is one of `types`, by identity: `t in types` compares with `==`,
    # which runs the `__eq__` of a metaclass of the program's.
    def _one_of(t, types):
        for x in types:
            if t is x:
                return True
        return False

    _PLAIN_TYPES = (_str, _bytes, _int, float, bool)

    def _describe(obj, depth=0):
        # A value for a message, without calling any method of the program's.
        t = _type(obj)
        if t is tuple and depth < 3:
            return "(%s)" % ", ".join(_describe(x, depth + 1) for x in obj[:8])
        if obj is None or _one_of(t, _PLAIN_TYPES):
            return _repr(obj)
        return "<%s object>" % _type_name(t)

    def _outside(frame):
        # The first frame that is not a facade the call passed through.
        while frame is not None and _id(frame.f_code) in _transparent_ids:
            frame = frame.f_back
        return frame

    def _without_guard_frames(tb):
        kept = []
        tid = _get_ident()
        while tb is not None and _type(tb) is _traceback_type:
            _keep(tb)  # another thread may unlink it meanwhile (`tb_next` is writable)
            _reading[tid] = tb
            if _id(tb.tb_frame.f_code) not in _guard_ids:
                kept.append(tb)
            tb = tb.tb_next
        _reading.pop(tid, None)
        for i in range(len(kept)):
            kept[i].tb_next = kept[i + 1] if i + 1 < len(kept) else None
        return kept[0] if kept else None

    def _scrub(exc):
        # An exception leaves the guard without the guard's frames, in its own traceback and
        # in those of the exceptions chained to it: a frame gives its locals (`f_locals`, read
        # through the standard library's `traceback.walk_tb`), and the guard's hold its state.
        tid = _get_ident()
        entered = tid not in _busy
        _busy.add(tid)  # the walk reads `tb_frame`; no code of the program's runs in it
        try:
            todo, seen = [exc], set()
            while todo:
                e = todo.pop()
                if e is None or _id(e) in seen or not _issubclass(_type(e), BaseException):
                    continue
                seen.add(_id(e))
                _keep(e)
                _exc_traceback.__set__(e, _without_guard_frames(_exc_traceback.__get__(e)))
                todo.append(_keep(_exc_context.__get__(e)))
                todo.append(_keep(_exc_cause.__get__(e)))
        finally:
            if entered:
                _busy.discard(tid)

    class PolicyViolation(PermissionError):
        """Raised by the pysbx guard when code breaks the sandbox policy."""

    PolicyViolation.__module__ = "pysbx"
    PolicyViolation.__qualname__ = "PolicyViolation"
    # The class is the program's to change (`pysbx.PolicyViolation`, and type attributes raise
    # no audit event): a `__new__` or `__init__` set on it would run the program's code inside
    # the guard's work, where a violation is made. It is made by the interpreter's own `OSError`
    # functions, which look nothing up on the class (with an `__init__` of the program's set,
    # `OSError.__new__` leaves the arguments to `OSError.__init__`, called here).
    _oserror_new, _oserror_init = OSError.__new__, OSError.__init__

    # A refused name lookup is also the resolver's own error (`socket.gaierror`), as a lookup
    # with no network raises one: a program that handles being offline with `except
    # socket.gaierror` (or the library under it, `urllib3`'s resolver) takes its fallback.
    if _socket_class is not None:
        _LookupRefused = _type("PolicyViolation", (PolicyViolation, _socket.gaierror),
                               {"__module__": "pysbx", "__doc__": PolicyViolation.__doc__})
    else:
        _LookupRefused = PolicyViolation

    # The refusals the guard made, by id, with their text: the run ends as a violation only
    # on one of these (see `_ending`), never on an exception of the same class the program
    # raised itself (`raise pysbx.PolicyViolation(...)`). Ids, not the objects: a kept
    # exception would keep its traceback's frames, and what they hold, alive. An id reused by
    # another object counts only with the same text. The oldest are let go past a bound.
    _made_refusals = {}

    def _refusal_made(exc, message):
        if _len(_made_refusals) >= 1024:
            del _made_refusals[next(iter(_made_refusals))]
        _made_refusals[_id(exc)] = message
        return exc

    def _new_violation(message, kind=PolicyViolation):
        exc = _oserror_new(kind, _EPERM, message)
        _oserror_init(exc, _EPERM, message)
        return _refusal_made(exc, message)

    # A refused import is a missing module to the program (`ModuleNotFoundError`): one that
    # handles an optional module with `except ImportError:` takes its fallback, as it does where
    # the gate stubbed the `import` statement (`PysbxBlockedImport`), whichever way it imports
    # (`import ctypes`, `importlib.import_module("ctypes")`, a module that imports it). An
    # `ImportError` cannot also be a `PermissionError` (their instances' layouts differ), so
    # this one is no `PolicyViolation`. Made as `_new_violation` makes those, with the
    # interpreter's own functions (`BaseException.__new__` calls no `__init__`).
    ImportRefused = _type("ImportRefused", (ModuleNotFoundError,), {
        "__module__": "pysbx",
        "__doc__": "Raised by the pysbx guard when the policy refuses an import."})
    _exception_new, _import_error_init = BaseException.__new__, ImportError.__init__

    def _new_import_refusal(message):
        exc = _exception_new(ImportRefused, message)
        _import_error_init(exc, message)
        return _refusal_made(exc, message)

    # --- frames and attribution -------------------------------------------------------------

    # Facades through which the program's own call passes (a sealed entry, `__import__`,
    # `pysbx.permit`): the code behind them is judged, as behind the import machinery.
    _transparent_ids = set()

    _file_kinds = {}  # a code's file name (an exact `str`) -> its kind, past the guard's own

    def _kind(code):
        fn = code.co_filename
        if _type(fn) is not _str:
            fn = _str.__str__(fn)  # a subclass's methods are the program's code
        if fn == "<pysbx-guard>":
            i = id(code)
            if i in _transparent_ids:
                return "frozen"
            if i not in _guard_ids:
                return "user"
            if i in _plain_ids or _in_work():
                return "guard"
            # A function of the guard's own work (not a facade) running while the thread is
            # not inside that work: the program called it directly, or it runs code the
            # program chose (a trampoline's handler, a callable of the interpreter's such as
            # `functools.partial(exec, text)` put where the function calls it). Its events are
            # the program's.
            return "user"
        # By the name's text alone from here: kept, since every event asks for a few frames'.
        kind = _file_kinds.get(fn)
        if kind is None:
            if fn.startswith("<frozen "):
                kind = "frozen"
            elif fn.startswith("/") and _is_stdlib_file(fn):
                kind = "stdlib"
            else:
                kind = "user"
            if _len(_file_kinds) >= 4096:
                _file_kinds.clear()
            _file_kinds[fn] = kind
        return kind

    _runner_id = None  # the runner's code, once it is made (set-up's imports come first)

    def _is_bottom_runner(f):
        # The runner's frame the loader called: the one that starts the program (the runner
        # called again by the program is not).
        return f is not None and _id(f.f_code) == _runner_id and f.f_back is not None \
            and f.f_back.f_code is _loader_code

    def _walk_ends(f, code):
        # Where a walk down the stack stops, at the frame `f` running `code`: the -c loader
        # that started the guard, or the runner the program starts from (`_pysbx_run`, called
        # by the loader): what lies beneath is the loader's. Met as the guard's, it made a
        # standard library module run as the program (`-m doctest`, whose every frame is the
        # standard library's) look like the guard's work through a facade, and its own calls
        # refused. The runner called again by the program (it is in the facades' namespace) is
        # no bottom, and its frames are the program's (see below).
        return code is _loader_code or (_id(code) == _runner_id and _is_bottom_runner(f))

    def _frames(start):
        # Each frame of the program's side of the stack from `start` down, with its code read
        # once: a frame's `f_code` is an event of its own, answered by the hook on top of the
        # work that reads it.
        f = start
        while f is not None:
            code = f.f_code
            if _walk_ends(f, code):
                return
            yield f, code
            f = f.f_back

    def _context(start, skip_frozen=True):
        """(immediate kind, innermost user frame, user stack) for the code behind an event."""
        immediate = None
        user = None
        stack = []
        for f, code in _frames(start):
            k = _kind(code)
            if immediate is None and not (skip_frozen and k == "frozen"):
                immediate = k
            if k == "guard" and user is None:
                return "guard", None, []
            if k == "user":
                if user is None:
                    user = f
                if len(stack) < 12:
                    stack.append({"file": code.co_filename, "line": f.f_lineno or 0,
                                  "function": code.co_name})
        return immediate or "stdlib", user, stack

    def _stack_codes(start):
        # The code of each frame `_frames` yields.
        return [code for _, code in _frames(start)]

    def _immediate(codes):
        # `_context(start, skip_frozen=False)[0]` without the stack, of `_stack_codes(start)`:
        # the kind of the first frame, or "guard" where the guard's own frame comes before
        # any of the program's. The whole stack is walked for a report only.
        immediate = None
        for code in codes:
            k = _kind(code)
            if immediate is None:
                immediate = k
            if k == "guard":
                return "guard"
            if k == "user":
                break
        return immediate or "stdlib"

    # The module of each file of code the guard compiled (the import gate's modules, and the
    # program as `__main__`), by file name. A frame's module is the one its code was compiled
    # for: a program that sets its own `__name__` (or builds globals naming another module)
    # does not get that module's grants. Code made at run time has a name of its own and the
    # top-level grants.
    _loaded = {}

    def _module_of(frame):
        if frame is None:
            return None
        fn = frame.f_code.co_filename
        return _loaded.get(fn) if _type(fn) is _str else None

    # Glob keys (`vendor.*`, `plugin_*`) match a module when one of its dotted prefixes matches,
    # so a package's grant covers its submodules as an exact key does.
    # (Compiled now: `fnmatch` is Python the program could change; a compiled pattern's
    # `match` is the interpreter's.)
    _globs = tuple((k, g) for k, g in _modules.items() if "*" in k)
    if _globs:
        import fnmatch as _fnmatch_module, re as _re_module
        _globs = tuple((_re_module.compile(_fnmatch_module.translate(k)).match, g)
                       for k, g in _globs)

    def _grant(module, key):
        if module:
            parts = module.split(".")
            for i in range(len(parts), 0, -1):
                prefix = ".".join(parts[:i])
                g = _modules.get(prefix)
                if g is not None and g[key]:
                    return g[key]
                for match, g in _globs:
                    if g[key] and match(prefix) is not None:
                        return g[key]
        return None

    def _violation(clause, message, operation, user, stack, detail=None, refused_import=False):
        module = _module_of(user)
        recorded = _learn and detail is not None and "grant" in detail
        event = {"kind": "violation", "clause": clause, "message": message, "module": module,
                 "file": user.f_code.co_filename if user is not None else None,
                 "line": (user.f_lineno or 0) if user is not None else None,
                 "function": user.f_code.co_name if user is not None else None,
                 "detail": detail, "stack": stack,
                 "action": "recorded" if recorded else "killed" if _kill else "raised",
                 "operation": operation}
        sent = lost = False
        try:
            _pipe_take()
            try:
                _send({"t": "event", "event": event})
                sent = True
            finally:
                _pipe_give()
        except OSError:
            lost = True
        except Exception:
            pass
        # The channel is gone (the program shut it down or closed it): nothing after this
        # could be reported, so the run ends here as a violation rather than going on
        # unseen (pysbx reads 122 as one). After a moment: pysbx, which read the channel's end
        # when the program shut it, tells a program still running from one exiting by the
        # process's state and names the violation; the wait is short, as another thread of the
        # program's could end the process as it chooses meanwhile (pysbx's look comes first).
        if lost:
            try:
                _select_wait((), (), (), 0.2)
            finally:
                _exit(122)
        # A learning run lets through what it records; what it could not record is refused as
        # under the policy, not let through unseen.
        if recorded and sent:
            return
        if _kill:
            _exit(122)
        if refused_import:
            raise _new_import_refusal("pysbx: %s (%s)" % (message, clause))
        lookup = detail is not None and detail.get("grant") == "lookup"
        raise _new_violation("pysbx: %s (%s)" % (message, clause),
                             _LookupRefused if lookup else PolicyViolation)

    # --- path checks ------------------------------------------------------------------------

    def _path_of(p):
        # The path the interpreter will use: a `str` or `bytes` subclass's own characters (the
        # interpreter reads them, not what its methods say), copied by the interpreter's
        # methods, so no method of the program's runs here. Anything else (a descriptor, an
        # `os.PathLike` whose `__fspath__` is the program's code) is the kernel's to judge.
        t = _type(p)
        if t is _str:
            return p
        if t is _bytes:
            return p.decode("utf-8", "surrogateescape")
        if _issubclass(t, _str):
            return _str.__str__(p)
        if _issubclass(t, _bytes):
            return _bytes_join((p,)).decode("utf-8", "surrogateescape")
        if t is _PosixPath or t is _PurePosixPath:
            return _pathlib_text(p)
        return None

    # `pathlib`'s own paths, read from their slots as `PurePath.__str__` would make their text
    # (no method of theirs is called: the program may have changed the classes). A program that
    # changes those methods or the slots while the interpreter converts the path meets the
    # kernel, which holds the same policy.
    import pathlib as _pathlib_module
    _PosixPath, _PurePosixPath = _pathlib_module.PosixPath, _pathlib_module.PurePosixPath
    _path_slots = tuple(_keeping(_pathlib_module.PurePath.__dict__[n].__get__)
                        for n in ("_str", "_drv", "_root", "_parts"))

    def _pathlib_text(p):
        read_str, read_drv, read_root, read_parts = _path_slots
        try:
            text = read_str(p)
            if _type(text) is _str:
                return text
        except AttributeError:
            pass
        try:
            drv, root, parts = read_drv(p), read_root(p), read_parts(p)
        except AttributeError:
            return None
        if _type(drv) is not _str or _type(root) is not _str or _type(parts) is not list:
            return None
        parts = tuple(parts)
        for part in parts:
            if _type(part) is not _str:
                return None
        text = drv + root + "/".join(parts[1:]) if drv or root else "/".join(parts)
        return text or "."

    def _fd_dir(fd):
        # The directory a descriptor stands for: its link in /proc, believed only when the
        # file there is the descriptor's own (same device and inode). None when that cannot be
        # told: not open, not a file of the file system, removed, or replaced since.
        try:
            target = _readlink("/proc/self/fd/%d" % fd)
            if not _isabs(target):
                return None
            held, there = _fstat(fd), _lstat(target)
        except (OSError, ValueError, OverflowError):
            return None
        if held.st_dev != there.st_dev or held.st_ino != there.st_ino:
            return None
        return target

    def _at_cwd(dir_fd):
        # Whether a relative path given with `dir_fd` is the working directory's: no
        # descriptor (None; -1 in the interpreter's events, its own AT_FDCWD being passed as
        # -1 too), or a negative number, with which the call fails (EBADF) without opening
        # anything.
        return dir_fd is None or (_type(dir_fd) is _int and dir_fd < 0)

    def _abs(p, dir_fd=None):
        # The absolute path `p` names, resolved; None when it is relative to a descriptor whose
        # directory cannot be told (see `_fd_dir`).
        if not _isabs(p):
            if not _at_cwd(dir_fd):
                base = _fd_dir(dir_fd) if _type(dir_fd) is _int else None
                if base is None:
                    return None
                return _norm(_join(base, p))
            p = _join(_getcwd(), p)
        return _norm(p)

    def _unknown_dir(clause, p, dir_fd, op, user, stack):
        _violation(clause, "%s relative to descriptor %s is not allowed: the directory it "
                   "stands for cannot be told" % (p, _describe(dir_fd)), op, user, stack,
                   {"grant": clause, "path": p})

    def _hidden_entry(path):
        # The directory of `_without_hidden` whose hidden entry `path` is or lies in, or None.
        for d in _without_hidden:
            if path.startswith(d + "/") and path[_len(d) + 1:_len(d) + 2] == ".":
                return d
        return None

    def _hosts_hidden_entry(path):
        # A file in a hidden entry of the working directory that is the lower layer's own (the
        # script's directory's, made by the host after the start): the view shows it with the
        # lower file's inode number, size and time, where a file the program made or changed
        # lives in the upper layer. Directories are listed, not read; anything that cannot be
        # told (a layer that renumbers inodes) is left to the other checks.
        if _cow_wd is None or not path.startswith(_cow_wd + "/"):
            return False
        rest = path[_len(_cow_wd) + 1:]
        if rest[:1] != ".":
            return False
        try:
            seen, lower = _lstat(path), _lstat(_join(_cow_lower, rest))
        except (OSError, ValueError):
            return False
        return not _S_ISDIR(seen.st_mode) and (seen.st_ino, seen.st_size, seen.st_mtime_ns) \
            == (lower.st_ino, lower.st_size, lower.st_mtime_ns)

    def _readable(path, module):
        if _hosts_hidden_entry(path):
            # Granted as the policy grants the entry at its own path (`fs.read` naming it).
            host = _join(_cow_lower, path[_len(_cow_wd) + 1:])
            extra = _grant(module, "read")
            return _under(host, _reads) or bool(extra and _under(host, extra))
        if _under(path, _reads) or _under(path, _writes) or _under(path, _prefixes):
            return True
        if _under(path, _without_hidden) and _hidden_entry(path) is None:
            return True
        extra = _grant(module, "read")
        return bool(extra and _under(path, extra)) or _write_granted(path, module)

    def _writable(path, module):
        if _hosts_hidden_entry(path):
            # Opened to write, renamed or linked, the host's file is copied up with its
            # content: as good as read.
            return _readable(path, module)
        return _write_granted(path, module)

    def _write_granted(path, module):
        # `_writable` past the host's hidden entries, which `_readable` has looked at already.
        if _under(path, _writes):
            return True
        extra = _grant(module, "write")
        return bool(extra and _under(path, extra))

    _WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    # The limits the sandbox always sets (see `resource.setrlimit` below), by their numbers on
    # Linux for x86_64 and aarch64 (the generic ones). The process count, set only as root,
    # is left out.
    _PINNED_RLIMITS = {0: "RLIMIT_CPU", 1: "RLIMIT_FSIZE", 2: "RLIMIT_DATA", 4: "RLIMIT_CORE",
                       7: "RLIMIT_NOFILE", 9: "RLIMIT_AS", 13: "RLIMIT_NICE",
                       14: "RLIMIT_RTPRIO", 15: "RLIMIT_RTTIME"}
    _PINNED_RLIMIT_LIST = ", ".join(_PINNED_RLIMITS.values())
    _RLIMIT_NAMES = {3: "RLIMIT_STACK", 5: "RLIMIT_RSS", 6: "RLIMIT_NPROC", 8: "RLIMIT_MEMLOCK",
                     10: "RLIMIT_LOCKS", 11: "RLIMIT_SIGPENDING", 12: "RLIMIT_MSGQUEUE"}

    def _check_read(raw, op, user, stack, dir_fd=None):
        p = _path_of(raw)
        if p is None:
            return
        path = _abs(p, dir_fd)
        if path is None:
            _unknown_dir("fs.read", p, dir_fd, op, user, stack)
            return
        # Permits first: what the program's own permit refuses needs no grant (learning mode).
        if not _is_runtime(path):
            _permit_check("read", path, op, user, stack)
        if not _readable(path, _module_of(user)) and not _own_descriptor(path):
            if not _under(path, _any_writes) and not _exists(path):
                # Nothing there, where nothing can be made (no grant lets anyone write): the
                # call fails with FileNotFoundError, as under Python (a program probing for an
                # optional configuration file must go on). Existence was no secret:
                # `os.path.exists` shows it. Should the file appear before the call, the
                # kernel refuses it.
                return
            why = "" if _hidden_entry(path) is None and not _hosts_hidden_entry(path) else (
                ": the hidden entries of the script's directory are not granted (name it "
                "in fs.read to grant it)")
            _violation("fs.read", "reading %s is not allowed%s" % (path, why), op, user, stack,
                       {"grant": "fs.read", "path": path})

    def _abs_entry(p, dir_fd=None):
        head, _, name = p.rstrip("/").rpartition("/") if p != "/" else ("", "", "/")
        if name in ("", ".", "..", "/"):
            return _abs(p, dir_fd)
        base = _abs(head or ("/" if p.startswith("/") else "."), dir_fd)
        return None if base is None else _join(base, name)

    def _own_descriptor(path):
        # One of the process's own descriptors that is no file (a pipe, a socket: its standard
        # streams, reopened through `/dev/stdout` or `/proc/self/fd/1`): the resolved path
        # names no place in the file system, and the process holds it already.
        if not path.startswith("/proc/"):
            return False
        head, _, name = path.rpartition("/")
        if not (name.startswith("pipe:[") or name.startswith("socket:[")):
            return False
        return head in ("/proc/self/fd", "/proc/%d/fd" % _getpid(),
                        "/proc/thread-self/fd")

    def _exists(path):
        try:
            _lstat(path)
            return True
        except (FileNotFoundError, NotADirectoryError):
            return False
        except (OSError, ValueError):
            return True

    def _check_write(raw, op, user, stack, dir_fd=None, entry=False):
        # `entry`: the call acts on the name itself (removing, renaming, linking to it), not on
        # what a symbolic link there leads to, so only its directory is resolved.
        p = _path_of(raw)
        if p is None:
            return
        path = _abs_entry(p, dir_fd) if entry else _abs(p, dir_fd)
        if path is None:
            _unknown_dir("fs.write", p, dir_fd, op, user, stack)
            return
        _permit_check("write", path, op, user, stack)
        if not _writable(path, _module_of(user)) and not _own_descriptor(path):
            _violation("fs.write", "changing %s is not allowed" % path, op, user, stack,
                       {"grant": "fs.write", "path": path})

    def _locks(event, args):
        # Whether a locking call takes a lock rather than dropping one: `flock` and `lockf`
        # without `LOCK_UN`, and `fcntl`'s lock commands with a `struct flock` whose type (its
        # first short) is not `F_UNLCK`. An argument of another type fails the call anyway.
        if _len(args) < 2 or not _issubclass(_type(args[1]), _int):
            return True
        cmd = _int.__index__(args[1])
        if event != "fcntl.fcntl":
            return not cmd & _LOCK_UN
        if cmd not in _LOCK_COMMANDS:
            return False
        arg = args[2] if _len(args) > 2 else None
        return not (_type(arg) is _bytes and _len(arg) >= 2
                    and _int.from_bytes(arg[:2], _sys_byteorder) == _F_UNLCK)

    def _check_fd_write(obj, op, user, stack):
        # The owner-only calls Landlock does not cover (`os.chmod`, `os.chown`, `os.utime`,
        # `os.setxattr`, `os.removexattr`) given a descriptor (`fchmod`, `futimens`...) rather
        # than a path: judged as the plain form is, by the file the descriptor stands for (see
        # `_fd_dir`). A file with no name left (removed, or made without one) is no place
        # anyone else reaches, and a pipe or a socket no file of the file system: both pass.
        # (The interpreter hands the event an `os.PathLike`'s path, not the object.) Any other
        # object, an `__index__` of the program's class, is refused: its number cannot be read
        # without running the program's code, and no kernel layer judges these calls.
        if not _issubclass(_type(obj), _int):
            _violation("fs.write", "changing the file that %s stands for is not allowed: give "
                       "a descriptor as an int" % _describe(obj), op, user, stack,
                       {"grant": "fs.write"})
            return
        fd = _int.__index__(obj)
        where = _fd_dir(fd)
        if where is not None:
            _check_write(where, op, user, stack)
            return
        try:
            st = _fstat(fd)
            target = _readlink("/proc/self/fd/%d" % fd)
        except (OSError, ValueError, OverflowError):
            return  # no such descriptor: the call fails with EBADF
        if st.st_nlink == 0 or not _isabs(target):
            return
        _violation("fs.write", "changing the file descriptor %d stands for is not allowed: the "
                   "file it stands for cannot be told" % fd, op, user, stack,
                   {"grant": "fs.write"})

    # --- network checks ---------------------------------------------------------------------

    def _net_rules(module):
        extra = _grant(module, "net")
        return _net + (extra or ())

    def _rule_allows(rule, proto, host, port):
        r = rule
        rp = "tcp"
        if r.startswith("udp:"):
            rp, r = "udp", r[4:]
        elif r.startswith("tcp:"):
            r = r[4:]
        if rp != proto:
            return False
        if r.startswith("["):
            h, _, rport = r[1:].partition("]")
            rport = rport[1:]
        else:
            h, _, rport = r.rpartition(":")
        if rport != "*" and rport != _str(port):
            return False
        names = _names_of.get(host, ()) + (host,)
        if h == "*":
            return True
        if "/" in h:
            return _within(_network(host), _network(h))
        for n in names:
            n = n.lower()
            if h.startswith("*."):
                if n.endswith(h[1:]) and len(n) > len(h) - 1:
                    return True
            elif n == h:
                return True
            else:
                a = _packed(n)
                if a is not None and a == _packed(h):
                    return True
        return False

    def _check_connect(address, proto, op, user, stack):
        if _type(address) is not tuple or len(address) < 2:
            return  # AF_UNIX paths: the kernel refuses socket(AF_UNIX) without network or processes
        host, port = address[0], address[1]
        # The values the interpreter itself used: a subclass's methods are the program's code,
        # and could answer the guard one thing and the socket another.
        if _type(host) is not _str:
            host = _str.__str__(host) if _issubclass(_type(host), _str) else _path_of(host)
        if _type(port) is not _int:
            port = _int.__index__(port) if _issubclass(_type(port), _int) else None
        if host is None or port is None:
            _violation("net", "a connection to an address given as %s is not allowed"
                       % _describe(address), op, user, stack)
        module = _module_of(user)
        _permit_check("net", (proto, host, port), op, user, stack)
        rules = _net_rules(module)
        if not rules or not any(_rule_allows(r, proto, host, port) for r in rules):
            dest = _dest(proto, host, port)
            _violation("net", ("%s is not in net.allow" if rules else
                               "network access to %s is not allowed") % dest, op, user, stack,
                       {"grant": "net", "rule": dest})

    # Addresses, with the interpreter's C parser (`ipaddress` is Python the program could change).
    _inet_pton = _socket.inet_pton if _socket_class is not None else None

    _FAMILY_BITS = ((_socket.AF_INET, 32), (_socket.AF_INET6, 128)) if _inet_pton else ()

    def _packed(host):
        # An IP address as (bits, integer), or None.
        if _type(host) is not _str or _inet_pton is None:
            return None
        host = host.split("%", 1)[0]
        for family, bits in _FAMILY_BITS:
            try:
                return bits, _int.from_bytes(_inet_pton(family, host), "big")
            except (OSError, ValueError):
                pass
        return None

    def _network(text):
        # "address/prefix" (or an address alone) as (bits, network, prefix), or None.
        if _type(text) is not _str:
            return None
        addr, slash, prefix = text.partition("/")
        a = _packed(addr)
        if a is None or (slash and not (prefix.isdigit() and prefix.isascii())):
            return None
        bits, value = a
        n = _int(prefix) if slash else bits
        if n > bits:
            return None
        return bits, value & (((1 << n) - 1) << (bits - n)), n

    def _within(inner, outer):
        # Whether the network `inner` lies in `outer` (both from `_network`).
        if inner is None or outer is None or inner[0] != outer[0] or inner[2] < outer[2]:
            return False
        bits, value, n = outer
        return inner[1] & (((1 << n) - 1) << (bits - n)) == value

    def _is_address(host):
        return _packed(host) is not None

    def _check_lookup(host, op, user, stack):
        if _type(host) is _bytes:
            host = host.decode("ascii", "replace")
        if _type(host) is not _str:
            return
        if host.lower() in _hosts:
            return
        if _dns_pinned and not _is_address(host) and not _wild(host.lower().rstrip(".")):
            _violation("net", "name lookup of %s: pysbx answers only the names of net.allow and hosts" % host,
                       op, user, stack, {"grant": "lookup", "host": host})
        _permit_check("lookup", host, op, user, stack)
        if not _net_rules(_module_of(user)):
            _violation("net", "name lookup of %s is not allowed (no network)" % host, op, user, stack,
                       {"grant": "lookup", "host": host})

    # --- scoped permits ---------------------------------------------------------------------
    # `with pysbx.permit(net=[...], fs_read=[...], fs_write=[...], process=..., ffi=...):`
    # narrows what the enclosed code of this thread may do. Each thread's stack lives in the
    # frame of a suspended generator: no attribute of any object the program can reach holds
    # it, the frame itself is behind `gi_frame` (refused to user code), and the generator only
    # answers the guard's own code objects, named once before user code runs. Entries are
    # tuples, so a stack the program could somehow see still could not be changed in place.

    def _make_permit_store(getframe, ident):
        def store():
            stacks = {}
            trusted = None
            reply = None
            while True:
                try:
                    req = yield reply
                except BaseException:
                    reply = None  # throw() and close() from outside are ignored
                    continue
                reply = None
                try:
                    caller = getframe(1).f_code
                except BaseException:
                    continue
                if trusted is None:
                    trusted = req
                    continue
                # Code of the program's that runs in here (a signal handler) and raises must not
                # end the store: the request then gets no answer, which fails closed.
                try:
                    ok = False
                    for code in trusted:
                        if code is caller:
                            ok = True
                    if not ok:
                        continue
                    op = req[0]
                    tid = ident()
                    cur = stacks.get(tid, ())
                    if op == "get":
                        reply = cur
                    elif op == "push":
                        stacks[tid] = cur + (req[1],)
                        reply = True
                    elif op == "pop":
                        if cur and cur[-1][0] == req[1] and cur[-1][1] == req[2]:
                            if len_(cur) > 1:
                                stacks[tid] = cur[:-1]
                            else:
                                del stacks[tid]
                            reply = True
                        else:
                            reply = False
                except BaseException:
                    reply = None

        len_ = len
        gen = store()
        gen.send(None)
        return gen

    _pgen = _make_permit_store(_getframe, _get_ident)
    _plock = _thread.RLock()  # a nested use finds the store's generator running, and fails closed
    # A store that cannot answer fails closed: no network, no reads outside the runtime, no
    # writes, no processes, no foreign code.
    _PERMIT_LOST = ((-1, -1, (), (), (), False, False, "<the permit state was lost>"),)

    def _permit_stack(_gen=_pgen, _lock=_plock):
        try:
            with _lock:
                out = _gen.send(("get",))
        except BaseException:
            return _PERMIT_LOST
        return out if _type(out) is tuple else _PERMIT_LOST

    def _is_runtime(path):
        # The interpreter's own files are code, not data: permits do not narrow reading them.
        return _under(path, _prefixes) or _under(path, _stdlib) or _under(path, _site)

    def _dest(proto, host, port):
        host = _str(host)
        return "%s%s:%s" % ("udp:" if proto == "udp" else "",
                            "[%s]" % host if ":" in host else host, port)

    def _permit_excludes(e, kind, value):
        if kind == "read":
            if e[3] is None or _under(value, e[3]) or (e[4] and _under(value, e[4])):
                return None
            return "reading %s" % value
        if kind == "write":
            if e[4] is None or _under(value, e[4]):
                return None
            return "changing %s" % value
        if kind == "net":
            if e[2] is None:
                return None
            proto, host, port = value
            for r in e[2]:
                if _rule_allows(r, proto, host, port):
                    return None
            return "network access to %s" % _dest(proto, host, port)
        if kind == "lookup":
            return "name lookup of %s" % value if e[2] is not None and not e[2] else None
        if kind == "process":
            return "%s (process)" % value if e[5] is False else None
        if kind == "ffi":
            return "%s (ffi)" % value if e[6] is False else None
        return None

    def _permit_check(kind, value, op, user, stack):
        entries = _permit_stack()
        for e in entries:
            why = _permit_excludes(e, kind, value)
            if why:
                _violation("permit", "%s is outside the permit opened at %s" % (why, e[7]), op,
                           user, stack, {"permit": e[7]})

    def _parse_dest(rule):
        r = rule
        proto = "tcp"
        if r.startswith("udp:"):
            proto, r = "udp", r[4:]
        elif r.startswith("tcp:"):
            r = r[4:]
        if r.startswith("["):
            h, _, rest = r[1:].partition("]")
            port = rest[1:]
        else:
            h, _, port = r.rpartition(":")
        return proto, h.lower(), port

    def _rule_covers(rule, wanted):
        """Whether the policy or permit rule `rule` allows every destination `wanted` names."""
        rp, rh, rport = _parse_dest(rule)
        wp, wh, wport = _parse_dest(wanted)
        if rp != wp or (rport != "*" and rport != wport):
            return False
        if "*" not in wh and "/" not in wh and wport != "*":
            return _rule_allows(rule, wp, wh, _int(wport))
        if rh == "*" or rh == wh:
            return True
        if rh.startswith("*.") and wh.endswith(rh[1:]):
            return True
        if "/" in rh:
            return _within(_network(wh), _network(rh))
        return False

    def _paths(value):
        return None if value is None else tuple(_abs(_path_of(p) or "") for p in value)

    def _permit_want(net, reads, writes, process, ffi):
        # What `pysbx.permit(...)` asks for, checked and made absolute. The facade passed plain
        # strings: nothing here runs code of the program's.
        if net is not None:
            if _type(net) is not tuple:
                raise TypeError("pysbx.permit: net must be a list of 'host:port' strings")
            for r in net:
                if _type(r) is not _str or ":" not in r:
                    raise ValueError("pysbx.permit: %s is not 'host:port'" % _describe(r))
                proto, host, port = _parse_dest(r)
                if not host or not (port == "*" or port.isdigit()):
                    raise ValueError("pysbx.permit: %r is not 'host:port'" % (r,))
        for name, flag in (("process", process), ("ffi", ffi)):
            if flag is not None and _type(flag) is not bool:
                raise TypeError("pysbx.permit: %s must be True, False or None" % name)
        for what, value in (("fs_read", reads), ("fs_write", writes)):
            if value is not None and (_type(value) is not tuple or
                                      not all(_one_of(_type(p), (_str, _bytes)) for p in value)):
                raise TypeError("pysbx.permit: %s must be a list of paths" % what)
        return (net, _paths(reads), _paths(writes), process, ffi)

    def _permit_push(permit, want):
        immediate, user, stack = _context(_entry_frame())
        module = _module_of(user)
        # The program may have changed what the permit holds: checked again, as asked.
        net, reads, writes, process, ffi = _permit_want(*want) if (
            _type(want) is tuple and len(want) == 5) else _permit_want(None, (), (), False, False)

        def refuse(what, detail):
            _violation("permit", "permit() asks for %s, beyond what this code may do" % what,
                       "permit", user, stack, detail)

        with _plock:
            enclosing = _pgen.send(("get",))
        if _type(enclosing) is not tuple:
            enclosing = _PERMIT_LOST
        for r in net or ():
            ok = any(_rule_covers(x, r) for x in _net_rules(module))
            ok = ok and all(e[2] is None or any(_rule_covers(x, r) for x in e[2])
                            for e in enclosing)
            if not ok:
                refuse(r, {"grant": "net", "rule": r})
        for p in reads or ():
            ok = _readable(p, module) and all(
                _permit_excludes(e, "read", p) is None for e in enclosing)
            if not ok:
                refuse("reading " + p, {"grant": "fs.read", "path": p})
        for p in writes or ():
            ok = _writable(p, module) and all(
                _permit_excludes(e, "write", p) is None for e in enclosing)
            if not ok:
                refuse("changing " + p, {"grant": "fs.write", "path": p})
        if process and not ((_process or _grant(module, "process"))
                            and all(e[5] is not False for e in enclosing)):
            refuse("processes", {"grant": "process", "what": "permit(process=True)"})
        if ffi and not ((_ffi or _grant(module, "ffi"))
                        and all(e[6] is not False for e in enclosing)):
            refuse("foreign code", {"grant": "ffi", "what": "permit(ffi=True)"})
        caller = _outside(_entry_frame())
        owner = user if user is not None else caller
        # The file name as the interpreter's text: a `str` subclass's `__str__` is the
        # program's code (code compiled under such a name keeps the object).
        filename = caller.f_code.co_filename
        filename = _str.__str__(filename) if _issubclass(_type(filename), _str) else "?"
        origin = "%s:%s" % (filename, caller.f_lineno)
        entry = (id(permit), id(owner), net, reads, writes, process, ffi, origin)
        with _plock:
            _pgen.send(("push", entry))

    def _permit_pop(permit):
        # Only the code that opened a permit closes it: the innermost user frame now must be
        # the one that entered, and the permit must be the innermost of this thread.
        immediate, user, stack = _context(_entry_frame())
        owner = user if user is not None else _outside(_entry_frame())
        with _plock:
            ok = _pgen.send(("pop", id(permit), id(owner)))
        if ok is not True:
            _violation("permit", "closing a permit is only for the code that opened it, "
                       "innermost first", "permit", user, stack, {})

    _pgen.send((_permit_stack.__code__, _permit_push.__code__, _permit_pop.__code__))

    # --- the audit hook ---------------------------------------------------------------------

    _SAFE_PICKLE = {"collections", "datetime", "decimal", "fractions", "copyreg", "numbers",
                    "_codecs", "uuid", "pathlib", "ipaddress", "enum", "array", "zoneinfo",
                    # Functions of numbers only (`pool.map(math.sqrt, xs)`).
                    "math", "cmath"}
    # numpy's own reconstructors and types, which the pickles of its arrays, scalars, dtypes,
    # masked arrays and random generators name (numpy 2's `numpy._core`, numpy 1's
    # `numpy.core`): the program may read back the arrays it saved, as `torch.load`'s
    # `weights_only` unpickler lets them. Each is checked once loaded to be numpy's own (a
    # native function of numpy's extension, a class or function defined in that module), not
    # whatever the program may have bound to that name.
    _NUMPY_PICKLE_NAMES = frozenset(
        [(core + ".multiarray", "_reconstruct") for core in ("numpy._core", "numpy.core")]
        + [(core + ".multiarray", "scalar") for core in ("numpy._core", "numpy.core")]
        + [(core + ".numeric", "_frombuffer") for core in ("numpy._core", "numpy.core")]
        + [("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.ma", "MaskedArray"),
           ("numpy.ma.core", "MaskedArray"), ("numpy.ma.core", "_mareconstruct"),
           ("numpy.random._pickle", "__bit_generator_ctor"),
           ("numpy.random._pickle", "__generator_ctor"),
           ("numpy.random._pickle", "__randomstate_ctor"),
           ("numpy.random._mt19937", "MT19937"), ("numpy.random._pcg64", "PCG64"),
           ("numpy.random._pcg64", "PCG64DXSM"), ("numpy.random._philox", "Philox"),
           ("numpy.random._sfc64", "SFC64"), ("numpy.random.bit_generator", "SeedSequence")])
    # The standard library's process pools send their tasks and results as pickles naming
    # these helpers (with the program's own functions, which are allowed as its own code).
    _SAFE_PICKLE_NAMES = {
        ("multiprocessing.pool", "mapstar"), ("multiprocessing.pool", "starmapstar"),
        ("multiprocessing.pool", "rebuild_exc"), ("multiprocessing.pool", "RemoteTraceback"),
        ("multiprocessing.pool", "MaybeEncodingError"),
        ("concurrent.futures.process", "_process_chunk"),
        ("concurrent.futures.process", "_CallItem"), ("concurrent.futures.process", "_ResultItem"),
        ("concurrent.futures.process", "_rebuild_exc"),
        ("concurrent.futures.process", "_RemoteTraceback"),
        ("concurrent.futures.process", "_ExceptionWithTraceback"),
        ("copyreg", "__newobj__"), ("copyreg", "__newobj_ex__"), ("functools", "partial"),
        ("multiprocessing.reduction", "_rebuild_partial"),
        # Plain values of the standard library's: building one runs no code of choice
        # (`re._compile` compiles a pattern, as `re.compile` would).
        ("re", "_compile"), ("re", "RegexFlag"), ("types", "SimpleNamespace"),
        ("argparse", "Namespace"), ("os", "stat_result"), ("time", "struct_time"),
        ("statistics", "NormalDist"), ("email.message", "Message"),
        ("email.message", "EmailMessage"), ("email._policybase", "Compat32"),
        ("email.policy", "EmailPolicy"),
    }
    # The operators' functions (dask pickles `operator.add` and reads it back to tell whether
    # a function pickles the same way twice): each applies an operator to values the pickle
    # built, which only the allowed classes' own methods then run. Not `attrgetter`,
    # `methodcaller`, `getitem` and the other functions that reach into an object.
    _SAFE_PICKLE_NAMES.update(
        (module, name) for module in ("_operator", "operator") for name in (
            "abs", "add", "and_", "concat", "contains", "countOf", "eq", "floordiv", "ge",
            "gt", "index", "indexOf", "inv", "invert", "is_", "is_not", "le", "lshift", "lt",
            "matmul", "mod", "mul", "ne", "neg", "not_", "or_", "pos", "pow", "rshift", "sub",
            "truediv", "truth", "xor"))
    # The enumerations the standard library's modules define (CPython 3.11, its test and GUI
    # packages aside), known by name so that a pickle naming one unpickles before its module
    # is loaded, as under Python (the unpickler imports the module after the check; once it
    # is loaded, `_stdlib_enum` below judges the class itself). Building a member looks its
    # value up among the members.
    _STDLIB_ENUMS = {
        ("ast", "_Precedence"), ("asyncio.constants", "_SendfileMode"),
        ("asyncio.locks", "_BarrierState"), ("asyncio.runners", "_State"),
        ("asyncio.sslproto", "AppProtocolState"), ("asyncio.sslproto", "SSLProtocolState"),
        ("asyncio.timeouts", "_State"), ("enum", "EnumCheck"), ("enum", "FlagBoundary"),
        ("http", "HTTPMethod"), ("http", "HTTPStatus"), ("inspect", "_ParameterKind"),
        ("plistlib", "PlistFormat"), ("pstats", "SortKey"), ("py_compile", "PycInvalidationMode"),
        ("re", "RegexFlag"), ("signal", "Handlers"), ("signal", "Sigmasks"), ("signal", "Signals"),
        ("socket", "AddressFamily"), ("socket", "AddressInfo"), ("socket", "MsgFlag"),
        ("socket", "SocketKind"), ("ssl", "AlertDescription"), ("ssl", "Options"),
        ("ssl", "Purpose"), ("ssl", "SSLErrorNumber"), ("ssl", "TLSVersion"),
        ("ssl", "VerifyFlags"), ("ssl", "VerifyMode"), ("ssl", "_SSLMethod"),
        ("ssl", "_TLSAlertType"), ("ssl", "_TLSContentType"), ("ssl", "_TLSMessageType"),
        ("tkinter", "EventType"), ("uuid", "SafeUUID"),
    }
    _SAFE_BUILTINS = {"list", "dict", "set", "frozenset", "tuple", "complex", "bytearray",
                      "bytes", "str", "int", "float", "bool", "range", "slice", "object", "type",
                      "Ellipsis", "NotImplemented"}
    # The built-in functions a process pool's task names (`pool.map(len, rows)`,
    # `partial(max, 0)`): each computes on the values the pickle built, whose only code is the
    # allowed classes' own. Not `getattr`, `vars`, `dir` and the others that reach into an
    # object, nor `eval`, `exec`, `open`, `__import__`, `print`, `input`, `breakpoint`.
    _SAFE_BUILTINS.update((
        "abs", "all", "any", "ascii", "bin", "callable", "chr", "divmod", "enumerate", "filter",
        "format", "hash", "hex", "id", "isinstance", "issubclass", "iter", "len", "map", "max",
        "min", "next", "oct", "ord", "pow", "repr", "reversed", "round", "sorted", "sum", "zip"))
    # Exceptions travel back from process pools' workers; building one runs no code of choice.
    _SAFE_BUILTINS.update(n for n, v in vars(builtins).items()
                          if _type(v) is _type and issubclass(v, BaseException))
    import _compat_pickle
    _compat_names, _compat_modules = dict(_compat_pickle.NAME_MAPPING), dict(_compat_pickle.IMPORT_MAPPING)
    # Saved now, and read through the types' own descriptors: the check runs inside the audit
    # hook, where the thread is marked busy and no event of code the program supplies would be
    # seen, so it must never call such code (a property `__file__` on an object put in
    # `sys.modules`, a metaclass's `__dict__` or `__module__`, an object's `__class__`).
    _issubclass, _dict_get, _len = issubclass, dict.get, len
    # A native function's name is its C definition's (no program can change it), as are a
    # static type's name and module; a heap type's (a class statement's) are the program's to
    # set, and so is a module's `__name__`.
    _builtin_function_type = _type(_len)
    _builtin_self = _keeping(_builtin_function_type.__dict__["__self__"].__get__)
    _builtin_name = _keeping(_builtin_function_type.__dict__["__name__"].__get__)
    _class_flags = _keeping(_type.__dict__["__flags__"].__get__)
    _class_mro = _keeping(_type.__dict__["__mro__"].__get__)
    _class_name = _keeping(_type.__dict__["__name__"].__get__)
    _HEAPTYPE = 1 << 9
    _dict, _dict_values, _tuple, _list = dict, dict.values, tuple, list

    _module_dict = _keeping(_ModuleType.__dict__["__dict__"].__get__)
    _class_dict = _keeping(_type.__dict__["__dict__"].__get__)
    _class_module = _keeping(_type.__dict__["__module__"].__get__)
    _function_module = _keeping(_function_type.__dict__["__module__"].__get__)

    # A dictionary the program can fill (`sys.modules`, a module's or a class's namespace, a
    # spec's or a frame's attributes) is never looked up in, nor written to, by the guard's
    # work: a look-up compares the name with every key of the same hash, and a key of the
    # program's class (a `str` subclass whose `__hash__` is the name's, put where the name's
    # entry would be) has its `__eq__` run by the interpreter, inside the guard's work. The
    # guard reads a copy holding only the keys of the interpreter's own `str`, made in one
    # call of the interpreter's (no thread of the program's runs in between) that calls
    # nothing of the program's: the items are read as they are stored.
    from itertools import compress as _compress, repeat as _repeat
    from operator import is_ as _is_op, itemgetter as _itemgetter
    _key_of = _itemgetter(0)
    _dict_items = dict.items
    _proxy_type = _type(_type.__dict__)
    _proxy_items = _proxy_type.items

    def _plain_dict(d):
        _keep(d)
        t = _type(d)
        if t is _proxy_type:
            items = _tuple(_proxy_items(d))  # a class's namespace, behind its mapping proxy
        elif _issubclass(t, _dict):
            items = _tuple(_dict_items(d))
        else:
            return {}
        _keep(items)  # every value, those under keys of other types too
        return _keep(_dict(_compress(items, map(_is_op, map(_type, map(_key_of, items)),
                                                _repeat(_str)))))

    # One look-up, without the copy when it is safe: whether every key is a `str` of the
    # interpreter's, and then the look-up, made in one call of the interpreter's that runs no
    # bytecode in between (a chain of its iterators: no other thread runs, and with such keys
    # the look-up compares only strings). Where a key of another type is found, a copy is
    # looked in. (Copying `sys.modules` at each name a pickle gives cost 50 us a name.)
    from operator import call as _call
    from functools import partial as _partial
    _dict_iter = dict.__iter__
    _MISSING, _MIXED = object(), object()

    def _plain_get(d, key, default=None):
        t = _type(d)
        if t is _proxy_type:
            return _plain_dict(d).get(key, default)
        if not _issubclass(t, _dict):
            return default
        _keep(d)
        found = next(map(_call, _compress(
            (_partial(_dict_get, d, key, _MISSING),),
            map(all, (map(_is_op, map(_type, _dict_iter(d)), _repeat(_str)),)))), _MIXED)
        if found is _MIXED:
            found = _dict_get(_plain_dict(d), key, _MISSING)
        return default if found is _MISSING else _keep(found)

    def _namespace(obj):
        # The real namespace of a module or a class, or None for anything else: read only
        # through `_plain_get`.
        t = _type(obj)
        if _issubclass(t, _ModuleType):
            return _module_dict(obj)
        if _issubclass(t, _type):
            return _class_dict(obj)
        return None

    import enum as _enum_module
    _EnumType = _enum_module.EnumType

    # Python 3.11 up to 3.11.4 (Debian 12's 3.11.2 among them) pickles an enumeration's
    # member as `getattr(its class, its name)`: a pickle may not name `getattr`, which reaches
    # any attribute of any object the pickle builds (`object.__subclasses__`, then a bound
    # `pop` of the list...). Such an interpreter's members are pickled instead as later
    # releases pickle them, by class and value (`Kind(1)` looks the value up among the
    # members, a flag's combined value included): the same function objects, which the classes
    # that mix in a data type (`IntEnum`, `StrEnum`) hold copies of, get that code.
    def _enum_by_value(self, proto):
        return self.__class__, (self._value_,)

    for _enum_class in (_enum_module.Enum, _enum_module.Flag):
        _reduce = _enum_class.__dict__.get("__reduce_ex__")
        if _type(_reduce) is _function_type and "getattr" in _function_code(_reduce).co_names:
            _old_code = _function_code(_reduce)
            _reduce.__code__ = _function_code(_enum_by_value).replace(
                co_name=_old_code.co_name, co_qualname=_old_code.co_qualname,
                co_filename=_old_code.co_filename, co_firstlineno=_old_code.co_firstlineno)
    del _enum_class, _reduce

    def _stdlib_enum(module, origin, namespace, parts):
        # An enumeration a module of the standard library defines (`http.HTTPStatus`,
        # `signal.Signals`, `socket.AddressFamily`): the pickle of a member names its class and
        # its value, and building it looks the value up among the members, as for the classes
        # of `enum` itself (allowed above) and `re.RegexFlag`.
        if _type(origin) is not _str or not _is_stdlib_file(_norm(origin)) or _len(parts) != 1:
            return False
        obj = _plain_get(namespace, parts[0])  # a key of the program's, a `str` subclass
        t = _type(obj)
        if _issubclass(_type(t), _EnumType):
            # A member, pickled by its global name (`signal.SIGTERM`, as `_convert_` makes the
            # members of `signal.Signals` pickle): the value itself, nothing to call.
            obj, t = t, _type(t)
        if not _issubclass(t, _type) or not _issubclass(t, _EnumType):
            return False
        defined_in = _class_module(obj)
        return _type(defined_in) is _str and defined_in == module

    _path0 = cfg.get("sys_path0")

    def _shadowed(module):
        # Whether the script's directory holds what an import of `module` would find first.
        if _type(_path0) is not _str:
            return False
        top = module.split(".")[0]
        for leaf in (top, top + ".py"):
            try:
                _lstat(_join(_path0, leaf))
                return True
            except (OSError, ValueError):
                pass
        return False

    def _numpy_array_class(cls):
        # Whether numpy's own array type (a static type: its module and name are its C
        # definition's) is among the class's bases.
        for base in _class_mro(cls):
            if not _class_flags(base) & _HEAPTYPE and _class_module(base) == "numpy" \
                    and _class_name(base) == "ndarray":
                return True
        return False

    def _unpickled_by_its_package(module, origin, frame):
        # Whether the code that runs the unpickler (the innermost frame of the program's or of
        # an installed package's) is a module of the installed package (its top-level name in
        # the interpreter's site-packages) that `module`, a file of that package too, belongs
        # to: a package reading back its own data (babel's locale data are pickles of its
        # classes, in its own directory). It names only that package's classes and functions,
        # which the program's own code may call anyway.
        if frame is None or _type(origin) is not _str or not _under(_norm(origin), _site):
            return False
        _, user, _ = _context(frame)
        if user is None or _installed_package_file(user.f_code) is None:
            return False
        caller = _loaded.get(user.f_code.co_filename)
        return _type(caller) is _str \
            and caller.partition(".")[0] == module.partition(".")[0]

    def _pickle_global_allowed(module, name, frame=None):
        # What a pickle may name: a plain data type, a built-in exception, a pool's helper, a
        # class or function defined in the program's own modules, or one an installed package
        # defines and unpickles itself (see `_unpickled_by_its_package`). A dotted name (protocol 4)
        # goes through classes only, never a dunder: `copyreg.__builtins__.setattr`,
        # `__main__.os.system` or `f.__closure__` would otherwise reach any object by name.
        if _type(module) is not _str or _type(name) is not _str:
            return False
        # Pickles of protocols 0 to 2 name Python 2's modules (`copy_reg`, `__builtin__`),
        # which the unpickler maps to Python 3's after this check, unless such a module exists.
        obj = _plain_get(_modules_dict, module)
        if obj is None:
            module, name = _compat_names.get((module, name), (_compat_modules.get(module, module), name))
            obj = _plain_get(_modules_dict, module)
        if (module, name) in _SAFE_PICKLE_NAMES:
            return True
        if module == "builtins":
            return name in _SAFE_BUILTINS
        parts = name.split(".")
        for part in parts:
            if part.startswith("__") and part.endswith("__"):
                return False
        if obj is None:
            # The unpickler imports the module after this check: a safe module's own name, or
            # an enumeration of the standard library's, unless a file or directory of the
            # script's directory (first on `sys.path`) takes the module's name: what the
            # unpickler would import then is the program's, judged as such once loaded.
            if _len(parts) != 1:
                return False
            if module in _SAFE_PICKLE:
                return True
            if (module, name) in _NUMPY_PICKLE_NAMES:
                return not _shadowed(module)
            return (module, name) in _STDLIB_ENUMS and not _shadowed(module)
        namespace = _namespace(obj)
        if namespace is None or not _issubclass(_type(obj), _ModuleType):
            return False
        own = numpy_own = False
        if module not in _SAFE_PICKLE:
            origin = _plain_get(namespace, "__file__")
            numpy_own = (module, name) in _NUMPY_PICKLE_NAMES and _type(origin) is _str \
                and _under(_norm(origin), _site)
            own = module == "__main__" or (_type(origin) is _str and not _is_stdlib_file(_norm(origin))
                                           and not _under(_norm(origin), _site)) \
                or numpy_own or _unpickled_by_its_package(module, origin, frame)
            if not own:
                return _stdlib_enum(module, origin, namespace, parts)
        left = _len(parts)
        for part in parts:
            # The first part is the module's; every later one a class's.
            namespace = _namespace(obj)
            obj = _plain_get(namespace, part) if namespace is not None else None
            left -= 1
            if obj is None or (left and not _issubclass(_type(obj), _type)):
                return False
        t = _type(obj)
        if _issubclass(t, _ModuleType):
            return False
        if own:
            # Defined there, not imported into it (`from os import system`).
            if _issubclass(t, _type):
                defined_in = _class_module(obj)
                if numpy_own and _class_flags(obj) & _HEAPTYPE and not _numpy_array_class(obj):
                    # A class statement's module and name are the program's to set: numpy's
                    # own heap classes of the list are arrays (`MaskedArray`).
                    return False
            elif _issubclass(t, _function_type):
                defined_in = _function_module(obj)
                if numpy_own:
                    # `__module__` and `__name__` are the program's to set on any function:
                    # numpy's own has its code, under that name, in numpy's files.
                    code = _function_code(obj)
                    code_file = code.co_filename
                    if _type(code_file) is not _str or not _under(_norm(code_file), _site) \
                            or "/numpy/" not in _norm(code_file) or code.co_name != parts[-1]:
                        return False
            elif _issubclass(_type(t), _EnumType):
                # A member of an enumeration defined there, pickled by its global name
                # (`enum.pickle_by_global_name`, `global_enum`).
                defined_in = _class_module(t)
            elif numpy_own and t is _builtin_function_type:
                # A native function of numpy's extension (`_reconstruct` of
                # `numpy._core._multiarray_umath`): defined under that name, bound to a module
                # of numpy's.
                if _builtin_name(obj) != parts[-1]:
                    return False
                bound = _builtin_self(obj)
                if not _issubclass(_type(bound), _ModuleType):
                    return False
                bound_name = _plain_get(_namespace(bound), "__name__")
                return _type(bound_name) is _str and bound_name.startswith("numpy.")
            else:
                return False
            return _type(defined_in) is _str and defined_in == module
        return True

    # Native modules that hand out the process's memory: foreign code, and CPython's test
    # modules (raw memory, and subinterpreters, which no audit hook of this one watches).
    # `_tkinter` embeds a Tcl interpreter: its `load` command maps any shared library as
    # code, and its file, socket and `exec` commands raise no audit event.
    _FFI_MODULES = ("ctypes", "_ctypes", "cffi", "_cffi_backend", "_testcapi",
                    "_testinternalcapi", "_testmultiphase", "_testbuffer",
                    "_xxsubinterpreters", "_xxinterpchannels", "_tkinter", "_xxtestfuzz",
                    "_ctypes_test", "_testclinic", "_testimportmultiple", "_testsinglephase",
                    "xxlimited", "xxlimited_35", "xxsubtype")
    _SQLITE_EXTENSION_EVENTS = frozenset({"sqlite3.enable_load_extension",
                                          "sqlite3.load_extension"})
    _FRAME_ATTRS = {"gi_frame", "cr_frame", "ag_frame", "tb_frame", "__code__", "gi_code",
                    "cr_code", "ag_code", "f_back", "f_builtins", "f_globals", "f_locals"}
    # The attributes whose reads and writes `_check` judges: any other passes at once.
    _WATCHED_ATTRS = frozenset(_FRAME_ATTRS | _GUARDED_FUNCTION_ATTRS)
    _PROC_EVENTS = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.forkpty", "subprocess.Popen", "pty.spawn", "os.startfile"}
    _WRITE_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.chmod": (0,),
                     "os.chown": (0,), "os.truncate": (0,), "os.utime": (0,),
                     "os.rename": (0, 1), "os.replace": (0, 1), "os.link": (0, 1),
                     "os.symlink": (1,), "os.chflags": (0,), "os.mkfifo": (0,),
                     "os.mknod": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
                     "shutil.rmtree": (0,), "shutil.chown": (0,)}
    # Where an event gives the directory descriptor a relative path is resolved against: the
    # index of that path in the event's arguments, to the index of its `dir_fd` (-1: none).
    _WRITE_DIR_FDS = {"os.remove": {0: 1}, "os.rmdir": {0: 1}, "os.mkdir": {0: 2},
                      "os.chmod": {0: 2}, "os.chown": {0: 3}, "os.utime": {0: 3},
                      "os.rename": {0: 2, 1: 3}, "os.replace": {0: 2, 1: 3},
                      "os.link": {0: 2, 1: 3}, "os.symlink": {1: 2}, "shutil.rmtree": {0: 1}}
    # The owner-only calls (which Landlock does not cover) that take a descriptor in place of a
    # path (`fchmod`, `fchown`, `futimens`, `fsetxattr`, `fremovexattr`).
    # Locks (see `_locks`): `fcntl.flock`, `fcntl.lockf`, and `fcntl.fcntl` with F_SETLK,
    # F_SETLKW, F_OFD_SETLK or F_OFD_SETLKW (Linux's numbers).
    _LOCK_EVENTS = frozenset({"fcntl.flock", "fcntl.lockf", "fcntl.fcntl"})
    _LOCK_COMMANDS = frozenset({6, 7, 37, 38})
    _LOCK_UN, _F_UNLCK = 8, 2
    _sys_byteorder = sys.byteorder
    _FD_WRITE_EVENTS = frozenset({"os.chmod", "os.chown", "os.utime", "os.setxattr",
                                  "os.removexattr"})
    # The calls that act on the name itself, a symbolic link included, not on where it leads.
    _ON_THE_ENTRY = frozenset({"os.remove", "os.rmdir", "os.rename", "os.replace", "os.link",
                               "os.symlink", "shutil.rmtree"})
    # The calls that create an entry at a path, and fail if one is there: (the index of that
    # path, the index of its `dir_fd`) in the audit event's arguments. (CPython 3.11 raises no
    # event for `mkfifo` and `mknod`: there the kernel answers, with PermissionError.)
    _CREATES_AT = {"os.mkdir": (0, 2), "os.symlink": (1, 2), "os.link": (1, 3)}
    # The calls that remove or move an entry away, and fail if there is none: (the index of
    # that path, the index of its `dir_fd`).
    _REMOVES_AT = {"os.remove": (0, 1), "os.rmdir": (0, 1), "os.rename": (0, 2),
                   "os.replace": (0, 2), "shutil.rmtree": (0, 1)}
    _READ_EVENTS = {"os.listdir": 0, "os.scandir": 0, "os.getxattr": 0, "os.listxattr": 0,
                    "glob.glob": 0, "os.chdir": 0}
    _FD_READ_EVENTS = frozenset({"os.listdir", "os.scandir", "os.chdir"})
    _MOVES = frozenset({"os.rename", "os.replace"})

    def _not_found(name, other):
        # The FileNotFoundError the interpreter raises for a call on `name` (and `other`, the
        # second path of a rename), as the kernel's ENOENT makes it.
        message = _strerror(_errno.ENOENT)
        exc = _oserror_new(OSError, _errno.ENOENT, message, name, None, other)
        _oserror_init(exc, _errno.ENOENT, message, name, None, other)
        return exc

    def _native_path(args):
        # The file of native code an `import` event names: `_imp.create_dynamic(spec)` raises
        # one with the spec's origin, which no finder judged, whatever its name (the loader
        # maps any file; an import statement's event names none).
        path = args[1] if _len(args) > 1 else None
        if _type(path) is not _str:
            return None
        return path

    def _loads_native(name, args, names):
        # Whether the import makes one of the native modules `names`, under any name: the
        # interpreter runs `PyInit_<last part of the name>` of the file (`x._ctypes` is
        # `_ctypes`), a file named after the module it holds.
        if name.rpartition(".")[2] in names:
            return True
        path = _native_path(args)
        return path is not None and path.rpartition("/")[2].partition(".")[0] in names

    def _native_refused(name, args):
        # A module that hands out the process's memory, or native code outside the
        # interpreter's own directories (a file the program wrote), refused as the finder
        # refuses it.
        if _matches(name, _FFI_MODULES) or _loads_native(name, args, _FFI_MODULES):
            return True
        path = _native_path(args)
        return path is not None and not _native_in_place(_norm(path))

    def _refuse_new_posixsubprocess(operation, user, stack):
        _violation("process", "making _posixsubprocess anew is not allowed (process: false)",
                   operation, user, stack, {"grant": "process", "what": "import _posixsubprocess"})

    def _native_in_place(norm):
        # Native code the interpreter's own trees hold: its standard library, or a
        # site-packages directory of its prefixes (what nothing of the run may write).
        return _is_stdlib_file(norm) or _under(norm, _prefixes) and _under(norm, _site)

    def _matches(name, patterns):
        for p in patterns:
            if p.endswith(".*"):
                if name == p[:-2] or name.startswith(p[:-1]):
                    return True
            elif name == p or name.startswith(p + "."):
                return True
        return False

    def _check_own_imports(name, module, own, op, user, stack):
        # A module's own lists: its `allow` replaces the top-level one for imports its code
        # makes, its `deny` adds to the top-level one.
        allow, deny = own
        if deny and _matches(name, deny):
            _violation("imports", "importing %s is denied to module %s" % (name, module), op,
                       user, stack, refused_import=True)
        if allow is not None and not _matches(name, allow):
            _violation("imports", "importing %s is not in the imports.allow of module %s"
                       % (name, module), op, user, stack, refused_import=True)

    # While the guard works (a check, a walk of a traceback), the events its own code raises
    # are not checked again. Code of the program's can run there too, unasked: a finalizer the
    # garbage collector calls, a signal handler. What it does is checked as anywhere else.
    _reading = {}  # thread → the traceback whose `tb_frame` the guard is reading

    # The frame of an event, found without an audited call (`sys._getframe` raises an event of
    # its own, which code of the program's running at that moment could pass off as the
    # guard's): a suspended generator holds its own frame, whose `f_back` (not audited) is
    # whoever resumes it. One generator, one thread at a time; code of the program's that runs
    # inside it and raises an event finds it running, and that event fails.
    # An exception raised inside it (by a signal handler that ran there) is handed back as
    # the answer, in a tuple (a frame never is one); one raised where no `try` covers it ends
    # the generator, and a new one is made.
    def _frames_up():
        # The answer is handed out of a one-item box, so that the suspended generator keeps no
        # reference to it (a frame, and all its locals hold, alive until the next look-up).
        me = yield None
        box = [None]
        while True:
            try:
                depth = yield box.pop()
                f = me
                for _ in range(depth):
                    f = f.f_back
                box.append(f)
                f = None
            except GeneratorExit:
                return
            except BaseException as exc:
                box.clear()
                box.append((exc,))

    _up_lock = _thread.RLock()
    _up = [None]
    _making = {}  # thread → the generator whose `gi_frame` the guard is reading

    def _new_frames_up():
        gen = _frames_up()
        next(gen)
        tid = _get_ident()
        _making[tid] = gen
        try:
            frame = gen.gi_frame
        finally:
            _making.pop(tid, None)
        gen.send(frame)
        _up[0] = gen.send

    _new_frames_up()

    def _event_frame(depth):
        # `depth` frames out from the caller's caller: 1 is the caller's own caller.
        with _up_lock:
            for _ in range(3):
                try:
                    answer = _up[0](depth + 2)
                    break
                except StopIteration:
                    _new_frames_up()
            else:
                raise RuntimeError("pysbx: the guard could not look up an event's frame")
        if _type(answer) is tuple:
            raise answer[0]
        return answer

    # The guard's work (the hook's checks, a sealed entry's function) runs in frames whose
    # locals hold its state, and `f_back`, which no audit event covers, leads down to them from
    # any frame above: a frame of code that ran there, or a generator's frame resumed there (a
    # generator's `f_back` is whoever resumes it). No code of the program's runs on top of that
    # work. Three things would run it unasked, and each waits for the work to be over:
    # - the garbage collector, at any allocation: its finalizers, weak reference callbacks and
    #   `gc.callbacks`. Automatic collection is off while any thread is inside (the program's
    #   own `gc.enable`/`gc.disable` are kept apart, see `_gc_set`); a collection that came due
    #   runs at the next allocation after.
    # - a signal handler: deferred by its trampoline (`_frame_for_handler`) and raised again,
    #   with `_thread.interrupt_main`, once the work is over (by the entry, or by the relay
    #   thread where no entry will: see `_relay_deferred`).
    # - the last reference to an object of the program's, dropped by the guard (`_let_go`).
    # The entry (`_audit_entry`, `_sealed_entry`) does all three after it has dropped its own
    # reference to the guard's function, when the thread's outermost work is over (`_leave`):
    # then nothing of the guard's lies beneath.
    import gc as _gc
    _gc_enable, _gc_disable = _gc.enable, _gc.disable
    _current_frames = sys._current_frames
    _gc_wanted = [_gc.isenabled()]  # the program's own setting
    _held = {}  # thread -> how deep it is in the guard's work

    def _in_work():
        # Whether the work being judged (the hook's check of an event, or a sealed entry's
        # function looking at its caller) was entered from inside the guard's work on this
        # thread: the count is one more than it was when that work was entered. Only then is
        # a frame of the guard's own work beneath the event really that work: the guard's
        # functions are entered through its entries (the audit hook, the sealed entries),
        # each counting its depth, and a function of the guard's the program reached and
        # called itself (a class's method found through `object.__subclasses__()`, a closure's
        # cell, a weak reference's callback) runs at the depth the program is at, none.
        tid = _get_ident()
        return tid in _held and _held[tid] > 1
    _deferred = []  # the signals that arrived on top of the main thread's work
    _relay = []  # the queue of the thread that raises signals again later (see `_relay_deferred`)
    _handling = [0]  # how many of the program's signal handlers are running (main thread)
    _dropped = []  # the guard's last references to objects of the program's
    _quiet = {}  # thread -> a trampoline's question found the guard's work beneath
    # The threads that may have a tracer or a profiler (the C profiler of `cProfile`, or one
    # behind the guard's trampoline): automatic collection stays off while there is any. Such
    # a function is handed the frame object of every call, made before the call's first
    # instruction: a collection that allocation set off at a sealed entry's start ran
    # finalizers on top of an entry already holding the guard's function.
    # (thread -> True until the end of the work that saw the tracer set: the interpreter sets it
    # after the event, so only a later piece of work can tell whether it is gone.)
    _tracing = {}
    _main_tid = _get_ident()
    _STAY = (False, (), ())
    _RESUME_GC = (True, (), ())

    def _enter(tid, depth):
        # `depth`: the thread's depth before, read by the caller ahead of its `try`, whose
        # `finally` puts it back (`_leave`) whatever happens in between. No call before the
        # depth is set: a signal is handled at a call's end.
        _held[tid] = depth + 1
        if not depth:
            _gc_disable()

    def _leave(tid, depth, signals_too=True):
        # What the entry does once it has dropped the guard's function: (resume automatic
        # collection, the signals to raise again, the objects to let go). No call once the
        # thread's depth is gone, so no signal handler runs on top of this frame then. A
        # trampoline's question asked on top of the guard's work (a tracer's event in the
        # entry's frame, a signal in the instant the work ends) does none of it: the work's own
        # end does. Nor does the signal trampoline's question hand out signals: its own
        # signal's handler is about to run, and one raised again from there would run first,
        # inside it, each signal that arrives meanwhile nested one level deeper.
        # The depth goes back to what it was before the work (`depth`), not one less: work
        # cut short before or after its own count (an error in `_enter`) leaves no count
        # behind, which would hold automatic collection off for the rest of the run.
        quiet = tid in _quiet
        if quiet:
            del _quiet[tid]
        if depth:
            _held[tid] = depth
            return _STAY
        if quiet:
            if tid in _held:
                del _held[tid]
            # Asked on top of work at depth none: at its very start, or past its end, where it
            # has handed out the signals put off: what this question put off is the relay's.
            if _deferred and tid == _main_tid and not _handling[0]:
                _relay_deferred()
            return _STAY
        dropped = ()
        if _dropped:
            dropped = _dropped[:]
            del _dropped[:]
        if tid in _kept:
            dropped = (dropped, _kept.pop(tid))
        if _tracing:
            if tid in _tracing and _tracing[tid]:
                _tracing[tid] = False
            else:
                _forget_tracing(tid)
        if tid in _held:
            del _held[tid]
        collect = _gc_wanted[0] and not _held and not _tracing
        # The signals put off, taken last, once the depth is gone, with no call between the
        # look and the return: one that lands after is put off by a question at depth none,
        # which hands it to the relay (above); one that landed before is in the list.
        # Not inside a handler of the program's: its own audited calls would raise the
        # signals put off meanwhile there, each handler nested in the one before, without end
        # under a fast timer. They are raised after the outermost handler is over, by the
        # relay, as are those put off during a trampoline's own entries (`signals_too` false):
        # raised from there they would run nested in the handler about to run or just over.
        signals = ()
        if _deferred and tid == _main_tid and not _handling[0]:
            if signals_too:
                signals = _deferred[:]
                del _deferred[:]
            else:
                _relay_deferred()
        if signals or dropped:
            return (collect, signals, dropped)
        return _RESUME_GC if collect else _STAY

    def _relay_deferred():
        # The signals put off where no entry will raise them: past the end of the work beneath
        # (a signal that lands in an entry's last instructions), or at the end of a program's
        # handler, whose own entries raise none. Left for the next piece of the guard's work,
        # they waited for ever in a program that makes no more audited calls (a loop of
        # `time.sleep`: a Ctrl-C that never came). The relay thread raises each again with
        # `_thread.interrupt_main` once it next holds the interpreter's lock (within the switch
        # interval): on top of the program's code, or put off again by the work then running.
        # Taken with no call between the look and the `del`. The relay is started with the
        # first signal put off (`_frame_for_handler`); without it (no thread could start) they
        # wait for the next entry's end, as before.
        if not _relay:
            return
        signals = _deferred[:]
        del _deferred[:]
        put = _relay[0].put
        for signum in signals:
            put(signum)

    def _start_relay():
        # A worker of the interpreter's functions alone (`_c_worker`) calling `interrupt_main`
        # with each signal put in its queue. Started from inside the guard's work, whose own
        # event the hook passes; not carried into a child of `fork`.
        try:
            _relay.append(_c_worker(_interrupt_main))
        except Exception:  # no thread can start (`RuntimeError`, or `MemoryError`)
            pass  # the signals wait for the next entry's end, as before

    def _forget_tracing(tid):
        # Once this thread has neither a tracer nor a profiler, and for threads that ended.
        if tid in _tracing and _c_tracers["trace"][1]() is None \
                and _c_tracers["profile"][1]() is None:
            del _tracing[tid]
        if _len(_tracing) > (tid in _tracing):  # other threads': are they still running?
            alive = _current_frames()
            for other in [t for t in _tracing if t not in alive]:
                del _tracing[other]

    def _let_go(obj):
        # An object of the program's the guard no longer needs: its end (a finalizer) waits
        # for the entry. The guard's own frames are dropped here: never handed out.
        if obj is None:
            return
        if _type(obj) is _frame_type and _id(obj.f_code) in _guard_ids:
            return
        _dropped.append(obj)

    def _after_fork():
        # A child of `os.fork` has the forking thread only, now its main thread: the work of
        # the parent's other threads is not the child's. Nor is a message of theirs under way:
        # the pipe's lock is the child's anew (the forking thread, calling `fork`, held
        # none), and the turn between processes, if the parent held it, is the parent's to
        # give back.
        nonlocal _main_tid, _lock
        _main_tid = _get_ident()
        _lock = _thread.RLock()
        _pipe_depth[0] = 0
        _turn[0] = False
        for tid in [t for t in _held if t != _main_tid]:
            del _held[tid]
        for tid in [t for t in _kept if t != _main_tid]:
            del _kept[tid]
        for tid in [t for t in _tracing if t != _main_tid]:
            del _tracing[tid]
        _quiet.clear()
        del _apart[:]  # its thread is the parent's only
        del _relay[:]  # as is the relay's
        # Signals put off in the parent were the parent's: the interpreter clears those it had
        # pending in a child of `fork` too.
        del _deferred[:]
        if _gc_wanted[0] and not _held:
            _gc_enable()

    os.register_at_fork(after_in_child=_after_fork)

    _PASS = (None,) + _STAY

    _live = False  # the set-up is over (see the hook's registration)

    def _hook(event, args):
        # Called by the registered facade (`_audit_entry`), which raises the exception this
        # returns first: an exception leaves the guard without the guard's frames. Then what
        # `_leave` tells the facade to do.
        if _type(event) is not _str:
            event = _str.__str__(event)  # `sys.audit` of a str subclass of the program's
        if event == "pysbx.entry":
            return _run_entry(args)
        if event == "cpython.PyInterpreterState_Clear" and _live and _is_finalizing():
            _final_exit()
        if event in _NOTHING_TO_JUDGE or not _live:
            return _PASS
        if (event == "object.__getattr__" or event == "object.__setattr__") \
                and _len(args) > 1 and _type(args[1]) is _str \
                and args[1] not in _WATCHED_ATTRS:
            # An attribute the checks pass over whoever reads it (a frame's `f_code`, which
            # logging reads at every record): judged as `_check` would, at once.
            return _PASS
        tid = _get_ident()
        depth = _held[tid] if tid in _held else 0
        if tid in _busy and depth:
            # The hook's own checks on this thread (always counted in its depth, see `_enter`).
            if event == "object.__getattr__" and _len(args) > 1:
                name = args[1]
                if _type(name) is _str and (name == "f_code" or name == "tb_frame"
                                            and _reading.get(tid) is args[0] or name == "gi_frame"
                                            and _making.get(tid) is args[0]):
                    return _PASS  # a code object; the guard's own read of a traceback
            if event == "sys._getframe":
                return _PASS  # an entry's look at its caller (see `_shield`)
            failure = _hook_in_guard(tid, event, args)
            return _PASS if failure is None else (failure,) + _STAY
        failure = None
        try:
            _enter(tid, depth)
            _busy.add(tid)
            try:
                _check(event, args, _event_frame(2))
            except BaseException as exc:
                _scrub(exc)
                failure = exc
        finally:
            _busy.discard(tid)
            later = _leave(tid, depth)
        return (failure,) + later

    def _hook_in_guard(tid, event, args):
        try:
            frame = _event_frame(3)
        except BaseException as exc:
            # The look-up itself was interrupted by code of the program's, which now raises
            # events inside it: refused.
            _scrub(exc)
            return exc
        if not _alien(frame):
            return None
        try:
            _check(event, args, frame)
        except BaseException as exc:
            _scrub(exc)
            return exc
        return None

    def _alien(frame):
        # Whether the event's code is the program's, running inside the guard's work: a user
        # frame comes before the first of the guard's.
        for _, code in _frames(frame):
            if id(code) in _guard_ids:
                return False
            if _kind(code) == "user":
                return True
        return False

    # Where the standard library last compiled something, per thread, and the code objects the
    # guard itself compiled (the program, the gate's modules), by id with a weak reference.
    _compiled_in = {}
    _made_here = {}
    import _weakref
    _weak_ref = _weakref.ref

    def _made_by_guard(code):
        # A weak reference without a callback: a callback would be a function of the guard's
        # that `_weakref.getweakrefs(code)` hands the program (`__callback__`), and with it
        # the guard's globals and this dictionary. Entries whose code is gone are dropped
        # whenever the dictionary has doubled.
        if _len(_made_here) >= _made_prune[0]:
            for i, ref in list(_made_here.items()):
                if ref() is None:
                    del _made_here[i]
            _made_prune[0] = max(64, 2 * _len(_made_here))
        _made_here[id(code)] = _weak_ref(code)
        return code

    _made_prune = [64]

    # Text the guard has a facade compile, outside the guard's work: the gate's modules and the
    # program. Compiling may warn (an invalid escape sequence in a string, a number run into a
    # keyword), and the warnings machinery calls what the program may have replaced (the
    # filters' `match`, `showwarning`, the `warnings` module in `sys.modules` and its
    # `__spec__`): inside the guard's work, that was code of the program's on top of it. The
    # guard hands the facade the text and a name object made for it (the file's name, a copy
    # only the facade holds); the hook passes the `compile` of exactly that text under exactly
    # that object as the guard's own, and code whose file name is that object counts as made
    # by the guard. Any other `compile` or code object under that name spoils it: the code it
    # names is then the program's. (Code made from the same text under the same name is the
    # same code, whoever compiles it.)
    _compile_jobs = {}  # id of the name -> [name, the text's UTF-8 bytes until compiled, state]
    _FreshName = _type("str", (_str,), {"__slots__": (), "__module__": "builtins"})
    _JOB_PENDING, _JOB_COMPILED, _JOB_PARSE, _JOB_DONE = 0, 1, 2, 3

    def _compile_later(text, name, parse_only=False):
        # (text, name) for the facade to compile; `parse_only`: for Python's own SyntaxError,
        # the code made counts as nothing of the guard's.
        fresh = name[:1] + name[1:]
        if fresh is name:
            # A name of one character or none is the interpreter's shared object, which anyone
            # may hold: an instance of a bare subclass is a fresh object of the same text, which
            # `compile` keeps as the code's file name as it is.
            fresh = _FreshName(name)
        if fresh is name:
            raise RuntimeError("pysbx: no file name to compile under")
        if _type(text) is not _str:
            # Compiled as text the guard decoded (see `_PLAIN_CODINGS`); bytes only a
            # looked-up codec decodes are left as they are, to be refused as the program's.
            decoded = _event_text(_bytes_join((text,)))
            if decoded is not None:
                text = decoded
        try:
            data = text.encode("utf-8") if _type(text) is _str else None
        except UnicodeError:
            data = None  # the interpreter refuses it before compiling
        _compile_jobs[_id(fresh)] = [fresh, data, _JOB_PARSE if parse_only else _JOB_PENDING]
        return text, fresh

    def _compile_job(event, args):
        # Whether the event is the facade's `compile` of a job's text (the guard's own); any
        # other `compile` or code object under a job's name spoils the job.
        if _len(args) < 2:
            return False
        job = _dict_get(_compile_jobs, _id(args[1]))
        if job is None or job[0] is not args[1]:
            return False
        state, data = job[2], job[1]
        job[1], job[2] = None, _JOB_DONE
        if event == "compile" and (state == _JOB_PENDING or state == _JOB_PARSE) \
                and data is not None and _type(args[0]) is _bytes \
                and _bytes.__eq__(args[0], data) is True:
            if state == _JOB_PENDING:
                job[2] = _JOB_COMPILED
            return True
        return False

    def _guard_made(code):
        # Code the guard compiled itself, or a facade for it (a compile job).
        ref = _made_here.get(id(code))
        if ref is not None and ref() is code:
            return True
        name = code.co_filename
        job = _dict_get(_compile_jobs, _id(name))
        return job is not None and job[0] is name and job[2] == _JOB_COMPILED

    # The facades that call the interpreter's printing of an exception (`_report`, the hooks):
    # a `compile` raised straight from one of their frames is that printing's parse of a line
    # it shows. Whatever the program's objects make it compile there (a `__str__` set to
    # `functools.partial(compile, ...)`) the printer drops unrun: `exec` and every other event
    # from there is judged as the program's (`_below_facade`).
    _printing_ids = set()

    def _a_line_shown(args):
        # What the printer parses: a part of one line of the file a traceback entry names, as
        # bytes. Anything else compiled there (a string of the program's, under a name of its
        # choosing: one of the interpreter's files would make its code pass for theirs) is the
        # program's.
        if _len(args) < 2 or _type(args[0]) is not _bytes or _type(args[1]) is not _str:
            return False
        segment, name = args[0], args[1]
        if not _bytes.strip(segment):
            # Blank: the printer sliced a line past its end (a frame whose columns lie beyond
            # the line it names, such as a stub's at its import). It compiles to nothing.
            return True
        if b"\n" in segment or not _isabs(name):
            return False
        try:
            with open(name, "rb") as f:
                text = f.read(16 << 20)
        except (OSError, ValueError):
            return False
        for line in text.split(b"\n"):
            if segment in line:
                return True
        return False

    def _below_facade(frame):
        # The kind of the event's own frame when the first of the guard's frames beneath it
        # is a facade's; None when it is the guard's own work. A facade's frame counts as the
        # guard's, but what runs above it may be the program's choice made without a frame of
        # its own (a callable of the interpreter's, `functools.partial(os.remove, path)`, set
        # as a method of an object the facade was handed, or in the facades' namespace): the
        # clauses that pass the guard's own events judge such an event as the program's.
        first = None
        for _, code in _frames(frame):
            k = _kind(code)
            if first is None:
                first = k
            if k == "guard":
                return first if _id(code) in _plain_ids else None
        return None

    def _guards_own(immediate, frame):
        # Whether an event `_context` put down to the guard is the guard's own work, not
        # something run straight above a facade (see `_below_facade`).
        return immediate == "guard" and _below_facade(frame) is None

    def _from_a_facade(immediate, frame):
        # Raised straight from a facade's own frame, by a callable of the interpreter's the
        # program put there: the standard library above a facade (what the REPL's server or
        # the runner imports) reads frames as it does anywhere.
        return immediate == "guard" and _below_facade(frame) == "guard"

    def _frame_read_by_program(immediate, frame, codes=None):
        # Whether a frame asked for or read at `frame` (the first frame's kind `immediate`, see
        # `_immediate`) is asked for by the program: its own code, the standard library on top
        # of the guard's work (a finalizer's, a signal handler's), or a callable of the
        # interpreter's the program put in a facade. `codes`: `_stack_codes(frame)`, when read.
        return immediate == "user" or (immediate != "guard" and _over_guard(frame, codes)) \
            or _from_a_facade(immediate, frame)

    def _runs_guard_made_code(event, args):
        if event != "exec" or not args or _type(args[0]) is not _code_type:
            return False
        return _guard_made(args[0])

    def _compiles_to(source, code):
        # Whether the text `source` (a `compile` event's) compiles to `code`, in any mode,
        # under the code's own future flags (the file name is not compared: code objects
        # compare without it).
        if _issubclass(_type(source), _str):
            source = _str.__str__(source)
        elif _issubclass(_type(source), _bytes):
            # Decoded here: compiled as bytes, a coding declaration would have the interpreter
            # look a codec up (see `_PLAIN_CODINGS`).
            source = _event_text(_bytes_join((source,)))
            if source is None:
                return False
        else:
            return False
        flags = code.co_flags & _FUTURE_FLAGS
        for made in _compiled_apart(source, flags):
            if _type(made) is _code_type and _code_type.__eq__(made, code) is True:
                return True
        return False

    def _compiled_apart(source, flags):
        # The text compiled in each mode on a thread of its own, with nothing of the guard's
        # beneath (see `_tree_apart`): compiling may warn (`"is" with a literal`, an invalid
        # escape), and a warning goes through the `warnings` module, its filters and
        # `showwarning`, all the program's to replace, which ran inside the guard's work.
        # Each compile is a job of the guard's (see `_compile_later`), under a name of its own.
        if _is_finalizing():
            return ()  # no thread would run it (see `_is_finalizing`): not known to compile so
        names = tuple(_compile_later(source, "<pysbx-check>")[1] for _ in range(3))
        box = []
        try:
            made = _tree_maker[1](compile, BaseException, source, names, flags)
            if not _done_apart(_partial(box.extend, made)):
                return ()
            return box
        finally:
            for name in names:
                _compile_jobs.pop(_id(name), None)

    def _trusted_code(code, frame):
        if _type(code) is not _code_type:
            return True  # not a code object: `exec` of a string raised its `compile` first
        compiled_in = _compiled_in.pop(_get_ident(), None)
        _let_go(compiled_in)
        if compiled_in is not None and compiled_in[0] is frame \
                and _compiles_to(compiled_in[1], code):
            # Compiled by the same call that runs it: that text's code. A `compile` event of a
            # text of the program's choosing, raised from the same frame by a callable of the
            # interpreter's the frame was handed (a `str` of a `namedtuple` field name set to
            # `functools.partial(compile, ...)`), ran whatever code came next.
            return True
        if _guard_made(code):
            return True
        # The interpreter's own files only (`_stdlib_rel`): a site-packages directory may lie
        # under the standard library's, and a name there is one `compile` lets any string take.
        return _stdlib_rel(code) is not None

    # Standard-library code whose `exec`/`eval` runs what its caller handed it: the debugger's,
    # the profilers' and the tracer's `run` (`cProfile.run(cmd)`, `bdb.Bdb.runeval`, pdb's
    # commands), `logging.config`'s handler arguments, the `import` lines of the `.pth` files
    # `site.addsitedir` reads, `optparse.Values.read_file`, `distutils.core.run_setup`,
    # `doctest`'s examples (docstring text, which the program may set at run time and the gate
    # does not read as code), `inspect.get_annotations(eval_str=True)`, `timeit.Timer`
    # given a string, IDLE's call tips and completions (`calltip.get_entity` evaluates the
    # expression it is given) and its shell, and `turtle`'s docstring dictionaries (whose
    # keys it evaluates). Compiled in
    # the same call or not, that code is the program's and falls under its `code` clause. By
    # file (every `exec`/`eval` there runs a caller's string), or by file and function.
    _RUNS_CALLERS_CODE = frozenset({"bdb.py", "pdb.py", "trace.py", "profile.py", "cProfile.py",
                                    "logging/config.py", "site.py", "optparse.py",
                                    "distutils/core.py", "doctest.py",
                                    "idlelib/calltip.py", "idlelib/autocomplete.py",
                                    "idlelib/run.py", "idlelib/pyshell.py",
                                    "idlelib/debugger_r.py", "idlelib/rpc.py"})
    _RUNS_CALLERS_CODE_IN = frozenset({("inspect.py", "get_annotations"),
                                       ("turtle.py", "read_docstrings")})
    # What `timeit.Timer` compiles when given callables (or nothing): its template with
    # `_stmt()`/`_setup()`/`pass` filled in, as text and as the UTF-8 `compile` reports.
    _TIMEIT_TEMPLATE = ("\ndef inner(_it, _timer{init}):\n    {setup}\n    _t0 = _timer()\n"
                        "    for _i in _it:\n        {stmt}\n        pass\n    _t1 = _timer()\n"
                        "    return _t1 - _t0\n")
    _timeit_own = set()
    for _setup_part in ("pass", "_setup()"):
        for _stmt_part in ("pass", "_stmt()"):
            _init_part = ((", _setup=_setup" if _setup_part != "pass" else "")
                          + (", _stmt=_stmt" if _stmt_part != "pass" else ""))
            _text = _TIMEIT_TEMPLATE.format(init=_init_part, setup=_setup_part, stmt=_stmt_part)
            _timeit_own.add(_text)
            _timeit_own.add(_text.encode())
    _timeit_own = frozenset(_timeit_own)
    del _setup_part, _stmt_part, _init_part, _text

    def _stdlib_rel(code):
        # The path of a standard-library file below its directory (`logging/config.py`); a
        # frozen module's as if it were read from there (`<frozen site>` is `site.py`).
        fn = code.co_filename
        if _type(fn) is not _str or ".." in fn or fn.startswith(_site_fast):
            return None
        if fn.startswith("<frozen ") and fn.endswith(">"):
            return fn[8:-1].replace(".", "/") + ".py"
        for d in _stdlib_fast:
            if fn.startswith(d):
                return fn[len(d):]
        return None

    # Code loaded by `marshal` carries whatever file name its bytes say, and the standard
    # library's is trusted by file name: a `.pyc` the program wrote with a standard-library
    # name in it ran under `code: false` (`SourcelessFileLoader` on a file not named `.pyc`,
    # `runpy.run_path`, a zip on `sys.path`), and hand-made bytecode can do what no source can.
    # Below the program's frames, only importlib's own reading of a cached module of the
    # interpreter's unmarshals: the bytes must be those of a file in the interpreter's trees,
    # which nothing of the run may write, read again here (a loader's `get_data` is the
    # program's to replace).
    _interpreter_trees = _stdlib + _site
    _BUFFERS = (_bytes, memoryview, bytearray)  # compared in C, no method of the program's

    def _marshal_of_the_interpreters(frame, data):
        code = frame.f_code
        if _stdlib_rel(code) != "importlib/_bootstrap_external.py" \
                or code.co_name != "_compile_bytecode":
            return False
        # Read on a thread of its own (`_locals_of`): a tracer of the program's handed this
        # frame at its call (or a finalizer that walked to it) put a `str` subclass key in its
        # locals' dictionary, whose `__eq__` the read in place ran inside the guard's work. It
        # costs each standard-library module loaded from its cached bytecode a short thread.
        local = _locals_of(frame)
        path = local.get("bytecode_path") if local is not None else None
        if _type(path) is not _str or not _isabs(path) or not _one_of(_type(data), _BUFFERS):
            return False
        real = _norm(path)
        if not _under(real, _interpreter_trees) or _under(real, _any_writes):
            return False
        try:
            with open(real, "rb") as f:
                f.seek(16)
                return f.read() == data
        except (OSError, ValueError):
            return False

    # A string annotation (`from __future__ import annotations`, `x: "list[int] | None"`) is
    # evaluated by `typing.get_type_hints` (through `ForwardRef`, which compiles in one call and
    # evaluates in another) and `inspect.get_annotations(eval_str=True)`: code from a string.
    # Code that only names, reads attributes and items, builds tuples and lists of constants
    # and names, and joins with `|` is a type expression: it calls nothing, so it runs
    # whatever the standard library function that evaluates it. Judged on the code object's
    # own instructions, not on a source text that could differ from it.
    import opcode as _opcode_module
    _TYPE_EXPRESSION_OPS = frozenset(
        _opcode_module.opmap[n] for n in (
            "CACHE", "NOP", "RESUME", "EXTENDED_ARG", "LOAD_NAME", "LOAD_CONST", "LOAD_ATTR",
            "BINARY_SUBSCR", "BUILD_TUPLE", "BUILD_LIST", "BINARY_OP", "RETURN_VALUE")
        if n in _opcode_module.opmap)
    _BINARY_OP = _opcode_module.opmap.get("BINARY_OP")
    _NB_OR = [n for n, _ in getattr(_opcode_module, "_nb_ops", ())].index("NB_OR") \
        if any(n == "NB_OR" for n, _ in getattr(_opcode_module, "_nb_ops", ())) else None
    del _opcode_module

    def _type_expression_code(code):
        if _type(code) is not _code_type:
            return False
        ops = code.co_code
        if _type(ops) is not _bytes or len(ops) % 2:
            return False
        for i in range(0, len(ops), 2):
            op = ops[i]
            if op not in _TYPE_EXPRESSION_OPS:
                return False
            if op == _BINARY_OP and (_NB_OR is None or ops[i + 1] != _NB_OR):
                return False
        return True

    # A standard-library frame is judged as compiling or running code itself only if its code
    # names the function that raises the event: a library function that calls what it is
    # given (`threading.Thread.run` its `target`, `sched.scheduler.run` its actions,
    # `concurrent.futures`' work items) would otherwise pass `exec(string)` or
    # `partial(compile, ...)` off as its own. importlib's `_call_with_frames_removed` calls
    # what its caller names, so its caller is asked.
    # The events of the code clause, whose checks keep state (`_check`, and the `sys.audit`
    # facade, which lets the program raise none of them).
    _CODE_EVENTS = frozenset({"compile", "exec", "code.__new__", "function.__new__",
                              "marshal.loads", "marshal.load"})
    _CALLED_AS = {"compile": ("compile", "exec", "eval"), "exec": ("exec", "eval"),
                  "code.__new__": ("CodeType", "replace"),
                  "function.__new__": ("FunctionType", "LambdaType"),
                  "marshal.loads": ("loads",), "marshal.load": ("load",)}

    import opcode as _opcode_module
    _LOAD_NAMED = {_opcode_module.opmap[n]: n for n in (
        "LOAD_GLOBAL", "LOAD_NAME", "LOAD_ATTR", "LOAD_METHOD", "LOAD_FAST", "LOAD_DEREF")
                   if n in _opcode_module.opmap}
    _EXTENDED_ARG = _opcode_module.opmap["EXTENDED_ARG"]
    _CACHE = _opcode_module.opmap["CACHE"]
    _LOAD_CONST = _opcode_module.opmap["LOAD_CONST"]
    # What may hand back an object of the program's choosing, a code object among them: an
    # attribute, an item, a call's result (the program's `__getattr__`, a property).
    _PRECALL = _opcode_module.opmap["PRECALL"]
    _HAVE_ARGUMENT = _opcode_module.HAVE_ARGUMENT
    _stack_effect = _opcode_module.stack_effect
    _JUMPS = frozenset(_opcode_module.hasjrel + _opcode_module.hasjabs)
    del _opcode_module

    def _calling(frame, names):
        return _called_load(frame, names) is not None

    def _called_load(frame, names):
        # Whether the instruction the frame is running is a call of one of `names`: the loads
        # that start where the call's own expression starts (`eval` of `eval(code, ns)`,
        # `builtins` then `exec` of `builtins.exec(...)`) name one. A callable of the
        # interpreter's the frame was handed (a `str` of a field name set to a chain of
        # `functools.partial`s) raises its events from the same frame, at a call of
        # something else (namedtuple's `list(map(str, ...))`).
        code = frame.f_code
        at = frame.f_lasti // 2
        raw = code.co_code
        positions = _tuple(code.co_positions())
        if not 0 <= at < _len(positions) or _len(raw) < 2 * _len(positions):
            return False
        line, _, col, _ = positions[at]
        if line is None or col is None:
            return False
        extended = 0
        for i in range(at):
            op, arg = raw[2 * i], raw[2 * i + 1] | extended
            extended = (arg << 8) if op == _EXTENDED_ARG else 0
            kind = _LOAD_NAMED.get(op)
            if kind is None or positions[i][0] != line or positions[i][2] != col:
                continue
            if kind == "LOAD_GLOBAL":
                table, arg = code.co_names, arg >> 1
            elif kind == "LOAD_FAST":
                table = code.co_varnames
            elif kind == "LOAD_DEREF":
                table = code.co_cellvars + code.co_freevars
                arg -= _len(code.co_varnames)  # 3.11: cells follow the locals
            else:
                table = code.co_names
            if 0 <= arg < _len(table) and table[arg] in names:
                return i
        return None

    def _hands_text(frame, source):
        # Whether a `compile` event raised at the `exec`/`eval` call the frame is running is
        # that call's own, which compiles the text it is handed and runs it at once: a call
        # handed a code object compiles nothing (`runpy._run_code(code, g)`,
        # `code.InteractiveInterpreter.runcode(code)`, `eval(self.__forward_code__, ns)`), and
        # a `str` subclass key of its globals (whose `__eq__` the call's look-up of
        # `__builtins__` runs, a chain of the interpreter's callables) compiled a text of the
        # program's there, whose code, handed to the next such call, ran as the call's own.
        # What the call is handed is on the frame's value stack, out of reach: its locals are
        # no witness (a tracer changes a local between its load and the call, and reading them
        # here runs the `__eq__` of a key planted in their dictionary). So: a constant of the
        # frame's code, or a text its library generates by a template checked here, whatever
        # code it is (see `_library_template_text`).
        callee = _called_load(frame, ("exec", "eval"))
        if callee is None:
            return False
        code = frame.f_code
        at = frame.f_lasti // 2
        raw = code.co_code
        # The first argument's instructions: up to the last one that leaves one value on the
        # stack above the callee (a branch, or what the stack effect cannot tell, ends it).
        depth, first, last, extended = 0, None, None, 0
        for i in range(callee + 1, at):
            op, arg = raw[2 * i], raw[2 * i + 1] | extended
            extended = (arg << 8) if op == _EXTENDED_ARG else 0
            if op == _CACHE or op == _EXTENDED_ARG:
                continue
            if op == _PRECALL or op in _JUMPS:
                break
            try:
                depth += _stack_effect(op, arg if op >= _HAVE_ARGUMENT else None)
            except ValueError:
                break
            if first is None:
                first = i
            if depth == 1:
                last = i
        if first is not None and first == last and raw[2 * first] == _LOAD_CONST \
                and not (first > 0 and raw[2 * first - 2] == _EXTENDED_ARG):
            arg = raw[2 * first + 1]
            value = code.co_consts[arg] if arg < _len(code.co_consts) else None
            if _type(value) is _str or _type(value) is _bytes:
                return True
        return _library_template_text(frame, source)

    # The encodings a coding declaration may name that the guard decodes itself: the
    # interpreter's own decoders, which `bytes.decode` calls by these names without looking a
    # codec up. Any other is looked up in `encodings`, whose cache the program may fill with a
    # decoder of its own: the gate read the bytes with the real codec, the interpreter ran what
    # the program's decoder made of them, and its decoder ran inside the guard's work when the
    # guard compiled them to compare.
    _PLAIN_CODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "ascii": "ascii", "us-ascii": "ascii",
                      "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1",
                      "iso8859-1": "latin-1", "l1": "latin-1"}

    def _declared_coding(data):
        # The encoding a coding declaration in the first two lines names (PEP 263), or None.
        lines = data[:1024].split(b"\n", 2)
        for index, line in enumerate(lines[:2]):
            stripped = line.lstrip(b" \t\f")
            if not stripped.startswith(b"#"):
                if index == 0 and stripped.strip():
                    return None  # code on the first line: the second may not declare one
                continue
            # Every `coding` of the line is tried, as the interpreter's tokenizer does
            # (`# codingX coding: evil` declares `evil`).
            at = stripped.find(b"coding")
            while at >= 0:
                if at + 6 < _len(stripped) and stripped[at + 6] in b":=":
                    name = stripped[at + 7:].lstrip(b" \t")
                    end = 0
                    while end < _len(name) and (chr(name[end]).isalnum() or name[end] in b"-_."):
                        end += 1
                    if end:
                        return name[:end].decode("latin-1").lower().replace("_", "-")
                at = stripped.find(b"coding", at + 6)
        return None

    def _event_text(source):
        # A text to compile or compare as `str`, decoded by the guard (a `compile` event hands
        # a `bytes` copy): UTF-8, or the plain encoding it declares; None for one it declares
        # that only a looked-up codec decodes, or bytes that do not decode.
        if _type(source) is _bytes:
            declared = _declared_coding(source)
            codec = "utf-8" if declared is None else _PLAIN_CODINGS.get(declared)
            if codec is None:
                return None
            try:
                return source.decode(codec)
            except UnicodeDecodeError:
                return None
        return source if _type(source) is _str else None

    def _is_namedtuple_text(source):
        # `collections.namedtuple`'s `__new__`: `lambda _cls, a, b: _tuple_new(_cls, (a, b))`.
        text = _event_text(source)
        prefix = "lambda _cls, "
        if text is None or not text.startswith(prefix):
            return False
        names = text[_str.__len__(prefix):].partition(": ")[0]
        if text != "lambda _cls, %s: _tuple_new(_cls, (%s))" % (names, names):
            return False
        if not names:
            return True  # no fields: `lambda _cls, : _tuple_new(_cls, ())`
        parts = names[:-1].split(", ") if names.endswith(",") else names.split(", ")
        return all(_str.isidentifier(p) for p in parts)

    # What `gettext.c2py` compiles: one template around the plural expression of a catalog,
    # made of `n`, numbers, comparisons, arithmetic, `and`, `or`, `not` and `if ... else`.
    _PLURAL_FUNCTION = ("if True:\n            def func(n):\n                if not "
                        "isinstance(n, int):\n                    n = _as_int(n)\n"
                        "                return int(%s)\n            ")
    _PLURAL_WORDS = frozenset(("n", "and", "or", "not", "if", "else"))
    _PLURAL_SIGNS = frozenset("0123456789()=!<>%*/+- ")

    def _is_plural_text(source):
        text = _event_text(source)
        head, tail = _PLURAL_FUNCTION.split("%s")
        if text is None or not text.startswith(head) or not text.endswith(tail):
            return False
        expression = text[_str.__len__(head):_str.__len__(text) - _str.__len__(tail)]
        word = ""
        for c in expression + " ":
            if "a" <= c <= "z":
                word += c
                continue
            if word and word not in _PLURAL_WORDS:
                return False
            word = ""
            if c not in _PLURAL_SIGNS:
                return False
        return True

    def _is_dotted_name_text(source):
        # `inspect`'s reading of a builtin's text signature (`eval("sys.maxsize", ...)`) and
        # `rlcompleter`'s of a name: a name, or names joined by dots, which run nothing.
        text = _event_text(source)
        return text is not None and all(_str.isidentifier(p) for p in text.strip().split("."))

    def _library_template_text(frame, source):
        # The text a standard library function generates and runs in the same call, checked
        # against its template (what any code compiled from it may do is then known).
        rel = _stdlib_rel(frame.f_code)
        if rel is None:
            return False
        template = _TEMPLATE_CHECKS.get(rel)
        if template is not None:
            return template[0](source)
        return _is_dotted_name_text(source)

    def _calls_it_itself(frame, event, source=None):
        # Whether the library frame's own code calls what raised the event. `exec` of a
        # string raises `compile` first: a function that calls `exec` compiles too, of text
        # it made (namedtuple's), never of text it was handed (`runpy._run_code(text, {})`,
        # `code.InteractiveInterpreter.runcode(text)`, a loader whose `get_code` gives text).
        code = frame.f_code
        if event == "compile" and _parses_only(frame):
            return True
        passed = frame
        if code.co_name == "_call_with_frames_removed" \
                and _stdlib_rel(code) == "importlib/_bootstrap.py":
            frame = frame.f_back
            if frame is None:
                return False
            code = frame.f_code
        names = code.co_names
        if _type(names) is not tuple:
            return False
        if event == "code.__new__" and _stdlib_rel(code) not in _MAKES_CODE_OBJECTS:
            # `replace` names `str.replace` too: a code object is made only by the few files
            # that do (a callable of `code.replace`, wrapped in C, has no frame of its own and
            # would pass for any caller's).
            return False
        called = _CALLED_AS.get(event, ())
        if frame is passed and not _calling(frame, called):
            return False
        for name in called:
            if name in names:
                if event == "compile" and name != "compile" \
                        and (_handed_in(passed, source) or _handed_in(frame, source)):
                    continue
                return True
        return False

    # Code a module writes out as a constant string and runs with `exec` or `eval` (`six`
    # defines `reraise` and `raise_from` so at import, through an alias of `exec`; `patsy`
    # calls `exec` itself, whose constant the gate reports rather than stubs): the gate read
    # the module, not what the string holds as code. The string is sent to the gate as code of
    # that module's file; what the gate would run unchanged runs, as if it were written in the
    # module. Only `exec`/`eval` of the constant itself, straight from the module's frame
    # (the compile and the run are one call, with the interpreter's own file name for
    # strings), never a code object compiled apart.
    _constant_verdicts = {}  # (file, text) -> whether the gate leaves the text unchanged
    _constant_gated = {}  # (file, text) -> the text as the gate would run it, when it runs
    _constant_runs = {}  # thread -> (id of the frame whose constant was just compiled, text)

    def _vetted_constant(args, user):
        # True: the gate runs the text unchanged; False: it would change it; None: not a
        # constant of the module's run by `exec`/`eval` (or no gate reads code).
        if not _gate_reads or user is None or _len(args) < 2 or args[1] is not _EXEC_STRING_NAME \
                or _type(args[0]) is not _bytes:
            return None
        fn = _spelled_constant(args[0], user.f_code)
        if fn is None:
            return None
        if _event_text(args[0]) is None:
            return False  # decoded by a codec the program may replace (see `_PLAIN_CODINGS`)
        return _gate_leaves_unchanged(fn, args[0])

    def _spelled_constant(source, code):
        # The file of the gate's module whose code `code` spells `source` (UTF-8 bytes) as a
        # constant string, as `exec` or `eval` compile it; None when it does not.
        fn, consts = code.co_filename, code.co_consts
        if _type(fn) is not _str or _type(consts) is not tuple or fn not in _loaded:
            return None
        spelled = False
        for const in consts:
            t = _type(const)
            if t is _str:
                try:
                    const = _str.encode(const)
                except UnicodeError:
                    continue
            elif t is not _bytes:
                continue
            if _len(const) == _len(source) and _bytes.__eq__(const, source) is True:
                spelled = True
                break
            # `eval` leaves out the spaces and tabs a string starts with before compiling.
            const = _bytes.lstrip(const, b" \t")
            if _len(const) == _len(source) and _bytes.__eq__(const, source) is True:
                spelled = True
                break
        return fn if spelled else None

    # `compile` of a constant string the program spells, as the gate hands it where the
    # policy stubs `compile` (`_checked_compile`): the text is sent to the gate as code of the
    # caller's module, and when the gate would run it unchanged the facade compiles it as a
    # job of the guard's (`_compile_later`), under a copy of the name the program gave. The
    # code is then the guard's making, which `exec` and `eval` run wherever the program hands
    # it (`code = compile(SOURCE, "<gen>", "exec")` at the top, `exec(code, ns)` later). A name
    # the interpreter's files, a frozen module or a module of the gate's go by, or a source
    # file's outside the import gate, is refused as the hook refuses it for any `compile`.
    # The same constant compiled again under the same name (in a loop) is the same job again,
    # so that the jobs stay as many as the program's distinct constants and names, at most
    # `_CONSTANT_JOBS`.
    #
    # A module of the interpreter's installed packages (its site-packages, where the program
    # cannot write) that generates code (attrs' `__init__`, pydantic's and jinja2's templates
    # made into functions) has its text vetted the same way, constant or not: sent to the gate
    # as code of that module, and compiled as the guard's job only when the gate would run it
    # unchanged. Such text is then code the program could have written in its own file, which
    # the gate reads the same way: it runs nothing the program's own code could not, and gets
    # no module's grants (its name is no module's file). The program's own `exec` of text made
    # at run time stays refused.
    _constant_jobs = set()  # ids of the names of those jobs
    _constant_names = {}  # (UTF-8 text, name) -> the job's name
    _CONSTANT_JOBS = 4096

    def _compile_constant(source, filename, tree=False):
        # `tree`: the text a syntax tree was written out as (see `_tree_source`), which an
        # installed package compiles as a module's code (pytest's assertion rewriting, of a
        # test module or a plugin): it runs as the gate would run it, as an import of that
        # text would, rather than only when the gate leaves it unchanged (a module that finds
        # its caller's globals, `sys._getframe(1).f_globals`, is handed to the guard there).
        immediate, user, stack = _context(_entry_frame())
        if not _gate_reads or user is None or _type(filename) is not _str or not filename:
            return None
        if _type(source) is _str:
            try:
                source = _str.encode(source)
            except UnicodeError:
                return None
        if _type(source) is not _bytes:
            return None
        fn = _spelled_constant(source, user.f_code)
        if fn is None:
            fn = _installed_package_file(user.f_code)
            if fn is not None and filename == "<string>" and filename in _loaded:
                # `exec`/`eval` of a package's text, while the program is `-c` code, which
                # goes by that name: the package's code takes a name of its own.
                filename = "<string of %s>" % _loaded[fn]
        # Past the cap, only texts already made into jobs are asked about: a generator making
        # new text on every call gets no more gate replies (each one a round trip, kept).
        if fn is None:
            return None
        if _len(_constant_names) >= _CONSTANT_JOBS and (source, filename) not in _constant_names:
            return False
        if _gate_leaves_unchanged(fn, source) is not True:
            gated = _dict_get(_constant_gated, (fn, source)) if tree is True else None
            if gated is None:
                return None
            source = gated
        if not _honest_name((source, filename), "user") \
                or _names_a_trusted_file(filename, None):
            return None
        key = (source, filename)
        name = _dict_get(_constant_names, key)
        if name is not None:
            job = _dict_get(_compile_jobs, _id(name))
            if job is not None and job[0] is name and job[2] == _JOB_COMPILED:
                job[1], job[2] = source, _JOB_PENDING
                return source, name
        if _len(_constant_names) >= _CONSTANT_JOBS:
            return False  # what the gate would leave, past the cap: its own refusal
        text, name = _compile_later(source, filename)
        _constant_jobs.add(_id(name))
        _constant_names[key] = name
        return text, name

    # A job's code renamed: `code.replace(co_name=...)` of names and the first line only, which
    # jinja2 makes of the code that re-raises a template's exception (named after the template's
    # block). The copy keeps the job's bytecode, constants and file name, so it is the job's
    # code too (`_guard_made`); the hook lets this function's call of the interpreter's
    # `replace` make it, and nothing else: any other field, object or caller meets the `code`
    # clause as before.
    _RENAME_FIELDS = ("co_name", "co_qualname", "co_firstlineno")
    _code_replace = _code_type.replace
    from keyword import iskeyword as _iskeyword

    def _job_named(filename):
        job = _dict_get(_compile_jobs, _id(filename))
        return job is not None and job[0] is filename and job[2] == _JOB_COMPILED

    def _rename_job_code(code, fields):
        # None when this is not such a rename (the caller's own `replace` is then called).
        if _type(code) is not _code_type or _type(fields) is not _dict or not fields \
                or not _job_named(code.co_filename):
            return None
        for key in fields:
            if _type(key) is not _str or key not in _RENAME_FIELDS:
                return None
            # The values too: `CodeType.replace` converts them (an `__index__` of the
            # program's would run inside the guard's work).
            if _type(fields[key]) is not (_int if key == "co_firstlineno" else _str):
                return None
        return _code_replace(code, **{key: fields[key] for key in _RENAME_FIELDS
                                      if key in fields})

    # Code the facade compiled from a syntax tree an installed package handed `compile`
    # (werkzeug's URL builders, see `_checked_compile`): the text the gate vetted spells the
    # tree's names that source cannot (`.self`, a function named `<builder:'/x'>`) as
    # placeholders, and this gives the job's code and the code nested in it those names back
    # in its tables of names, its name and its qualified name. A name source cannot spell is
    # one no rule of the gate's and no binding of the program's text can give a meaning: put
    # back, it names nothing the vetted text could not. A placeholder the compiler kept as a
    # string (a class's name, a keyword argument's, an annotated parameter's) would change a
    # value, not a name: such code is refused (None). The hook lets this function's calls of
    # the interpreter's `replace` make the copies, for a job's code only.
    def _restore_tree_names(code, names, prefix, lines=None):
        # `names`: placeholder -> name, every placeholder `prefix` and a number. `lines`: the
        # tree's line by the written text's (see `_tree_lines`), for the code's line table.
        if _type(code) is not _code_type or _type(names) is not _dict \
                or _type(prefix) is not _str or _len(prefix) < 16:
            return None
        # Read pair by pair, each checked before anything hashes or compares it: a caller may
        # hand its own names (a facade's sealed default replaced), and a key of a `str`
        # subclass's would run its `__hash__` at a look-up, inside the guard's work.
        for key, value in _dict.items(names):
            if _type(key) is not _str or not _str.startswith(key, prefix) \
                    or _type(value) is not _str or _spellable(value):
                return None
        plain_lines = {}
        if _type(lines) is _dict:
            for new, old in _dict.items(lines):
                if _type(new) is _int and _type(old) is _int and 0 < new and 0 < old < 1 << 30:
                    plain_lines[new] = old
        return _tree_code_renamed(code, names, prefix, plain_lines)

    def _line_table(code, lines):
        # The code's line table (3.11's location table) with each instruction's line mapped
        # by `lines`, and no columns: entries of the "no column" form (code 13: a signed line
        # delta) or "no location" (code 15), each for up to eight code units.
        out = []
        previous = code.co_firstlineno
        first = lines.get(previous, previous)
        base = first
        run_line, run_length = False, 0

        def flush(line, length):
            nonlocal base
            if length == 0:
                return
            if line is None:
                out.append(0x80 | (15 << 3) | (length - 1))
                return
            out.append(0x80 | (13 << 3) | (length - 1))
            delta = line - base
            base = line
            value = (delta << 1) if delta >= 0 else ((-delta) << 1) | 1
            while value >= 0x40:
                out.append(0x40 | (value & 0x3F))
                value >>= 6
            out.append(value)

        for position in code.co_positions():
            line = position[0]
            if line is not None:
                line = lines.get(line, line)
            if run_length and (line != run_line or run_length == 8):
                flush(run_line, run_length)
                run_length = 0
            run_line = line
            run_length += 1
        flush(run_line, run_length)
        return _bytes(out), first

    def _tree_code_renamed(code, names, prefix, lines=None):
        if _type(code) is not _code_type or not _job_named(code.co_filename):
            return None
        consts = []
        for const in code.co_consts:
            if _type(const) is _code_type:
                const = _tree_code_renamed(const, names, prefix, lines)
                if const is None:
                    return None
            elif _holds_placeholder(const, prefix):
                return None
            consts.append(const)
        qualname = code.co_qualname
        if prefix in qualname:
            # `outer.<locals>.P`: each placeholder is the prefix, digits and `_`.
            parts = qualname.split(prefix)
            for i in range(1, _len(parts)):
                number, _, rest = parts[i].partition("_")
                name = names.get(prefix + number + "_")
                if name is None:
                    return None
                parts[i] = name + rest
            qualname = "".join(parts)
        table, first = (_line_table(code, lines) if lines
                        else (code.co_linetable, code.co_firstlineno))
        return _code_replace(
            code, co_consts=tuple(consts), co_name=names.get(code.co_name, code.co_name),
            co_linetable=table, co_firstlineno=first,
            co_qualname=qualname, co_names=tuple(names.get(n, n) for n in code.co_names),
            co_varnames=tuple(names.get(n, n) for n in code.co_varnames),
            co_cellvars=tuple(names.get(n, n) for n in code.co_cellvars),
            co_freevars=tuple(names.get(n, n) for n in code.co_freevars))

    def _holds_placeholder(const, prefix):
        t = _type(const)
        if t is _str:
            return prefix in const
        if t is tuple or t is frozenset:
            for item in const:
                if _holds_placeholder(item, prefix):
                    return True
        return False

    def _spellable(name):
        # A name source can spell as it is: an identifier, not a keyword.
        return _type(name) is _str and name.isidentifier() and not _iskeyword(name)

    def _installed_package_file(code):
        # The file of a module of the interpreter's installed packages the gate read under its
        # own name (`_gate_code`: not a file the program could write), that `code` is of.
        fn = code.co_filename
        if _type(fn) is not _str:
            return None
        module = _dict_get(_loaded, fn)
        if module is None or module == "__main__" or not _under(_norm(fn), _site):
            return None
        return fn

    def _copies_gated_function(event, args, user):
        # `types.FunctionType(f.__code__, globals, ...)`, by a module of the installed packages
        # (see `_installed_package_file`), of code the guard compiled (a module the gate read,
        # text the gate vetted): a copy of a function whose code the gate read, as copying
        # libraries make (`networkx` renames its matchers so at import). Other globals give
        # the code only names the program could pass it anyway. The program's own copies stay
        # refused without a `code` grant, and the guard's code objects are refused before this
        # under any grant.
        return event == "function.__new__" and _len(args) > 0 and user is not None \
            and _type(args[0]) is _code_type and _guard_made(args[0]) \
            and _installed_package_file(user.f_code) is not None

    def _runs_constant_job(event, args):
        # `exec`/`eval` of what `_compile_constant` had compiled.
        return event == "exec" and _len(args) > 0 and _type(args[0]) is _code_type \
            and _id(args[0].co_filename) in _constant_jobs and _guard_made(args[0])

    def _gate_leaves_unchanged(fn, source):
        # Whether the gate, reading `source` (bytes) as code of the module file `fn`, would
        # run it as it is; None when it is not UTF-8.
        key = (fn, source)
        verdict = _dict_get(_constant_verdicts, key)
        if verdict is None:
            try:
                text = _bytes.decode(source)
            except UnicodeError:
                return None
            reply, _ = _request({"t": "gate", "path": fn, "constant": True}, source)
            gated = reply.get("source") if reply.get("ok") is True else None
            verdict = _type(gated) is _str and _str.__eq__(gated, text) is True
            _constant_verdicts[key] = verdict
            if _type(gated) is _str:
                _constant_gated[key] = _str.encode(gated, "utf-8", "surrogateescape")
        return verdict

    # `doctest`'s examples are text of a module's docstrings, which the gate reads as strings,
    # and a docstring can be set at run time (`f.__doc__ = text`). With its answer for each
    # module it lets run (the program included), the gate lists the examples of the module's
    # docstrings as `doctest` cuts them out. `DocTestRunner` compiles and runs an example in
    # one call; the guard lets it when the text is one of those examples and the gate, reading
    # it as code of that module, would run it unchanged (as for a constant, above). An example
    # of a docstring set at run time, or of a text file (`doctest.testfile`), stays the
    # program's run-time code.
    _doctest_examples = {}  # example text (UTF-8) -> file of a module whose docstring holds it

    def _note_examples(examples, path):
        if _type(examples) is not _list or _type(path) is not _str:
            return
        for example in examples:
            if _type(example) is _str:
                try:
                    _doctest_examples.setdefault(_str.encode(example), path)
                except UnicodeError:
                    pass

    def _is_doctest_run(frame):
        code = frame.f_code
        return code.co_name == "__run" and _stdlib_rel(code) == "doctest.py"

    def _vetted_doctest_example(frame, source):
        if not _gate_reads or _type(source) is not _bytes or not _is_doctest_run(frame):
            return False
        path = _dict_get(_doctest_examples, source)
        return path is not None and _gate_leaves_unchanged(path, source) is True

    # `timeit.Timer` given strings (`timeit.timeit("f(x)", setup="from __main__ import f, x")`,
    # a benchmark script's) compiles its template with each string re-indented into it and
    # runs that. The guard lets it when the text is the template (its own copy: the program
    # may change `timeit.template`) filled with, for the statement and the setup, each either
    # what `timeit` puts for a callable or `pass`, or a constant string of a function of the
    # program's on the stack that the gate, reading it as code of that function's module,
    # would run unchanged. The gate reads it with `timeit`'s own names bound before it
    # (`sys`, `gc`, `Timer`...): without `globals=`, the text runs in `timeit`'s namespace,
    # whatever the program's module binds to those names. A string made at run time, or one
    # the gate would change, stays the program's run-time code.
    _TIMEIT_HEAD = "\ndef inner(_it, _timer"
    _TIMEIT_INITS = ("", ", _setup=_setup", ", _stmt=_stmt", ", _setup=_setup, _stmt=_stmt")
    _TIMEIT_SETUP_AT = "):\n    "
    _TIMEIT_MIDDLE = "\n    _t0 = _timer()\n    for _i in _it:\n        "
    _TIMEIT_TAIL = "\n        pass\n    _t1 = _timer()\n    return _t1 - _t0\n"
    _TIMEIT_NAMES = (b"import gc, itertools, sys, time\n"
                     b"from timeit import Timer, default_timer, main, reindent, repeat, "
                     b"template, timeit\n_globals = globals\n")
    _CONSTANT_FRAMES = 64  # the program's frames searched for a constant, innermost first

    def _program_codes(user):
        # The code of the program's frames from `user` outwards (at most `_CONSTANT_FRAMES`)
        # whose file is a module the gate read: where a constant string the program handed
        # to the standard library (`timeit`, the profilers' runners) may be spelled, by the
        # calling function or by one further down (a `bench(stmt)` helper's caller).
        seen = 0
        for _, code in _frames(user):
            if seen >= _CONSTANT_FRAMES:
                return
            fn, consts = code.co_filename, code.co_consts
            if _type(fn) is not _str or _type(consts) is not tuple or fn not in _loaded \
                    or _kind(code) != "user":
                continue
            seen += 1
            yield code

    def _is_timeit_init(frame):
        code = frame.f_code
        return code.co_name == "__init__" and _stdlib_rel(code) == "timeit.py"

    def _vetted_timeit_text(frame, source, user):
        if not _gate_reads or user is None or _type(source) is not _bytes \
                or not _is_timeit_init(frame):
            return False
        try:
            text = _bytes.decode(source)
        except UnicodeError:
            return False
        if not (text.startswith(_TIMEIT_HEAD) and text.endswith(_TIMEIT_TAIL)):
            return False
        body = text[_len(_TIMEIT_HEAD):_len(text) - _len(_TIMEIT_TAIL)]
        for init in _TIMEIT_INITS:
            head = init + _TIMEIT_SETUP_AT
            if not body.startswith(head):
                continue
            rest = body[_len(head):]
            # The statement or the setup may hold the template's own middle lines: each place
            # they stand is a way to read the text.
            at = rest.find(_TIMEIT_MIDDLE)
            while at >= 0:
                if _timeit_part(rest[:at], "_setup()", "_setup" in init, 4, user) \
                        and _timeit_part(rest[at + _len(_TIMEIT_MIDDLE):], "_stmt()",
                                         "_stmt" in init, 8, user):
                    return True
                at = rest.find(_TIMEIT_MIDDLE, at + 1)
        return False

    def _timeit_part(part, placeholder, called, indent, user):
        # Whether the statement or setup as it stands in timeit's text is the placeholder of a
        # callable, timeit's default, or a vetted constant of the program's re-indented.
        if called:
            return part == placeholder
        if part == "pass":
            return True
        newline = "\n" + " " * indent
        for code in _program_codes(user):
            fn = code.co_filename
            for const in code.co_consts:
                if _type(const) is not _str or _len(const) > _len(part) \
                        or _str.replace(const, "\n", newline) != part:
                    continue
                try:
                    spelled = _str.encode(const)
                except UnicodeError:
                    continue
                if _gate_leaves_unchanged(fn, _TIMEIT_NAMES + spelled) is True:
                    return True
        return False

    # The debugger's, the profilers' and the tracer's `run` given a string
    # (`cProfile.run("main()")`, `profile.Profile().runctx(cmd, g, l)`, `pdb.run(...)`,
    # `trace.Trace().run(...)`) compile and run it as their caller's code. The gate reads a
    # constant string handed to them as code of the module that spells it (as it reads
    # `exec("...")`'s), so the guard lets the run when the text is a constant of a function
    # of the program's on the stack that the gate would run unchanged. A string made at run
    # time, or one the gate would change, stays the program's run-time code.
    _RUNNERS_OF_A_STRING = frozenset({("bdb.py", "Bdb.run"), ("bdb.py", "Bdb.runeval"),
                                      ("bdb.py", "Bdb.runctx"),
                                      ("profile.py", "Profile.runctx"),
                                      ("cProfile.py", "Profile.runctx"),
                                      ("trace.py", "Trace.runctx")})

    def _is_string_runner(frame):
        code = frame.f_code
        rel = _stdlib_rel(code)
        return rel is not None and (rel, code.co_qualname) in _RUNNERS_OF_A_STRING

    def _vetted_runner_text(frame, source, user):
        if not _gate_reads or user is None or _type(source) is not _bytes \
                or not _is_string_runner(frame):
            return False
        for code in _program_codes(user):
            fn = _spelled_constant(source, code)
            if fn is not None:
                return _gate_leaves_unchanged(fn, source) is True
        return False

    def _runs_vetted_constant(event, args, user, pending):
        # The run that follows the compile `_vetted_constant` passed, in the same call, of the
        # code that text compiles to: a `compile` event raised by the program itself (with the
        # interpreter's `sys.audit`) names a constant it never compiles, and the code run next
        # is another's.
        if not (event == "exec" and pending is not None and user is not None
                and pending[0] == _id(user) and _len(args) > 0 and _type(args[0]) is _code_type
                and args[0].co_filename is _EXEC_STRING_NAME
                and args[0].co_name == "<module>"):
            return False
        return _compiles_to(pending[1], args[0])

    _CO_VARARGS, _CO_VARKEYWORDS = 0x04, 0x08
    import __future__ as _future_module
    _FUTURE_FLAGS = 0
    for _feature in _future_module.all_feature_names:
        _FUTURE_FLAGS |= getattr(_future_module, _feature).compiler_flag
    del _future_module, _feature
    # The standard library's maker of code objects: `types.coroutine` sets a flag on a
    # generator's code. (`modulefinder` renames code after paths its caller gives: the
    # program's.)
    _MAKES_CODE_OBJECTS = frozenset({"types.py"})

    def _names_a_trusted_file(name, own):
        # Whether a code object's file name is one the guard trusts or attributes by name: a
        # file of the interpreter's (or a frozen module's), or a module the gate compiled
        # other than the maker's own (`own`, whose code may keep its name).
        fn = _path_of(name)
        if not fn:
            return False
        loaded = _dict_get(_loaded, fn)
        if fn.startswith("<frozen ") or (loaded is not None and loaded != own):
            return True
        return _isabs(fn) and _is_stdlib_file(_norm(fn))

    # Library functions whose `compile` makes no code, only a tree or a symbol table:
    # `ast.parse` (linters and metrics tools pass the file's own name) and
    # `symtable.symtable`. What the caller does with the tree (`compile(tree, ...)`) raises
    # its own event.
    _PARSES_ONLY = frozenset({("ast.py", "parse"), ("symtable.py", "symtable")})

    def _parses_only(frame):
        code = frame.f_code
        rel = _stdlib_rel(code)
        return rel is not None and (rel, code.co_name) in _PARSES_ONLY

    def _same_text(value, source):
        # `exec` of a string reports the UTF-8 bytes it compiles, a new object: compared by
        # value. A `str` or `bytes` subclass is compared by the characters or bytes it holds
        # (what `exec` compiles), read with the base types' own methods, so no method of the
        # program's runs.
        t = _type(value)
        if _issubclass(t, _str):
            try:
                value = _str.encode(_str.__str__(value), "utf-8", "surrogatepass")
            except UnicodeError:
                return False
        elif _issubclass(t, _bytes):
            value = _bytes.__bytes__(value)
        else:
            return False
        return _type(source) is _bytes and _bytes.__eq__(value, source) is True

    def _handed_in(frame, obj):
        # Whether `obj`, the text a `compile` event reports, is one of the frame's arguments
        # (or inside its `*args`/`**kwargs`), by identity or as the same text.
        if obj is None:
            return False
        code = frame.f_code
        flags = code.co_flags
        count = (code.co_argcount + code.co_kwonlyargcount + bool(flags & _CO_VARARGS)
                 + bool(flags & _CO_VARKEYWORDS))
        local = _locals_of(frame)
        if local is None:
            return True
        for name in code.co_varnames[:count]:
            value = _dict_get(local, name)
            if value is obj or _same_text(value, obj):
                return True
            items = (value if _type(value) is _tuple
                     else _dict_values(value) if _type(value) is _dict else ())
            for item in items:
                if item is obj or _same_text(item, obj):
                    return True
        return False

    def _runs_callers_code(frame, source):
        code = frame.f_code
        rel = _stdlib_rel(code)
        if rel is None:
            return False
        if rel in _RUNS_CALLERS_CODE:
            return True
        # By the function's qualified name, up to its first `.`: the comprehension inside
        # `get_annotations` is where its `eval` runs.
        name = code.co_qualname.partition(".")[0]
        if (rel, name) in _RUNS_CALLERS_CODE_IN:
            return True
        if rel == "timeit.py" and name == "Timer":
            return not _one_of(_type(source), (_str, _bytes)) or source not in _timeit_own
        if rel == "turtle.py" and name == "_make_global_funcs":
            # turtle writes a function per method, with each default's `repr` in its text:
            # its own, made while turtle is imported, or the caller's.
            caller = frame.f_back
            return caller is None or caller.f_code.co_name != "<module>" \
                or _stdlib_rel(caller.f_code) != "turtle.py"
        return False

    def _honest_name(args, immediate):
        # Whether code compiled under this file name may carry it: a frozen module's name
        # never (frozen code is not compiled), a file of the interpreter's only by importlib
        # (frozen) and from that file's own bytes (`source_to_code` would take any source).
        fn = _path_of(args[1])
        if not fn:
            return True
        if fn.startswith("<frozen "):
            return False
        if not (_isabs(fn) and _is_stdlib_file(_norm(fn))):
            return True
        if immediate != "frozen" or _type(args[0]) is not _bytes:
            return False
        try:
            with open(fn, "rb") as f:
                return f.read() == args[0]
        except OSError:
            return False

    # `dataclasses` writes each method as text from the field names and compiles it; it does
    # not check that the names are identifiers (`namedtuple` does), so a class whose
    # annotations name a field `"+f()+"` would get a `__repr__` that calls `f`. What it writes
    # calls only what it hands the text (the parameters of its `__create_fn__` and of the
    # methods, or attributes of them: `__dataclass_builtins_object__.__setattr__`,
    # `self.__post_init__`), `super(...)` and its attributes, `type` and `hash`, and imports
    # nothing: text that calls anything else was given code for a name. Parsed by the guard
    # itself, from the text the event carries.
    import _ast
    _AST_CALL, _AST_NAME, _AST_ATTRIBUTE = _ast.Call, _ast.Name, _ast.Attribute
    _AST_LAMBDA, _PyCF_ONLY_AST = _ast.Lambda, _ast.PyCF_ONLY_AST
    _AST_FUNCTIONS = (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.Lambda)
    # What binds a name by a statement of its own, none of which dataclasses writes: a name a
    # call may use (a parameter, `hash`) bound anew to anything, then called, was as good as
    # any callable (`(self := print)`).
    _AST_REFUSED = (_ast.Import, _ast.ImportFrom, _ast.ClassDef, _ast.NamedExpr, _ast.Global,
                    _ast.Nonlocal, _ast.Match)
    _AST_LOAD, _AST_EXCEPT = _ast.Load, _ast.ExceptHandler
    # The statements dataclasses' methods are made of (an `__init__`'s assignments and calls,
    # a comparison's `if` and `return`, a frozen class's `raise`), and where a statement may
    # stand: a program's field name that is no identifier ends a line of the template and
    # writes statements of its own (`)"\n K.__add__ = print\n k + "..."#`), whose operators
    # call what an attribute store put on a class.
    _AST_STATEMENTS = (_ast.FunctionDef, _ast.Assign, _ast.Expr, _ast.Return, _ast.If,
                       _ast.Raise, _ast.Pass)
    _AST_STMT, _AST_ASSIGN, _AST_EXPR = _ast.stmt, _ast.Assign, _ast.Expr
    _AST_RETURN, _AST_FUNCTION_DEF = _ast.Return, _ast.FunctionDef
    # The one name the methods read that is not handed to them.
    _GENERATED_GLOBALS = frozenset(("NotImplemented",))
    # The methods dataclasses calls, wherever they stand, and the class and its name as
    # `__repr__` reads them (`self.__class__.__qualname__`).
    _GENERATED_DUNDERS = frozenset(("__setattr__", "__delattr__", "__post_init__"))
    # Names with a double underscore the object model gives a meaning (a function's globals,
    # a class's dictionary and bases, operators, the interpreter's hooks): a field may be
    # named with double underscores (automat's `__automat_core__`), but an attribute by one of
    # these names reached the builtins (`self.__class__.__init__.__globals__`) or set an
    # operator of a class. Collected from the built-in types' own names.
    _OBJECT_MODEL = frozenset(
        n for t in (object, type, int, float, complex, str, bytes, list, tuple, dict, set,
                    frozenset, bool, slice, range, property, classmethod, staticmethod,
                    _type(_pysbx_guard), _type(_pysbx_guard.__code__), _type(sys),
                    _type(sys._getframe()), BaseException, _type(len), _type(object.__init__),
                    _type(object().__init__), _type(str.join), _type(x for x in ()))
        for n in dir(t) if n.startswith("__") and n.endswith("__")) | frozenset((
            "__globals__", "__builtins__", "__code__", "__closure__", "__func__", "__self__",
            "__wrapped__", "__dict__", "__mro__", "__bases__", "__base__", "__subclasses__",
            "__module__", "__loader__", "__spec__", "__import__", "__call__", "__get__",
            "__set__", "__delete__", "__set_name__", "__init_subclass__", "__class_getitem__",
            "__getattr__", "__getattribute__", "__missing__", "__index__", "__enter__",
            "__exit__", "__await__", "__aiter__", "__anext__", "__iter__", "__next__",
            "__fspath__", "__length_hint__", "__reduce__", "__reduce_ex__", "__getstate__",
            "__setstate__", "__copy__", "__deepcopy__", "__slots__", "__weakref__",
            "__annotations__", "__defaults__", "__kwdefaults__", "__traceback__",
            "__context__", "__cause__", "__qualname__", "__name__", "__class__"))
    _AST_LIST, _AST_BASE = list, _ast.AST
    _GENERATED_CALLEES = frozenset({"super", "type", "hash"})
    # The syntax tree's classes are heap types the program may change, and a type's attributes
    # raise no audit event: a descriptor, an `__init__` or a `__setattr__` set on one would run
    # the program's code while the interpreter builds a tree inside the guard's work (each
    # node's fields are set as attributes), or reads one it is given. What every class held at
    # the start is kept, and a tree is built only while the names the interpreter looks up on
    # a node (the special methods, the fields' and positions' names) hold what they held, and
    # any name added since is none of those (the `ast` module adds `Constant.n` and `.s`).
    _type_mro = _type.__dict__["__mro__"].__get__
    _ast_kept = tuple((c, _type_mro(c), tuple(_class_dict(c).items()),
                       frozenset(_class_dict(c)))
                      for c in vars(_ast).values()
                      if _type(c) is _type and issubclass(c, _ast.AST))
    _ast_looked_up = frozenset(n for c, _, _, _ in _ast_kept
                               for n in getattr(c, "_fields", ()) + getattr(c, "_attributes", ()))

    # Checked in C at each tree: the names each class holds are the ones last found harmless,
    # and the values of the names the interpreter looks up (the special methods, the fields'
    # and positions' defaults) are the ones of the start; only a change is looked at name by
    # name (`_ast_changes_harmless`), and what it finds harmless is the new reference.
    import itertools as _itertools, _operator as _operator_ast, gc as _gc_ast
    _ast_classes = tuple(c for c, _, _, _ in _ast_kept)
    _ast_mros = tuple(mro for _, mro, _, _ in _ast_kept)
    _ast_dicts = tuple(_gc_ast.get_referents(_class_dict(c))[0] for c in _ast_classes)
    _ast_looked = tuple((d, k, v) for d in _ast_dicts for k, v in d.items()
                        if k in _ast_looked_up or (k.startswith("__")
                                                   and k != "__doc__" and k != "__module__"))
    _ast_looked_dicts, _ast_looked_names, _ast_looked_values = (
        tuple(x[i] for x in _ast_looked) for i in range(3))
    _is, _eq, _dict_keys = _operator_ast.is_, _operator_ast.eq, dict.keys
    del _itertools, _operator_ast, _gc_ast, _ast_looked

    def _ast_names():
        return tuple(map(frozenset, _ast_dicts))

    _ast_accepted = [_ast_names()]

    def _ast_intact():
        if all(map(_eq, map(_dict_keys, _ast_dicts), _ast_accepted[0])) \
                and all(map(_is, map(_dict_get, _ast_looked_dicts, _ast_looked_names),
                            _ast_looked_values)) \
                and all(map(_is, map(_type_mro, _ast_classes), _ast_mros)):
            return True
        before = _ast_names()
        if not _ast_changes_harmless():
            return False
        if _ast_names() == before:  # unchanged while it was looked at
            _ast_accepted[0] = before
        return True

    def _ast_looked_up_name(name):
        return name in _ast_looked_up or (name.startswith("__")
                                          and name != "__doc__" and name != "__module__")

    def _ast_changes_harmless():
        # Each class's looked-up names hold what they held at the start, and every name added
        # since is one the interpreter never looks up on a node.
        for cls, mro, items, names in _ast_kept:
            held = _class_dict(cls)
            if _type_mro(cls) is not mro:
                return False
            for name, value in items:
                if _ast_looked_up_name(name) and held.get(name, _ast_kept) is not value:
                    return False
            for name in _tuple(held):  # read at once: another thread may change the class
                if _type(name) is not _str:
                    return False
                if name not in names and _ast_looked_up_name(name):
                    return False
        return True

    # A node's fields, read from its own dictionary, where the interpreter put them, and the
    # names of each class's fields as they were at the start: nothing is looked up on a class.
    _node_fields = _keeping(_AST_BASE.__dict__["__dict__"].__get__)
    _field_names = {c: _dict(items).get("_fields", ()) for c, _, items, _ in _ast_kept}

    # What makes the parser warn (and the warnings machinery run what the program replaced,
    # inside the hook): an escape sequence in a string (`\d`, `\400`), a number run into a
    # keyword (`1or`). dataclasses' own text has neither (field names are identifiers, whose
    # digits follow a letter); text with either is refused unparsed.
    import re as _re_warn
    _WARNS_TEXT = _re_warn.compile(r"\\|(?<![\w])[0-9]").search
    _WARNS_BYTES = _re_warn.compile(rb"\\|(?<![\w\x80-\xff])[0-9]").search
    del _re_warn

    _GENERATED_METHODS = frozenset(("__setattr__", "__delattr__", "__post_init__"))

    def _generated_text_calls_only_its_own(source):
        if not _one_of(_type(source), (_str, _bytes)):
            return False
        if (_WARNS_TEXT if _type(source) is _str else _WARNS_BYTES)(source) is not None \
                or not _ast_intact():
            return False
        tree = _keep(_tree_apart(source))
        if _type(tree) is not _AST_MODULE:
            # Compiling it fails the same way in dataclasses (a syntax error), or the tree
            # could not be made.
            return _one_of(_type(tree), (SyntaxError, IndentationError, TabError, ValueError))
        # A call may name a parameter of a function it is inside (its own or an enclosing
        # one's: `__create_fn__`'s locals), never one of a function elsewhere in the text.
        # The tree is read as objects of the program's could be: a node of a class of its own,
        # a field that is no list, a name that is a `str` subclass are refused or passed over,
        # never compared, hashed or iterated.
        nodes, calls = [(tree, frozenset(_GENERATED_CALLEES))], []
        base, names_of = _AST_BASE, _field_names

        def fields_of(node):
            return _plain_dict(_node_fields(node))

        def items(value):
            return value if _type(value) is _AST_LIST else ()

        def name_of(node, key):
            value = fields_of(node).get(key) if _issubclass(_type(node), base) else None
            return value if _type(value) is _str else None

        # The template's shape: `def __create_fn__(...):` holding one method and its return.
        body = items(fields_of(tree).get("body"))
        if len(body) != 1 or _type(body[0]) is not _AST_FUNCTION_DEF:
            return False
        inner = items(fields_of(body[0]).get("body"))
        if len(inner) != 2 or _type(inner[0]) is not _AST_FUNCTION_DEF \
                or _type(inner[1]) is not _AST_RETURN:
            return False
        returned = fields_of(inner[1]).get("value")
        if _type(returned) is not _AST_NAME \
                or name_of(returned, "id") != name_of(inner[0], "name") \
                or _type(name_of(returned, "id")) is not _str:
            return False
        defined = frozenset((name_of(body[0], "name"), name_of(inner[0], "name")))
        while nodes:
            node, roots = nodes.pop()
            t = _type(node)
            if _type(t) is not _type or not _issubclass(t, base):
                return False
            if _issubclass(t, _AST_REFUSED):
                return False
            if _issubclass(t, _AST_STMT) and t not in _AST_STATEMENTS:
                return False
            d = fields_of(node)
            # A statement of an expression is a call; a store is of an attribute, and neither
            # reads nor stores a double-underscore attribute but the template's; a name read
            # is one the text was handed (or a method it defines, or `NotImplemented`).
            if t is _AST_EXPR and _type(d.get("value")) is not _AST_CALL:
                return False
            if t is _AST_ASSIGN:
                for target in items(d.get("targets")):
                    if _type(target) is not _AST_ATTRIBUTE \
                            or _type(fields_of(target).get("value")) is not _AST_NAME \
                            or name_of(target, "attr") in _OBJECT_MODEL:
                        return False
            if t is _AST_ATTRIBUTE:
                attr = name_of(node, "attr")
                value = d.get("value")
                if attr is None:
                    return False
                if attr.startswith("__") and attr.endswith("__") \
                        and attr not in _GENERATED_DUNDERS:
                    # A field's name, of a name the text was handed (`self.__x__`); or the
                    # class and its name, as `__repr__` reads them.
                    if _type(value) is _AST_NAME:
                        if attr in _OBJECT_MODEL and attr != "__class__":
                            return False
                    elif not (attr == "__qualname__" and _type(value) is _AST_ATTRIBUTE
                              and name_of(value, "attr") == "__class__"
                              and _type(fields_of(value).get("value")) is _AST_NAME):
                        return False
            if t is _AST_NAME and _type(d.get("ctx")) is _AST_LOAD:
                name = name_of(node, "id")
                if name is None or (name not in roots and name not in defined
                                    and name not in _GENERATED_GLOBALS):
                    return False
            # Names are read, never bound (an assignment's, a loop's or a comprehension's
            # target, `del`, `except ... as`), and no function takes the name of one a call
            # may use.
            if t is _AST_NAME and _type(d.get("ctx")) is not _AST_LOAD:
                return False
            if t is _AST_EXCEPT and d.get("name") is not None:
                return False
            # dataclasses writes no lambda: one is a function made inside the text, its
            # parameters names a call may use whatever their defaults bind them to.
            if t is _AST_LAMBDA:
                return False
            if _issubclass(t, _AST_FUNCTIONS):
                if items(d.get("decorator_list")):
                    return False
                if _type(d.get("name")) is not _str or d.get("name") in roots:
                    return False
                a = d.get("args")
                if not _issubclass(_type(a), base):
                    return False
                ad = fields_of(a)
                params = [name_of(arg, "arg") for group in ("posonlyargs", "args", "kwonlyargs")
                          for arg in items(ad.get(group))]
                params.extend(name_of(arg, "arg") for arg in (ad.get("vararg"), ad.get("kwarg"))
                              if arg is not None)
                inner = roots | frozenset(p for p in params if _type(p) is _str)
                # Defaults and annotations are evaluated where the function is defined.
                nodes.append((a, roots))
                returns = d.get("returns")
                if _issubclass(_type(returns), base):
                    nodes.append((returns, roots))
                body = d.get("body")
                for part in (body if _type(body) is _AST_LIST else [body]):
                    if _issubclass(_type(part), base):
                        nodes.append((part, inner))
                continue
            if t is _AST_CALL:
                calls.append((d.get("func"), roots))
            for name in names_of.get(t, ()):
                value = d.get(name)
                if _type(value) is _AST_LIST:
                    nodes.extend((v, roots) for v in value if _issubclass(_type(v), base))
                elif _issubclass(_type(value), base):
                    nodes.append((value, roots))
        for func, roots in calls:
            # One attribute at most, and only of the methods dataclasses calls
            # (`__dataclass_builtins_object__.__setattr__(self, ...)`, `self.__post_init__(...)`,
            # `super(cls, self).__delattr__(name)`): a chain off a root reaches anything
            # (`hash.__self__` is the builtins module).
            # The method's root is a name the text was handed, never `type` or `hash`
            # (`type.__setattr__(type(self), "__hash__", ...)` set a method of the class that
            # a `hash(self)` then ran).
            attributes = 0
            while _type(func) is _AST_ATTRIBUTE:
                attributes += 1
                if attributes > 1 or name_of(func, "attr") not in _GENERATED_METHODS:
                    return False
                func = fields_of(func).get("value")
            if _type(func) is _AST_CALL:
                callee = fields_of(func).get("func")
                if _type(callee) is _AST_NAME and name_of(callee, "id") == "super":
                    continue
            if _type(func) is not _AST_NAME or name_of(func, "id") not in roots:
                return False
            if attributes and name_of(func, "id") in _GENERATED_CALLEES:
                return False
        return True

    # The tree of the text dataclasses generates is built in a thread of its own, started
    # with nothing of Python beneath it (a call of the interpreter's consumes the parse): the
    # classes of `ast` are the program's to change at any moment, by another thread between
    # the guard's check and the parse, and a descriptor or `__setattr__` set on one runs while
    # the interpreter sets each node's fields. Run there, it finds no frame of the guard's
    # beneath it (only the facade generator's, which holds the text and its name); what it
    # can do is change the tree being built, which the guard reads as the program's objects.
    # While the program has no thread but its main one (the one doing the guard's work here),
    # nothing can change the classes between the check and the parse: the tree is built here,
    # sparing the thread (0.1 ms, several on a loaded machine, at each method dataclasses
    # writes).
    _start_new_thread, _allocate_lock = _thread.start_new_thread, _thread.allocate_lock
    _thread_count = _thread._count
    # Once the interpreter is finalizing (past the `atexit` functions), a thread started does
    # not run: it ends as it first takes the interpreter's lock. Work sent to one would be
    # waited for in vain, so a check that needs one fails at once (see the `atexit` collection
    # below, which runs the usual garbage's finalizers before).
    _is_finalizing = sys.is_finalizing
    _SHUTTING_DOWN = ("pysbx: code run while the interpreter shuts down (a finalizer of the "
                      "last collection or of the modules' teardown) cannot be checked: %s")
    from _collections import deque as _drain
    _AST_MODULE = _ast.Module
    _tree_maker = []

    # The thread that runs that work apart: one, started at the first need and kept, which
    # waits for the next job in `SimpleQueue.get` (the interpreter's own C code, as is the rest
    # of its loop: `iter`, `map`, `operator.call`, `deque`), so no frame of the guard's lies
    # beneath a job either. A thread started for each job cost most of the time the guard
    # spends on a `dataclass` or `namedtuple`. A job the program's code made fail (a `str`
    # subclass whose `__eq__` raises during a read) ends the thread: its waiter times out as
    # before, and the next job starts another. Not carried into a child of `os.fork`.
    from _queue import SimpleQueue as _SimpleQueue
    _apart = []

    def _c_worker(work):
        # A thread that calls `work` (a callable of the interpreter's) with each item put in
        # the queue returned, its loop the interpreter's own C code (`SimpleQueue.get`, `iter`,
        # `map`, `deque`): no frame of the guard's lies beneath what it runs.
        queue = _SimpleQueue()
        _start_new_thread(_drain, (map(work, iter(queue.get, None)), 0))
        return queue

    def _done_apart(job):
        # Runs `job` (a callable of the interpreter's) on that thread and waits for it:
        # whether it was done in time. A job not done in time leaves its thread stuck or gone,
        # and the next job starts another.
        if not _apart:
            _apart.append(_c_worker(_call))
        done = _allocate_lock()
        done.acquire()
        put = _apart[0].put
        put(job)
        put(done.release)
        if done.acquire(True, 30):
            return True
        del _apart[:]
        return False

    # Plain python's last collection runs once the interpreter is finalizing: an import in a
    # finalizer it runs (an object in a reference cycle whose `__del__` imports, a coroutine
    # never awaited whose warning imports `tracemalloc`) would fail here. The guard collects
    # first, at its own `atexit` function: registered before any of the program's, it runs
    # after them all, when the same garbage is there to collect and threads still run. It is
    # a chain of the interpreter's functions, so the finalizers it runs find no frame of the
    # guard's beneath them; it collects only if the program wants collection (`gc.disable`).
    import atexit as _atexit
    _atexit.register(_drain, map(_call, _compress((_gc.collect,), _gc_wanted)), 0)
    del _atexit

    # A frame's locals, read in a thread of its own and returned under plain names. Reading
    # `f_locals` writes every variable's name into the frame's one dictionary, comparing it
    # with the keys there: a `str` subclass the program put in place of one (it can reach the
    # frames of facades and of the standard library) had its `__eq__` run inside the guard's
    # work. Run on a new thread, that `__eq__` has nothing of the guard's beneath.
    # The reading thread runs the interpreter's functions only (`attrgetter`, `list.append`,
    # `deque`), so that code has no frame to find there and nothing to append to the box.
    from operator import attrgetter as _attrgetter
    _read_f_locals = _attrgetter("f_locals")

    def _locals_of(frame):
        if _is_finalizing():
            raise RuntimeError(_SHUTTING_DOWN % "a frame's locals are read on a thread of "
                               "their own, and none can start")
        box = []
        read = _partial(_drain, map(box.append, map(_read_f_locals, (frame,))), 0)
        if not _done_apart(read) or _len(box) != 1:
            raise RuntimeError("pysbx: a frame's locals could not be read")
        local = box[0]
        return _plain_dict(local) if _issubclass(_type(local), _dict) else None

    def _tree_apart(source):
        # Parsed as text the guard decoded: bytes would have the interpreter honour a coding
        # declaration in them, looking up a codec the program may have put in `encodings`'
        # cache, whose decoder then ran inside the guard's work (see `_PLAIN_CODINGS`).
        source = _event_text(source)
        if source is None:
            return None
        # No thread of the program's runs (the guard's own, `_apart` and the relay, aside), or
        # none can.
        if _thread_count() == (1 if _apart else 0) + (1 if _relay else 0) or _is_finalizing():
            try:
                return compile(source, "<dataclass>", "exec", _PyCF_ONLY_AST, True)
            except BaseException as exc:
                return exc
        text, name = _compile_later(source, "<dataclass>", parse_only=True)
        box = []
        try:
            parse = _tree_maker[0](compile, BaseException, text, name)
            if not _done_apart(_partial(box.extend, parse)):
                return None
            return box[0] if box else None
        finally:
            _compile_jobs.pop(_id(name), None)

    # `multiprocessing.managers.MakeProxyType` writes one method per name of `exposed` (the
    # caller's list) into the text `exec` runs, unchecked: a name that is code would run. Its
    # text is one fixed template, so the guard asks for exactly that template around a name.
    _PROXY_METHOD = "def %s(self, /, *args, **kwds):\n        return self._callmethod(%r, args, kwds)"

    # What `unittest.mock`'s `_set_signature` (`create_autospec` of a function) compiles:
    # the function's name in a fixed text, once `name.isidentifier()` said so; a `str`
    # subclass answers that as it likes and formats as any text.
    _MOCK_SIGNATURE = ("def %s(*args, **kwargs):\n    _checksig_(*args, **kwargs)\n"
                       "    return mock(*args, **kwargs)")

    def _is_template_text(source, render, start="def "):
        # Whether the text a generator compiles is its one template around a function name
        # (`render(name)`, the name right after `start`), the name an identifier of the plain
        # `str` type.
        if _type(source) is _bytes:
            try:
                source = source.decode("utf-8")
            except UnicodeDecodeError:
                return False
        if _type(source) is not _str or not source.startswith(start):
            return False
        name = source[_str.__len__(start):].partition("(")[0]
        return _str.isidentifier(name) and source == render(name)

    def _is_mock_signature_text(source):
        return _is_template_text(source, lambda name: _MOCK_SIGNATURE % name)

    def _is_proxy_method_text(source):
        return _is_template_text(source, lambda name: _PROXY_METHOD % (name, name))

    # What `multiprocessing.sharedctypes.make_property` compiles: a field name put seven times
    # into one fixed text, unchecked (the module needs `ctypes`, but a stand-in module in
    # `sys.modules` lets it load under `ffi: false`).
    _SHARED_PROPERTY = ("\ndef get%s(self):\n    self.acquire()\n    try:\n"
                        "        return self._obj.%s\n    finally:\n        self.release()\n"
                        "def set%s(self, value):\n    self.acquire()\n    try:\n"
                        "        self._obj.%s = value\n    finally:\n        self.release()\n"
                        "%s = property(get%s, set%s)\n")

    def _is_shared_property_text(source):
        return _is_template_text(
            source, lambda name: _SHARED_PROPERTY % ((name,) * 7), "\ndef get")

    # The standard library's generators that write a caller's names into text they compile and
    # run in the same call, by file: the check of the text against the generator's template,
    # and, for those whose `compile` is refused at once when the text fails it, what such a
    # text is (the others' text is judged where it runs: see `_library_template_text`).
    _TEMPLATE_CHECKS = {
        "dataclasses.py": (_generated_text_calls_only_its_own, "a dataclass field name that is "
                           "code (what dataclasses generated calls what it was not handed)"),
        "unittest/mock.py": (_is_mock_signature_text, "a mocked function's name that is code "
                             "(what unittest.mock generated is not its signature template)"),
        "multiprocessing/sharedctypes.py": (
            _is_shared_property_text, "a shared ctypes field name that is code (what "
            "multiprocessing.sharedctypes generated is not its property template)"),
        "multiprocessing/managers.py": (
            _is_proxy_method_text, "a proxy method name that is code (what "
            "multiprocessing.managers generated is not its method template)"),
        "collections/__init__.py": (_is_namedtuple_text, None),
        "gettext.py": (_is_plural_text, None),
    }

    # Reading a function's `__code__` is the program's under every policy: a code object is
    # inert (running one takes `exec`, `function.__new__` or a `__code__` set, each refused
    # without the `code` grant), and the standard library hands out any function's code anyway
    # (`dis.Bytecode(f).codeobj`, the code objects of a module a loader's `get_code` compiled).
    # numpy checks its dispatchers' signatures on it and `jinja2` marks its own functions' code
    # to leave them out of template tracebacks, both at import. A module granted `code` may make
    # code objects and functions from parts, so giving a function another code object gives it
    # nothing it could not make (`networkx` compiles a decorator's body on first call and
    # moves it into the function). Never the guard's code, read or given, nor a guard
    # function's: a frame running the guard's code counts as the guard's wherever it ran.
    def _same_code_renewed(args):
        # Whether `function.__code__ = new` keeps the function's code as it was but for its
        # flags: the same file, name and first line.
        function = args[0]
        new = args[2] if _len(args) > 2 else None
        if _type(function) is not _function_type or _type(new) is not _code_type:
            return False
        old = _function_code(function)
        return (old.co_filename == new.co_filename and old.co_name == new.co_name
                and old.co_firstlineno == new.co_firstlineno)

    def _code_access_allowed(event, args, user):
        function = args[0]
        if _type(function) is not _function_type or _id(_function_code(function)) in _guard_ids:
            return False
        if event == "object.__setattr__":
            value = args[2] if _len(args) > 2 else None
            if _type(value) is not _code_type or _id(value) in _guard_ids:
                return False
            # A module of the installed packages may give any function but the guard's code
            # the guard compiled (a module the gate read, text the gate vetted): the function
            # then runs code the gate read (`networkx` compiles its decorators' wrappers on
            # first call so). The program's own such change stays refused without the grant.
            return bool(_code or _grant(_module_of(user), "code")
                        or (_guard_made(value) and user is not None
                            and _installed_package_file(user.f_code) is not None))
        return event == "object.__getattr__"

    def _describe_frame(frame):
        code = frame.f_code
        name = code.co_qualname if _type(code.co_qualname) is _str else "?"
        return "%s (%s)" % (name, code.co_filename if _type(code.co_filename) is _str else "?")

    def _internal(code):
        # The guard's own work (not a facade, whose frame holds nothing of the guard's).
        i = id(code)
        return i in _guard_ids and i not in _plain_ids

    def _over_guard(frame, codes=None):
        # Whether code of the program's runs on top of the guard's own work (a finalizer, a
        # signal handler): a frame handed out there leads down to the guard's. `codes`: the
        # frames' code, when the caller read it already (`_stack_codes(frame)`).
        user = False
        for code in (_stack_codes(frame) if codes is None else codes):
            i = _id(code)
            if i in _guard_ids and i not in _plain_ids:  # `_internal`, inline: every frame
                return user
            if not user and _kind(code) == "user":
                user = True
        return False

    # The standard library's probes of the system through a command, whose failure they catch
    # and answer without (`platform.processor()`, and with it `platform.platform()` and
    # `uname().processor`, runs `uname -p`; `platform.architecture()` runs `file -b`;
    # `uuid.getnode()` may run `ip link`): refused as any process is under `process: false`,
    # but not reported, since the program asked for no process (`--learn` grants none).
    _COMMAND_PROBES = frozenset({("platform.py", "from_subprocess"),
                                 ("platform.py", "_syscmd_file"),
                                 ("uuid.py", "_get_command_stdout")})

    def _command_probe(frame, user):
        for f, code in _frames(frame):
            if f is user:
                return False
            name, fn = code.co_name, code.co_filename
            if _type(name) is _str and _type(fn) is _str \
                    and (fn.rpartition("/")[2], name) in _COMMAND_PROBES \
                    and _is_stdlib_file(_norm(fn)):
                return True
        return False

    # The code of `os.open`'s facade (`_os_open`), once it is made, and what each thread's
    # facade call said it opens: (its frame, the path object, the plain directory descriptor).
    _open_facade = []
    _open_calls = {}

    def _open_at(path, at):
        # Told by the facade just before its call (a sealed entry: this function, the shield,
        # the entry, then the caller, which the shield admits only as the guard's own code);
        # `_open_dir_fd` takes it only for the event of that same frame.
        _open_calls[_get_ident()] = (_entry_frame().f_back, path, at)

    def _open_dir_fd(raw, frame):
        # The directory descriptor of an `os.open` call, whose audit event names none: what
        # the facade told (`_open_at`) when the event is that frame's own call (the path object
        # it was handed), set once every value is plain. None (the working directory) for any
        # other open, "unknown" when the facade's call told nothing plain. Not read from the
        # facade's frame: reading `f_locals` writes each name into the frame's dictionary,
        # comparing it with a `str` subclass key the program may have swapped in there.
        if not _open_facade or frame is None or frame.f_code is not _open_facade[0]:
            return None
        told = _open_calls.pop(_get_ident(), None)
        if told is None or told[0] is not frame or told[1] is not raw:
            return "unknown"
        at = told[2]
        return at if at is None or _type(at) is _int else "unknown"

    def _check(event, args, frame):
        if event == "open":
            raw, mode, flags = args
            p = _path_of(raw)
            if p is None:
                return
            writing = _type(flags) is _int and flags & _WRITE_FLAGS
            if not writing and p.startswith(_stdlib_fast) and ".." not in p:
                return
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            dir_fd = _open_dir_fd(raw, frame)
            path = _abs(p, dir_fd)
            if path is None:
                _unknown_dir("fs.write" if writing else "fs.read", p, dir_fd, event, user, stack)
            if path == "/dev/tty":
                # The process's controlling terminal: the sandbox runs in a session of its own
                # and has none, so the kernel answers ENXIO, as to any process without one
                # (`getpass` then reads standard input). Said here, with no violation: a
                # program probing for a terminal has done nothing wrong.
                exc = _oserror_new(OSError, _errno.ENXIO, "No such device or address", p)
                _oserror_init(exc, _errno.ENXIO, "No such device or address", p)
                raise exc
            if path.endswith(".pyc") and not _is_stdlib_file(path) and not _under(path, _prefixes) \
                    and not _under(path, _scratch):
                _violation("imports", "loading compiled code %s bypasses the import gate" % path,
                           event, user, stack)
            if writing:
                _check_write(raw, event, user, stack, dir_fd)
            else:
                _check_read(raw, event, user, stack, dir_fd)
            return
        if event == "import":
            name = args[0]
            if _type(name) is not _str:
                return
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            module = _module_of(user)
            if not _ffi and _native_refused(name, args) and not _grant(module, "ffi"):
                # Whoever imports it: `importlib.import_module("_ctypes")` is the standard
                # library's import, and the module, once loaded, the program's.
                _violation("ffi", "importing %s is not allowed (ffi: false)" % name, event, user,
                           stack, {"grant": "ffi", "what": "import " + name}, refused_import=True)
            if not _process and not _grant(module, "process") \
                    and _loads_native(name, args, ("_posixsubprocess",)) \
                    and (name != "_posixsubprocess" or _native_path(args) is not None):
                # A copy of it made anew, whoever makes it, has no facade (see `_fork_exec`):
                # the guard loaded the module before the program ran.
                _refuse_new_posixsubprocess(event, user, stack)
            if immediate != "user":
                return
            if not _process and name == "_posixsubprocess" and not _grant(module, "process"):
                _violation("process", "importing _posixsubprocess is not allowed (process: false)",
                           event, user, stack, {"grant": "process", "what": "import _posixsubprocess"},
                           refused_import=True)
            if _deny_imports and _matches(name, _deny_imports):
                _violation("imports", "importing %s is denied by the policy" % name, event, user, stack,
                           refused_import=True)
            own = _grant(module, "imports") if _module_imports else None
            if own is not None:
                _check_own_imports(name, module, own, event, user, stack)
            elif _allow_imports is not None and not _matches(name, _allow_imports):
                _violation("imports", "importing %s is not in imports.allow" % name, event, user, stack,
                           refused_import=True)
            return
        if event in _PROC_EVENTS:
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            _permit_check("process", event, event, user, stack)
            if not _process and not _grant(_module_of(user), "process"):
                if _command_probe(frame, user):
                    raise _new_violation("pysbx: %s is not allowed (process: false) (process)"
                                         % event)
                _violation("process", "%s is not allowed (process: false)" % event, event, user,
                           stack, {"grant": "process", "what": event})
            return
        if event.startswith("ctypes.") or event in _SQLITE_EXTENSION_EVENTS:
            # A SQLite extension is a shared library loaded into the process, whose entry
            # point the caller names: foreign code as `ctypes` is.
            immediate, user, stack = _context(frame)
            _permit_check("ffi", event, event, user, stack)
            if not _ffi and not _grant(_module_of(user), "ffi"):
                _violation("ffi", "%s is not allowed (ffi: false)" % event, event, user, stack,
                           {"grant": "ffi", "what": event})
            return
        if event.startswith("socket."):
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            if event == "socket.__new__":
                family = args[1] if len(args) > 1 else None
                # Compared only as the interpreter's own int: the arguments of an event the
                # program raises itself (`sys.audit`) are its objects, whose `__eq__` would run
                # inside the guard's work.
                if _type(family) is _int and family in (2, 10) \
                        and not _net_rules(_module_of(user)):
                    _violation("net", "IP sockets are not allowed (no network)", event, user, stack,
                               {"grant": "socket"})
            elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
                sock, address = args[0], args[1]
                # The socket's own type, not an attribute a subclass may compute.
                kind = _socket_type(sock) if _socket_type is not None and _issubclass(
                    _type(sock), _socket_class) else 1
                proto = "udp" if kind == 2 else "tcp"
                _check_connect(address, proto, event, user, stack)
            elif event == "socket.bind":
                sock, address = args[0], args[1]
                if _type(address) is tuple and not _net_rules(_module_of(user)):
                    _violation("net", "binding %s is not allowed (no network)" % _describe(address),
                               event, user, stack, {"grant": "socket"})
            elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                           "socket.gethostbyaddr", "socket.getnameinfo"):
                host = args[0]
                if event == "socket.getnameinfo" and _type(host) is tuple:
                    host = host[0]
                _check_lookup(host, event, user, stack)
            return
        if event in _LOCK_EVENTS:
            # A lock is state that every process opening the file shares: one the program took
            # on a file of the host (the script's own, lent at its host path; anything it may
            # read) would hold up the host's processes that lock it until the run ended.
            # Judged as a write of the file the descriptor stands for (where the program may
            # write, it may lock); an unlock always passes.
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            if _locks(event, args):
                _check_fd_write(args[0], event, user, stack)
            return
        if event == "sqlite3.connect":
            # A database file is opened for reading and writing, and made when missing, by
            # SQLite's own calls (no `open` event): judged as a write. `:memory:`, the empty
            # name (a temporary database) and `file:` URIs (whose mode SQLite reads) are left
            # to the kernel.
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            name = _path_of(args[0]) if args else None
            if name and name != ":memory:" and not name.startswith("file:"):
                _check_write(args[0], event, user, stack)
            return
        if event in _WRITE_EVENTS:
            immediate, user, stack = _context(frame)
            if _guards_own(immediate, frame):
                return
            at = _CREATES_AT.get(event)
            if at is not None and _len(args) > at[1] and _type(args[at[1]]) is _int \
                    and args[at[1]] == -1:
                # An entry that exists already where nothing may be created: the call creates
                # nothing and fails with FileExistsError, as under Python (code that catches
                # that error, not PermissionError, must go on). Its existence was no secret:
                # `os.lstat` shows it. Only where no grant lets anyone write (the kernel's
                # union): should the entry vanish before the call, the kernel refuses the
                # creation, so skipping the guard's checks (a symlink's target) lets nothing by.
                p = _path_of(args[at[0]])
                if p is not None and not _under(_abs(p), _any_writes):
                    try:
                        _lstat(p)
                        return
                    except (OSError, ValueError):
                        pass
            at = _REMOVES_AT.get(event)
            if at is not None and _len(args) > at[1] and (
                    args[at[1]] is None or (_type(args[at[1]]) is _int and args[at[1]] == -1)):
                # No entry to remove where nothing may be written: the call removes nothing and
                # fails with FileNotFoundError, as under Python (a clean-up of a file that may
                # be there, `contextlib.suppress(FileNotFoundError)`, goes on). Its absence was
                # no secret: `os.lstat` shows it. Only where no grant lets anyone write (the
                # kernel's union): should the entry appear before the call, the kernel refuses
                # to remove or move it (Landlock), so skipping the guard's checks (a rename's
                # destination) lets nothing by. The error is the guard's to raise: there the
                # mount is read-only, and the kernel would answer EROFS before it looked the
                # name up (`shutil.rmtree` looks it up itself, and may be told to ignore it).
                p = _path_of(args[at[0]])
                if p is not None and not _under(_abs(p), _any_writes):
                    try:
                        _lstat(p)
                    except FileNotFoundError:
                        if event == "shutil.rmtree":
                            return
                        raise _not_found(args[at[0]],
                                         args[1] if event in _MOVES else None) from None
                    except (OSError, ValueError):
                        pass
            fds = _WRITE_DIR_FDS.get(event, {})

            def dir_fd(i):
                at = fds.get(i)
                return args[at] if at is not None and at < _len(args) else None

            if event == "os.link":
                _check_write(args[0], event, user, stack, dir_fd(2))
            if event == "os.symlink":
                target = _path_of(args[0])
                link = _path_of(args[1]) or "."
                base = _abs(link, dir_fd(1)) if target is not None else ""
                if base is None:
                    _unknown_dir("fs.write", link, dir_fd(1), event, user, stack)
                if target is not None:
                    # A relative target is read from wherever the link is: one that climbs
                    # (`../priv/x`) leads inside the policy from here, and outside once the
                    # link (or a directory holding it) is renamed elsewhere in a write path,
                    # where it stays on the host. A target without `..` stays below the
                    # link's directory, wherever that is moved.
                    if not _isabs(target) and ".." in target.split("/"):
                        _violation("fs.write", "a symlink to %s climbs with `..`: relative "
                                   "symlinks must stay below their directory" % target,
                                   event, user, stack, {"grant": "fs.write", "path": target})
                    base = _dirname(base)
                    dest = _norm(_join(base, target))
                    if not _readable(dest, _module_of(user)):
                        _violation("fs.write", "a symlink to %s leads outside the policy" % dest,
                                   event, user, stack, {"grant": "fs.read", "path": dest})
            entry = event in _ON_THE_ENTRY
            for i in _WRITE_EVENTS[event]:
                if i < len(args):
                    if event in _FD_WRITE_EVENTS and _path_of(args[i]) is None:
                        _check_fd_write(args[i], event, user, stack)
                        continue
                    _check_write(args[i], event, user, stack, dir_fd(i), entry)
            return
        if event in _READ_EVENTS:
            immediate, user, stack = _context(frame)
            if immediate != "user":
                return
            path = args[_READ_EVENTS[event]]
            if event == "os.chdir" and ((_type(path) is _str and path == "/")
                                        or (_type(path) is _bytes and path == b"/")):
                # A daemon's `os.chdir("/")`: the root exists everywhere and entering it reads
                # nothing (what is then opened by a relative path is checked as ever).
                return
            if _type(path) is _int and event in _FD_READ_EVENTS:
                # A directory by its descriptor (`os.listdir(fd)`, `os.scandir(fd)`,
                # `os.chdir(fd)`): the directory it stands for.
                where = _fd_dir(path)
                if where is None:
                    _unknown_dir("fs.read", ".", path, event, user, stack)
                _check_read(where, event, user, stack)
                return
            _check_read(path, event, user, stack)
            return
        if event == "object.__getattr__" or event == "object.__setattr__":
            name = args[1] if len(args) > 1 else None
            if _type(name) is not _str:
                name = _str.__str__(name) if _issubclass(_type(name), _str) else None
            if name in _GUARDED_FUNCTION_ATTRS and _type(args[0]) is _function_type and \
                    _id(_function_code(args[0])) in _guard_ids:
                # A facade's entry into the guard lives in its keyword defaults, and its code
                # is the guard's: only the guard reads or changes them.
                immediate, user, stack = _context(frame, skip_frozen=False)
                if not _guards_own(immediate, frame) and (event == "object.__setattr__" or (
                        name != "__code__" and _id(_function_code(args[0])) in _sealed_ids)):
                    _violation("introspection", "%s %s of a pysbx function is not allowed"
                               % ("changing" if event == "object.__setattr__" else "reading", name),
                               event, user, stack)
            if name in _FRAME_ATTRS:
                # The standard library's read of a frame's link or a function's code (logging's
                # `f_back` at every record, `inspect`'s `__code__` for each function it is
                # asked about) passes without the stack: the checks below ask for it only to
                # set `__code__`, when the program itself reads, or to report a refusal.
                if name != "__code__" or event == "object.__getattr__":
                    codes = _stack_codes(frame)
                    immediate = _immediate(codes)
                    if not _frame_read_by_program(immediate, frame, codes):
                        return
                immediate, user, stack = _context(frame, skip_frozen=False)
                if event == "object.__setattr__" and name == "__code__" \
                        and immediate != "user" and immediate != "guard" \
                        and not _same_code_renewed(args):
                    # The standard library gives a function another code object on the
                    # program's behalf only as `types.coroutine` does, the same code with a flag
                    # set: `functools.update_wrapper(f, namedtuple, assigned=("__code__",))`
                    # made a program function run the standard library's code with the
                    # program's globals, which the guard trusted by its file.
                    immediate = "user"
                if immediate == "user" and name == "__code__" \
                        and _code_access_allowed(event, args, user):
                    return
                if immediate == "user" and event == "object.__getattr__" \
                        and name in ("gi_code", "cr_code", "ag_code"):
                    # A generator's or a coroutine's code object, as a function's: inert until
                    # something runs it, which the code clause judges (graphql-core's
                    # `is_awaitable` and pluggy read `gi_code`). Its frame stays refused.
                    return
                if _frame_read_by_program(immediate, frame):
                    # A module's `code` grant lets it set `__code__` (code it could make from
                    # parts anyway): the hint names that grant, unless the function or the code
                    # is the guard's, which no grant reaches.
                    grantable = name == "__code__" and event == "object.__setattr__" \
                        and _type(args[0]) is _function_type \
                        and _id(_function_code(args[0])) not in _guard_ids \
                        and _id(args[2] if _len(args) > 2 else None) not in _guard_ids
                    _violation("introspection", "%s %s is not allowed"
                               % ("setting" if event == "object.__setattr__" else "access to",
                                  name), event, user, stack,
                               {"allowed_by": "code"} if grantable else None)
            return
        if event in ("sys._getframe", "builtins.breakpoint", "sys._getframemodulename"):
            # The kind of the frame that asks, as `_context` reads it, and the whole stack
            # walked for the report only when it is refused: logging asks at every record.
            codes = _stack_codes(frame)
            immediate = _immediate(codes)
            if _frame_read_by_program(immediate, frame, codes):
                immediate, user, stack = _context(frame, skip_frozen=False)
                _violation("introspection", "%s is not allowed" % event, event, user, stack)
            if not _walk_replaced[0] and immediate != "guard":
                _replace_walk_stack()
            return
        if event in ("sys.settrace", "sys.setprofile"):
            # Python-level tracers go through the guard's facades (`_set_tracer`), which keep
            # the guard's frames from them; this is the guard's own call, or the C profiler's
            # (`cProfile.Profile().enable()`, `runcall`, `with Profile()`: the interpreter's
            # own `sys.setprofile` is the guard's alone, replaced, and `sys` is never made
            # anew). The C profiler calls the timer it was given (`cProfile.Profile(timer)`,
            # which the guard cannot see) at every call and return, the facades' included,
            # whose frames hold what they hand the guard or the interpreter (the interpreter's
            # `sys.audit`, `_posixsubprocess.fork_exec`): refused; the `profile` module's
            # profiler, behind the guard's trampoline, sees none of them. A `sys.settrace` the
            # program raises is refused.
            immediate, user, stack = _context(frame, skip_frozen=False)
            if immediate == "user" and event == "sys.settrace":
                _violation("introspection", "%s is not allowed" % event, event, user, stack)
            if event == "sys.setprofile" and not _guards_own(immediate, frame):
                _violation("introspection", "the C profiler (cProfile) is not allowed: it calls "
                           "a timer the program may give it at every call, the guard's own "
                           "included; the profile module's profiler runs", event, user, stack)
            _tracing[_get_ident()] = True
            return
        if event in ("sys._current_frames", "sys._current_exceptions", "gc.get_objects",
                     "gc.get_referrers", "gc.get_referents"):
            # Every thread's frames, every object: the guard's among them. Not even the
            # standard library asks for these on the program's behalf. The exception each
            # thread is handling leads to frames too: its traceback holds those it was raised
            # through, the guard's while another thread's work handles one of its own (a
            # violation on its way out, a missing file `_exists` caught).
            immediate, user, stack = _context(frame, skip_frozen=False)
            if not _guards_own(immediate, frame):
                _violation("introspection", "%s is not allowed" % event, event, user, stack)
            return
        if event == "sys.addaudithook":
            immediate, user, stack = _context(frame, skip_frozen=False)
            if not _guards_own(immediate, frame):
                _violation("introspection", "adding audit hooks is not allowed", event, user, stack)
            return
        if event in _CODE_EVENTS:
            if event == "code.__new__" and frame is not None \
                    and (frame.f_code is _rename_job_code.__code__
                         or frame.f_code is _tree_code_renamed.__code__) \
                    and _len(args) > 1 and _job_named(args[1]):
                # A job's code renamed (see `_rename_job_code`, `_restore_tree_names`).
                return
            if (event == "compile" or event == "code.__new__") and _compile_job(event, args):
                return
            immediate, user, stack = _context(frame, skip_frozen=False)
            if event == "compile" and _is_bottom_runner(frame):
                # The runner compiles the program's text only, as a job (above). A tracer set
                # on its frame (`bdb.Bdb().set_trace()` sets one on every frame beneath it)
                # changed its locals and moved it back to its `compile` line with a text of
                # the program's making, judged as the bottom of the stack's own.
                _violation("code", "compile of dynamic code is not allowed", event, user, stack)
            if immediate == "guard" and not _runs_guard_made_code(event, args) \
                    and not (event == "compile" and _id(frame.f_code) in _printing_ids
                             and _a_line_shown(args)):
                # Raised above a facade's frame (the runner, the REPL's server, the import
                # finder's and loader's entries), not the guard's own work: by a callable of
                # the interpreter's that the program chose, a method of its objects the facade
                # or the standard library beneath it used (an exception's `__str__`, a path
                # list's `__iter__`, set to `functools.partial(exec, text)`), or a name of the
                # facades' namespace it replaced. Judged as the program's call, made from the
                # frame that made it; only code the guard compiled runs from there as before.
                below = _below_facade(frame)
                if below is not None:
                    immediate = "user" if below == "guard" else below
            if (event == "exec" or event == "function.__new__") and immediate != "guard" \
                    and args and _id(args[0]) in _guard_ids:
                # The guard's own code objects reach the program through a profiler's
                # statistics (`cProfile.Profile().getstats()`), whatever else hides them: a frame
                # running one counts as the guard's, under any globals. Never, under any grant.
                _violation("introspection", "running the guard's code in a %s is not allowed"
                           % ("function" if event == "function.__new__" else "exec"),
                           event, user, stack)
            # The hook is registered after the guard's own set-up, so every event it sees is on
            # the program's behalf, also where no frame of the program's lies beneath (a thread
            # whose target is `runpy._run_code`, the interpreter's exit): `user` may be None.
            if immediate != "user" and immediate != "guard" and not _calls_it_itself(
                    frame, event, args[0] if args and event == "compile" else None):
                # `exec` or `compile` handed in as a callback (`Thread(target=exec)`,
                # `sched`'s actions): the program's call, made from the library's frame, also
                # in a thread whose stack holds no frame of the program's.
                immediate = "user"
            # A `code` grant lets the module (or the program) run code it makes; the code it
            # makes is still held to every other clause of the policy.
            granted = _code or _grant(_module_of(user), "code")
            pending = _constant_runs.pop(_get_ident(), None)
            if immediate == "user" and not granted:
                vetted = _vetted_constant(args, user) if event == "compile" else None
                if vetted:
                    _constant_runs[_get_ident()] = (_id(user), args[0])
                    return
                if _runs_vetted_constant(event, args, user, pending) \
                        or _runs_constant_job(event, args) \
                        or _copies_gated_function(event, args, user):
                    return
                _violation("code", "running constant code that the static gate would change is "
                           "not allowed" if vetted is False else
                           "%s of dynamic code is not allowed" % event, event, user, stack)
            if event in ("marshal.loads", "marshal.load") and immediate != "user" \
                    and immediate != "guard" and not granted \
                    and not _marshal_of_the_interpreters(frame, args[0] if args else None):
                _violation("code", "loading compiled code in %s is not allowed"
                           % _describe_frame(frame), event, user, stack)
            generator = (_stdlib_rel(frame.f_code)
                         if event == "compile" and immediate != "user" and not granted else None)
            template = _TEMPLATE_CHECKS.get(generator) if generator is not None else None
            if template is not None and template[1] is not None and not template[0](args[0]):
                _violation("code", "%s is not allowed" % template[1]
                           if generator != "dataclasses.py" or _ast_intact() else
                           "a dataclass made while the classes of the syntax tree (ast) are "
                           "changed is not allowed: the guard cannot read what dataclasses "
                           "generated", event, user, stack)
            if event == "compile" and immediate != "user":
                # The frame kept from before (a standard library function's that has
                # returned, holding its locals) is let go outside the guard's work.
                _let_go(_compiled_in.pop(_get_ident(), None))
                # Code its frame may run next: what a call of `compile` made, or what an
                # `exec`/`eval` handed text compiles from it (see `_hands_text`).
                if (_calling(frame, ("compile",)) or _hands_text(frame, args[0])) \
                        and (not _runs_callers_code(frame, args[0])
                             or (not granted and (_vetted_doctest_example(frame, args[0])
                                                  or _vetted_timeit_text(frame, args[0], user)
                                                  or _vetted_runner_text(frame, args[0], user)))):
                    _compiled_in[_get_ident()] = (frame, args[0])
            elif event == "exec" and immediate != "user" and immediate != "guard" and not granted \
                    and not _trusted_code(args[0], frame) \
                    and not _type_expression_code(args[0]) \
                    and not (_is_string_runner(frame)
                             and _runs_vetted_constant(event, args, user, pending)):
                # The standard library runs code on the program's behalf only where it made
                # that code itself, in the same call (namedtuple, dataclasses), or from files:
                # not a code object the program handed it (one that `codeop` compiled from a
                # string, given to `runpy._run_code` or to a loader).
                _violation("code", ("running a doctest example that is not one of a docstring "
                                    "the gate read, or that the gate would change, in %s is not "
                                    "allowed" if _is_doctest_run(frame) else
                                    "running a timeit statement or setup that is not a constant "
                                    "string of the program's, or that the gate would change, in "
                                    "%s is not allowed" if _is_timeit_init(frame) else
                                    "running code the program handed to %s that is not a "
                                    "constant string of the program's, or that the gate would "
                                    "change, is not allowed" if _is_string_runner(frame) else
                                    "running code the program handed to %s is not allowed")
                           % _describe_frame(frame), event, user, stack)
            if event == "compile" and immediate != "guard" and len(args) > 1 \
                    and not _honest_name(args, immediate):
                # A file name is what `_trusted_code` trusts: code compiled from a string may
                # not take the name of one of the interpreter's own files.
                _violation("code", "compiling code under the name %s of the interpreter's own "
                           "files is not allowed" % _path_of(args[1]), event, user, stack)
            if event == "code.__new__" and immediate != "guard" and len(args) > 1 \
                    and _names_a_trusted_file(args[1], _module_of(user)) \
                    and _stdlib_rel(frame.f_code) != "types.py":
                # A code object renamed after one of the interpreter's files, or a module's the
                # gate compiled, would run as that file's (trusted as the standard library's,
                # judged with that module's grants). `types.coroutine` only sets a flag on the
                # code it is given, keeping its name.
                _violation("code", "making code named like %s is not allowed" % _path_of(args[1]),
                           event, user, stack)
            if event == "compile" and immediate != "guard" and len(args) > 1 \
                    and not _parses_only(frame):
                fn = _path_of(args[1])
                if fn and fn.endswith(".py") and _isabs(fn) and not _is_stdlib_file(_norm(fn)):
                    _violation("imports", "compiling %s outside the import gate" % fn, event, user, stack)
            return
        if event == "pickle.find_class":
            module, name = args[0], args[1]
            if _pickle_global_allowed(module, name, frame):
                return
            immediate, user, stack = _context(frame)
            # `Unpickler.find_class` may be called with objects of the program's: `%s` of a
            # `str` subclass runs its `__str__`.
            _violation("pickle", "unpickling %s.%s is not allowed"
                       % tuple(x if _type(x) is _str else _describe(x) for x in (module, name)),
                       event, user, stack)
        if event == "cpython.PyInterpreterState_New":
            # A subinterpreter has audit hooks of its own, none of them the guard's.
            immediate, user, stack = _context(frame)
            _violation("ffi", "creating a subinterpreter is not allowed", event, user, stack)
        if event == "resource.setrlimit" or event == "resource.prlimit":
            # The limits the sandbox sets hold their soft value at the hard one (the CPU's one
            # second below it), and no uid of the sandbox may raise a hard limit: whatever the
            # kernel accepts for them lowers the program's own limit (no core files, a cap on
            # its memory or descriptors) or, for the CPU, moves SIGXCPU onto the SIGKILL the
            # hard limit sends anyway. The others keep the soft value the host gave, below a
            # hard one that may be unlimited (the stack): raising them is refused. A query
            # (`prlimit` without new limits) changes nothing.
            resource = args[0] if event == "resource.setrlimit" else args[1]
            if event == "resource.prlimit" and args[2] is None:
                return
            if _type(resource) is _int and resource in _PINNED_RLIMITS:
                return
            immediate, user, stack = _context(frame)
            name = (_RLIMIT_NAMES.get(resource) or "resource limit %d" % resource) \
                if _type(resource) is _int else "resource limits"
            _violation("limits", "changing %s is not allowed (the limits the sandbox sets, %s, "
                       "may be lowered)" % (name, _PINNED_RLIMIT_LIST), event, user, stack)

    _stdlib_fast = tuple(d + "/" for d in _stdlib)
    _site_fast = tuple(d + "/" for d in _site)
    # Frequent events no clause judges, passed over before any frame is looked up (`id()` is
    # audited, and the guard's own code calls it at every frame it walks). A list of what to
    # skip rather than of what to check: an event `_check` learns to judge can never be
    # skipped by an oversight here.
    _NOTHING_TO_JUDGE = frozenset({"builtins.id"})

    # --- facades ----------------------------------------------------------------------------
    # What the guard leaves where the program can reach it (`os.kill`, `signal.signal`, the
    # import finder, `pysbx.permit`, ...) is a facade: a function of this file's module level,
    # below, rebound onto `_F`, a namespace of its own that holds only the interpreter's own
    # objects, data and other facades. None has a closure, and nothing in its globals or its
    # frame's locals leads to the guard's state: a function's `__closure__` and `__globals__`
    # and a frame's `f_locals` are not audited, and a closure's cells can be rewritten. A
    # facade reaches the guard through a sealed entry, which holds a guard function in a keyword
    # default only the guard may read or change (the hook refuses the rest), calls it with
    # plain values (the facade converted them: no code of the program's runs inside the guard),
    # and drops it before raising what it returned.
    import _operator
    from importlib.machinery import ModuleSpec as _ModuleSpec
    _spec_dict = _keeping(_ModuleSpec.__dict__["__dict__"].__get__)
    _F = {"__builtins__": builtins, "__name__": "pysbx", "sys": sys, "_index": _operator.index,
          "_str_copy": _str.__str__, "_fspath": os.fspath, "_exit": os._exit}
    _sealed_ids = {id(_audit_entry.__code__)}
    _plain_ids = set()
    _interrupt_main = _thread.interrupt_main
    from _collections import deque as _deque
    _map = map
    # Where an entry has dropped its reference to the guard's function (`del __pysbx_impl`):
    # the offset of that instruction, by the entry's code. A frame of an entry past it holds
    # nothing of the guard's.
    import opcode as _opcode

    def _spent_at(code, name="__pysbx_impl"):
        # Instructions are two bytes (opcode, argument) in 3.11, the inline caches included.
        # `name` is the last of the entry's state its `del` drops; the offset of the last such
        # `del` (an entry's error paths drop it earlier, inside its exception handlers, which
        # 3.11 lays out before the code that follows the `try`).
        raw, var = code.co_code, code.co_varnames.index(name)
        spent = None
        for at in range(0, len(raw), 2):
            if raw[at] == _opcode.opmap["DELETE_FAST"] and raw[at + 1] == var:
                spent = at
        if spent is None:
            raise RuntimeError("pysbx: an entry that keeps the guard's function")
        return spent

    _spent_after = {id(c): _spent_at(c) for c in (_audit_entry.__code__, _sealed_entry.__code__)}
    _entry_spent = _spent_at(_entry_call.__code__, "__pysbx_answer")

    def _facade(template, name=None, transparent=False, module=None, doc=None, publish=False):
        code = template.__code__
        f = _function_type(code, _F, name or template.__name__, template.__defaults__)
        f.__qualname__ = f.__name__
        if module is not None:
            f.__module__ = module
        if doc is not None:
            f.__doc__ = doc
        ids = set()
        _collect(code, ids)
        _plain_ids.update(ids)
        if transparent:
            _transparent_ids.update(ids)
        if publish:
            _F[f.__name__] = f
        return f

    # The entries each piece of the guard's code may call: by name, as the facades call them
    # (from the facades' namespace, `_gate_spec(...)`: the name is among the code's
    # `co_names`), or handed to it in its sealed keyword default (`_lend`). The namespace is
    # the program's to write: an entry put under another's name (`_F["_gate_spec"] =
    # _F["_frame_for_handler"]`) was called by a facade that passed it the program's objects
    # as they were, made plain for the entry the facade meant, and their methods ran inside
    # the guard's work.
    _lent = {}  # code id -> names of the entries its sealed default holds
    _entry_names = {}  # entry function id -> its name

    def _lend(function):
        names = set()
        todo = list(function.__kwdefaults__.values())
        while todo:
            value = todo.pop()
            if _type(value) is tuple:
                todo.extend(value)
            elif _id(value) in _entry_names:
                names.add(_entry_names[_id(value)])
        code_id = _id(function.__code__)
        _lent[code_id] = frozenset(names | _lent.get(code_id, frozenset()))
        return function

    def _frame_below(depth, tid):
        # `_getframe(depth)` of the caller, its own event passed as the guard's (see the hook).
        held = tid in _busy
        if not held:
            _busy.add(tid)
        try:
            return _getframe(depth + 1)
        finally:
            if not held:
                _busy.discard(tid)

    def _admits(code, name):
        # Whether the guard's code `code` may call the entry `name` (see `_lent`).
        if _id(code) not in _guard_ids or not (
                name is None or name in code.co_names or name in _lent.get(_id(code), ())):
            raise RuntimeError("pysbx: the guard's entries are called by its facades only")

    def _plain_keywords(kwargs):
        # A keyword's name read as a plain `str` (a subclass's `__eq__` would run when the call
        # matches it to a parameter).
        if not kwargs:
            return kwargs
        plain = {}
        for key, value in kwargs.items():
            plain[_str.__str__(key)] = value
        return plain

    def _shield(fn, signals_too=True, name=None):
        # The entry hands over its arguments as they are (`args`, `kwargs`): a call with `*` or
        # `**` would build them inside the entry's frame, where an allocation's collection runs
        # finalizers. A keyword's name is read as a plain `str` (a subclass's `__eq__` would
        # run when the call matches it to a parameter).
        def shielded(args, kwargs):
            tid = _get_ident()
            depth = _held[tid] if tid in _held else 0
            try:
                _enter(tid, depth)
                try:
                    # Called by the guard's own code only (a facade, a trampoline, an entry):
                    # the facades' namespace that holds the entries is the program's to read,
                    # and an entry called by the program with its own objects ran their methods
                    # inside the guard's work. The frames: this one, the entry's, its caller's.
                    _admits(_frame_below(2, tid).f_code, name)
                    done = True, fn(*args, **_plain_keywords(kwargs))
                except BaseException as exc:
                    _scrub(exc)
                    done = False, exc
            finally:
                later = _leave(tid, depth, signals_too)
            return done + later
        return shielded

    _transparent_ids.add(id(_shield(None).__code__))

    def _seal_in_place(name, fn, signals_too=True):
        # An entry whose work runs on its caller's stack: the scrubber's only, which the other
        # entries' work calls from inside the audit hook (see `_seal`).
        code = _sealed_entry.__code__.replace(co_name=name, co_qualname=name)
        _kept_codes.append(code)
        for ids in (_guard_ids, _sealed_ids, _transparent_ids):
            ids.add(id(code))
        _spent_after[id(code)] = _spent_after[id(_sealed_entry.__code__)]
        f = _function_type(code, _F, name)
        f.__kwdefaults__ = _entry_defaults(_shield(fn, signals_too, name))
        _F[name] = f
        _entry_names[_id(f)] = name
        _lent[id(code)] = frozenset(("_scrub",))  # an entry scrubs what escapes through it
        return f

    # A sealed entry raises an event of its own (`_entry_call`) and its work runs inside the
    # audit hook (`_run_entry`), where the interpreter calls no tracer, no profiler and no
    # profiler's timer: a C profiler given a timer of the program's (`cProfile.Profile(timer)`)
    # called it at every call and return, the entries' and the guard's functions behind them
    # included, on top of the guard's work. The entry's own frame holds its name, the
    # interpreter's `sys.audit` and how to read the answer, nothing of the guard's; the
    # answer comes back as an exception of the guard's class, which no other hook can raise
    # through that call (the program may add none).
    _entry_codes = {}  # entry code id -> the entry's name
    _entry_fns = {}  # name -> (function, signals_too)
    _EntryDone = _type("EntryDone", (BaseException,), {"__module__": "pysbx"})
    _entry_done_new = BaseException.__new__
    _exc_args_get = BaseException.__dict__["args"].__get__

    def _seal(name, fn, signals_too=True):
        code = _entry_call.__code__.replace(co_name=name, co_qualname=name)
        _kept_codes.append(code)
        for ids in (_guard_ids, _sealed_ids, _transparent_ids):
            ids.add(id(code))
        # Counted as holding the guard's state until it has read its answer and dropped the
        # answer's class: a signal handler run on top of it while it waits could raise an
        # answer of its own making, and would read what the frame holds. A signal that lands
        # there waits for the end of the next piece of work; those put off during the entry's
        # own work are raised by the entry past that point (see `_entry_call`).
        _spent_after[id(code)] = _entry_spent
        _entry_codes[id(code)] = name
        _entry_fns[name] = (fn, signals_too)
        f = _function_type(code, _F, name)
        f.__kwdefaults__ = {"__pysbx_call": (name, _real_audit),
                            "__pysbx_answer": (_EntryDone, _exc_args_get)}
        _F[name] = f
        _entry_names[_id(f)] = name
        return f

    def _entry_frame():
        # The frame of the entry the running entry's work was called through: for that work,
        # what its caller's stack starts from (`_context(_entry_frame())`, `_outside(...)`).
        f = _getframe(1)
        while f is not None and _id(f.f_code) not in _entry_codes:
            f = f.f_back
        return f

    def _run_entry(args):
        # An entry's event (`_entry_call`): its function run, on this thread, for the guard's
        # code that called the entry by name or was handed it sealed (see `_lent`), and its
        # answer or its error handed back through the event.
        tid = _get_ident()
        depth = _held[tid] if tid in _held else 0
        signals_too = True
        done = False
        try:
            _enter(tid, depth)
            try:
                if _type(args) is not tuple or _len(args) != 4 or args[3] is not None:
                    raise RuntimeError("pysbx: the guard's entries are called by its facades only")
                name, call_args, kwargs, _ = args
                entry = _entry_fns.get(name) if _type(name) is _str else None
                if entry is None or _type(call_args) is not tuple or _type(kwargs) is not _dict:
                    raise RuntimeError("pysbx: the guard's entries are called by its facades only")
                fn, signals_too = entry
                # This frame, the hook's, the registered facade's, then the entry's.
                own = _frame_below(3, tid)
                caller = own.f_back if own is not None else None
                if own is None or _entry_codes.get(_id(own.f_code)) != name or caller is None:
                    raise RuntimeError("pysbx: the guard's entries are called by its facades only")
                _admits(caller.f_code, name)
                del own, caller
                failure = fn(*call_args, **_plain_keywords(kwargs))
                done = True
            except BaseException as exc:
                _scrub(exc)
                failure = exc
        finally:
            later = _leave(tid, depth, signals_too)
        if done:
            # The signals put off go with the answer, raised by the entry once it holds
            # nothing of the guard's (see `_entry_call`).
            trip = None
            if later[1]:
                trip = _partial(_deque, _map(_interrupt_main, later[1]), 0)
                later = (later[0], (), later[2])
            failure = _entry_done_new(_EntryDone, failure, trip)
        return (failure,) + later

    def _entry_defaults(impl, scrub=None):
        # One keyword default holds all of an entry's state. A caller may pass any keyword
        # default itself (`entry(**{"__pysbx_entry": x})`, or a `str` subclass whose `__eq__`
        # matches any parameter's name), and an entry with one default each gave the program's
        # object (`__pysbx_wanted`, its `__getitem__`) the frame while the others still held
        # the guard's function: an entry so called holds nothing of the guard's at all.
        return {"__pysbx_entry": (impl, _held, _gc_wanted, _gc_enable, _interrupt_main,
                                  _F.get("_scrub") if scrub is None else scrub, BaseException,
                                  _deque, map,
                                  RecursionError("maximum recursion depth exceeded"))}

    # Scrubs an exception that escaped the guard's function in an entry: made first, its own
    # entry's scrubber is itself.
    _seal_in_place("_scrub", _scrub)
    _F["_scrub"].__kwdefaults__ = _entry_defaults(
        _F["_scrub"].__kwdefaults__["__pysbx_entry"][0], _F["_scrub"])

    # The hook, registered as soon as the entries can run through it (the set-up's imports go
    # through the import gate's): until the set-up is over (`_live`), it runs the entries and
    # judges nothing.
    _audit = _function_type(_audit_entry.__code__, _F, "_audit_entry")
    _audit.__kwdefaults__ = _entry_defaults(_hook)
    _lend(_audit)
    sys.addaudithook(_audit)


    # --- the import gate --------------------------------------------------------------------

    _gate_loaders = {}

    def _gate_spec(fullname, spec):
        # A module found on the path: its source goes through the gate, a native module needs
        # `ffi`, compiled code without source is refused. Read through the spec's own
        # `__dict__`: `ModuleSpec` is the interpreter's class, and the finder's own. The spec
        # may be one of the program's (a path hook's finder made it), its dictionary filled
        # with keys of the program's: only a copy is read (see `_plain_dict`), and the gate's
        # loader goes into a spec of the guard's making, never into that dictionary.
        if _type(spec) is not _ModuleSpec or _type(fullname) is not _str:
            return spec
        d = _plain_dict(_spec_dict(spec))
        origin, loader = d.get("origin"), d.get("loader")
        if not d.get("_set_fileattr") or _type(origin) is not _str:
            return spec
        norm = _norm(origin)
        if _is_stdlib_file(norm):
            return spec
        if _type(loader) is SourceFileLoader:
            # Only a file that is the module's by its name (`a/b.py` or `a/b/__init__.py` for
            # `a.b`) gets that module's grants: a spec of the program's making could otherwise
            # give its own file a granted module's name. Another file (a package whose
            # `__path__` points elsewhere, as setuptools' `distutils` does) is gated and runs
            # as the program's code.
            tail = fullname.replace(".", "/")
            named = origin.endswith("/" + tail + ".py") or origin.endswith("/" + tail + "/__init__.py")
            # Made without calling `__init__` (importlib's Python, which the program may change).
            # The class is the program's to find (a spec's loader) and change: with
            # `__abstractmethods__` set on it, `object.__new__` would iterate what the program
            # put there, its code, inside the guard's work.
            if _type_flags(_GateLoader) & _TPFLAGS_IS_ABSTRACT \
                    or _type_flags(_ModuleSpec) & _TPFLAGS_IS_ABSTRACT:
                raise ImportError("pysbx: the import gate's loader class was changed",
                                  name=fullname)
            gate = _object_new(_GateLoader)
            attrs = _loader_dict(gate)
            attrs["name"], attrs["path"] = fullname, origin
            _gate_loaders[id(gate)] = (gate, fullname, origin, norm, named)
            gated = _object_new(_ModuleSpec)
            fields = _spec_dict(gated)
            fields.update(d)
            fields["loader"] = gate
            return gated
        if _type(loader) is ExtensionFileLoader:
            if _ffi or _native_in_place(norm):
                return spec
            if _learn:
                immediate, user, stack = _context(_outside(_entry_frame()).f_back)
                _violation("ffi", "native module %s is outside the standard library (ffi: false)"
                           % origin, "import", user, stack,
                           {"grant": "ffi", "what": "native module " + origin})
                return spec
            raise ImportError("pysbx: native module %s is outside the standard library (ffi: false)"
                              % origin, name=fullname)
        if _type(loader) is SourcelessFileLoader:
            raise ImportError("pysbx: %s has no source for the import gate to scan" % origin,
                              name=fullname)
        return spec

    def _gate_code(loader):
        # The module's name and file are the ones the finder gave this loader, whatever its
        # attributes say now: they decide which module's grants the code gets.
        record = _gate_loaders.get(id(loader))
        if record is None or record[0] is not loader:
            raise ImportError("pysbx: a module loader the import gate did not make")
        fullname, path, resolved, named = record[1], record[2], record[3], record[4]
        # The file the finder judged (`resolved`): the path as given may lead elsewhere by
        # now (a directory on it renamed and another put in its place).
        with open(resolved, "rb") as f:
            data = f.read()
        reply, _ = _request({"t": "gate", "path": path}, data)
        if not reply.get("ok"):
            # A module Python itself cannot read raises what Python raises (code that catches
            # SyntaxError keeps working): the facade parses it to a tree, which runs nothing.
            # Only modules of ordinary size: a tree takes about fifty times its source, and
            # the program's memory limit applies here.
            refused = ImportError("pysbx: %s was refused by the static gate: %s"
                                  % (path, reply.get("reason")), name=fullname, path=path)
            if len(data) > 1 << 20:
                return False, None, None, refused
            return (False,) + _compile_later(data, path, parse_only=True) + (refused,)
        # A module file in a directory the program (or any module) may write holds what the
        # program chose to put there: its code is the program's, whatever its name, and gets
        # no module's grants; so does a file that is not the module's by name.
        _loaded[path] = "__main__" if not named or _under(resolved, _any_writes) else fullname
        _note_examples(reply.get("examples"), path)
        return (True,) + _compile_later(reply["source"], path) + (None,)

    _object_new = object.__new__
    _type_flags = _type.__dict__["__flags__"].__get__
    _TPFLAGS_IS_ABSTRACT = 1 << 20
    _loader_dict = next(c.__dict__["__dict__"] for c in SourceFileLoader.__mro__
                        if "__dict__" in c.__dict__).__get__
    _seal("_gate_spec", _gate_spec)
    _seal("_gate_code", _gate_code)
    _F["_PathFinder"] = _PathFinder
    # The loader's `get_code` hands importlib the code it runs: its entry is fixed in its own
    # sealed defaults, not looked up in the namespace the program may change.
    _get_code = _facade(_loader_get_code, "get_code")
    _get_code.__kwdefaults__ = {"__pysbx_gate_code": _F["_gate_code"]}
    _sealed_ids.add(id(_get_code.__code__))
    _lend(_get_code)
    _GateLoader = _type("_GateLoader", (SourceFileLoader,), {
        "__module__": "pysbx", "get_code": _get_code})
    _GateFinder = _type("_GateFinder", (), {
        "__module__": "pysbx",
        "find_spec": classmethod(_facade(_finder_find_spec, "find_spec")),
        "invalidate_caches": classmethod(_facade(_finder_invalidate_caches, "invalidate_caches")),
        # `importlib.metadata` asks every finder on `sys.meta_path` for distributions; the one
        # replaced here is where installed packages' metadata is found (`version("pip")`).
        # Reading metadata runs no code of the package.
        "find_distributions": classmethod(_facade(_finder_find_distributions,
                                                  "find_distributions"))})
    sys.meta_path[:] = [_GateFinder if f is _PathFinder else f for f in sys.meta_path]

    # A module loaded from a file by path (`importlib.util.spec_from_file_location`, then
    # `module_from_spec` and `spec.loader.exec_module`: how programs load plugins) goes through
    # the gate as an imported one does. The import system's own calls pass their loader and
    # are gated by the finder above; a spec made with a loader of the program's choosing keeps
    # it, and its `.py` file is refused at compile time as before.
    import importlib._bootstrap_external as _bootstrap_external
    _F["_real_spec_from_file_location"] = _bootstrap_external.spec_from_file_location
    _spec_from_file = _facade(spec_from_file_location, transparent=True, module="importlib.util",
                              doc=_bootstrap_external.spec_from_file_location.__doc__)
    _spec_from_file.__kwdefaults__ = {"loader": None}
    _bootstrap_external.spec_from_file_location = _spec_from_file
    if "importlib.util" in sys.modules:
        sys.modules["importlib.util"].spec_from_file_location = _spec_from_file

    # `runpy.run_path` of a `.py` file (a helper script beside the program, a plugin):
    # runpy compiles the file itself, which the hook refuses as a compile outside the import
    # gate, and then runs what it compiled, which the hook refuses as code the program handed
    # it. Its file reader is replaced so that the code of a `.py` file comes through the gate
    # as a module loaded by path does: under no module's name (`<run_path>` is no file's
    # module name), so with the program's own grants, whatever the file is called. Such a file
    # is one the import system would load as a module anyway (from its directory put on
    # `sys.path`), so this runs nothing an import could not. Any other file (a `.pyc`, a text
    # file the program wrote) is read as runpy reads it, and refused as before: code made at
    # run time. (runpy is frozen: importing it here costs a tenth of a millisecond.)
    import runpy as _runpy
    _real_code_from_file = getattr(_runpy, "_get_code_from_file", None)
    if _type(_real_code_from_file) is _function_type:
        def _gate_loader_of(spec):
            # The gate's loader in a spec `_gate_spec` made, read from the spec's dictionary.
            if _type(spec) is not _ModuleSpec:
                return None
            loader = _plain_dict(_spec_dict(spec)).get("loader")
            record = _gate_loaders.get(_id(loader))
            return loader if record is not None and record[0] is loader else None

        _seal("_gate_loader_of", _gate_loader_of)
        _F["_real_code_from_file"] = _real_code_from_file
        _F["_fsdecode"] = os.fsdecode
        _runpy._get_code_from_file = _facade(_runpy_code_from_file, "_get_code_from_file",
                                             transparent=True, module="runpy")

    # Per-module import lists also cover modules already loaded by someone else, for which the
    # interpreter raises no `import` audit event: the import statement goes through this
    # `__import__`, which judges the importing module (by frame walk, not the `globals` its
    # caller passes). Installed only when some module has its own list. (`importlib` and
    # `sys.modules` give a loaded module without it: this check is a courtesy, not a wall.)
    if _module_imports:
        def _check_import(name):
            if _type(name) is not _str:
                return
            immediate, user, stack = _context(_entry_frame())
            if immediate == "user":
                module = _module_of(user)
                own = _grant(module, "imports")
                if own is not None:
                    _check_own_imports(name, module, own, "import", user, stack)

        _seal("_check_import", _check_import)
        _F["_real_import"] = builtins.__import__
        _F["_sys_modules"] = sys.modules
        builtins.__import__ = _facade(_import_facade, "__import__", transparent=True,
                                      doc=builtins.__import__.__doc__)

    # --- the program ------------------------------------------------------------------------

    _seal("_permit_want", _permit_want)
    _seal("_permit_push", _permit_push)
    _seal("_permit_pop", _permit_pop)
    _facade(_plain, transparent=True, publish=True)
    _facade(_bytes_copy, transparent=True, publish=True)
    _facade(_permit_paths, transparent=True, publish=True)
    permit = _type("permit", (), {
        "__slots__": ("_want",), "__module__": "pysbx", "__doc__": _permit_doc,
        "__init__": _facade(_permit_init, "__init__", transparent=True),
        "__enter__": _facade(_permit_enter, "__enter__", transparent=True),
        "__exit__": _facade(_permit_exit, "__exit__", transparent=True)})
    # A class's walk of its subclasses, as the gate hands `cls.__subclasses__()` to the
    # sandbox (see `_checked_subclasses`). The roots are the builtins' classes.
    _F["_walk_roots"] = frozenset(v for v in vars(builtins).values() if _type(v) is _type)
    _F["_type_subclasses"] = _type.__dict__["__subclasses__"]
    _F["_Refused"] = _Refused = _type("PysbxBlocked", (PermissionError, ValueError),
                                      {"__module__": "pysbx"})

    def _refusal(message):
        # The exception a facade raises for what a rule of the gate's refuses at run time
        # (`exec` of text that is not the program's constant), made and remembered here (see
        # `_made_refusals`) with the interpreter's own `OSError` functions: the class is the
        # program's to change.
        if _type(message) is not _str:
            raise TypeError("pysbx: the guard's entries are called by its facades only")
        exc = _oserror_new(_Refused, message)
        _oserror_init(exc, message)
        return _refusal_made(exc, message)

    _seal("_refusal", _refusal)
    builtins.__pysbx_subclasses__ = _facade(_checked_subclasses, "__pysbx_subclasses__",
                                            transparent=True)
    # A caller's module globals, as the gate hands `sys._getframe(n).f_globals` to the sandbox
    # (see `_checked_frame_globals`).
    _F["_frame_at"] = sys._getframe
    _facade(_frame_above, transparent=True, publish=True)
    builtins.__pysbx_frame_globals__ = _facade(_checked_frame_globals, "__pysbx_frame_globals__",
                                               transparent=True)
    # A `compile` that makes a syntax tree only, as the gate hands it: `ast.parse`, whose
    # `compile` the hook knows for a parse (`_parses_only`).
    import ast as _ast_module
    _F["_ast_parse"] = _ast_module.parse
    builtins.__pysbx_parse__ = _facade(_checked_parse, "__pysbx_parse__", transparent=True)
    # `eval` of text known only at run time, as the gate hands it where the policy stubs
    # `eval` (see `_checked_eval`): the syntax tree's classes of data and their operators.
    import _operator
    _a = _ast_module
    _F["_data_kinds"] = {
        _a.Constant: "constant", _a.Tuple: "tuple", _a.List: "list", _a.Set: "set",
        _a.Dict: "dict", _a.Starred: "starred", _a.UnaryOp: "unary", _a.BinOp: "binary",
        _a.BoolOp: "bool", _a.Compare: "compare", _a.IfExp: "if", _a.Subscript: "subscript",
        _a.Slice: "slice", _a.JoinedStr: "joined", _a.FormattedValue: "formatted"}
    _F["_unary_ops"] = {_a.UAdd: _operator.pos, _a.USub: _operator.neg,
                        _a.Not: _operator.not_, _a.Invert: _operator.invert}
    _F["_binary_ops"] = {
        _a.Add: _operator.add, _a.Sub: _operator.sub, _a.Mult: _operator.mul,
        _a.MatMult: _operator.matmul, _a.Div: _operator.truediv,
        _a.FloorDiv: _operator.floordiv, _a.Mod: _operator.mod, _a.Pow: _operator.pow,
        _a.LShift: _operator.lshift, _a.RShift: _operator.rshift, _a.BitOr: _operator.or_,
        _a.BitXor: _operator.xor, _a.BitAnd: _operator.and_}
    _F["_compare_ops"] = {
        _a.Eq: _operator.eq, _a.NotEq: _operator.ne, _a.Lt: _operator.lt, _a.LtE: _operator.le,
        _a.Gt: _operator.gt, _a.GtE: _operator.ge, _a.Is: _operator.is_,
        _a.IsNot: _operator.is_not, _a.In: _operator.contains, _a.NotIn: _operator.contains}
    # (A function of the guard's own making would lead, through its globals, to the guard.)
    _F["_in_ops"] = {_a.In: True, _a.NotIn: False}
    _F["_and_op"] = _a.And
    del _a
    _F["_real_eval"] = eval
    for _helper in (_spelled_by, _is_data, _data_items, _data_value):
        _facade(_helper, transparent=True, publish=True)
    del _helper
    # Named as the builtin it stands in for where the program names `eval` without calling it.
    builtins.__pysbx_eval__ = _facade(_checked_eval, "eval", transparent=True, module="builtins",
                                      doc=eval.__doc__)
    # `compile` of a constant and `exec` of what it made, as the gate hands them where the
    # policy stubs them (see `_checked_compile`, `_checked_exec`).
    _F["_code_type"] = _code_type
    _F["_real_exec"] = exec
    _seal("_compile_constant", _compile_constant)
    # Why a constant the gate would leave is refused once a run has compiled that many.
    _F["_CAP_REFUSAL"] = ("the run has already compiled %d distinct texts or names the gate "
                          "vetted, and vets no more (a generator making new code without end); "
                          "grant `code` to the module that makes them" % _CONSTANT_JOBS)
    builtins.__pysbx_eval__.__kwdefaults__ = {"__pysbx_compile_constant": _F["_compile_constant"]}
    _sealed_ids.add(id(builtins.__pysbx_eval__.__code__))
    _lend(builtins.__pysbx_eval__)
    # A function's internals as the gate hands them (see `_checked_function_attr`).
    _F["_real_compile"] = compile
    _F["_function_code"] = _function_code
    _F["_function_type"] = _function_type
    _F["_method_type"] = _type(_collect.__get__(0))
    _F["_method_func"] = _F["_method_type"].__dict__["__func__"].__get__
    _F["_cell_type"] = _type((lambda: _F).__closure__[0])
    # (The guard's module namespace is never put here: the facades' own namespace is one a
    # computed `getattr(facade, name)` reaches, and nothing more of the guard's may be.)
    _F["_facades_globals"] = _F
    # Handed `_compile_constant` by the `eval` and `exec` facades, from their sealed defaults.
    _lent[_id(_facade(_vetted_code, transparent=True, publish=True).__code__)] = frozenset(
        ("_compile_constant",))
    builtins.__pysbx_function_attr__ = _facade(_checked_function_attr, "__pysbx_function_attr__",
                                               transparent=True)
    builtins.__pysbx_set_cell__ = _facade(_checked_set_cell, "__pysbx_set_cell__",
                                          transparent=True)
    builtins.__pysbx_code_rename__ = _facade(_checked_code_rename, "__pysbx_code_rename__",
                                             transparent=True)
    builtins.__pysbx_code_rename__.__kwdefaults__ = {
        "__pysbx_rename": _seal("_rename_job_code", _rename_job_code)}
    _sealed_ids.add(id(builtins.__pysbx_code_rename__.__code__))
    _lend(builtins.__pysbx_code_rename__)
    builtins.__pysbx_has_function_attr__ = _facade(_checked_has_function_attr,
                                                   "__pysbx_has_function_attr__",
                                                   transparent=True)
    # A syntax tree handed to `compile`, written out as text (see `_tree_source`): the
    # classes of the interpreter's own nodes with their fields, the fields that hold names
    # (`dotted`: a module's, whose every part must be spellable), and the constants' types.
    # Handed to the `compile` facade as its sealed default, with the function that writes a
    # tree out: not in the facades' namespace, which a program may reach and walk.
    _a = _ast_module
    _tree_bundle = (
        _facade(_tree_source, transparent=True), _a.AST, getattr(_a, "unparse", None),
        _a.PyCF_ONLY_AST,
        {c: tuple(c._fields) for c in vars(_ast).values()
         if _type(c) is _type and issubclass(c, _ast.AST)},
        {"exec": _a.Module, "eval": _a.Expression, "single": _a.Interactive},
        {(getattr(_a, c), f): kind for c, f, kind in (
            ("FunctionDef", "name", "name"), ("AsyncFunctionDef", "name", "name"),
            ("ClassDef", "name", "name"), ("Global", "names", "name"),
            ("Nonlocal", "names", "name"), ("Attribute", "attr", "name"),
            ("Name", "id", "name"), ("ExceptHandler", "name", "name"), ("arg", "arg", "name"),
            ("keyword", "arg", "name"), ("alias", "asname", "name"),
            ("MatchMapping", "rest", "name"), ("MatchClass", "kwd_attrs", "name"),
            ("MatchStar", "name", "name"), ("MatchAs", "name", "name"),
            ("TypeVar", "name", "name"), ("ParamSpec", "name", "name"),
            ("TypeVarTuple", "name", "name"), ("alias", "name", "dotted"),
            ("ImportFrom", "module", "dotted"))
         if getattr(_a, c, None) is not None},
        frozenset((_str, _bytes, int, float, complex, bool)),
        _a.JoinedStr, _a.FormattedValue, _a.Constant, _iskeyword, _urandom,
        _type("TreeUnwritable", (Exception,), {"__module__": "pysbx"}))
    del _a
    _facade(_tree_lines, transparent=True, publish=True)
    _checked_compile_facade = _facade(_checked_compile, "compile", transparent=True,
                                      module="builtins", doc=compile.__doc__)
    _checked_compile_facade.__kwdefaults__ = {
        "_feature_version": -1, "__pysbx_compile": (
            _F["_compile_constant"], _seal("_restore_tree_names", _restore_tree_names),
            _tree_bundle)}
    _sealed_ids.add(id(_checked_compile_facade.__code__))
    _lend(_checked_compile_facade)
    builtins.__pysbx_compile__ = _checked_compile_facade
    builtins.__pysbx_exec__ = _facade(_checked_exec, "exec", transparent=True, module="builtins",
                                      doc=exec.__doc__)
    builtins.__pysbx_exec__.__kwdefaults__ = {
        "closure": None, "__pysbx_compile_constant": _F["_compile_constant"]}
    _sealed_ids.add(id(builtins.__pysbx_exec__.__code__))
    _lend(builtins.__pysbx_exec__)
    # Frames as the gate hands them (see `_checked_frame`): snapshots, never a frame. A
    # snapshot's class has no code of its own (nothing leads from it to any globals), and says
    # it is a frame's (`__class__`), so that `inspect.getframeinfo`, `inspect.getouterframes`
    # and `traceback.extract_stack` read it as one. No `__module__`, as a frame has none:
    # `inspect.getmodule(frame)` asks for one first, and took the `pysbx` module for the
    # caller's (a frame's module is found from its code's file).
    # Its line is read again from the frame while the frame runs on the caller's stack, as a
    # frame's is (`f = inspect.currentframe()`, then `f.f_lineno` a few lines on).
    _F["_FrameSnapshot"] = _type("frame", (), {
        "__slots__": ("f_code", "f_globals", "f_builtins", "f_locals", "f_back", "f_trace",
                      "f_trace_lines", "f_trace_opcodes", "_line", "_lasti", "_frame_id"),
        "__class__": _type(sys._getframe()),
        "f_lineno": property(_facade(_snapshot_lineno, "f_lineno", transparent=True)),
        "f_lasti": property(_facade(_snapshot_lasti, "f_lasti", transparent=True)),
        "__doc__": "A copy of what a frame held, made by pysbx's guard."})
    async def _a_coroutine():
        pass

    async def _an_async_generator():
        yield

    _holders = [(lambda: (yield))(), _a_coroutine(), _an_async_generator()]
    _F["_frame_holders"] = {"tb_frame": _traceback_type, "gi_frame": _type(_holders[0]),
                            "cr_frame": _type(_holders[1]), "ag_frame": _type(_holders[2])}
    _holders[1].close()
    _F["_frame_holder_types"] = tuple(_F["_frame_holders"].values())
    _F["_frame_type"] = _type(_getframe())
    del _holders, _a_coroutine, _an_async_generator
    for _helper in (_frame_snapshot, _snapshot_position):
        _facade(_helper, transparent=True, publish=True)
    del _helper
    builtins.__pysbx_frame__ = _facade(_checked_frame, "__pysbx_frame__", transparent=True)
    builtins.__pysbx_stack__ = _facade(_checked_stack, "__pysbx_stack__", transparent=True)
    builtins.__pysbx_frame_attr__ = _facade(_checked_frame_attr, "__pysbx_frame_attr__",
                                            transparent=True)
    builtins.__pysbx_outer_frames__ = _facade(_checked_outer_frames, "__pysbx_outer_frames__",
                                              transparent=True)
    builtins.__pysbx_inner_frames__ = _facade(_checked_inner_frames, "__pysbx_inner_frames__",
                                              transparent=True, publish=True)
    builtins.__pysbx_trace__ = _facade(_checked_trace, "__pysbx_trace__", transparent=True)
    guard_module = _ModuleType("pysbx")
    guard_module.PolicyViolation = PolicyViolation
    guard_module.ImportRefused = ImportRefused
    guard_module.permit = permit
    sys.modules["pysbx"] = guard_module

    # The sandbox uid has no entry in the password database. Code that looks its own user up
    # (`pwd.getpwuid(os.getuid())`, `getpass.getuser()` without USER, `~` without HOME) gets
    # the entry of an account named pysbx whose home is the run's working directory, as HOME
    # says; every other lookup goes to the database as before.
    try:
        import pwd as _pwd
    except ImportError:
        _pwd = None
    if _pwd is not None:
        # The sandbox's own user, and root, who owns the interpreter's files (`Path.owner()`,
        # an `ls -l` of them), answer even where the database cannot be read.
        _users = (_pwd.struct_passwd(("pysbx", "x", os.getuid(), os.getgid(), "pysbx",
                                      os.environ.get("HOME", "/"), "/bin/sh")),
                  _pwd.struct_passwd(("root", "x", 0, 0, "root", "/root", "/bin/sh")))
        _F["_known_users"] = _users
        for _template in (getpwuid, getpwnam, getpwall):
            _real = getattr(_pwd, _template.__name__)
            _F["_real_" + _template.__name__] = _real
            setattr(_pwd, _real.__name__, _facade(_template, module="pwd", doc=_real.__doc__))
    try:
        import grp as _grp
    except ImportError:
        _grp = None
    if _grp is not None:
        # So with groups: the sandbox's own group (`grp.getgrgid(os.getgid())`) and root's.
        _F["_known_groups"] = (_grp.struct_group(("pysbx", "x", os.getgid(), [])),
                               _grp.struct_group(("root", "x", 0, [])))
        for _template in (getgrgid, getgrnam, getgrall):
            _real = getattr(_grp, _template.__name__)
            _F["_real_" + _template.__name__] = _real
            setattr(_grp, _real.__name__, _facade(_template, module="grp", doc=_real.__doc__))
    _facade(_look_up, publish=True)
    _facade(_with_known, publish=True)

    # Where the interpreter is pid 1 of its pid namespace (the trampoline stands as the
    # namespace's init before it, so only where it could not), the kernel drops a signal a
    # namespace's init sends itself unless it has a handler for it: `os.kill(os.getpid(),
    # SIGTERM)`, `signal.raise_signal(SIGTERM)` would return and the program go on. A signal
    # whose default action ends the process ends it here too, as `os._exit(128 + signal)`: the
    # status a shell shows for a process a signal ended (buffered output is lost, as it is
    # then). A handled or ignored signal is delivered as before.
    _is_init = os.getpid() == 1
    import signal as _signal
    _ending_defaults = {int(s) for s in _signal.Signals
                        if s.name not in ("SIGCHLD", "SIGCONT", "SIGURG", "SIGWINCH",
                                          "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU")}
    _ending_defaults.update(range(_signal.SIGRTMIN, _signal.SIGRTMAX + 1))
    # A timer's signal (`signal.alarm`, `signal.setitimer`) is dropped the same way when its
    # action is the default, and the program would run on past its own deadline. Where the
    # program left the action at the default, the guard's handler stands in for it and ends the
    # program as the signal would have; `signal.getsignal` and `signal.signal` still answer
    # SIG_DFL for it, and setting SIG_DFL puts it back.
    #
    # A handler of the program's is installed behind a trampoline: the interpreter passes a
    # handler the frame it interrupted, which may be the guard's own, and the trampoline
    # passes None then (as Python does when there is no frame). `signal.getsignal` and
    # `signal.signal` answer with the program's handler.
    import _signal as _signal_c
    _c_signal, _c_getsignal = _signal_c.signal, _signal_c.getsignal
    _timer_signals = (_signal.SIGALRM, _signal.SIGVTALRM, _signal.SIGPROF) if _is_init else ()
    _trampolines = {}
    _trampoline_code = _trampoline.__code__
    _sealed_ids.add(id(_trampoline_code))
    _trampoline_ids = {id(_trampoline_code), id(_trace_trampoline.__code__)}
    def _caught_in_c(sig):
        if _type(sig) is not _int:
            return False
        try:
            status = _pread(_STATUS, 8192, 0)
        except OSError:
            return False
        for line in status.split(b"\n"):
            if line.startswith(b"SigCgt:"):
                try:
                    return (int(line[7:].strip(), 16) >> (sig - 1)) & 1 == 1
                except ValueError:
                    return False
        return False

    _seal("_caught_in_c", _caught_in_c)
    _F.update({"_ending_defaults": frozenset(_ending_defaults if _is_init else ()), "_int": int,
               "_getpid": os.getpid, "_real_kill": os.kill, "_real_killpg": os.killpg,
               "_getpgrp": os.getpgrp, "_sigmask": _signal_c.pthread_sigmask,
               "_SIG_BLOCK": _signal_c.SIG_BLOCK,
               "_real_raise_signal": _signal.raise_signal,
               "_enum_to_int": _signal._enum_to_int, "_int_to_enum": _signal._int_to_enum,
               "_Handlers": _signal.Handlers})
    _timer_handler = _facade(_timer_default, publish=True)
    # The interpreter calls it wherever the signal lands, the guard's own work included: it
    # calls nothing the facades' namespace names, which the program can write (its `_exit`
    # replaced by a function of the program's ran on top of the guard's frames).
    _timer_handler.__kwdefaults__ = {"__pysbx_exit": os._exit}
    _sealed_ids.add(id(_timer_handler.__code__))
    _lend(_timer_handler)

    def _holds_guard_state(f):
        # A frame of the guard's own work, or an entry that still holds the guard's function;
        # not a facade's, a trampoline's, nor an entry's past dropping that function.
        i = _id(f.f_code)
        if i not in _guard_ids or i in _plain_ids or i in _trampoline_ids:
            return False
        spent = _spent_after.get(i)
        return spent is None or f.f_lasti <= spent

    def _frame_for_handler(frame, outside=True, signum=None):
        # For a signal handler (`signum`): the first frame not the guard's (a facade the signal
        # arrived in is passed over), or False when the guard's work lies beneath: the signal
        # waits for it to be over (see `_leave`). For a tracer (`outside=False`): the frame
        # itself, or None for a frame of the guard's.
        # No code of the program's runs in the walk: the events of its reads (`f_code`) are
        # the guard's own.
        # A frame of the interpreter's, or nothing: an entry takes nothing on a facade's word
        # (the facades' converters sit in a namespace the program may write).
        if frame is not None and _type(frame) is not _frame_type:
            raise TypeError("pysbx: a frame was expected")
        tid = _get_ident()
        entered = tid not in _busy
        _busy.add(tid)
        try:
            first = None
            for f, code in _frames(frame):
                if id(code) in _guard_ids:
                    if _holds_guard_state(f):
                        _quiet[tid] = True
                        if outside and _type(signum) is _int:
                            if not _relay:
                                _start_relay()
                            _deferred.append(signum)
                            return False
                        return None
                    if not outside and first is None:
                        first = False  # the event's own frame is a facade's
                elif first is None:
                    first = f
            return None if first is False else first
        finally:
            if entered:
                _busy.discard(tid)

    # The program's wakeup descriptor (`signal.set_wakeup_fd`), which the interpreter is never
    # given: when its write of a signal's number fails (a full pipe, a closed reader), the
    # interpreter reports the error at its next check, wherever that lands, the guard's work
    # included, through `sys.unraisablehook` or `sys.stderr`, both the program's to replace.
    # The number is written here instead, as the signal's handler is about to run (the only
    # signals a wakeup descriptor serves are those with a handler: asyncio's), and a failed
    # write is dropped as `warn_on_full_buffer=False` drops it.
    _wakeup = [-1]
    _signal_bytes = [_bytes((i,)) for i in range(256)]
    _write, _fstat, _get_blocking = os.write, os.fstat, os.get_blocking

    def _set_wakeup(fd):
        if _type(fd) is not _int:
            raise TypeError("'%s' object cannot be interpreted as an integer"
                            % _type_name(_type(fd)))
        if _get_ident() != _main_tid:
            raise ValueError("set_wakeup_fd only works in main thread of the main interpreter")
        if fd != -1:
            _fstat(fd)
            if _get_blocking(fd):
                raise ValueError("the fd %d must be in non-blocking mode" % fd)
        previous, _wakeup[0] = _wakeup[0], fd
        return previous

    def _handler_begins(signum=None):
        _handling[0] += 1
        fd = _wakeup[0]
        if fd != -1 and _type(signum) is _int:
            try:
                _write(fd, _signal_bytes[signum & 0xFF])
            except OSError:
                pass

    def _handler_ends():
        # Floored: a call with no handler running (an interrupt before the count went up, or
        # the program's own call) changes nothing. What was put off meanwhile is raised at the
        # end of the program's next audited call, not from here, where it would run nested in
        # the trampoline of the handler just over.
        if _handling[0]:
            _handling[0] -= 1

    def _program_handler(handler):
        if handler is _timer_handler:
            return 0  # SIG_DFL
        return _trampolines.get(handler, handler)

    def _install_handler(signalnum, handler):
        # Plain values from the facade: a signal number, SIG_DFL or SIG_IGN as ints, or the
        # program's callable, which only the trampoline calls.
        if _type(signalnum) is not _int or (_type(handler) is not _int and not callable(handler)):
            raise TypeError("signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a "
                            "callable object")
        if _type(handler) is _int:
            if handler == 0 and signalnum in _timer_signals:
                handler = _timer_handler
        elif handler is not _timer_handler:
            trampoline = _function_type(_trampoline_code, _F, "handler")
            trampoline.__kwdefaults__ = {"__pysbx_safe": _handler_entries[0],
                                         "__pysbx_handler": handler,
                                         "__pysbx_begins": _handler_entries[1],
                                         "__pysbx_ends": _handler_entries[2]}
            _lend(trampoline)
            _trampolines[trampoline] = handler
            handler = trampoline
        if _type(handler) is not _function_type or handler is _timer_handler:
            # A signal put off for the handler being replaced was the old handler's: python3
            # runs it before the switch. Raised after, it would meet the default action (the
            # program's end) or nothing; it is dropped instead.
            while signalnum in _deferred:
                _deferred.remove(signalnum)
        previous = _c_signal(signalnum, handler)
        return _program_handler(_trampolines.pop(previous, previous)
                                if previous is not handler else previous)

    def _current_handler(signalnum):
        if _type(signalnum) is not _int:
            raise TypeError("an integer is required")
        return _program_handler(_c_getsignal(signalnum))

    # Tracers and profilers (`sys.settrace`, `threading.settrace`, `sys.setprofile`, the
    # standard library's `profile`, `bdb`, `doctest`) are installed the same way: the
    # interpreter calls them with every new frame, the guard's included, and the trampoline
    # calls the program's function only for frames with none of the guard's beneath.
    _c_tracers = {"trace": (sys.settrace, sys.gettrace), "profile": (sys.setprofile, sys.getprofile)}
    _trace_code = _trace_trampoline.__code__
    _sealed_ids.add(id(_trace_code))

    def _tracer_kind(kind):
        # The facades' own word, "trace" or "profile"; from anyone else, a `str` subclass
        # whose `__hash__` ran in the look-up below, inside the guard's work.
        if _type(kind) is not _str or kind not in ("trace", "profile"):
            raise TypeError("pysbx: the guard's entries are called by its facades only")
        return kind

    def _set_tracer(kind, fn):
        kind = _tracer_kind(kind)
        caller = _entry_frame()
        immediate, user, stack = _context(caller)
        if immediate == "user" or (immediate == "guard" and not _guards_own(immediate, caller)):
            _violation("introspection", "sys.set%s is not allowed" % kind,
                       "sys.set" + kind, user, stack)
        if fn is not None and not (_type(fn) is _function_type and fn in _trampolines):
            if not callable(fn):
                raise TypeError("a callable or None is required")
            trampoline = _function_type(_trace_code, _F, kind)
            trampoline.__kwdefaults__ = {"__pysbx_safe": _handler_entries[0],
                                         "__pysbx_tracer": fn}
            _lend(trampoline)
            _trampolines[trampoline] = fn
            fn = trampoline
        _c_tracers[kind][0](fn)
        tid = _get_ident()
        if tid in _tracing:
            _tracing[tid] = False  # set by now: the end of this work tells whether it is gone

    def _get_tracer(kind):
        fn = _c_tracers[_tracer_kind(kind)][1]()
        if _type(fn) is not _function_type:
            return fn  # the C profiler's object (a subclass's `__hash__` is the program's)
        return _trampolines.get(fn, fn)

    _seal("_set_tracer", _set_tracer)
    _seal("_get_tracer", _get_tracer)
    sys.settrace = _facade(settrace, transparent=True, module="sys", doc=sys.settrace.__doc__)
    sys.setprofile = _facade(setprofile, transparent=True, module="sys", doc=sys.setprofile.__doc__)
    sys.gettrace = _facade(gettrace, transparent=True, module="sys", doc=sys.gettrace.__doc__)
    sys.getprofile = _facade(getprofile, transparent=True, module="sys", doc=sys.getprofile.__doc__)
    # The entries a trampoline calls, as sealed here: the facades' namespace that also holds
    # them is the program's to write, and a function of its own put there became the next
    # trampoline's, handed the interrupted frame (the guard's own, in its work).
    _handler_entries = (_seal("_frame_for_handler", _frame_for_handler, signals_too=False),
                        _seal("_handler_begins", _handler_begins, signals_too=False),
                        _seal("_handler_ends", _handler_ends, signals_too=False))
    _seal("_install_handler", _install_handler)
    _seal("_current_handler", _current_handler)
    # Python's own handler of SIGINT (`KeyboardInterrupt`, also what `_thread.interrupt_main`
    # raises) stands behind a trampoline too: raised in the middle of the guard's work, it would
    # leave with the guard's frames in its traceback, and the work's end undone. It is raised
    # in the program once the work is over; `signal.getsignal` still answers
    # `default_int_handler`.
    if _c_getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _install_handler(int(_signal.SIGINT), _signal.default_int_handler)
    _facade(_end_if_fatal, publish=True)
    for _sig in _timer_signals:
        if _c_getsignal(_sig) == 0:
            _c_signal(_sig, _timer_handler)
    os.kill = _facade(kill, module="posix", doc=os.kill.__doc__)
    # `os.open`'s audit event names no directory descriptor: its facade holds it where the
    # guard reads it (see `_open_dir_fd`). The interpreter's own stays in the guard's hands:
    # `os.supports_dir_fd` names the facade, and `posix` is made once (`_MADE_ONCE`).
    _F["_real_open"] = _real_open = os.open
    _open_fn = _facade(_os_open, "open", transparent=True, module="posix", doc=os.open.__doc__)
    _open_fn.__kwdefaults__ = {"dir_fd": None}
    _open_facade.append(_open_fn.__code__)
    _seal("_open_at", _open_at)
    os.open = _open_fn
    sys.modules["posix"].open = _open_fn
    if _real_open in os.supports_dir_fd:
        os.supports_dir_fd.discard(_real_open)
        os.supports_dir_fd.add(_open_fn)
    # The working directory shows the script's directory through (an overlay: its device is
    # not that of the private directory holding it): `os.chdir` into the script's directory
    # by its own path enters the working directory instead (see the facade). The facade is
    # transparent: the `os.chdir` it makes is judged as its caller's, as before.
    _lower, _wd = cfg.get("workdir_lower"), cfg.get("workdir")
    if _type(_lower) is _str and _type(_wd) is _str:
        try:
            _lower_st, _wd_st = os.stat(_lower), os.stat(_wd)
            _shows = _wd_st.st_dev != os.stat(_dirname(_wd)).st_dev
        except (OSError, ValueError):
            _shows = False
        if _shows:
            _F.update({"_real_chdir": os.chdir, "_real_stat": os.stat, "_int_type": int,
                       "_type": type, "_cow_workdir": _wd,
                       "_cow_lower_id": (_lower_st.st_dev, _lower_st.st_ino)})
            os.chdir = _facade(chdir, transparent=True, module="posix", doc=os.chdir.__doc__)
    os.killpg = _facade(killpg, module="posix", doc=os.killpg.__doc__)
    _facade(_signal_own_group, publish=True)
    _signal.raise_signal = _facade(raise_signal, module="_signal", doc=_signal.raise_signal.__doc__)
    _seal("_set_wakeup", _set_wakeup)
    _signal.set_wakeup_fd = _signal_c.set_wakeup_fd = _facade(
        set_wakeup_fd, module="_signal", doc=_signal_c.set_wakeup_fd.__doc__)
    _signal.set_wakeup_fd.__kwdefaults__ = {"warn_on_full_buffer": True}
    _signal.getsignal = _facade(getsignal, module="signal", doc=_signal.getsignal.__doc__)
    _signal.signal = _facade(signal, module="signal", doc=_signal.signal.__doc__)
    _signal_c.getsignal = _facade(_c_getsignal_facade, "getsignal", module="_signal",
                                  doc=_c_getsignal.__doc__)
    _signal_c.signal = _facade(_c_signal_facade, "signal", module="_signal", doc=_c_signal.__doc__)

    # pysbx_io: JSON in and out. The input arrives as text and each call parses a fresh copy;
    # the output leaves as JSON text (strict: only JSON types, no NaN), so the caller of pysbx
    # never loads an object made by sandboxed code.
    _F["_input_text"] = cfg.get("input")
    _facade(_not_json, publish=True)
    _F["_scan"] = _scan
    _F["_strict"] = _json.make_encoder({}, _F["_not_json"], _json.encode_basestring,
                                       None, ":", ",", False, False, False)
    _facade(_loads_facade, "_loads", publish=True)
    _facade(_to_json_facade, "_to_json", publish=True)

    def _io_send(text):
        if _type(text) is not _bytes:
            raise TypeError("pysbx_io.output: not JSON text")
        if len(text) > 32 * 1024 * 1024:
            raise ValueError("pysbx_io.output: the value is larger than 32 MiB as JSON")
        _pipe_take()
        try:
            _send({"t": "output"}, text)
        finally:
            _pipe_give()

    _seal("_io_send", _io_send)
    io_module = _ModuleType("pysbx_io")
    io_module.input = _facade(_io_input, "input", transparent=True, module="pysbx_io")
    io_module.output = _facade(_io_output, "output", transparent=True, module="pysbx_io")
    sys.modules["pysbx_io"] = io_module

    _ceiling = cfg["recursion_ceiling"]
    _setrecursionlimit = sys.setrecursionlimit
    _getrecursionlimit = sys.getrecursionlimit
    # The program runs three levels deeper than under Python (the loader's frame, the
    # runner's, and the call that runs it), which count against the limit: the interpreter's
    # limit is that much higher than the one the program sets and reads, so that the same
    # recursion works as under Python.
    _BENEATH = 3
    _setrecursionlimit(cfg["recursion_limit"] + _BENEATH)

    def _set_recursion_limit(n):
        # Python's own checks (type, range, the current depth) first; then no higher than
        # the policy's ceiling, read back from the interpreter.
        if _type(n) is not _int:
            raise TypeError("an integer is required")
        if n < 1:
            _setrecursionlimit(n)  # Python's own error
        _setrecursionlimit(n + _BENEATH)
        if _getrecursionlimit() > _ceiling + _BENEATH:
            _setrecursionlimit(_ceiling + _BENEATH)

    def _get_recursion_limit():
        return _getrecursionlimit() - _BENEATH

    _seal("_set_recursion_limit", _set_recursion_limit)
    _seal("_get_recursion_limit", _get_recursion_limit)
    sys.setrecursionlimit = _facade(setrecursionlimit, transparent=True, module="sys",
                                    doc=_setrecursionlimit.__doc__)
    sys.getrecursionlimit = _facade(getrecursionlimit, transparent=True, module="sys",
                                    doc=_getrecursionlimit.__doc__)

    # `sys.audit` raises any event by name: a `compile` raised that way from a standard-library
    # frame (a partial of `sys.audit` called by `sched.scheduler.run`, which calls its actions
    # from one frame) passed for the standard library compiling in that frame, and its next
    # action, `exec` of a code object `codeop` had made from a string, ran under
    # `code: false`. The events of the code clause, whose checks keep state, are the
    # interpreter's alone to raise; any other name (the standard library's own `sys.audit`
    # calls, a program's events of its own) is raised as before.
    def _audit_event(event):
        # As the interpreter reads it: a `str` subclass's own characters (the facade's
        # converter, in the namespace the program may write, may hand one on).
        if _issubclass(_type(event), _str):
            event = _str.__str__(event)
        if _type(event) is _str and event in _CODE_EVENTS:
            immediate, user, stack = _context(_entry_frame())
            _violation("code", "raising the interpreter's own event %s is not allowed" % event,
                       "sys.audit", user, stack)
        # Handed back for the facade to call at once (see `_fork_exec`): the interpreter's
        # `sys.audit` raises any event, a forged `compile` among them.
        return _real_audit

    _seal("_audit_event", _audit_event)
    # The interpreter's `sys.audit` is called from the facade's own frame (so an event is
    # judged as its caller's, as before) and kept in its sealed defaults, out of the
    # namespace the program can read.
    _audit_facade = _facade(audit, transparent=True, module="sys", doc=sys.audit.__doc__)
    _audit_facade.__kwdefaults__ = {"__pysbx_audit": _F["_audit_event"]}
    _sealed_ids.add(id(_audit_facade.__code__))
    _lend(_audit_facade)
    sys.audit = _audit_facade

    # `_imp.create_builtin` makes a built-in module anew: `sys` with its dictionary put back
    # as it was at start-up (the interpreter's `setrecursionlimit`, `settrace`, ... over the
    # facades above), a fresh `_signal` whose `signal` installs a handler without the guard's
    # trampoline (a handler that is then handed the guard's frames), a fresh `_imp` with the
    # original of this function, `builtins` with the interpreter's `__import__`. Those are
    # made once, before the program runs; any other built-in module is made as before. The
    # interpreter is handed a name object of the guard's own, never the program's spec, whose
    # `name` could read differently each time.
    import _imp
    _real_create_builtin = _imp.create_builtin
    _MADE_ONCE = frozenset({"sys", "_signal", "_imp", "builtins", "gc", "posix"})
    # The name object is of the interpreter's own type, whose attributes the program cannot
    # change: a class of the guard's would be the program's to find and to give a
    # `__setattr__` or `__getattribute__`, run inside the guard's work.
    _Namespace = _type(sys.implementation)

    def _create_builtin(name):
        if _type(name) is not _str:
            raise TypeError("create_builtin: the spec's name must be a string")
        if name in _MADE_ONCE:
            immediate, user, stack = _context(_entry_frame())
            _violation("introspection", "making the built-in module %s anew is not allowed"
                       % name, "_imp.create_builtin", user, stack)
        if name == "_posixsubprocess" and not _process:
            # A copy without the facade of `fork_exec` (see `_fork_exec`).
            immediate, user, stack = _context(_entry_frame())
            if not _grant(_module_of(user), "process"):
                _refuse_new_posixsubprocess("_imp.create_builtin", user, stack)
        return _real_create_builtin(_Namespace(name=name))

    _seal("_create_builtin", _create_builtin)

    # The program's `gc.enable`/`gc.disable` set what it wants; the guard's work holds
    # automatic collection off whatever the setting (see `_enter`), and the interpreter's own
    # `enable` would turn it on under another thread's work. `gc.isenabled` answers the
    # program's setting. (`gc` is made once: a new module would have the interpreter's.)
    def _gc_set(on):
        _gc_wanted[0] = on is True
        if not _gc_wanted[0]:
            _gc_disable()

    def _gc_isenabled():
        return _gc_wanted[0]

    # `gc.DEBUG_SAVEALL` puts every object a collection finds unreachable into `gc.garbage`,
    # where the program reads it, instead of freeing it: the guard's work leaves cycles behind
    # (a violation and the frames it was raised through), and their frames hold the guard's
    # functions in their locals, whose cells lead to all of its state. The flag hands out
    # what `gc.get_objects` would, and is refused as that is; the other flags only print.
    # The interpreter's `set_debug` is held here alone (`gc` is made once, above).
    _real_set_debug, _DEBUG_SAVEALL = _gc.set_debug, _gc.DEBUG_SAVEALL

    def _gc_set_debug(flags):
        if _type(flags) is not _int:
            raise TypeError("set_debug: the flags must be an integer")
        if flags & _DEBUG_SAVEALL:
            immediate, user, stack = _context(_entry_frame(), skip_frozen=False)
            _violation("introspection", "gc.set_debug with DEBUG_SAVEALL is not allowed "
                       "(it hands out every object a collection finds)", "gc.set_debug",
                       user, stack)
        _real_set_debug(flags)

    _seal("_gc_set", _gc_set)
    _seal("_gc_isenabled", _gc_isenabled)
    _seal("_gc_set_debug", _gc_set_debug)
    for _template, _real in ((enable, _gc_enable), (disable, _gc_disable),
                             (isenabled, _gc.isenabled), (set_debug, _real_set_debug)):
        setattr(_gc, _real.__name__, _facade(_template, transparent=True, module="gc",
                                             doc=_real.__doc__))
    _imp.create_builtin = _facade(create_builtin, transparent=True, module="_imp",
                                  doc=_real_create_builtin.__doc__)

    # `_imp._fix_co_filename(code, path)` renames a code object in place, with no event: a
    # frame is judged by its code's file name (the standard library's, a frozen module's, a
    # module the gate compiled), so a function of the program renamed after `types.py` made
    # code objects as that module does. Importlib's own `_compile_bytecode` calls it on code
    # it has just loaded from a cached file (the load itself checked: see
    # `_marshal_of_the_interpreters`), told by its code object, not its name. Anyone else
    # (pytest, for the test modules it caches) may give a name the guard trusts in nothing:
    # not one of the interpreter's files, a frozen module's, another module's the gate
    # compiled, nor any `<...>` name (`<string>`, `<stdin>`, the guard's own).
    _real_fix_co_filename = _imp._fix_co_filename
    _compile_bytecode_code = sys.modules["_frozen_importlib_external"]._compile_bytecode.__code__

    def _fix_co_filename_check(path):
        caller = _entry_frame()
        while caller is not None and _id(caller.f_code) in _transparent_ids:
            caller = caller.f_back
        if caller is not None and caller.f_code is _compile_bytecode_code:
            return _real_fix_co_filename
        immediate, user, stack = _context(_entry_frame())
        if _type(path) is not _str or path.startswith("<") \
                or _names_a_trusted_file(path, _module_of(user)):
            _violation("introspection", "_imp._fix_co_filename to %s is not allowed: code would "
                       "pass as that file's (a frame is judged by its code's file name)"
                       % (_path_of(path) if _type(path) is _str else "a name that is no string"),
                       "_imp._fix_co_filename", user, stack)
        return _real_fix_co_filename

    _seal("_fix_co_filename_check", _fix_co_filename_check)
    _fix_co_filename_facade = _facade(_fix_co_filename, transparent=True, module="_imp",
                                      doc=_real_fix_co_filename.__doc__)
    _fix_co_filename_facade.__kwdefaults__ = {"__pysbx_fix_co_filename":
                                              _F["_fix_co_filename_check"]}
    _sealed_ids.add(id(_fix_co_filename_facade.__code__))
    _lend(_fix_co_filename_facade)
    _imp._fix_co_filename = _fix_co_filename_facade

    # `_posixsubprocess.fork_exec` starts a process and raises no event: `subprocess` raises
    # its own first, judged for the module that called it. Once a module granted `process`
    # has imported `subprocess`, the native module is in `sys.modules` for anyone; its
    # `fork_exec` is judged for its caller as `subprocess.Popen` is.
    if not _process:
        _real_fork_exec = _posixsubprocess.fork_exec

        def _fork_exec():
            # Only the check: the facade starts the process itself, from its own frame, past
            # the guard's work (the arguments hold the program's objects: `preexec_fn`, paths
            # whose `__fspath__` the interpreter calls, which must not run inside that work).
            immediate, user, stack = _context(_entry_frame())
            _permit_check("process", "_posixsubprocess.fork_exec", "_posixsubprocess.fork_exec",
                          user, stack)
            if not _grant(_module_of(user), "process"):
                _violation("process", "_posixsubprocess.fork_exec is not allowed (process: false)",
                           "_posixsubprocess.fork_exec", user, stack,
                           {"grant": "process", "what": "subprocess.Popen"})
            # Handed back for the facade to call at once: never in a frame's locals (the
            # facade's hold this entry only, whatever runs on top of them).
            return _real_fork_exec

        _seal("_fork_exec", _fork_exec)
        _fork_exec_facade = _facade(fork_exec, transparent=True, module="_posixsubprocess",
                                    doc=_real_fork_exec.__doc__)
        _fork_exec_facade.__kwdefaults__ = {"__pysbx_fork_exec": _F["_fork_exec"]}
        _sealed_ids.add(id(_fork_exec_facade.__code__))
        _lend(_fork_exec_facade)
        _posixsubprocess.fork_exec = _fork_exec_facade
    if cfg["stdout_tty"]:
        try:
            sys.stdout.reconfigure(line_buffering=True)
        except Exception:
            pass
    if _hosts or _dns_wild:
        import socket
        # The interpreter's own resolver functions (`socket.getaddrinfo` is Python the
        # program could change); the facade turns numbers into `socket`'s enums.
        _real_lookups = {"socket.getaddrinfo": _socket.getaddrinfo,
                         "socket.gethostbyname_ex": _socket.gethostbyname_ex,
                         "socket.gethostbyname": _socket.gethostbyname}
        _AF_INET, _AF_INET6, _SOCK_STREAM = _socket.AF_INET, _socket.AF_INET6, _socket.SOCK_STREAM
        _gaierror, _EAI_NONAME = _socket.gaierror, _socket.EAI_NONAME

        def _learn_addresses(key, ips):
            # An address pysbx's DNS server gave for a name stands for that name, as a pinned
            # one does, so a connection to it is judged by the name's rules.
            if _type(key) is not _str:
                return
            name = key.rstrip(".")
            if _wild(name):
                for ip in ips:
                    if name not in _names_of.get(ip, ()):
                        _names_of[ip] = _names_of.get(ip, ()) + (name,)

        def _pinned(key, family, port, type_, proto):
            out = []
            for ip in _hosts[key]:
                fam = _AF_INET6 if ":" in ip else _AF_INET
                if family not in (0, fam):
                    continue
                if key not in _names_of.get(ip, ()):
                    _names_of[ip] = _names_of.get(ip, ()) + (key,)
                addr = (ip, _int(port or 0)) if fam == _AF_INET else (ip, _int(port or 0), 0, 0)
                out.append((fam, type_ or _SOCK_STREAM, proto, "", addr))
            if not out:
                raise _gaierror(_EAI_NONAME, "Name or service not known")
            return out

        def _ascii_name(host):
            # What the "idna" codec makes of an ASCII name (its fast path), checked as it
            # checks it: no label empty or longer than 63 characters, the last one may be empty.
            labels = host.split(".")
            for label in labels[:-1]:
                if not 0 < _len(label) < 64:
                    raise UnicodeError("encoding with 'idna' codec failed "
                                       "(UnicodeError: label empty or too long)")
            if _len(labels[-1]) >= 64:
                raise UnicodeError("encoding with 'idna' codec failed "
                                   "(UnicodeError: label too long)")
            return _str.encode(host, "ascii")

        def _resolve(op, host, port=None, family=0, type_=0, proto=0, flags=0, encoded=None):
            # A name pysbx pinned is answered here; any other is checked as the lookup of the
            # code that called the facade, then asked of the resolver. The facade passed plain
            # values: nothing here runs code of the program's. The resolver is handed bytes:
            # given a `str`, the interpreter encodes it with the "idna" codec, Python of the
            # standard library that calls the program's built-ins (`len`) and whatever the
            # program put in `encodings.idna`, which would run inside the guard's work. An
            # ASCII name is encoded here as that codec encodes it; any other the facade
            # encoded past the guard's work (`encoded`), and the name judged and looked up is
            # that encoding.
            if host is not None and _type(host) is not _str and _type(host) is not _bytes:
                raise TypeError("%s() argument 1 must be str, bytes or None, not %s"
                                % (op[7:], _type_name(_type(host))))
            wire = host
            if _type(host) is _str and not _str.isascii(host):
                if _type(encoded) is not _bytes:
                    raise UnicodeError("encoding with 'idna' codec failed")
                wire = encoded
                host = _bytes.decode(encoded, "ascii", "replace")
            if port is not None and not _one_of(_type(port), (_int, _str, _bytes)):
                raise OSError("Int or String expected")
            for value in (family, type_, proto, flags):
                if _type(value) is not _int:
                    raise TypeError("an integer is required")
            key = host.lower() if _type(host) is _str else host
            if key in _hosts:
                if op == "socket.getaddrinfo":
                    return _pinned(key, family, port, type_, proto)
                v4 = [ip for ip in _hosts[key] if ":" not in ip]
                if not v4:
                    raise _gaierror(_EAI_NONAME, "Name or service not known")
                return (key, [], v4) if op == "socket.gethostbyname_ex" else v4[0]
            caller = _entry_frame()
            immediate, user, stack = _context(caller)
            if not _guards_own(immediate, caller):
                _check_lookup(host, op, user, stack)
            if _type(wire) is _str:
                wire = _ascii_name(wire)
            real = _real_lookups[op]
            if op == "socket.getaddrinfo":
                out = real(wire, port, family, type_, proto, flags)
                _learn_addresses(key, [entry[4][0] for entry in out])
            else:
                out = real(wire)
                _learn_addresses(key, out[2] if op == "socket.gethostbyname_ex" else [out])
            return out

        _seal("_resolve", _resolve)
        _F["_family_enum"], _F["_kind_enum"] = socket.AddressFamily, socket.SocketKind
        _facade(_enum_or_int, publish=True)
        _facade(_idna_of, publish=True)
        for _template in (getaddrinfo, gethostbyname_ex, gethostbyname):
            _real = getattr(socket, _template.__name__)
            setattr(socket, _template.__name__, _facade(_template, transparent=True,
                                                         module="socket", doc=_real.__doc__))

    mode = cfg["mode"]
    if cfg["sys_path0"] is not None:
        sys.path.insert(0, cfg["sys_path0"])
    main = _ModuleType("__main__")
    main.__builtins__ = builtins
    # What the interpreter gives `__main__`: empty annotations, and the loader a script or
    # `-c` is run by (importlib's own: a program that has it load or compile its file meets
    # the same checks as with any loader it makes).
    main.__annotations__ = {}
    main.__loader__ = _BuiltinImporter
    sys.modules["__main__"] = main
    if mode == "file":
        main.__file__ = cfg["path"]
        main.__cached__ = None
        main.__loader__ = SourceFileLoader("__main__", cfg["path"])
    # `-c` code is named `<string>`; a program read from standard input (`python3 -`, whose
    # `sys.argv[0]` is `-`) `<stdin>`, which is its `__file__` too: as pysbx names them.
    from_stdin = mode == "code" and cfg.get("from_stdin") is True
    filename = cfg["path"] if mode == "file" else cfg.get("code_name") or "<string>"
    if from_stdin:
        main.__file__ = filename
    _program_args = [bytes.fromhex(h).decode("utf-8", "surrogateescape")
                     for h in cfg["args_hex"]]
    # The program's `__main__` is held here for the runner; let go once the program's `atexit`
    # functions have run (a chain of the interpreter's functions, registered before any of the
    # program's), so that the module ends as plain python's does: removed from `sys.modules`
    # at the teardown and freed, its globals intact for the finalizers of what it held (a
    # module kept alive past that point has its globals set to `None` first).
    import atexit as _atexit_main
    _atexit_main.register(_partial(_F.pop, "_main", None))
    del _atexit_main
    _F.update({"_mode": mode, "_main": main, "_module_name": cfg.get("module"),
               "_argv": ([cfg["module"]] if mode == "module" else
                         [cfg.get("argv0") or filename] if mode == "file" or from_stdin
                         else ["-c"])
               + list(_program_args)})
    # The command line as if the interpreter had been given the program: not the loader's.
    sys.orig_argv = [sys.orig_argv[0] if sys.orig_argv else sys.executable] + (
        ["-m", cfg["module"]] if mode == "module" else
        [cfg.get("argv0") or filename] if mode == "file" or from_stdin else
        ["-c", entry.decode("utf-8", "surrogateescape")] if mode == "code" else []) \
        + list(_program_args)

    def _end(reason, message, file=None, stub=False):
        try:
            _pipe_take()
            try:
                record = {"t": "end", "reason": reason, "message": message}
                if _type(file) is _str:
                    record["file"] = file
                if stub:
                    record["stub"] = True
                _send(record)
            finally:
                _pipe_give()
        except Exception:
            pass

    # For the traceback shown at the end, whose frames these are is told by their globals (the
    # guard's module, the facades' namespace, the REPL server's), read without an audit event:
    # a runaway recursion leaves a million entries to look at.
    _shown_as_guard = [_pysbx_guard.__globals__, _F]
    # The codes of the facades that stand in for `exec` and `eval`, and how long a traceback
    # `_trim` reads whole for them: a runaway recursion's has a million entries, each read an
    # audit event.
    _stand_in_ids = {id(f.__code__) for f in (getattr(builtins, "__pysbx_eval__", None),
                                              getattr(builtins, "__pysbx_exec__", None))
                     if f is not None}
    _STAND_IN_SCAN = 4096

    def _is_guard_tb(tb, tid):
        _reading[tid] = tb
        g = tb.tb_frame.f_globals
        for known in _shown_as_guard:
            if g is known:
                return True
        return False

    def _stub_generator(entry, tid):
        # Whether the entry is the frame of the generator a gate's stub throws through
        # (`(_ for _ in ()).throw(...)`, an expression that raises): Python shows it beneath
        # the line that made the call, which plain python would show last.
        _reading[tid] = entry
        code = entry.tb_frame.f_code
        return code.co_name == "<genexpr>" and code.co_varnames == (".0", "_")

    def _trim(tb, stub=False):
        # The traceback plain python would show: without the guard's frames around the
        # program's. They sit at its two ends (the runner below; a facade or the guard's check
        # above), so the walk follows `tb_next`, which needs no audit event, and reads frames
        # from the ends only: a runaway recursion leaves a million entries. The facade
        # read `__traceback__` (an exception class of the program's may make it a property,
        # code that must meet the hook); here only genuine tracebacks are read.
        if _type(tb) is not _traceback_type:
            return None
        entries = []
        while tb is not None:
            entries.append(tb)
            tb = tb.tb_next
        tid = _get_ident()
        _busy.add(tid)
        try:
            start, end = 0, len(entries)
            while start < end and _is_guard_tb(entries[start], tid):
                start += 1
            while end > start and _is_guard_tb(entries[end - 1], tid):
                end -= 1
        finally:
            _reading.pop(tid, None)
            _busy.discard(tid)
        if start == end:
            return None
        if stub and end - start > 1:
            _busy.add(tid)
            try:
                if _stub_generator(entries[end - 1], tid):
                    end -= 1
            finally:
                _reading.pop(tid, None)
                _busy.discard(tid)
        entries[end - 1].tb_next = None
        if end - start <= _STAND_IN_SCAN:
            # The facades that stand in for `exec` and `eval` (a function of C under Python,
            # which shows no frame) between the program's frame and the code they ran, and
            # the trampolines between the frame a signal landed in and the program's handler
            # (or tracer), which Python calls from C.
            kept = []
            _busy.add(tid)
            try:
                for entry in entries[start:end]:
                    _reading[tid] = entry
                    code_id = _id(entry.tb_frame.f_code)
                    if code_id not in _stand_in_ids and code_id not in _trampoline_ids:
                        kept.append(entry)
            finally:
                _reading.pop(tid, None)
                _busy.discard(tid)
            if not kept:
                return None
            if _len(kept) < end - start:
                for upper, lower in zip(kept, kept[1:]):
                    upper.tb_next = lower
                kept[-1].tb_next = None
            return kept[0]
        return entries[start]

    _runner_id = id(_pysbx_run.__code__)

    # Stack walks: the program runs beneath the loader's frame and the runner's, which a
    # traceback leaves out (`_trim`); so does `traceback.walk_stack`, beneath `print_stack`,
    # `extract_stack`, `format_stack` and logging's `stack_info`: it stops below the runner,
    # and gives nothing where it meets a frame of the guard's (see `_program_frames`). It is
    # replaced when first needed, at the first
    # `sys._getframe` the standard library makes with `traceback` loaded (each of those takes
    # its starting frame so), which costs a run that never walks its stack nothing.
    _walk_replaced = [False]
    _put_later = _facade(_put_later_template)
    _tree_maker.append(_facade(_tree_apart_template))
    _tree_maker.append(_facade(_compile_apart_template))
    _frame_type = _type(_getframe())

    def _program_frames(f):
        if f is None:
            # As the standard library's: four frames above the generator's (the facade's),
            # which called this through the sealed entry.
            f = _entry_frame().f_back
            for _ in range(4):
                if f is None:
                    break
                f = f.f_back
        frames = []
        while f is not None and _type(f) is _frame_type:
            code_id = id(f.f_code)
            if code_id == _runner_id:
                return frames
            if code_id in _guard_ids or code_id in _plain_ids:
                # The program runs on top of the guard's work or inside a facade's call (a
                # finalizer, a signal handler, a callback): the frames beneath lead to the
                # guard's (`f_back` is read without an event), so none is handed out.
                return []
            frames.append(f)
            f = f.f_back
        return frames

    _seal("_program_frames", _program_frames)

    def _replace_walk_stack():
        # Inside the hook: read through the types' own methods and copies of the dictionaries,
        # as `_pickle_global_allowed`. The facade is put in `traceback`'s namespace past the
        # guard's work, by a generator of the facades' that the entry lets go (its `finally`):
        # the namespace is the program's to fill, and a write compares keys as a look-up does.
        module = _plain_get(_modules_dict, "traceback")
        if _type(module) is not _ModuleType:
            return
        namespace = _module_dict(module)
        real = _plain_get(namespace, "walk_stack")
        if real is None:
            return  # `traceback` is still being loaded
        _walk_replaced[0] = True
        if _type(real) is not _function_type \
                or not _is_stdlib_file(_norm(_function_code(real).co_filename)):
            return
        later = _put_later(namespace, "walk_stack",
                           _facade(walk_stack, transparent=True, module="traceback",
                                   doc=real.__doc__))
        next(later)
        _let_go(later)

    def _raised_in(exc):
        # The file of the program's innermost frame of a refusal raised by a function of the
        # guard's standing in for a stubbed call (`__pysbx_exec__`): where the call stood.
        tb = _exc_traceback.__get__(exc)
        found = None
        tid = _get_ident()
        while _type(tb) is _traceback_type:
            _reading[tid] = tb
            name = tb.tb_frame.f_code.co_filename
            if _type(name) is _str and name != "<pysbx-guard>":
                found = name
            tb = tb.tb_next
        _reading.pop(tid, None)
        return found

    # The interpreter's last moment: it raises `cpython.PyInterpreterState_Clear`, then drops
    # its audit hooks, and only after that frees what its own registries still hold (the codec
    # search functions, `os.register_at_fork`'s callbacks, the warnings filters, the `atexit`
    # list). A finalizer of an object only one of those holds ran with no hook at all: code
    # made at run time, code objects built from parts and, through them, native code, under
    # `code: false` and `ffi: false`. So the process ends at that event, with the status the
    # interpreter would exit with (told by the runner, `_exiting`), once the interpreter's own
    # standard streams are flushed; nothing of the program's runs past it. What plain python
    # would still run there (such finalizers) does not run.
    _exit_status = [0]
    _std_streams = tuple(s for s in (sys.__stdout__, sys.__stderr__) if s is not None)
    _TEXT_IO = _type(sys.__stderr__) if sys.__stderr__ is not None else None

    def _exiting(exc):
        # How the program ended, from the runner only: the status it computed for an exception
        # nobody caught, or the `SystemExit` that ends the run, read as the interpreter reads
        # it (`None` is 0, an `int` its low byte, anything else 1, its text printed).
        caller = _outside(_entry_frame())
        if not _is_bottom_runner(caller):
            return
        if _type(exc) is _int:
            _exit_status[0] = exc & 0xFF
            return
        if not _issubclass(_type(exc), SystemExit):
            return
        code = SystemExit.__dict__["code"].__get__(exc)
        if code is None:
            _exit_status[0] = 0
        elif _issubclass(_type(code), _int):
            value = _int.__int__(code)
            _exit_status[0] = (value if -(1 << 63) <= value < (1 << 63) else -1) & 0xFF
        else:
            _exit_status[0] = 1

    def _final_exit():
        status = _exit_status[0]
        for stream in _std_streams:
            # The interpreter's own streams, of its own C class (no method of the program's):
            # what was printed since the last flush, as their end would write it.
            if _type(stream) is not _TEXT_IO:
                continue
            try:
                closed = _TEXT_IO.closed.__get__(stream)
            except ValueError:
                # Detached (`sys.stdout = TextIOWrapper(sys.stdout.detach())`): its buffer is
                # the program's new stream's now, which the interpreter flushed.
                continue
            try:
                if not closed:
                    _TEXT_IO.flush(stream)
            except BaseException:
                status = status or 120  # as python when it cannot flush its output at exit
        _exit(status)

    def _ending(exc, text, last):
        # How the program ended, told to pysbx once, by the runner only (the program may call
        # this facade too, and would otherwise set the reason pysbx reports).
        caller = _outside(_entry_frame())
        if not _is_bottom_runner(caller):
            return 1
        text = text if _type(text) is _str else "?"
        last = last if _type(last) is _str else text
        t = _type(exc)
        if _issubclass(t, MemoryError):
            _end("memory", "MemoryError")
        elif _issubclass(t, PermissionError):
            # The guard's own violations (one it made, with its text: the program can raise the
            # class itself), and the static gate's stubs (PysbxBlocked) when reached, a class
            # the stub's text makes, which pysbx holds against the gate's findings.
            if _issubclass(t, PolicyViolation) or t is _Refused:
                if _made_refusals.get(_id(exc)) == last:
                    _end("violation", last, _raised_in(exc))
            elif _type_name(t) == "PysbxBlocked":
                _end("violation", last, _raised_in(exc), stub=True)
        elif _issubclass(t, ImportError):
            # An import the guard refused (one it made, with its text), and one the gate
            # stubbed where the program handles a missing module, raised past that handler all
            # the same.
            if t is ImportRefused:
                if _made_refusals.get(_id(exc)) == last:
                    _end("violation", last, _raised_in(exc))
            elif _type_name(t) == "PysbxBlockedImport":
                _end("violation", last, stub=True)
        elif _issubclass(t, OSError):
            # Looked up only as an `int` of the interpreter's: an object of the program's would
            # have its `__hash__` and `__eq__` run by the look-up.
            number = OSError.__dict__["errno"].__get__(exc)
            reason = _ENDING_ERRNOS.get(number) if _type(number) is _int else None
            if reason:
                _end(reason, text)
        elif _issubclass(t, RecursionError):
            _end("recursion", text)
        elif _issubclass(t, RuntimeError):
            if "can't start new thread" in text:
                _end("processes", text)
        elif _issubclass(t, KeyboardInterrupt):
            # Ctrl-C, passed on by pysbx: a plain python3 ends by SIGINT, which a shell reports
            # as 130, the status given here.
            return 130
        return 1

    def _program_code():
        # The program's text, for the runner to compile past the guard's work (see
        # `_compile_later`), and whether to run it: when the gate could not parse it, the
        # runner parses it to a tree, which runs nothing, for Python's own SyntaxError.
        text = entry.decode("utf-8", "surrogateescape")
        if cfg.get("unparsable") is not None:
            return _compile_later(text, filename, parse_only=True) + (False,)
        _loaded[filename] = "__main__"
        _note_examples(cfg.get("doctest_examples"), filename)
        return _compile_later(text, filename) + (True,)

    def _program_unparsable():
        # A program Python parses after all, where the gate could not, is not run.
        caller = _outside(_entry_frame())
        if not _is_bottom_runner(caller) or cfg.get("unparsable") is None:
            raise RuntimeError("pysbx: not the runner of an unparsable program")
        _end("violation", "the static gate could not parse the program: %s" % cfg["unparsable"])

    _repl_served = []

    def _repl_server():
        # The entry is pysbx's REPL server (guard/repl.py), compiled as the guard's own code,
        # with the interpreter's built-ins and nothing of the guard's in its globals. Only in
        # a REPL run, once, for the runner: in any other run the entry is the program's text,
        # which must never be compiled as the guard's.
        caller = _outside(_entry_frame())
        if mode != "repl" or _repl_served or not _is_bottom_runner(caller):
            raise RuntimeError("pysbx: not a REPL run")
        _repl_served.append(True)
        code = compile(entry.decode("utf-8"), "<pysbx-guard>", "exec", dont_inherit=True)
        _collect(code, _guard_ids)
        _collect(code, _plain_ids)
        _collect(code, _repl_codes)
        for i in _repl_codes:  # the runner hands the server these two entries
            _lent[i] = frozenset(("_repl_request", "_repl_compile"))
        server = {"__builtins__": builtins}
        _shown_as_guard.append(server)
        exec(code, server)
        return server["serve"]

    _repl_codes = set()

    # The input pysbx sent last (its source, which the gate passed, and its name), until the
    # server has it parsed: `_repl_compile` hands out nothing else, whoever calls it (a
    # callable of the program's the server's frame calls, `sys.stdout.flush` set to one).
    _repl_pending = []

    # The input being parsed ([its lines, its name]), then its statements to run, last first,
    # each with its name.
    _repl_parsing = []
    _repl_statements = []

    def _repl_compile(tree=None):
        # What the REPL's server compiles next, past the guard's work (see `_compile_later`):
        # (text, name, True) to parse the input, the tree of which comes back here; then
        # (text, name, False) for each statement, compiled in interactive mode (an expression
        # echoes its value) when the one before has run; None once the input is over.
        # Compiling warns (an escape sequence the parser does not know), the warnings machinery
        # calls what the program replaced, and building a tree sets each node's fields through
        # the classes of `ast`, which the program may change: inside the guard's work, that
        # was code of the program's on top of it. (One call per step, not a generator of the
        # guard's: its frame would be resumed by the server.)
        caller = _outside(_entry_frame())
        if mode != "repl" or caller is None or id(caller.f_code) not in _repl_codes:
            raise RuntimeError("pysbx: not the REPL's server")
        if _repl_pending:
            del _repl_statements[:]
            del _repl_parsing[:]
            source, filename = _repl_pending.pop()
            # As the parser reads it: a lone `\r` or `\r\n` ends a line as `\n` does.
            text = source.replace("\r\n", "\n").replace("\r", "\n")
            _repl_parsing.extend((text.split("\n"), filename))
            return _compile_later(text, filename, parse_only=True) + (True,)
        if _repl_parsing:
            lines, filename = _repl_parsing
            del _repl_parsing[:]
            for text in reversed(_repl_units(tree, lines)):
                _repl_statements.append((text, filename))
        if not _repl_statements:
            return None
        text, filename = _repl_statements.pop()
        return _compile_later(text, filename) + (False,)

    def _repl_units(tree, lines):
        # The input's statements as texts the interactive mode compiles one at a time: the
        # lines from the end of the one before to the end of each (its decorators, comments
        # and blank lines before it), statements that share a line in one text (`a = 1; b`),
        # each after as many empty lines as come before it, so that tracebacks name its own
        # lines. Only the positions are read from the tree, through the node's own
        # dictionary (a copy of it: the tree is the server's, the program may have reached
        # it); the texts are the input's own lines, which the gate passed.
        body = _plain_dict(_node_fields(tree)).get("body") \
            if _issubclass(_type(tree), _AST_BASE) else None
        if _type(body) is not _AST_LIST:
            raise RuntimeError("pysbx: the REPL's input was not parsed")
        units = []
        for stmt in _tuple(body):
            fields = _plain_dict(_node_fields(stmt)) if _issubclass(_type(stmt), _AST_BASE) else {}
            first, last = fields.get("lineno"), fields.get("end_lineno")
            if _type(first) is not _int or _type(last) is not _int \
                    or not 1 <= first <= last <= _len(lines):
                raise RuntimeError("pysbx: the REPL's input was not parsed")
            start = units[-1][1] + 1 if units else 1
            if units and first < start:
                units[-1][1] = max(units[-1][1], last)
            else:
                units.append([start, last])
        return ["\n" * (start - 1) + "\n".join(lines[start - 1:last]) + "\n"
                for start, last in units]

    def _repl_request(header):
        if mode != "repl":
            raise RuntimeError("pysbx: not a REPL run")
        if _type(header) is not dict:
            raise TypeError("pysbx: not a request of the REPL")
        header = _plain_dict(header)  # the program's dictionary, when the caller is a deputy
        t = header.get("t")
        if t == "repl":
            reply, blob = _request({"t": "repl"})
            del _repl_pending[:]
            del _repl_statements[:]
            del _repl_parsing[:]
            if reply.get("t") == "input":
                name = reply.get("filename")
                _repl_pending.append((blob.decode("utf-8", "surrogateescape"),
                                      name if _type(name) is _str and name else "<input>"))
            return reply, blob
        if t == "readline":
            prompt = header.get("prompt")
            return _request({"t": "readline", "prompt": prompt if _type(prompt) is _str else ""})
        raise ValueError("pysbx: not a request of the REPL")

    for _name, _fn in (("_trim", _trim), ("_ending", _ending), ("_exiting", _exiting),
                       ("_program_code", _program_code),
                       ("_program_unparsable", _program_unparsable),
                       ("_repl_server", _repl_server), ("_repl_request", _repl_request),
                       ("_repl_compile", _repl_compile)):
        _seal(_name, _fn)
    # What the interpreter shows of an exception nobody caught (`sys.excepthook`, a thread's
    # `threading.excepthook`, `sys.unraisablehook` for a finalizer's) is printed in C, which
    # parses each line it shows (for the `^^^` marks) and so raises `compile` from whatever
    # frame lies beneath: a thread's failure in `threading`'s, a finalizer's in the program's.
    # The interpreter's hooks are called from facades of their own, whose `compile` is that
    # parse (see `_printing_ids`); what they call of the program's objects is judged as ever.
    printing = {}
    for holder, name, template in ((sys, "excepthook", excepthook),
                                   (sys, "unraisablehook", unraisablehook),
                                   (_thread, "_excepthook", _thread_excepthook)):
        real = getattr(holder, name)
        f = _facade(template, name, module=holder.__name__, doc=real.__doc__)
        f.__kwdefaults__ = {"__pysbx_hook": real}
        _sealed_ids.add(id(f.__code__))
        _lend(f)
        printing[name] = f
    sys.excepthook = sys.__excepthook__ = printing["excepthook"]
    sys.unraisablehook = sys.__unraisablehook__ = printing["unraisablehook"]
    _thread._excepthook = printing["_excepthook"]
    if "threading" in sys.modules:
        sys.modules["threading"].excepthook = printing["_excepthook"]
        sys.modules["threading"].__excepthook__ = printing["_excepthook"]
    _facade(_flush_output, transparent=True, publish=True)
    report = _facade(_report)
    report.__kwdefaults__ = {"__pysbx_trim": _F["_trim"],
                             "__pysbx_traceback": BaseException.__dict__["__traceback__"]}
    _sealed_ids.add(id(report.__code__))
    _lend(report)
    text_of = _facade(_text_of, transparent=True)
    for f in (report, *printing.values()):
        _printing_ids.add(id(f.__code__))
    runner = _facade(_pysbx_run, publish=True)
    # Not the guard's own code to the hook: the program may call the runner again (the
    # loader's frame holds it, and the facades' namespace), with a program of its own as the
    # keyword default; its frame is then the program's, its `compile` and `exec` judged so.
    # The runner the loader calls is the bottom of every stack walk (`_frames`).
    _runner_codes = set()
    _collect(runner.__code__, _runner_codes)
    _plain_ids.difference_update(_runner_codes)
    _transparent_ids.difference_update(_runner_codes)
    # What the runner calls is fixed here, out of the program's reach: it runs the code it is
    # given from a frame the hook counts as the guard's.
    runner.__kwdefaults__ = {"__pysbx_program": _F["_program_code"],
                             "__pysbx_unparsable": _F["_program_unparsable"],
                             "__pysbx_repl": _F["_repl_server"], "__pysbx_ending": _F["_ending"],
                             "__pysbx_exiting": _F["_exiting"],
                             "__pysbx_text": text_of, "__pysbx_report": report,
                             "__pysbx_args": BaseException.__dict__["args"].__get__}
    _sealed_ids.add(id(runner.__code__))
    _lend(runner)
    # Judging from here on: nothing of the program's has run yet, and the guard's own setup
    # need not meet its checks (the hook, registered with the entries, only ran them so far).
    _live = True
    return runner


# --- facade templates -------------------------------------------------------------------------
# Rebound by the guard onto its facade namespace (see "facades" above); as written here they
# run nowhere. Their globals are the names the guard put in that namespace.

# An entry holds the guard's function and what automatic collection is resumed by (the
# threads' depths in the guard's work, the program's setting, the interpreter's `gc.enable`),
# all given in one keyword default (see `_entry_defaults`: a caller that passes it gives the
# entry nothing of the guard's), until its `del`, which drops them all, `__pysbx_impl` last.
# Past it, the frame holds nothing of the guard's: what the guard's work put off (automatic
# collection, a signal's handler, finalizers) runs on top of it. Collection is turned on only when no thread is inside the
# guard's work, checked and done with no call or allocation in between (no other thread runs,
# no collection), and the interpreter's `enable` is called from the value stack, the local
# that held it already cleared. An exception that escaped the guard's function (one raised
# around its own `try`) leaves without the guard's frames (`__pysbx_scrub`, a sealed entry).
# The signals put off are raised again all at once, in C (`deque(map(...), 0)`): their
# handlers run together at the next check, and when one raises, the interpreter keeps the
# others for the check after, as it does with signals that arrive together.

def _sealed_entry(*args, __pysbx_entry=None, **kwargs):
    (__pysbx_impl, __pysbx_held, __pysbx_wanted, __pysbx_gc, __pysbx_trip, __pysbx_scrub,
     __pysbx_any, __pysbx_drain, __pysbx_each, __pysbx_deep) = __pysbx_entry
    del __pysbx_entry
    try:
        ok, value, collect, signals, dropped = __pysbx_impl(args, kwargs)
    except __pysbx_any as escaped:
        ok = collect = None
        value = escaped
        signals = dropped = ()
    collect = collect and __pysbx_wanted[0] and not __pysbx_held and __pysbx_gc
    del __pysbx_held, __pysbx_wanted, __pysbx_gc, __pysbx_impl
    if collect:
        try:
            collect(*(collect := None) or ())
        except __pysbx_any as late:
            # The call itself fails at the recursion limit (its traceback is this frame's
            # alone): collection is resumed by the next entry. Anything else was raised by a
            # signal handler of the program's, run at the call's end, and leaves from here as
            # it would under python3, the signals put off raised again first.
            if late.__traceback__.tb_next is not None:
                del dropped
                if signals:
                    __pysbx_drain(__pysbx_each(__pysbx_trip, signals), 0)
                raise
    del dropped
    if ok is None:
        try:
            __pysbx_scrub(value)
        except __pysbx_any:
            # The scrub failed (at the recursion limit): what it could not scrub is dropped,
            # and a fresh error of the interpreter's kind leaves instead.
            value = __pysbx_deep
            value.__traceback__ = value.__context__ = value.__cause__ = None
    if signals:
        __pysbx_drain(__pysbx_each(__pysbx_trip, signals), 0)
    if ok:
        return value
    raise value


def _entry_call(*args, __pysbx_call=None, __pysbx_answer=None, **kwargs):
    # A sealed entry (see `_seal`): the guard's work runs inside the audit hook this event
    # calls, and its answer comes back as the guard's exception, read by the interpreter's
    # own descriptor. No answer: no guard's hook took the event.
    # The interpreter's `sys.audit` is only ever on the value stack, and every local is
    # cleared before the call, which allocates the event's arguments: a collection set off
    # there ran a finalizer of the program's on top of this frame, which read the function
    # and the arguments from its locals (the keywords, a dictionary it could change before
    # the hook read them) and raised entry events of its own through that `sys.audit`.
    # The answer is (the value, what raises the signals put off meanwhile again, or None).
    # They are raised here, once the frame holds nothing of the guard's (past the last `del
    # __pysbx_answer`, see `_spent_at`): raised inside the hook, with this frame waiting
    # beneath, each was put off again, and a loop of entries alone never ran its handler.
    answer = None
    try:
        __pysbx_call[1]("pysbx.entry", __pysbx_call[0], args, kwargs,
                        (args := (kwargs := (__pysbx_call := None))))
    except __pysbx_answer[0] as result:
        answer = result
    except BaseException:
        # What leaves with the entry's error keeps this frame in its traceback: it holds
        # nothing then but the answer's class and reader.
        del __pysbx_answer
        raise
    if answer is None:
        del __pysbx_answer
        raise RuntimeError("pysbx: the guard did not answer")
    answer = __pysbx_answer[1](answer)
    del __pysbx_answer
    if answer[1] is not None:
        answer[1]()
    return answer[0]


def _audit_entry(event, args, *, __pysbx_entry=None):
    (__pysbx_impl, __pysbx_held, __pysbx_wanted, __pysbx_gc, __pysbx_trip, __pysbx_scrub,
     __pysbx_any, __pysbx_drain, __pysbx_each, __pysbx_deep) = __pysbx_entry
    del __pysbx_entry
    try:
        failure, collect, signals, dropped = __pysbx_impl(event, args)
    except __pysbx_any as escaped:
        failure = escaped
        collect = None
        signals = dropped = ()
    escaped = collect is None
    collect = collect and __pysbx_wanted[0] and not __pysbx_held and __pysbx_gc
    del __pysbx_held, __pysbx_wanted, __pysbx_gc, __pysbx_impl
    if collect:
        try:
            collect(*(collect := None) or ())
        except __pysbx_any as late:
            # As in `_sealed_entry`: what a signal handler raised leaves from here.
            if late.__traceback__.tb_next is not None:
                del dropped
                if signals:
                    __pysbx_drain(__pysbx_each(__pysbx_trip, signals), 0)
                raise
    del dropped
    if escaped:
        try:
            __pysbx_scrub(failure)
        except __pysbx_any:
            failure = __pysbx_deep  # as in `_sealed_entry`
            failure.__traceback__ = failure.__context__ = failure.__cause__ = None
    if signals:
        __pysbx_drain(__pysbx_each(__pysbx_trip, signals), 0)
    if failure is not None:
        raise failure


def _pysbx_run(*, __pysbx_program=None, __pysbx_unparsable=None, __pysbx_repl=None,
               __pysbx_ending=None, __pysbx_text=None, __pysbx_args=None, __pysbx_report=None,
               __pysbx_exiting=None):
    # The program runs beneath this frame and the `-c` loader's, whose locals and globals hold
    # nothing of the guard's (the sealed entries in the keyword defaults lead into the guard
    # only as calls).
    try:
        if _mode == "module":
            import runpy
            sys.argv = _argv
            runpy.run_module(_module_name, run_name="__main__", alter_sys=True)
        elif _mode == "repl":
            __pysbx_repl()(_main, _repl_request, __pysbx_report, _repl_compile)
        else:
            sys.argv = _argv
            # Compiled here, past the guard's work (see `_compile_later`).
            text, name, whole = __pysbx_program()
            if not whole:
                compile(text, name, "exec", 0x400, dont_inherit=True)  # PyCF_ONLY_AST
                __pysbx_unparsable()
                raise SystemExit(122)
            exec(compile(text, name, "exec", dont_inherit=True), _main.__dict__)
    except SystemExit as exc:
        # The interpreter shows a `SystemExit`'s message once this returns; what the program
        # printed goes first (see `_flush_output`).
        _flush_output()
        __pysbx_exiting(exc)
        raise
    except BaseException as exc:
        # The exception is the program's: its text is read through a transparent facade and
        # its traceback shown through the printing facades, so what it runs is judged as the
        # program's; its arguments and traceback are read through the interpreter's own
        # descriptors (a class of the program's may make them properties).
        args = __pysbx_args(exc)
        last = args[-1] if args else exc
        status = __pysbx_ending(exc, __pysbx_text(exc), __pysbx_text(last))
        __pysbx_report(exc)
        __pysbx_exiting(status)
        raise SystemExit(status)


def _report(exc, *, __pysbx_trim=None, __pysbx_traceback=None):
    # Shows the traceback plain python would (see `_trim`). Set even when no frame is left (an
    # error of the program's parsing, raised by the guard): the hook prints the exception's own
    # traceback when given none.
    # A gate's stub (a class the stub's text makes) raised through its generator's frame.
    # Read through `type`'s own descriptor: a metaclass of the program's may make `__name__`
    # a property.
    stub = type.__dict__["__name__"].__get__(type(exc)) in ("PysbxBlocked", "PysbxBlockedImport")
    tb = __pysbx_trim(__pysbx_traceback.__get__(exc), stub)
    __pysbx_traceback.__set__(exc, tb)
    _flush_output()
    sys.excepthook(type(exc), exc, tb)


def _flush_output():
    # What the program printed comes first, as the interpreter flushes both streams before it
    # shows an exception nobody caught or a `SystemExit`'s message when it runs a file (one
    # pipe for both keeps plain python's order; the runner is called from `-c` code, after
    # which the interpreter flushes nothing). Whatever a flush raises is dropped, as there.
    for stream in (sys.stderr, sys.stdout):
        try:
            stream.flush()
        except BaseException:
            pass


def _text_of(obj):
    try:
        return _str_copy(str(obj))
    except BaseException:
        return "<unprintable>"


def excepthook(exc_type, value, traceback, /, *, __pysbx_hook=None):
    return __pysbx_hook(exc_type, value, traceback)


def unraisablehook(unraisable, /, *, __pysbx_hook=None):
    return __pysbx_hook(unraisable)


def _thread_excepthook(args, /, *, __pysbx_hook=None):
    return __pysbx_hook(args)


def _finder_find_spec(cls, fullname, path=None, target=None):
    spec = _PathFinder.find_spec(fullname, path, target)
    return spec if spec is None else _gate_spec(fullname, spec)


def spec_from_file_location(name, location=None, *, loader=None, **kwargs):
    spec = _real_spec_from_file_location(name, location, loader=loader, **kwargs)
    if loader is None and spec is not None:
        spec = _gate_spec(_plain(spec.name), spec)
    return spec


def _runpy_code_from_file(*args):
    # `(run_name, fname)`, returning `(code, fname)`, as runpy's reader up to Python 3.11;
    # `(fname)`, returning the code, from 3.12.
    fname = args[-1]
    path = fname if type(fname) is str else _fsdecode(fname)
    if type(path) is str and path.endswith(".py"):
        name = "<run_path>"
        spec = _real_spec_from_file_location(name, path)
        loader = _gate_loader_of(_gate_spec(name, spec)) if spec is not None else None
        if loader is not None:
            code = loader.get_code(name)
            return (code, fname) if len(args) > 1 else code
    return _real_code_from_file(*args)


def _finder_invalidate_caches(cls):
    _PathFinder.invalidate_caches()


def _finder_find_distributions(cls, *args, **kwargs):
    return _PathFinder.find_distributions(*args, **kwargs)


def _loader_get_code(self, fullname, *, __pysbx_gate_code=None):
    # The guard scans the module and hands back its text to compile here, past the guard's
    # work (see `_compile_later`), or the gate's refusal.
    ok, text, name, refused = __pysbx_gate_code(self)
    if ok:
        return compile(text, name, "exec", dont_inherit=True)
    if text is not None:
        try:
            compile(text, name, "exec", 0x400, dont_inherit=True)  # PyCF_ONLY_AST
        except (SyntaxError, ValueError) as e:
            raise e from None
    raise refused


def _import_facade(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and type(name) is str and name in _sys_modules:
        _check_import(name)
    return _real_import(name, globals, locals, fromlist, level)


def _checked_subclasses(cls):
    # `cls.__subclasses__()` of a module the gate read. From a root (`object`, `type`, the
    # builtins' other classes) the walk reaches every loaded class, the guard's own included:
    # refused, as the rule stubs it elsewhere. Any other class's subclasses are derived from it,
    # and reached by importing their modules anyway.
    if not isinstance(cls, type):
        raise AttributeError("'%s' object has no attribute '__subclasses__'" % type(cls).__name__)
    if cls in _walk_roots:
        raise _refusal("PSB701 (subclasses-walk) blocked: the subclasses of %s lead to every "
                       "loaded class" % _type_subclasses.__objclass__.__repr__(cls))
    return _type_subclasses(cls)


def _checked_frame_globals(depth=0):
    # `sys._getframe(depth).f_globals` of a module the gate read: the globals of the frame
    # `depth` calls above the caller's, never the frame itself (its `f_back` and `f_locals`
    # lead anywhere). A frame of the guard's (a facade's namespace) is refused, as the rule
    # stubs it elsewhere; any other's globals are a module's, which importing it gives anyway.
    # Walked down from the caller one frame at a time: nothing at or below a frame of the
    # guard's is the program's (below the runner lies the loader that started the guard).
    if type(depth) is not int:
        depth = depth.__index__()
    if depth < 0:
        raise ValueError("call stack is not deep enough")
    frame = _frame_above(_frame_at(1), depth)
    if frame is None:
        raise ValueError("call stack is not deep enough")
    if frame is False:
        raise _refusal("PSB705 (frame-access) blocked: the globals of a frame at or "
                       "below pysbx's")
    return frame.f_globals


def _frame_above(frame, depth):
    # The frame `depth` calls below `frame`, walked down one frame at a time: None past the
    # bottom of the stack, False at or past a frame of pysbx's (nothing there is the
    # program's, and a frame of pysbx's leads to the guard).
    for _ in range(depth):
        frame = frame.f_back
        if frame is None:
            return None
        if frame.f_code.co_filename == "<pysbx-guard>":
            return False
    return frame


def _checked_parse(source, filename, mode):
    # `compile(source, filename, mode, ast.PyCF_ONLY_AST)` of a module the gate read.
    return _ast_parse(source, filename, mode)


def _checked_eval(source, globals=None, locals=None, /, *, __pysbx_compile_constant=None):
    # `eval(text)` of a module the gate read, the text known only at run time (the gate's
    # `checked_by_the_guard`), where the policy stubs `eval`. Data, literals and the operators
    # between them, is evaluated here without compiling anything: it calls nothing but the
    # interpreter's own operations on values of its own types (`eval(input())` of `2 * (3 +
    # 4)`, `eval(repr([1, "a"]))`). A constant the calling function spells goes to the
    # interpreter's `eval`, which the guard judges as such a constant always is (run when the
    # gate would leave it unchanged). Text an installed package generates (numpy's f2py builds
    # lambdas so) is compiled as the guard's job when the gate would leave it unchanged (see
    # `_compile_constant`). Anything else raises what the rule's stub raises.
    if globals is not None and not isinstance(globals, dict):
        raise TypeError("globals must be a dict")
    caller = _frame_at(1)
    # What the interpreter's `eval` would read: a subclass's methods are not asked.
    text = _plain(source) if isinstance(source, str) else source
    if isinstance(source, (bytes, bytearray)):
        try:
            text = bytes(source).decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if isinstance(text, str):
        body = _ast_parse(text.lstrip(" \t"), "<string>", "eval").body
        if _is_data(body):
            return _data_value(body)
        if _spelled_by(caller.f_code, source):
            if globals is None:
                globals = caller.f_globals
                if locals is None:
                    locals = caller.f_locals
            return _real_eval(source, globals, globals if locals is None else locals)
        code = _vetted_code(text.lstrip(" \t"), "eval", __pysbx_compile_constant)
        if code is False:
            raise _refusal("PSB102 (eval-builtin) blocked at line %d: %s"
                           % (caller.f_lineno, _CAP_REFUSAL))
        if code is not None:
            if globals is None:
                globals = caller.f_globals
                if locals is None:
                    locals = caller.f_locals
            return _real_eval(code, globals, globals if locals is None else locals)
    elif type(source) is _code_type:
        # Code the guard compiled (see `_checked_compile`), judged by the guard as it runs.
        if globals is None:
            globals = caller.f_globals
            if locals is None:
                locals = caller.f_locals
        return _real_eval(source, globals, globals if locals is None else locals)
    raise _refusal("PSB102 (eval-builtin) blocked at line %d: eval of text that is neither "
                   "data (literals and operators) nor a constant of the program's"
                   % caller.f_lineno)


def _checked_compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, *,
                     _feature_version=-1, __pysbx_compile=None):
    # `compile(...)` of a module the gate read, where the policy stubs `compile`. A constant
    # string the calling function spells is compiled as the guard's job when the gate, reading
    # it as code of that function's module, would run it unchanged (see `_compile_constant`);
    # `exec` and `eval` then run the code. Anything else raises what the rule's stub raises.
    # Text an installed package generates goes the same way (the guard decides which), and so
    # does a syntax tree one hands `compile`, written out as text (see `_tree_source`). The
    # private state is one default, as an entry's is (see `_entry_defaults`): a caller that
    # passes its own replaces all of it, never one piece beside the guard's others.
    __pysbx_compile_constant, __pysbx_tree_names, __pysbx_tree = __pysbx_compile
    del __pysbx_compile
    caller = _frame_at(1)
    if __pysbx_tree is not None and isinstance(source, __pysbx_tree[1]):
        if flags & __pysbx_tree[3]:
            return source  # as the interpreter's `compile` does with a tree
        name = _fspath(filename) if not isinstance(filename, str) else _plain(filename)
        text, names, prefix, copy = __pysbx_tree[0](source, mode, __pysbx_tree)
        why = names if text is None else "its file name is not text"
        if text is not None and isinstance(name, str):
            lines = _tree_lines(copy, _ast_parse(text, name, mode), __pysbx_tree[4])
            del copy
            job = __pysbx_compile_constant(text, name, True)
            if job is False:
                raise _refusal("PSB103 (compile-builtin) blocked at line %d: %s"
                               % (caller.f_lineno, _CAP_REFUSAL))
            why = "the gate vets one only where an installed package compiles it, and only " \
                  "when it would run the tree's text unchanged"
            if job is not None:
                code = compile(job[0], job[1], mode, flags, dont_inherit, optimize,
                               _feature_version=_feature_version)
                if not names and not lines:
                    return code
                code = __pysbx_tree_names(code, names, prefix, lines)
                if code is not None:
                    return code
                why = "a name source cannot spell would be a string of the code made"
        raise _refusal("PSB103 (compile-builtin) blocked at line %d: compile of a syntax tree: %s"
                       % (caller.f_lineno, why))
    text = _plain(source) if isinstance(source, str) else source
    if isinstance(source, (bytes, bytearray)):
        text = bytes(source)
    name = _fspath(filename) if not isinstance(filename, str) else _plain(filename)
    if isinstance(text, (str, bytes)) and isinstance(name, str):
        # Text that does not parse raises what Python raises (parsing makes no code).
        if mode in ("exec", "eval", "single"):
            _ast_parse(text, name, mode)
        job = __pysbx_compile_constant(text, name)
        if job is False:
            raise _refusal("PSB103 (compile-builtin) blocked at line %d: %s"
                           % (caller.f_lineno, _CAP_REFUSAL))
        if job is not None:
            return compile(job[0], job[1], mode, flags, dont_inherit, optimize,
                           _feature_version=_feature_version)
    raise _refusal("PSB103 (compile-builtin) blocked at line %d: compile of text that is not a "
                   "constant of the program's, or that the gate would change" % caller.f_lineno)


def _tree_source(tree, mode, bundle):
    # A syntax tree handed to `compile`, as source text: (text, {placeholder: name}, the
    # placeholders' prefix), or (None, why, None) for a tree that cannot be written out as it
    # would compile. The tree is read once into a copy of the interpreter's own node classes
    # holding plain values only, so that the text is all the code made (`compile` of the text,
    # never of a tree, which the program could change after it was read); the names source
    # cannot spell are written as placeholders, given back to the code made (see
    # `_restore_tree_names`). What the interpreter's `compile` refuses in a tree raises what
    # it raises. `bundle`: this function, then what it reads (see where the `compile` facade
    # is made).
    (_, _, _ast_unparse, _, _tree_fields, _tree_modes, _tree_name_fields,
     _tree_constant_types, _JoinedStr, _FormattedValue, _Constant, _iskeyword, _urandom,
     _TreeUnwritable) = bundle
    if mode == "func_type":
        return None, "a function type's tree is not written out", None, None
    want = _tree_modes.get(mode) if type(mode) is str else None
    if want is None:
        raise ValueError("compile() mode must be 'exec', 'eval', 'single' or 'func_type'")
    if type(tree) is not want:
        raise TypeError("expected %s node, got %s" % (want.__name__, type(tree).__name__))
    if _ast_unparse is None:
        return None, "this interpreter's ast module cannot write a tree out as text", None, None
    names = {}  # placeholder -> the name it stands for
    given = {}  # name -> placeholder
    # A prefix no name of the program's holds, but by a guess of 64 random bits.
    prefix = "_pysbx_tree_%s_" % _urandom(8).hex()

    def spellable(name):
        return type(name) is str and name.isidentifier() and not _iskeyword(name)

    def copy_node(node, depth):
        cls = type(node)
        fields = _tree_fields.get(cls)
        if fields is None:
            raise TypeError("expected some sort of AST node, but got %s" % cls.__name__)
        if depth > 1000:
            raise RecursionError("maximum recursion depth exceeded during compilation")
        # Not `cls()`: Python 3.13's constructors warn of the fields not given yet.
        copy = cls.__new__(cls)
        for field in fields:
            try:
                value = getattr(node, field)
            except AttributeError:
                raise TypeError('required field "%s" missing from %s'
                                % (field, cls.__name__)) from None
            kind = _tree_name_fields.get((cls, field))
            if kind is not None and value is not None:
                value = copy_name(value, kind)
            elif cls is _Constant and field == "value":
                value = check_constant(value)
            else:
                value = copy_value(value, depth)
            setattr(copy, field, value)
        for position in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            # Read by `ast.unparse` (a statement's line, for its type comment); the text made
            # has its own.
            value = getattr(node, position, None)
            setattr(copy, position, value if type(value) is int else 1)
        if cls is _JoinedStr:
            # `f"..."` holds constants and formatted values; a tree may hold any expression
            # there (werkzeug's builders join calls so), which the interpreter compiles as
            # that value's text. Formatted as it is (`{x}`), a `str` is itself.
            copy.values = [v if type(v) is _FormattedValue
                           or (type(v) is _Constant and type(v.value) is str)
                           else _FormattedValue(value=v, conversion=-1, format_spec=None)
                           for v in copy.values]
        return copy

    def copy_value(value, depth):
        t = type(value)
        if t in _tree_fields:
            return copy_node(value, depth + 1)
        if t is list:
            return [copy_value(v, depth) for v in value]
        if value is None or t is str or t is int or t is bool:
            return value
        raise TypeError("invalid value of type %s in a syntax tree" % t.__name__)

    def copy_name(value, kind):
        # A name field's value: as it is when source can spell it, else a placeholder.
        if type(value) is list:
            return [copy_name(v, kind) for v in value]
        if type(value) is not str:
            raise TypeError("AST identifier must be of type str")
        if kind == "dotted":
            if value == "*" or all(spellable(part) for part in value.split(".")):
                return value
            raise _TreeUnwritable("it imports a module by a name source cannot spell (%r)"
                                  % value)
        if spellable(value):
            return value
        if value in ("None", "True", "False"):
            raise ValueError("identifier field can't represent '%s' constant" % value)
        placeholder = given.get(value)
        if placeholder is None:
            placeholder = "%s%d_" % (prefix, len(names))
            given[value] = placeholder
            names[placeholder] = value
        return placeholder

    def check_constant(value):
        t = type(value)
        if t is tuple or t is frozenset:
            for item in value:
                check_constant(item)
        elif value is not None and value is not ... and t not in _tree_constant_types:
            raise TypeError("got an invalid type in Constant: %s" % t.__name__)
        return value

    try:
        copy = copy_node(tree, 0)
    except _TreeUnwritable as exc:
        return None, exc.args[0], None, None
    try:
        return _ast_unparse(copy), names, prefix, copy
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        return None, "ast.unparse cannot write it out (%s)" % exc, None, None


def _tree_lines(copy, written, fields):
    # The lines of the tree the text was written out from, by the lines of the text (its
    # parse, `written`): the two trees have the same nodes in the same order, and each node's
    # line in the text stands for its line in the tree, so that the code made says where its
    # source is (tracebacks, pytest's report of a failed assert). {} when they differ.
    lines = {}
    todo = [(copy, written)]
    while todo:
        a, b = todo.pop()
        if type(a) is not type(b):
            return {}
        if type(a) is list:
            if len(a) != len(b):
                return {}
            todo.extend(zip(a, b))
            continue
        names = fields.get(type(a))
        if names is None:
            continue
        old, new = getattr(a, "lineno", None), getattr(b, "lineno", None)
        if type(old) is int and type(new) is int and new not in lines:
            lines[new] = old
        for field in names:
            todo.append((getattr(a, field, None), getattr(b, field, None)))
    return lines


def _checked_exec(source, globals=None, locals=None, /, *, closure=None,
                  __pysbx_compile_constant=None):
    # `exec(...)` of a module the gate read, given anything but a string written in the call,
    # where the policy stubs `exec`: code the guard compiled (a constant `compile` made, see
    # `_checked_compile`) and a constant string the calling function spells go to the
    # interpreter's `exec`, which the guard judges as ever (a constant runs when the gate would
    # leave it unchanged); anything else raises what the rule's stub raises.
    caller = _frame_at(1)
    if globals is None:
        globals = caller.f_globals
        if locals is None:
            locals = caller.f_locals
    elif globals is not None and not isinstance(globals, dict):
        raise TypeError("exec() globals must be a dict, not %s" % type(globals).__name__)
    text = _plain(source) if isinstance(source, str) else source
    if isinstance(source, (bytes, bytearray)):
        text = bytes(source)
    if type(source) is _code_type or (isinstance(text, (str, bytes))
                                      and _spelled_by(caller.f_code, text)):
        if closure is not None:
            return _real_exec(source, globals, locals, closure=closure)
        return _real_exec(source, globals, locals)
    if isinstance(text, (str, bytes)):
        # Text an installed package generates (see `_vetted_code`).
        _ast_parse(text, "<string>", "exec")
        code = _vetted_code(text, "exec", __pysbx_compile_constant)
        if code is False:
            raise _refusal("PSB101 (exec-builtin) blocked at line %d: %s"
                           % (caller.f_lineno, _CAP_REFUSAL))
        if code is not None:
            if closure is not None:
                return _real_exec(code, globals, locals, closure=closure)
            return _real_exec(code, globals, locals)
    raise _refusal("PSB101 (exec-builtin) blocked at line %d: exec of text that is not a "
                   "constant of the program's" % caller.f_lineno)


def _vetted_code(text, mode, compile_constant):
    # `exec`/`eval` of a string an installed package generated: compiled as the guard's job,
    # under `<string>`, when the gate would run the text unchanged (see `_compile_constant`);
    # None otherwise, False past the cap on such texts. Not by the name `compile`: the hook
    # takes a facade whose code names `compile` for one that compiles what it runs itself,
    # and the facades hand `exec` a caller's constant as it is (see `_calls_it_itself`).
    job = compile_constant(text, "<string>")
    if job is None or job is False:
        return job
    return _real_compile(job[0], job[1], mode, dont_inherit=True)


def _checked_function_attr(obj, *rest):
    # `X.__closure__`, `X.__globals__`, `X.cell_contents` and `getattr(X, name[, default])` of
    # those, as the gate hands them where the policy stubs them (`rest`: the default if any,
    # then the name). Any function's or bound method's but the guard's own (its code is named
    # `<pysbx-guard>`): its globals are the guard's namespace or the facades', its closures hold
    # the guard's state. A cell is only ever reached through a closure, so a cell's contents
    # are the program's.
    name = rest[-1] if rest else None
    if type(name) is not str or len(rest) > 2 \
            or name not in ("__closure__", "__globals__", "cell_contents"):
        raise TypeError("__pysbx_function_attr__() takes an object, an optional default and "
                        "one of '__closure__', '__globals__', 'cell_contents'")
    inner = _method_func(obj) if type(obj) is _method_type else obj
    if type(inner) is _function_type \
            and _function_code(inner).co_filename == "<pysbx-guard>":
        raise _refusal("PSB703 (function-internals) blocked: %s of a function of pysbx's" % name)
    value = getattr(obj, name, rest[0]) if len(rest) == 2 else getattr(obj, name)
    if name == "__globals__" and value is _facades_globals:
        raise _refusal("PSB703 (function-internals) blocked: the globals of pysbx's functions")
    return value


def _checked_code_rename(obj, /, *, __pysbx_rename=None, **fields):
    # `X.replace(co_name=...)`, with `co_qualname` and `co_firstlineno` the only other
    # keywords, as the gate hands it where the policy stubs code made at run time: code the
    # guard compiled is renamed by the guard (see `_rename_job_code`); anything else's
    # `replace` is called as written, and judged as the caller's.
    renamed = __pysbx_rename(obj, fields)
    return obj.replace(**fields) if renamed is None else renamed


def _checked_has_function_attr(obj, name):
    # `hasattr(X, "__globals__")` as the gate hands it: whether it has one, which reads
    # nothing of the guard's.
    if type(name) is not str or name not in ("__closure__", "__globals__", "cell_contents"):
        raise TypeError("__pysbx_has_function_attr__() takes an object and one of "
                        "'__closure__', '__globals__', 'cell_contents'")
    return hasattr(obj, name)


def _checked_set_cell(cell, value):
    # `X.cell_contents = value` as the gate hands it (see `_checked_function_attr`).
    if type(cell) is _cell_type:
        cell.cell_contents = value
    else:
        setattr(cell, "cell_contents", value)


def _checked_frame(depth=0):
    # `sys._getframe(depth)` and `inspect.currentframe()` of a module the gate read: a snapshot
    # of the frame `depth` calls above the caller's (see `_frame_snapshot`), never the frame.
    # Walked down one frame at a time: nothing at or below a frame of pysbx's is the program's,
    # so the stack ends there, as it ends below a script's first frame under Python.
    if type(depth) is not int:
        depth = depth.__index__()
    frame = _frame_above(_frame_at(1), depth)
    if not frame:
        raise ValueError("call stack is not deep enough")
    return _frame_snapshot(frame)


def _checked_stack(context=1):
    # `inspect.stack(context)` of a module the gate read: `inspect`'s own list, of snapshots.
    snapshot = _frame_snapshot(_frame_at(1))
    return __import__("inspect").getouterframes(snapshot, context)


def _checked_outer_frames(frame, context=1):
    # `inspect.getouterframes(frame, context)` of a module the gate read: of a snapshot only.
    if type(frame) is not _FrameSnapshot:
        raise _refusal("PSB706 (frame-introspection-call) blocked: the frames around a %s "
                       "object" % type(frame).__name__)
    return __import__("inspect").getouterframes(frame, context)


def _checked_trace(context=1):
    # `inspect.trace(context)` of a module the gate read: the frames of the exception being
    # handled, as snapshots.
    return __pysbx_inner_frames__(sys.exc_info()[2], context)


def _checked_inner_frames(tb, context=1):
    # `inspect.getinnerframes(tb, context)` of a module the gate read: `inspect`'s list, each
    # frame a snapshot. A traceback through pysbx's own frames is refused.
    inspect = __import__("inspect")
    frames = []
    if tb is not None and type(tb) is not _frame_holders["tb_frame"]:
        raise _refusal("PSB706 (frame-introspection-call) blocked: the frames of a %s object"
                       % type(tb).__name__)
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename == "<pysbx-guard>":
            raise _refusal("PSB705 (frame-access) blocked: a traceback through pysbx's frames")
        info = inspect.getframeinfo(tb, context)
        frames.append(inspect.FrameInfo(_frame_snapshot(frame), *info, positions=info.positions))
        tb = tb.tb_next
    frame = None
    return frames


def _checked_frame_attr(obj, name):
    # A frame attribute read (`f_back`, `f_locals`, `f_globals`, `tb_frame`, `gi_frame`,
    # `cr_frame`, `ag_frame`; `tb_next`, below) of a module the gate read: a snapshot's own,
    # or a snapshot of the frame a traceback, generator, coroutine or asynchronous generator
    # holds. Anything else is refused, as the rule stubs it elsewhere: a real frame never
    # reaches the program.
    if not isinstance(name, str):
        raise TypeError("attribute name must be string, not '%s'" % type(name).__name__)
    name = _plain(name)  # the text itself: a subclass's `__eq__` and `__hash__` are not asked
    kind = type(obj)
    if name == "tb_next":
        if kind is not _frame_holders["tb_frame"]:
            return getattr(obj, name)  # another object's attribute of that name
        # The next entry plain python would show: an entry of pysbx's own (a facade that ran
        # the caller's code, which the interpreter's `exec` does in C, adding none) is passed
        # over, so that a library re-raising through `exec` gets its code's entry (jinja2's
        # templates' tracebacks).
        tb = obj.tb_next
        while tb is not None and tb.tb_frame.f_code.co_filename == "<pysbx-guard>":
            tb = tb.tb_next
        return tb
    if kind is _FrameSnapshot:
        if name == "f_back" or name == "f_locals" or name == "f_globals":
            return _FrameSnapshot.__dict__[name].__get__(obj)
        raise AttributeError("'frame' object has no attribute '%s'" % name)
    if _frame_holders.get(name) is kind:
        frame = getattr(obj, name)
        if frame is None:
            return None
        if frame.f_code.co_filename != "<pysbx-guard>":
            return _frame_snapshot(frame)
    elif kind is not _frame_type and kind not in _frame_holder_types:
        # An object of no kind that holds a frame (a stand-in frame of the program's, as
        # tblib and pytest's `Frame` are): its attribute of that name, as Python reads it.
        # Real frames never reach the program, and what the attribute computes is the
        # program's code, whose frame reads go through here in turn.
        return getattr(obj, name)
    raise _refusal("PSB705 (frame-access) blocked: %s of a %s object" % (name, kind.__name__))


def _frame_snapshot(frame):
    # What the frame and those below it held, down to the first frame of pysbx's (the runner
    # below the program's first frame, an import's loader, a facade): code, line, globals (a
    # module's, which importing it gives anyway), builtins and a copy of the locals (a module's
    # frame's locals are its globals, as for a frame). Linked by `f_back`, built from the
    # bottom; never a frame, nothing of pysbx's.
    chain = []
    while frame is not None and len(chain) < 4096:
        if frame.f_code.co_filename == "<pysbx-guard>":
            break
        chain.append(frame)
        frame = frame.f_back
    frame = None
    back = None
    while chain:
        f = chain.pop()
        snapshot = _FrameSnapshot()
        snapshot.f_code = f.f_code
        snapshot._line = f.f_lineno
        snapshot._frame_id = id(f)
        snapshot._lasti = f.f_lasti
        snapshot.f_globals = f.f_globals
        snapshot.f_builtins = f.f_builtins
        local = f.f_locals
        snapshot.f_locals = local if local is snapshot.f_globals else dict(local)
        snapshot.f_back = back
        snapshot.f_trace = None
        snapshot.f_trace_lines = True
        snapshot.f_trace_opcodes = False
        back = snapshot
    f = local = None
    return back


def _snapshot_lineno(snapshot):
    # A snapshot's line and last instruction: its frame's current ones while that frame runs
    # on the caller's stack (known by its identity and code), else those it had when the
    # snapshot was made.
    return _snapshot_position(snapshot, 0)


def _snapshot_lasti(snapshot):
    return _snapshot_position(snapshot, 1)


def _snapshot_position(snapshot, which):
    slots = _FrameSnapshot.__dict__
    ident, code = slots["_frame_id"].__get__(snapshot), slots["f_code"].__get__(snapshot)
    frame = _frame_at(2)
    while frame is not None and frame.f_code.co_filename != "<pysbx-guard>":
        if id(frame) == ident and frame.f_code is code:
            return frame.f_lasti if which else frame.f_lineno
        frame = frame.f_back
    return slots["_lasti" if which else "_line"].__get__(snapshot)


def _spelled_by(code, source):
    for const in code.co_consts:
        if type(const) is type(source) and const == source:
            return True
    return False


def _is_data(node):
    kind = _data_kinds.get(type(node))
    if kind is None:
        return False
    if kind == "constant":
        return True
    if kind in ("tuple", "list", "set"):
        return all(_is_data(e) for e in node.elts)
    if kind == "dict":
        return all(k is None or _is_data(k) for k in node.keys) \
            and all(_is_data(v) for v in node.values)
    if kind == "starred":
        return _is_data(node.value)
    if kind == "unary":
        return type(node.op) in _unary_ops and _is_data(node.operand)
    if kind == "binary":
        return type(node.op) in _binary_ops and _is_data(node.left) and _is_data(node.right)
    if kind == "bool":
        return all(_is_data(v) for v in node.values)
    if kind == "compare":
        return all(type(op) in _compare_ops for op in node.ops) and _is_data(node.left) \
            and all(_is_data(c) for c in node.comparators)
    if kind == "if":
        return _is_data(node.test) and _is_data(node.body) and _is_data(node.orelse)
    if kind == "subscript":
        return _is_data(node.value) and _is_data(node.slice)
    if kind == "slice":
        return all(p is None or _is_data(p) for p in (node.lower, node.upper, node.step))
    if kind == "joined":
        return all(_is_data(v) for v in node.values)
    if kind == "formatted":
        return node.conversion in (-1, 97, 114, 115) and _is_data(node.value) \
            and (node.format_spec is None or _is_data(node.format_spec))
    return False


def _data_items(elts):
    items = []
    for e in elts:
        if _data_kinds.get(type(e)) == "starred":
            items.extend(_data_value(e.value))
        else:
            items.append(_data_value(e))
    return items


def _data_value(node):
    # The value of a tree `_is_data` accepted, evaluated in Python's order.
    kind = _data_kinds[type(node)]
    if kind == "constant":
        return node.value
    if kind == "tuple":
        return tuple(_data_items(node.elts))
    if kind == "list":
        return _data_items(node.elts)
    if kind == "set":
        return set(_data_items(node.elts))
    if kind == "dict":
        value = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                value.update(_data_value(v))
            else:
                key = _data_value(k)
                value[key] = _data_value(v)
        return value
    if kind == "unary":
        return _unary_ops[type(node.op)](_data_value(node.operand))
    if kind == "binary":
        left = _data_value(node.left)
        return _binary_ops[type(node.op)](left, _data_value(node.right))
    if kind == "bool":
        conjunction = type(node.op) is _and_op
        for v in node.values:
            value = _data_value(v)
            if (not value) if conjunction else value:
                return value
        return value
    if kind == "compare":
        left = _data_value(node.left)
        for op, c in zip(node.ops, node.comparators):
            right = _data_value(c)
            contained = _in_ops.get(type(op))
            if contained is None:
                result = _compare_ops[type(op)](left, right)
            else:
                result = _compare_ops[type(op)](right, left) is contained
            if not result:
                return result
            left = right
        return result
    if kind == "if":
        return _data_value(node.body) if _data_value(node.test) else _data_value(node.orelse)
    if kind == "subscript":
        value = _data_value(node.value)
        return value[_data_value(node.slice)]
    if kind == "slice":
        return slice(*(None if p is None else _data_value(p)
                       for p in (node.lower, node.upper, node.step)))
    if kind == "joined":
        return "".join(_data_value(v) for v in node.values)
    value = _data_value(node.value)  # formatted
    if node.conversion == 115:
        value = str(value)
    elif node.conversion == 114:
        value = repr(value)
    elif node.conversion == 97:
        value = ascii(value)
    return format(value, "" if node.format_spec is None else _data_value(node.format_spec))


def _plain(value):
    # A string, bytes or integer of the interpreter's own type: a subclass's methods are the
    # program's code, which must not run inside the guard.
    if isinstance(value, str):
        return _str_copy(value)
    if isinstance(value, bytes):
        return _bytes_copy(value)
    if isinstance(value, int):
        return _index(value)
    return value


def _bytes_copy(value):
    return b"" + value


_permit_doc = """A context manager narrowing what the enclosed code of this thread may do.

    `net`: destinations (`host:port`, `udp:host:port`); `fs_read`, `fs_write`: paths
    (directories cover what is beneath; relative to the current directory); `process`,
    `ffi`: `False` to forbid. An omitted argument leaves that capability as it is. Asking
    for more than the current grant (the policy's, narrowed by enclosing permits) raises
    `pysbx.PolicyViolation` at once; nested permits intersect.
    """


def _permit_init(self, net=None, fs_read=None, fs_write=None, process=None, ffi=None):
    if net is not None:
        if isinstance(net, (str, bytes)) or not hasattr(net, "__iter__"):
            raise TypeError("pysbx.permit: net must be a list of 'host:port' strings")
        net = tuple([_plain(r) for r in net])
    self._want = _permit_want(net, _permit_paths(fs_read, "fs_read"),
                              _permit_paths(fs_write, "fs_write"), process, ffi)


def _permit_paths(value, what):
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError("pysbx.permit: %s must be a list of paths" % what)
    return tuple([_plain(_fspath(p)) for p in value])


def _permit_enter(self):
    _permit_push(self, self._want)
    return self


def _permit_exit(self, *exc):
    _permit_pop(self)
    return False


def getpwuid(uid):
    return _look_up(_real_getpwuid, uid, _known_users, 2)


def getpwnam(name):
    return _look_up(_real_getpwnam, name, _known_users, 0)


def getpwall():
    return _with_known(_real_getpwall(), _known_users)


def getgrgid(id):
    return _look_up(_real_getgrgid, id, _known_groups, 2)


def getgrnam(name):
    return _look_up(_real_getgrnam, name, _known_groups, 0)


def getgrall():
    return _with_known(_real_getgrall(), _known_groups)


def _look_up(real, key, known, at):
    # The database's entry, else one of the guard's (`at`: the name's or the id's place in
    # both `struct_passwd` and `struct_group`).
    try:
        return real(key)
    except KeyError:
        for entry in known:
            if key == entry[at]:
                return entry
        raise


def _with_known(entries, known):
    for entry in known:
        if not any(e[2] == entry[2] for e in entries):
            entries.append(entry)
    return entries


def _end_if_fatal(sig):
    # A signal the calling thread blocks stays pending with the kernel (a handler installed
    # before it is unblocked gets it, as under Python): nothing ends here.
    try:
        sig = _int(sig)
        fatal = sig in _ending_defaults and _current_handler(sig) == 0 \
            and sig not in _sigmask(_SIG_BLOCK, ()) and not _caught_in_c(sig)
    except (TypeError, ValueError, OverflowError):
        return
    if fatal:
        _exit(128 + sig)


def chdir(path):
    # The working directory shows the script's directory copy-on-write: entering that
    # directory by its own path enters the working directory, where the program's writes go
    # (a `python3` run started in the script's directory stays where it is). The directory is
    # told by its identity (device and inode, of the interpreter's `stat`): a path of the
    # program's class is converted first, so no code of the program's runs past that.
    # What is not a path (a descriptor, a wrong type) goes to the interpreter as it is, which
    # raises its own error for it.
    if _type(path) is _int_type:
        return _real_chdir(path)
    try:
        path = _fspath(path)
    except TypeError:
        return _real_chdir(path)
    try:
        st = _real_stat(path)
        if st.st_dev == _cow_lower_id[0] and st.st_ino == _cow_lower_id[1]:
            path = _cow_workdir
    except (OSError, ValueError, TypeError, OverflowError):
        pass
    return _real_chdir(path)


def _os_open(path, flags, mode=0o777, *, dir_fd=None):
    # `os.open`, whose audit event names no directory descriptor: the facade tells the guard
    # `at` for the event of the call below (see `_open_at`, `_open_dir_fd`), once every value
    # the program passed is plain; what the interpreter refuses goes to it as it is, for its
    # own error.
    try:
        flags, mode = _index(flags), _index(mode)
        at = None if dir_fd is None else _index(dir_fd)
        # The text of a path object (`pathlib.Path`, an `os.PathLike` of the program's), made
        # here, at the program's level, as the interpreter would make it: the audit event
        # names the text the interpreter opens, the very object the facade passes on.
        path = _fspath(path)
    except TypeError:
        _open_at(path, "unknown")
        return _real_open(path, flags, mode, dir_fd=dir_fd)
    _open_at(path, at)
    return _real_open(path, flags, mode, dir_fd=at)


def kill(pid, sig):
    pid, sig = _index(pid), _index(sig)
    if pid == _getpid():
        _end_if_fatal(sig)
        return _real_kill(pid, sig)
    if pid == 0 or pid == -_getpgrp():
        # The program's own process group, itself among them: the others get it first.
        _signal_own_group(_real_kill, pid, sig)
        return None
    return _real_kill(pid, sig)


def killpg(pgid, sig):
    pgid, sig = _index(pgid), _index(sig)
    if pgid == 0 or pgid == _getpgrp():
        _signal_own_group(_real_killpg, pgid, sig)
        return None
    return _real_killpg(pgid, sig)


def _signal_own_group(send, target, sig):
    # The group's number may be one the pid namespace cannot see (the interpreter is its
    # init): no other member is then reachable, and the signal is the program's alone.
    try:
        send(target, sig)
    except ProcessLookupError:
        pass
    _end_if_fatal(sig)


def raise_signal(signalnum):
    _end_if_fatal(signalnum)
    return _real_raise_signal(signalnum)


def set_wakeup_fd(fd, /, *, warn_on_full_buffer=True):
    return _set_wakeup(_index(fd))


def _timer_default(signum, frame, *, __pysbx_exit=None):
    __pysbx_exit(128 + signum)


def getsignal(signalnum):
    return _int_to_enum(_current_handler(_index(_enum_to_int(signalnum))), _Handlers)


def signal(signalnum, handler):
    handler = _enum_to_int(handler)
    if isinstance(handler, int):
        handler = _index(handler)
    previous = _install_handler(_index(_enum_to_int(signalnum)), handler)
    return _int_to_enum(previous, _Handlers)


def _c_getsignal_facade(signalnum):
    return _current_handler(_index(signalnum))


def _c_signal_facade(signalnum, handler):
    if isinstance(handler, int):
        handler = _index(handler)
    return _install_handler(_index(signalnum), handler)


def settrace(function):
    _set_tracer("trace", function)


def setprofile(function):
    _set_tracer("profile", function)


def gettrace():
    return _get_tracer("trace")


def getprofile():
    return _get_tracer("profile")


def _trace_trampoline(frame, event, arg, *, __pysbx_safe=None, __pysbx_tracer=None):
    # Installed for a tracer or profiler of the program's (see "signals" in the guard).
    safe = __pysbx_safe(frame, False)
    del frame, __pysbx_safe
    if safe is None:
        return None
    return __pysbx_tracer(safe, event, arg)


def _trampoline(signum, frame, *, __pysbx_safe=None, __pysbx_handler=None, __pysbx_begins=None,
                __pysbx_ends=None):
    # Installed for a handler of the program's (see "signals" in the guard). False: the
    # guard's work lies beneath, and the signal is raised again once it is over. Signals put
    # off while the handler runs wait for its end (`_handler_ends`).
    safe = __pysbx_safe(frame, True, signum)
    del frame, __pysbx_safe
    if safe is False:
        return None
    try:
        __pysbx_begins(signum)
        return __pysbx_handler(signum, safe)
    finally:
        __pysbx_ends()


def _not_json(obj):
    raise TypeError("pysbx_io.output: %s is not a JSON type" % type(obj).__name__)


def _loads_facade(text):
    return _scan(text, 0)[0]


def _to_json_facade(value):
    return "".join(_strict(value, 0))


def _io_input():
    """The JSON value given with `pysbx exec --input FILE` (a fresh copy on each call)."""
    if _input_text is None:
        raise LookupError("pysbx_io.input: no --input was given")
    return _loads(_input_text)


def _io_output(value):
    """Hands a JSON value to pysbx for `--output FILE`; the last call wins."""
    # UTF-8 text: a string holding a lone surrogate (no character; parsers differ on it) is
    # refused here, where the program can see why.
    try:
        text = _to_json(value).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("pysbx_io.output: a string holds a lone surrogate, not a character") from None
    _io_send(text)


def setrecursionlimit(n):
    _set_recursion_limit(_index(n))


def getrecursionlimit():
    return _get_recursion_limit()


def audit(event, *args, __pysbx_audit=None):
    # The sealed default is the entry that checks the event and hands back the interpreter's
    # `sys.audit`, which this frame calls at once and never holds: `_plain` runs the program's
    # code (a `__class__` of its own), and a signal's handler may run at any instruction, each
    # with this frame beneath to read.
    event = _plain(event)
    return __pysbx_audit(event)(event, *args)


def create_builtin(spec):
    return _create_builtin(_plain(spec.name))


def _fix_co_filename(code, path, *, __pysbx_fix_co_filename=None):
    # The sealed default checks the caller and the name (see `_fix_co_filename_check`) and
    # hands back the interpreter's function, which this frame calls at once with that name.
    return __pysbx_fix_co_filename(path)(code, path)


def fork_exec(*args, __pysbx_fork_exec=None):
    # The check from the sealed default, not the facades' namespace, which is the program's
    # to write (a `_fork_exec` of its own there skipped the check; the interpreter's
    # `fork_exec` raises no event).
    # The sealed default is the entry that checks and hands back the interpreter's function,
    # which this frame calls at once and never holds: the interpreter calls `__fspath__` of the
    # program's arguments, and a signal's handler may run at any instruction, each with this
    # frame beneath to read.
    return __pysbx_fork_exec()(*args)


def enable():
    _gc_set(True)


def disable():
    _gc_set(False)


def isenabled():
    return _gc_isenabled()


def set_debug(flags):
    _gc_set_debug(_index(flags))


def _tree_apart_template(compile_, catch, text, name):
    # The parse of the guard's `_tree_apart`, in a thread of its own: the tree, or what
    # compiling raised. The interpreter's `compile` and `BaseException` are the guard's, not
    # the built-ins the program may replace.
    try:
        yield compile_(text, name, "exec", 0x400, True)
    except catch as exc:
        yield exc


def _compile_apart_template(compile_, catch, text, names, flags):
    # The compiles of the guard's `_compiles_to`, in a thread of its own: the code made in
    # each mode (each under a name of its own), or what compiling raised.
    for mode, name in zip(("exec", "eval", "single"), names):
        try:
            yield compile_(text, name, mode, flags, True)
        except catch as exc:
            yield exc


def _put_later_template(namespace, name, value):
    # Puts `value` in `namespace` when let go: by the entry, once the guard's work is over.
    try:
        yield
    finally:
        namespace[name] = value


def walk_stack(f):
    if type(f) is _FrameSnapshot:
        # A snapshot the guard made (see `_frame_snapshot`): its chain ends above pysbx's.
        while f is not None:
            yield f, f.f_lineno
            f = f.f_back
        return
    for frame in _program_frames(f):
        yield frame, frame.f_lineno


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    host = _plain(host)
    return [(_enum_or_int(af, _family_enum), _enum_or_int(kind, _kind_enum), proto, name, addr)
            for af, kind, proto, name, addr in
            _resolve("socket.getaddrinfo", host, _plain(port), _index(family),
                     _index(type), _index(proto), _index(flags), _idna_of(host))]


def _idna_of(host):
    # A name outside ASCII as the interpreter's resolver would encode it ("idna", Python the
    # program may change), encoded here, past the guard's work: what the guard judges.
    if type(host) is str and not str.isascii(host):
        return _bytes_copy(host.encode("idna"))
    return None


def _enum_or_int(value, enum):
    try:
        return enum(value)
    except ValueError:
        return value


def gethostbyname_ex(host):
    host = _plain(host)
    return _resolve("socket.gethostbyname_ex", host, encoded=_idna_of(host))


def gethostbyname(host):
    host = _plain(host)
    return _resolve("socket.gethostbyname", host, encoded=_idna_of(host))


# The `-c` loader runs this file's code in a namespace of its own, with a private copy of the
# built-ins (the guard's code never calls a built-in the program replaced), and calls the
# runner once the guard is in place; nothing of the guard's stays beneath the program.
_pysbx_run = _pysbx_guard()

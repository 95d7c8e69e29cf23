# The pysbx REPL server: pysbx's own code, run by the guard (as "<pysbx-guard>") in place of a
# program. It asks pysbx for each input over the guard pipe, runs it in the one persistent
# __main__ namespace, echoes expression statements through sys.displayhook as the interactive
# interpreter does, and reports exceptions without ending the session. Asking for the next
# input is the "done" marker of the previous one.


def serve(main, request, report, compile_input):
    import sys, signal, linecache, warnings

    ns = main.__dict__
    sigint, ignore, interrupt = signal.SIGINT, signal.SIG_IGN, signal.default_int_handler
    sys.argv = [""]
    sys.ps1, sys.ps2 = ">>> ", "... "

    def read_line(prompt=""):
        # input() inside the session: pysbx's line editor reads the line (the terminal is
        # pysbx's; the interpreter's own stdin is empty).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        header, blob = request({"t": "readline", "prompt": str(prompt)})
        kind = header.get("t")
        if kind == "line":
            return blob.decode("utf-8", "surrogateescape")
        if kind == "interrupt":
            raise KeyboardInterrupt
        raise EOFError("EOF when reading a line")

    import builtins
    read_line.__name__ = read_line.__qualname__ = "input"
    builtins.input = read_line

    def idle():
        # An interrupt that arrives while waiting for input must not tear the pipe's framing.
        signal.signal(sigint, ignore)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass

    while True:
        try:
            idle()
        except KeyboardInterrupt:
            idle()  # a late interrupt of the input that just ended
        header, blob = request({"t": "repl"})
        if header.get("t") != "input":
            return
        filename = header.get("filename") or "<input>"
        source = blob.decode("utf-8", "surrogateescape")
        # The traceback module (traceback.print_exc() in user code) shows the input's lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            signal.signal(sigint, interrupt)
            # The guard hands out the input to parse, then each statement (see
            # `_repl_compile`), compiled here, past the guard's work, when the one before has
            # run: the hook lets this frame compile exactly that text under that name, and run
            # the code made.
            tree = None
            while True:
                job = compile_input(tree)
                if job is None:
                    break
                text, name, parse = job
                if parse:
                    # What the parser warns of is said once, when the statement is compiled.
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        tree = compile(text, name, "exec", 0x400, dont_inherit=True)  # only a tree
                    continue
                tree = None
                exec(compile(text, name, "single", dont_inherit=True), ns)
        except SystemExit:
            raise
        except BaseException as exc:
            try:
                signal.signal(sigint, ignore)
                report(exc)
            except KeyboardInterrupt:
                pass

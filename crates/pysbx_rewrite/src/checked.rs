//! What the sandbox's gate hands to the guard instead of stubbing: a class's walk of its own
//! subclasses, a function's look at its caller's module globals, a `compile` that makes a
//! syntax tree only, `eval` of run-time text, frames, and `compile` and `exec` of code.
//!
//! `cls.__subclasses__()` is how plugin registries and documentation helpers find the classes
//! derived from one of theirs (matplotlib fills its docstrings so at import), and how an escape
//! starts from `object` to reach every loaded class. The rules cannot tell a parameter bound to
//! `Artist` from one bound to `object`; the sandbox can, when the call runs. So the sandbox's
//! gate writes every `X.__subclasses__()` as `__pysbx_subclasses__(X)`, a function the guard
//! puts among the builtins: it gives the subclasses of any class but the roots (`object`,
//! `type` and the other classes of the builtins, from which the walk reaches every class, the
//! guard's own included) and refuses those. Only the call written out with no argument is
//! rewritten; any other use (`type.__subclasses__(x)`, `getattr(x, "__subclasses__")`, the
//! method kept in a name) is left to the rules, which stub it.
//!
//! `sys._getframe(n).f_globals` is how a library learns the module that called it (anyio
//! installs its lazy importer in its caller's globals; `namedtuple`-style factories name the
//! caller's module): it needs the globals, not the frame, whose `f_back` and `f_locals` lead
//! anywhere. The gate writes it as `__pysbx_frame_globals__(n)`, which the guard answers with
//! the globals of that frame when the frame runs the program's code (a gated module, the
//! program, code it made) and refuses for the guard's own; the frame itself is never handed
//! out. Only that exact spelling is rewritten (a call of `_getframe` on `sys` or `_sys`, read
//! for `f_globals` at once); any other frame access is stubbed.
//!
//! `compile(source, filename, mode, ast.PyCF_ONLY_AST)` makes a syntax tree and no code, as
//! `ast.parse` does (the rule does not report it); the guard sees only a `compile` event, without
//! its flags, and refuses it as run-time code. The gate writes it as
//! `__pysbx_parse__(source, filename, mode)`, which calls `ast.parse`, whose `compile` the guard
//! knows makes a tree.
//!
//! `eval(text)` of text known only at run time (`eval(input())` in a calculator, `eval(repr(x))`
//! to copy a value, `eval(line)` reading a list written out) is stubbed by the rules wherever
//! the text could be code. Where the policy stubs it, the gate writes the call as
//! `__pysbx_eval__(text, ...)`, which the guard answers by evaluating the text itself when it is
//! data (literals and the operators between them, which call nothing: no name, attribute or
//! call), by the interpreter's `eval` when it is a constant the calling function spells (judged
//! by the guard as such a constant always is), and otherwise by raising what the stub raises.
//! Only a call of the name `eval` in a module that binds no `eval` of its own, given one to
//! three arguments by position, none of them unpacked, the first not written as a string (a
//! constant is read in place by the rules, as before); any other use is left to the rules.
//!
//! Frames (`inspect.currentframe()`, `sys._getframe(n)`, `inspect.stack()`, and the `f_back`,
//! `f_locals`, `f_globals`, `tb_frame`, `gi_frame`, `cr_frame` and `ag_frame` read of anything)
//! are how a logging helper names its caller and a debugging aid shows its locals, and how an
//! escape walks down to its host: a real frame's `f_back` and `f_locals` lead anywhere. Where the
//! policy stubs them, the gate writes those calls as `__pysbx_frame__(n)` and
//! `__pysbx_stack__(context)`, and each such attribute read as `__pysbx_frame_attr__(x,
//! "f_back")`. The guard answers with snapshots, never a frame: copies of what the frames held
//! (their code, line, globals, a copy of their locals), linked by `f_back` down to the first frame
//! of pysbx's, where the chain ends as it ends below a script's first frame under Python. An
//! attribute read of anything but a snapshot, a traceback, a generator, a coroutine or an
//! asynchronous generator raises what the rule's stub raises. Only `sys._getframe` on the names
//! `sys` or `_sys` and `currentframe`, `stack` on `inspect` are rewritten; other spellings are
//! left to the rules. `inspect.trace()`, `inspect.getinnerframes(tb)` and
//! `inspect.getouterframes(snapshot)` are written as `__pysbx_trace__`,
//! `__pysbx_inner_frames__` and `__pysbx_outer_frames__`: `inspect`'s lists, of snapshots.
//!
//! `compile(SOURCE, "<gen>", "exec")` of a constant, run later by `exec(code, ns)` or
//! `eval(code)`, is how a program keeps a snippet it runs several times. Where the policy stubs
//! them, the gate writes every call of the name `compile` as `__pysbx_compile__(...)` and every
//! `exec(x, ...)` of anything but a string written in the call as `__pysbx_exec__(...)`. The
//! guard compiles, as code of its own making, only a constant string the calling function
//! spells that the gate, reading it as code of that module, would run unchanged; `exec` and
//! `eval` run such code, and a constant the caller spells (judged as ever); anything else
//! raises what the stub raises (the guard also compiles text an installed package generates,
//! under the same test). Only calls of the names in a module that binds neither, or binds them
//! only in class bodies, whose names the functions inside do not see (then every call but
//! those in a class body itself); `exec` given its globals and locals by position, and no
//! unpacking. The names `exec` and `compile` read but not called, `builtins.exec` and
//! `getattr(builtins, "exec")` become the guard's functions themselves.
//!
//! A function's `__closure__` and `__globals__`, and a cell's `cell_contents`, are how code
//! generators fix what they made (`attrs` points the `__class__` cells of a slotted class's
//! methods at the new class) and how copying libraries rebuild a function (`networkx`), and how
//! an escape recovers what a namespace hid. Where the policy stubs them, the gate writes each
//! read `X.__closure__`, `X.__globals__`, `X.cell_contents` and `getattr(X, "__closure__"[,
//! default])` as `__pysbx_function_attr__(X[, default], "__closure__")`, `hasattr(X,
//! "__globals__")` as `__pysbx_has_function_attr__(X, "__globals__")`, and an assignment
//! `X.cell_contents = value` as `__pysbx_set_cell__(X, value)`. The guard answers for any
//! function but its own (whose globals and closures are the guard's), and refuses those; a
//! cell is only ever reached through a closure. Other spellings are left to the rules.
//!
//! Where the policy stubs `compile`, `X.replace(...)` given only `co_name`, `co_qualname` and
//! `co_firstlineno` by keyword is written as `__pysbx_code_rename__(X, ...)`: the guard renames
//! code it compiled (jinja2 names the code that re-raises a template's exception after the
//! template's block) and calls any other object's `replace` as written. Reads of `tb_next` go to
//! the guard with the frame attributes, which passes over its own traceback entries.

use ruff_python_ast::{AnyNodeRef, Expr, ExprContext, Stmt};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::tree::NodeTree;

// The builtins the guard puts in place for these (`builtins.__pysbx_subclasses__ = ...` and
// the others in the guard's bootstrap): the end-to-end tests of the walk, the globals and the
// parse fail should either side change its name.

/// The builtin the guard provides for a checked subclass walk.
const CHECKED_SUBCLASSES: &str = "__pysbx_subclasses__";

/// The builtin the guard provides for a caller's module globals.
const CHECKED_FRAME_GLOBALS: &str = "__pysbx_frame_globals__";

/// The builtin the guard provides for a `compile` that makes a syntax tree only.
const CHECKED_PARSE: &str = "__pysbx_parse__";

/// The builtin the guard provides for `eval` of text known only at run time.
const CHECKED_EVAL: &str = "__pysbx_eval__";

/// The builtins the guard provides for `compile` and for `exec` of anything but a string
/// written in the call.
const CHECKED_COMPILE: &str = "__pysbx_compile__";
const CHECKED_EXEC: &str = "__pysbx_exec__";

/// The builtins the guard provides for frames: a snapshot of a frame of the caller's stack, the
/// caller's stack as `inspect.stack` lists it, and a frame attribute read.
const CHECKED_FRAME: &str = "__pysbx_frame__";
const CHECKED_STACK: &str = "__pysbx_stack__";
const CHECKED_FRAME_ATTR: &str = "__pysbx_frame_attr__";
const CHECKED_OUTER_FRAMES: &str = "__pysbx_outer_frames__";
const CHECKED_INNER_FRAMES: &str = "__pysbx_inner_frames__";
const CHECKED_TRACE: &str = "__pysbx_trace__";

/// The builtins the guard provides for a function's internals: a read of `__closure__`,
/// `__globals__` or `cell_contents`, and a cell's contents set.
const CHECKED_FUNCTION_ATTR: &str = "__pysbx_function_attr__";
const CHECKED_SET_CELL: &str = "__pysbx_set_cell__";
/// The builtin the guard provides for `hasattr` of a function's internals.
const CHECKED_HAS_FUNCTION_ATTR: &str = "__pysbx_has_function_attr__";

/// The builtin the guard provides for a code object renamed (`code.replace(co_name=...)`).
const CHECKED_CODE_RENAME: &str = "__pysbx_code_rename__";

/// The fields a rename sets: what a traceback shows of the code, nothing it runs.
const RENAME_FIELDS: &[&str] = &["co_name", "co_qualname", "co_firstlineno"];

/// The internals read through the guard.
const FUNCTION_INTERNALS: &[&str] = &["__closure__", "__globals__", "cell_contents"];

/// The attributes that lead from an object to a frame, or from a frame to others and to what
/// they hold, and from a traceback entry to the next (which passes over the guard's own
/// entries): read through the guard.
const FRAME_ATTRIBUTES: &[&str] =
    &["f_back", "f_locals", "f_globals", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "tb_next"];

/// What the gate hands to the guard besides the walks, the globals and the parses.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckedOptions {
    /// `eval` of text known only at run time, where the policy stubs `eval`.
    pub eval: bool,
    /// Frames and their attributes, where the policy stubs frame access.
    pub frames: bool,
    /// `compile` of anything, where the policy stubs `compile`.
    pub compile: bool,
    /// `exec` of anything but a string written in the call, where the policy stubs `exec`.
    pub exec: bool,
    /// A function's `__closure__` and `__globals__` and a cell's contents, where the policy
    /// stubs them.
    pub internals: bool,
}

/// One rewrite: the text replaced, the builtin called instead, and what it is given.
struct Checked {
    whole: TextRange,
    builtin: &'static str,
    arguments: Vec<TextRange>,
    /// A string constant given after the arguments (the attribute's name).
    name: Option<&'static str>,
    /// The builtin itself in place of a name, not called (`f = eval`).
    bare: bool,
}

/// `source` with every `X.__subclasses__()` written as `__pysbx_subclasses__(X)`, every
/// `sys._getframe(n).f_globals` as `__pysbx_frame_globals__(n)`, every parse-only `compile` as
/// `__pysbx_parse__(source, filename, mode)`, and, as `options` asks, `eval` of text known only
/// at run time and the frame calls and attributes (see the module's documentation); `None`
/// when it has none of them, or does not parse (the gate then reports the syntax error as it
/// would). A module whose text names none of them is not parsed here.
#[must_use]
pub fn checked_by_the_guard(source: &str, options: CheckedOptions) -> Option<String> {
    let eval = options.eval && names_word(source, "eval");
    let frames = options.frames && names_frames(source);
    let compile = options.compile && names_word(source, "compile");
    // `builtins.exec` names the word after a dot, which `names_word` passes over.
    let exec = options.exec && (names_word(source, "exec") || source.contains("builtins.exec"));
    let internals =
        options.internals && FUNCTION_INTERNALS.iter().any(|name| source.contains(name));
    let renames = options.compile
        && source.contains(".replace(")
        && RENAME_FIELDS.iter().any(|field| source.contains(field));
    if !source.contains("__subclasses__")
        && !source.contains("f_globals")
        && !source.contains("PyCF_ONLY_AST")
        && !eval
        && !frames
        && !compile
        && !exec
        && !internals
        && !renames
    {
        return None;
    }
    let parsed = parse_unchecked(source, ParseOptions::from(Mode::Module));
    if !parsed.errors().is_empty() {
        return None;
    }
    let ruff_python_ast::Mod::Module(module) = parsed.syntax() else { return None };
    let tree = NodeTree::build(module);
    let bound =
        |asked: bool, name: &str| if asked { bound_where(&tree, name) } else { Bound::Elsewhere };
    let eval_bound = bound(eval, "eval");
    let compile_bound = bound(compile, "compile");
    let exec_bound = bound(exec, "exec");
    let getattr = bound(internals || exec, "getattr");
    let hasattr = bound(internals, "hasattr");
    let imported = if frames { frame_functions_imported(&tree) } else { Vec::new() };
    // A rewrite of a builtin's name is matched on the node's shape first; whether the name is
    // the builtin's there (a walk up to the nearest scope, where only class bodies bind it) is
    // asked only of a node that matched.
    let here = |id, bound: Bound, matched: &dyn Fn() -> Option<Checked>| {
        if bound == Bound::Elsewhere {
            return None;
        }
        matched().filter(|_| builtin_here(&tree, id, bound))
    };
    let mut found: Vec<Checked> = tree
        .nodes()
        .filter_map(|(id, node)| {
            checked(node)
                .or_else(|| {
                    here(id, eval_bound, &|| {
                        data_eval(node).or_else(|| name_read(&tree, id, "eval", CHECKED_EVAL))
                    })
                })
                .or_else(|| frames.then(|| frame_access(node, &imported)).flatten())
                .or_else(|| {
                    here(id, compile_bound, &|| {
                        code_call(node, "compile")
                            .or_else(|| name_read(&tree, id, "compile", CHECKED_COMPILE))
                    })
                })
                .or_else(|| {
                    here(id, exec_bound, &|| {
                        code_call(node, "exec")
                            .or_else(|| name_read(&tree, id, "exec", CHECKED_EXEC))
                    })
                })
                .or_else(|| exec.then(|| exec_fetched(node, &tree, id, getattr)).flatten())
                .or_else(|| {
                    internals
                        .then(|| {
                            internals_access(node).or_else(|| {
                                // `getattr` and `hasattr` where they are the builtins.
                                internals_getattr(node, &tree, id, getattr, hasattr)
                            })
                        })
                        .flatten()
                })
                .or_else(|| renames.then(|| code_rename(node)).flatten())
        })
        .collect();
    if found.is_empty() {
        return None;
    }
    // Outer rewrites before the ones inside them.
    found.sort_by_key(|c| (c.whole.start(), std::cmp::Reverse(c.whole.end())));
    let whole = TextRange::up_to(ruff_text_size::TextSize::of(source));
    Some(render(source, whole, &found))
}

/// The rewrite `node` takes, if any.
fn checked(node: AnyNodeRef<'_>) -> Option<Checked> {
    match node {
        AnyNodeRef::ExprCall(call) if call.arguments.is_empty() => match &*call.func {
            Expr::Attribute(a) if a.attr.id.as_str() == "__subclasses__" => Some(Checked {
                whole: call.range(),
                builtin: CHECKED_SUBCLASSES,
                arguments: vec![a.value.range()],
                name: None,
                bare: false,
            }),
            _ => None,
        },
        AnyNodeRef::ExprCall(call) => parse_only(call),
        AnyNodeRef::ExprAttribute(read) if read.attr.id.as_str() == "f_globals" => {
            let Expr::Call(call) = &*read.value else { return None };
            let Expr::Attribute(get) = &*call.func else { return None };
            // `sys` by its usual names: another object's `_getframe` is its own method.
            let by_name =
                matches!(&*get.value, Expr::Name(m) if matches!(m.id.as_str(), "sys" | "_sys"));
            let args = &call.arguments;
            let plain = args.keywords.is_empty()
                && args.args.len() <= 1
                && !args.args.iter().any(Expr::is_starred_expr);
            (get.attr.id.as_str() == "_getframe" && by_name && plain).then(|| Checked {
                whole: read.range(),
                builtin: CHECKED_FRAME_GLOBALS,
                arguments: args.args.first().map(Ranged::range).into_iter().collect(),
                name: None,
                bare: false,
            })
        }
        _ => None,
    }
}

/// Whether the text has `word` (`eval`, `exec`, `compile`) where a name starts and ends: not
/// `literal_eval(`, `self.eval(`, `re.compile(` or `evaluate(`. Most modules have none, and
/// are not parsed a second time for it.
fn names_word(source: &str, word: &str) -> bool {
    let bytes = source.as_bytes();
    let mut from = 0;
    while let Some(at) = source[from..].find(word).map(|i| from + i) {
        from = at + word.len();
        let starts_a_name = at == 0
            || !matches!(bytes[at - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.')
                && bytes[at - 1].is_ascii();
        let ends_a_name = !bytes.get(from).is_some_and(|b| {
            matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') || !b.is_ascii()
        });
        if starts_a_name && ends_a_name {
            return true;
        }
    }
    false
}

/// Whether the text names a frame call or a frame attribute at all.
fn names_frames(source: &str) -> bool {
    source.contains("_getframe")
        || source.contains("currentframe")
        || source.contains("inspect.stack")
        || source.contains("inspect.trace")
        || source.contains("getouterframes")
        || source.contains("getinnerframes")
        || (source.contains("from inspect import")
            && (source.contains("stack") || source.contains("trace")))
        || FRAME_ATTRIBUTES.iter().any(|a| source.contains(a))
}

/// `sys._getframe(n)`, `inspect.currentframe()`, `inspect.stack(context)`, or a read of a frame
/// attribute (see [`FRAME_ATTRIBUTES`]).
/// The frame functions the module imports by name (`from inspect import currentframe`, `from
/// sys import _getframe as gf`) under a name it binds nowhere else: the bound name, and the
/// module and function it stands for.
fn frame_functions_imported(tree: &NodeTree<'_>) -> Vec<(String, &'static str, &'static str)> {
    const FUNCTIONS: &[(&str, &str)] = &[
        ("sys", "_getframe"),
        ("inspect", "currentframe"),
        ("inspect", "stack"),
        ("inspect", "trace"),
        ("inspect", "getouterframes"),
        ("inspect", "getinnerframes"),
    ];
    let mut imported = Vec::new();
    for (_, node) in tree.nodes() {
        let AnyNodeRef::StmtImportFrom(from) = node else { continue };
        let Some(module) = from.module.as_ref().filter(|_| from.level == 0) else { continue };
        for alias in &from.names {
            let Some(&(m, f)) =
                FUNCTIONS.iter().find(|(m, f)| *m == module.as_str() && *f == alias.name.as_str())
            else {
                continue;
            };
            let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
            if bindings(tree, bound) == 1 {
                imported.push((bound.to_string(), m, f));
            }
        }
    }
    imported
}

fn frame_access(
    node: AnyNodeRef<'_>,
    imported: &[(String, &'static str, &'static str)],
) -> Option<Checked> {
    match node {
        AnyNodeRef::ExprAttribute(read)
            if read.ctx == ExprContext::Load
                && FRAME_ATTRIBUTES.contains(&read.attr.id.as_str()) =>
        {
            let name = FRAME_ATTRIBUTES.iter().find(|a| **a == read.attr.id.as_str())?;
            Some(Checked {
                whole: read.range(),
                builtin: CHECKED_FRAME_ATTR,
                arguments: vec![read.value.range()],
                name: Some(name),
                bare: false,
            })
        }
        AnyNodeRef::ExprCall(call) => {
            // `inspect.currentframe()` by the module's name, or `currentframe()` imported.
            let (module, function) = match &*call.func {
                Expr::Attribute(get) => {
                    let Expr::Name(module) = &*get.value else { return None };
                    (module.id.as_str(), get.attr.id.as_str())
                }
                Expr::Name(name) => {
                    let (_, m, f) = imported.iter().find(|(b, _, _)| b == name.id.as_str())?;
                    (*m, *f)
                }
                _ => return None,
            };
            let args = &call.arguments;
            if args.args.iter().any(Expr::is_starred_expr) {
                return None;
            }
            // The builtin, and how many arguments the call takes before `context`.
            let (builtin, before_context) = match (module, function) {
                ("sys" | "_sys", "_getframe") if args.keywords.is_empty() => (CHECKED_FRAME, 1),
                ("inspect", "currentframe") if args.is_empty() => (CHECKED_FRAME, 0),
                ("inspect", "stack") => (CHECKED_STACK, 0),
                ("inspect", "trace") => (CHECKED_TRACE, 0),
                ("inspect", "getouterframes") => (CHECKED_OUTER_FRAMES, 1),
                ("inspect", "getinnerframes") => (CHECKED_INNER_FRAMES, 1),
                _ => return None,
            };
            let most = if builtin == CHECKED_FRAME { before_context } else { before_context + 1 };
            if args.args.len() > most {
                return None;
            }
            // `context=n`: the same as by position, after the others.
            let keyword = match &*args.keywords {
                [] => None,
                [k] if builtin != CHECKED_FRAME
                    && k.arg.as_ref().is_some_and(|a| a.as_str() == "context")
                    && args.args.len() == before_context =>
                {
                    Some(k.value.range())
                }
                _ => return None,
            };
            Some(Checked {
                whole: call.range(),
                builtin,
                arguments: args.args.iter().map(Ranged::range).chain(keyword).collect(),
                name: None,
                bare: false,
            })
        }
        _ => None,
    }
}

/// `eval(text[, globals[, locals]])` of text not written as a string, by position only.
fn data_eval(node: AnyNodeRef<'_>) -> Option<Checked> {
    let AnyNodeRef::ExprCall(call) = node else { return None };
    let Expr::Name(callee) = &*call.func else { return None };
    let args = &call.arguments;
    if callee.id.as_str() != "eval"
        || !args.keywords.is_empty()
        || !(1..=3).contains(&args.args.len())
        || args.args.iter().any(Expr::is_starred_expr)
        || matches!(&args.args[0], Expr::StringLiteral(_) | Expr::BytesLiteral(_))
    {
        return None;
    }
    Some(Checked {
        whole: call.range(),
        builtin: CHECKED_EVAL,
        arguments: args.args.iter().map(Ranged::range).collect(),
        name: None,
        bare: false,
    })
}

/// `compile(...)` (any arguments: the guard compiles only a constant the caller spells) or
/// `exec(x, ...)` of anything but a string written in the call (a constant written there is
/// read in place by the rules), with no `*` or `**` unpacking; `exec` takes its `globals` and
/// `locals` by position and only `closure` by keyword.
fn code_call(node: AnyNodeRef<'_>, name: &str) -> Option<Checked> {
    let AnyNodeRef::ExprCall(call) = node else { return None };
    let Expr::Name(callee) = &*call.func else { return None };
    let args = &call.arguments;
    if callee.id.as_str() != name
        || args.is_empty()
        || args.args.iter().any(Expr::is_starred_expr)
        || args.keywords.iter().any(|k| k.arg.is_none())
    {
        return None;
    }
    let builtin = if name == "exec" {
        let first = args.args.first()?;
        let literal = matches!(first, Expr::StringLiteral(_) | Expr::BytesLiteral(_));
        let keywords_ok =
            args.keywords.iter().all(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "closure"));
        if literal || args.args.len() > 3 || !keywords_ok {
            return None;
        }
        CHECKED_EXEC
    } else {
        if args.args.len() > 6 {
            return None;
        }
        CHECKED_COMPILE
    };
    Some(Checked {
        whole: call.range(),
        builtin,
        arguments: args
            .args
            .iter()
            .map(Ranged::range)
            .chain(args.keywords.iter().map(Ranged::range))
            .collect(),
        name: None,
        bare: false,
    })
}

/// The name `eval`, `exec` or `compile` read but not called there (`f = eval`, `map(eval,
/// lines)`, `run = exec`, `compile` kept in a set of builtins as dask keeps it): the guard's
/// function in its place, which judges what it is later given as a call written out would be.
/// (A call the rewrite leaves, `eval("constant")`, is the rules' to read in place.)
fn name_read(
    tree: &NodeTree<'_>,
    id: crate::tree::NodeId,
    builtin: &str,
    checked: &'static str,
) -> Option<Checked> {
    let AnyNodeRef::ExprName(name) = tree.node(id) else { return None };
    if name.id.as_str() != builtin || name.ctx != ExprContext::Load {
        return None;
    }
    let called = tree.parent(id).is_some_and(
        |p| matches!(tree.node(p), AnyNodeRef::ExprCall(c) if c.func.range() == name.range()),
    );
    (!called).then(|| Checked {
        whole: name.range(),
        builtin: checked,
        arguments: Vec::new(),
        name: None,
        bare: true,
    })
}

/// `builtins.exec` or `getattr(builtins, "exec")` (`__builtins__` too), as `mpmath` keeps it
/// (`exec_ = getattr(builtins, "exec")`): the guard's `exec` in its place. The attribute is the
/// builtin's whatever the module binds to the name `exec`; the call form only where `getattr`
/// is the builtin's.
fn exec_fetched(
    node: AnyNodeRef<'_>,
    tree: &NodeTree<'_>,
    id: crate::tree::NodeId,
    getattr: Bound,
) -> Option<Checked> {
    let is_builtins = |e: &Expr| matches!(e, Expr::Name(n) if matches!(n.id.as_str(), "builtins" | "__builtins__"));
    let whole = match node {
        AnyNodeRef::ExprAttribute(a)
            if a.ctx == ExprContext::Load
                && a.attr.id.as_str() == "exec"
                && is_builtins(&a.value) =>
        {
            a.range()
        }
        AnyNodeRef::ExprCall(call) => {
            let Expr::Name(callee) = &*call.func else { return None };
            let args = &call.arguments;
            let [module, Expr::StringLiteral(attr)] = &*args.args else { return None };
            if callee.id.as_str() != "getattr"
                || !args.keywords.is_empty()
                || !is_builtins(module)
                || attr.value.to_str() != "exec"
                || !builtin_here(tree, id, getattr)
            {
                return None;
            }
            call.range()
        }
        _ => return None,
    };
    Some(Checked { whole, builtin: CHECKED_EXEC, arguments: Vec::new(), name: None, bare: true })
}

/// `X.__closure__`, `X.__globals__` or `X.cell_contents` read, or `X.cell_contents = value`
/// (one target).
fn internals_access(node: AnyNodeRef<'_>) -> Option<Checked> {
    match node {
        AnyNodeRef::ExprAttribute(read) if read.ctx == ExprContext::Load => {
            let name = FUNCTION_INTERNALS.iter().find(|n| read.attr.id.as_str() == **n)?;
            Some(Checked {
                whole: read.range(),
                builtin: CHECKED_FUNCTION_ATTR,
                arguments: vec![read.value.range()],
                name: Some(name),
                bare: false,
            })
        }
        AnyNodeRef::StmtAssign(assign) => {
            let [Expr::Attribute(target)] = &*assign.targets else { return None };
            (target.attr.id.as_str() == "cell_contents").then(|| Checked {
                whole: assign.range(),
                builtin: CHECKED_SET_CELL,
                arguments: vec![target.value.range(), assign.value.range()],
                name: None,
                bare: false,
            })
        }
        _ => None,
    }
}

/// `X.replace(co_name=...)` given only the keywords of [`RENAME_FIELDS`]: a code object renamed,
/// which the guard does for code it compiled (jinja2 names the code that re-raises a template's
/// exception after the template's block) and leaves to the `code` clause otherwise.
fn code_rename(node: AnyNodeRef<'_>) -> Option<Checked> {
    let AnyNodeRef::ExprCall(call) = node else { return None };
    let Expr::Attribute(method) = &*call.func else { return None };
    let args = &call.arguments;
    let renames_only = args.args.is_empty()
        && !args.keywords.is_empty()
        && args
            .keywords
            .iter()
            .all(|k| k.arg.as_ref().is_some_and(|field| RENAME_FIELDS.contains(&field.as_str())));
    (method.attr.id.as_str() == "replace" && renames_only).then(|| Checked {
        whole: call.range(),
        builtin: CHECKED_CODE_RENAME,
        arguments: std::iter::once(method.value.range())
            .chain(args.keywords.iter().map(Ranged::range))
            .collect(),
        name: None,
        bare: false,
    })
}

/// `getattr(X, "__closure__")` or `getattr(X, "__closure__", default)` (or `__globals__`,
/// `cell_contents`), by position, and `hasattr(X, "__closure__")`.
fn internals_getattr(
    node: AnyNodeRef<'_>,
    tree: &NodeTree<'_>,
    id: crate::tree::NodeId,
    getattr: Bound,
    hasattr: Bound,
) -> Option<Checked> {
    let AnyNodeRef::ExprCall(call) = node else { return None };
    let Expr::Name(callee) = &*call.func else { return None };
    let args = &call.arguments;
    let (builtin, bound) = match callee.id.as_str() {
        "getattr" => (CHECKED_FUNCTION_ATTR, getattr),
        "hasattr" => (CHECKED_HAS_FUNCTION_ATTR, hasattr),
        _ => return None,
    };
    if !args.keywords.is_empty() {
        return None;
    }
    let (object, attribute, default) = match &*args.args {
        [o, a] => (o, a, None),
        [o, a, d] if builtin == CHECKED_FUNCTION_ATTR => (o, a, Some(d)),
        _ => return None,
    };
    let Expr::StringLiteral(literal) = attribute else { return None };
    let text = literal.value.to_str();
    let name = FUNCTION_INTERNALS.iter().find(|n| text == **n)?;
    if object.is_starred_expr()
        || default.is_some_and(Expr::is_starred_expr)
        || !builtin_here(tree, id, bound)
    {
        return None;
    }
    Some(Checked {
        whole: call.range(),
        builtin,
        arguments: std::iter::once(object.range()).chain(default.map(Ranged::range)).collect(),
        name: Some(name),
        bare: false,
    })
}

/// Where a module binds a builtin's name (see [`bound_where`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Bound {
    /// Nowhere: every use of the name is the builtin's.
    Nowhere,
    /// Only by definitions, assignments and imports straight in class bodies (a method named
    /// `compile`, as `jinja2.Environment` has): a class body's names are not seen from the
    /// functions inside it, so there a use is the builtin's.
    InClassBodies,
    /// Somewhere a use may see: no use is surely the builtin's.
    Elsewhere,
}

/// Where the module binds `name` (see [`Bound`] and [`binds_node`]).
fn bound_where(tree: &NodeTree<'_>, name: &str) -> Bound {
    let mut bound = Bound::Nowhere;
    for (id, node) in tree.nodes() {
        if !binds_node(node, name) {
            continue;
        }
        let in_class_body = match node {
            AnyNodeRef::ExprName(n) => n.ctx == ExprContext::Store,
            AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => true,
            AnyNodeRef::Alias(a) => a.name.as_str() != "*",
            _ => false,
        } && scope_is_class_body(tree, id);
        if !in_class_body {
            return Bound::Elsewhere;
        }
        bound = Bound::InClassBodies;
    }
    bound
}

/// Whether the node at `id` is evaluated in a class body's scope: the nearest enclosing scope
/// is a class's body, not a function's (a method's decorators, defaults and annotations are
/// evaluated in the class body; a comprehension there is taken as the class body's too, its
/// first iterable being evaluated there).
fn scope_is_class_body(tree: &NodeTree<'_>, id: crate::tree::NodeId) -> bool {
    let in_body = |child: TextRange, body: &[Stmt]| {
        body.first()
            .zip(body.last())
            .is_some_and(|(a, b)| TextRange::new(a.start(), b.end()).contains_range(child))
    };
    let mut child = tree.range(id);
    for ancestor in tree.ancestors(id).skip(1) {
        match tree.node(ancestor) {
            AnyNodeRef::StmtFunctionDef(f) if in_body(child, &f.body) => return false,
            AnyNodeRef::ExprLambda(l) if l.body.range().contains_range(child) => return false,
            AnyNodeRef::StmtClassDef(c) if in_body(child, &c.body) => return true,
            _ => {}
        }
        child = tree.range(ancestor);
    }
    false
}

/// Whether a use of a builtin's name at `id` is surely the builtin's, given where the module
/// binds the name.
fn builtin_here(tree: &NodeTree<'_>, id: crate::tree::NodeId, bound: Bound) -> bool {
    match bound {
        Bound::Nowhere => true,
        Bound::InClassBodies => !scope_is_class_body(tree, id),
        Bound::Elsewhere => false,
    }
}

/// Whether `node` binds `name` (assigned, deleted, defined, imported, a parameter, an
/// exception or a pattern's capture, declared global or nonlocal), or imports every name of a
/// module, which may hold it.
fn binds_node(node: AnyNodeRef<'_>, name: &str) -> bool {
    let is = |id: &ruff_python_ast::Identifier| id.as_str() == name;
    match node {
        AnyNodeRef::ExprName(n) => n.ctx != ExprContext::Load && n.id.as_str() == name,
        AnyNodeRef::StmtFunctionDef(f) => is(&f.name),
        AnyNodeRef::StmtClassDef(c) => is(&c.name),
        AnyNodeRef::Alias(a) => {
            let bound = a.asname.as_ref().unwrap_or(&a.name).as_str();
            bound == "*" || bound.split('.').next() == Some(name)
        }
        AnyNodeRef::Parameter(p) => is(&p.name),
        AnyNodeRef::ExceptHandlerExceptHandler(h) => h.name.as_ref().is_some_and(is),
        AnyNodeRef::PatternMatchAs(p) => p.name.as_ref().is_some_and(is),
        AnyNodeRef::PatternMatchStar(p) => p.name.as_ref().is_some_and(is),
        AnyNodeRef::PatternMatchMapping(p) => p.rest.as_ref().is_some_and(is),
        AnyNodeRef::StmtGlobal(g) => g.names.iter().any(is),
        AnyNodeRef::StmtNonlocal(n) => n.names.iter().any(is),
        _ => false,
    }
}

/// How many places bind `name` (see [`binds_node`]).
fn bindings(tree: &NodeTree<'_>, name: &str) -> usize {
    tree.nodes().filter(|(_, node)| binds_node(*node, name)).count()
}

/// `compile(source, filename, mode, ast.PyCF_ONLY_AST)` (the flags given by position or as
/// `flags=`, with `dont_inherit` or not): a syntax tree, as `ast.parse(source, filename, mode)`
/// makes it, which the guard lets the standard library's parser make. Any other argument
/// (`optimize`, a flag added) leaves the call to the rules.
fn parse_only(call: &ruff_python_ast::ExprCall) -> Option<Checked> {
    let Expr::Name(callee) = &*call.func else { return None };
    if callee.id.as_str() != "compile" {
        return None;
    }
    let only_ast = |e: &Expr| match e {
        Expr::Attribute(a) => {
            a.attr.id.as_str() == "PyCF_ONLY_AST"
                && matches!(&*a.value, Expr::Name(m) if matches!(m.id.as_str(), "ast" | "_ast"))
        }
        _ => false,
    };
    let args = &call.arguments;
    let (given, flags_by_position) = match &*args.args {
        [a, b, c] => ([a, b, c], None),
        [a, b, c, flags] => ([a, b, c], Some(flags)),
        _ => return None,
    };
    if given.iter().any(|e| e.is_starred_expr()) {
        return None;
    }
    let mut flags_ok = flags_by_position.is_some_and(only_ast);
    for keyword in &args.keywords {
        match keyword.arg.as_ref().map(|a| a.id.as_str()) {
            Some("flags") if flags_by_position.is_none() && only_ast(&keyword.value) => {
                flags_ok = true;
            }
            Some("dont_inherit") => {}
            _ => return None,
        }
    }
    flags_ok.then(|| Checked {
        whole: call.range(),
        builtin: CHECKED_PARSE,
        arguments: given.iter().map(|e| e.range()).collect(),
        name: None,
        bare: false,
    })
}

/// The text of `range` with the rewrites that start inside it made, each one's arguments in
/// turn.
fn render(source: &str, range: TextRange, found: &[Checked]) -> String {
    let mut out = String::with_capacity(usize::from(range.len()) + 32);
    let mut at = range.start();
    for c in found {
        if c.whole.start() < at || c.whole.end() > range.end() {
            continue;
        }
        out.push_str(&source[TextRange::new(at, c.whole.start())]);
        out.push_str(c.builtin);
        if c.bare {
            at = c.whole.end();
            continue;
        }
        // The line breaks between the arguments as written stay where they were, so that
        // every line after the call keeps its number (tracebacks, the gate's findings).
        let breaks = |from: TextSize, to: TextSize| {
            "\n".repeat(source[TextRange::new(from, to)].matches('\n').count())
        };
        out.push('(');
        let mut gap_from = c.whole.start();
        for (i, &argument) in c.arguments.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&breaks(gap_from, argument.start()));
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&render(source, argument, found));
            gap_from = argument.end();
        }
        if let Some(name) = c.name {
            out.push_str(", \"");
            out.push_str(name);
            out.push('"');
        }
        out.push_str(&breaks(gap_from, c.whole.end()));
        out.push(')');
        at = c.whole.end();
    }
    out.push_str(&source[TextRange::new(at, range.end())]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_written_out_goes_to_the_guard() {
        assert_eq!(
            checked_by_the_guard(
                "for c in cls.__subclasses__():\n    pass\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("for c in __pysbx_subclasses__(cls):\n    pass\n")
        );
        assert_eq!(
            checked_by_the_guard(
                "x = ().__class__.__base__.__subclasses__()[137]\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("x = __pysbx_subclasses__(().__class__.__base__)[137]\n")
        );
        // A receiver over lines, in parentheses, and walks inside walks.
        assert_eq!(
            checked_by_the_guard("y = (a\n  .b).__subclasses__()\n", CheckedOptions::default())
                .as_deref(),
            Some("y = __pysbx_subclasses__(a\n  .b)\n")
        );
        assert_eq!(
            checked_by_the_guard(
                "z = k.__subclasses__()[0].__subclasses__()\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("z = __pysbx_subclasses__(__pysbx_subclasses__(k)[0])\n")
        );
        assert_eq!(
            checked_by_the_guard("w = f\"{A.__subclasses__()}\"\n", CheckedOptions::default())
                .as_deref(),
            Some("w = f\"{__pysbx_subclasses__(A)}\"\n")
        );
    }

    #[test]
    fn a_callers_globals_go_to_the_guard() {
        assert_eq!(
            checked_by_the_guard("g = sys._getframe(1).f_globals\n", CheckedOptions::default())
                .as_deref(),
            Some("g = __pysbx_frame_globals__(1)\n")
        );
        assert_eq!(
            checked_by_the_guard(
                "n = _sys._getframe(depth + 1).f_globals.get('__name__')\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("n = __pysbx_frame_globals__(depth + 1).get('__name__')\n")
        );
        assert_eq!(
            checked_by_the_guard("h = sys._getframe().f_globals\n", CheckedOptions::default())
                .as_deref(),
            Some("h = __pysbx_frame_globals__()\n")
        );
        for src in [
            "f = sys._getframe(1)\ng = f.f_globals\n",
            "l = sys._getframe(1).f_locals\n",
            "b = sys._getframe(1).f_back.f_globals\n",
            "k = sys._getframe(depth=1).f_globals\n",
            "s = sys._getframe(*a).f_globals\n",
            "t = tb.tb_frame.f_globals\n",
            "m = mock._getframe(1).f_globals\n",
        ] {
            assert_eq!(checked_by_the_guard(src, CheckedOptions::default()), None, "{src}");
        }
    }

    #[test]
    fn a_compile_that_only_parses_goes_to_the_parser() {
        assert_eq!(
            checked_by_the_guard(
                "t = compile(src, path, \"exec\", ast.PyCF_ONLY_AST)\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("t = __pysbx_parse__(src, path, \"exec\")\n")
        );
        assert_eq!(
            checked_by_the_guard(
                "t = compile(s, f or \"\", \"exec\", flags=ast.PyCF_ONLY_AST, dont_inherit=True)\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("t = __pysbx_parse__(s, f or \"\", \"exec\")\n")
        );
        for src in [
            "c = compile(src, path, \"exec\")\n",
            "c = compile(src, path, \"exec\", ast.PyCF_ONLY_AST | ast.PyCF_TYPE_COMMENTS)\n",
            "c = compile(src, path, \"exec\", ast.PyCF_ONLY_AST, optimize=2)\n",
            "c = builtins.compile(src, path, \"exec\", ast.PyCF_ONLY_AST)\n",
            "c = compile(*a, ast.PyCF_ONLY_AST)\n",
        ] {
            assert_eq!(checked_by_the_guard(src, CheckedOptions::default()), None, "{src}");
        }
    }

    #[test]
    fn eval_of_run_time_text_goes_to_the_guard_where_the_policy_stubs_it() {
        let on = CheckedOptions { eval: true, ..CheckedOptions::default() };
        let with = |src: &str| checked_by_the_guard(src, on);
        assert_eq!(
            with("print(eval(input()))\n").as_deref(),
            Some("print(__pysbx_eval__(input()))\n")
        );
        assert_eq!(
            with("v = eval(repr(x), {}, ns)\n").as_deref(),
            Some("v = __pysbx_eval__(repr(x), {}, ns)\n")
        );
        // Inside another rewrite's argument, and the other way round.
        assert_eq!(
            with("eval(c.__subclasses__())\n").as_deref(),
            Some("__pysbx_eval__(__pysbx_subclasses__(c))\n")
        );
        assert_eq!(with("eval(eval(s))\n").as_deref(), Some("__pysbx_eval__(__pysbx_eval__(s))\n"));
        // The name read, not called: the guard's function stands in for it.
        assert_eq!(
            with("f = eval\nxs = list(map(eval, lines))\nn = eval.__name__\n").as_deref(),
            Some(
                "f = __pysbx_eval__\nxs = list(map(__pysbx_eval__, lines))\n\
                 n = __pysbx_eval__.__name__\n"
            )
        );
        // A constant's call is the rules': neither the call nor its name is rewritten.
        assert_eq!(with("x = eval('1 + 2')\n"), None);
        // Not a call of the name `eval` in the text: the module is not parsed for it.
        for src in ["x = literal_eval(s)\n", "self.eval(s)\n", "evaluate(s)\n", "evalx\n"] {
            assert!(!names_word(src, "eval"), "{src}");
        }
        for src in ["eval(s)\n", "x=eval (s)\n", "(eval)(s)\n", "f = eval"] {
            assert!(names_word(src, "eval"), "{src}");
        }
        // Not asked for: the rules decide, as under a policy that grants run-time code.
        assert_eq!(checked_by_the_guard("print(eval(input()))\n", CheckedOptions::default()), None);
        for src in [
            // A string written out is read in place by the rules.
            "eval('1 + 2')\n",
            "eval(b'[1]')\n",
            "eval()\n",
            "eval(s, g, l, x)\n",
            "eval(*a)\n",
            "eval(s, globals=g)\n",
            "builtins.eval(s)\n",
            // The module's own `eval`, however bound.
            "def eval(s):\n    return s\nprint(eval(input()))\n",
            "from calc import eval\nprint(eval(input()))\n",
            "from calc import *\nprint(eval(input()))\n",
            "eval = lambda s: s\nprint(eval(input()))\n",
            "def f(eval):\n    return eval(s)\n",
            "for eval in fs:\n    eval(s)\n",
            "def f():\n    global eval\n    eval(s)\n",
            "class eval:\n    pass\neval(s)\n",
            "try:\n    pass\nexcept E as eval:\n    eval(s)\n",
            "match m:\n    case [*eval]:\n        eval(s)\n",
            "import eval\neval(s)\n",
        ] {
            assert_eq!(with(src), None, "{src}");
        }
    }

    #[test]
    fn compile_and_exec_of_code_go_to_the_guard_where_the_policy_stubs_them() {
        let on = CheckedOptions { compile: true, exec: true, ..CheckedOptions::default() };
        let with = |src: &str| checked_by_the_guard(src, on);
        assert_eq!(
            with("exec(compile(SRC, \"<g>\", \"exec\"), ns)\n").as_deref(),
            Some("__pysbx_exec__(__pysbx_compile__(SRC, \"<g>\", \"exec\"), ns)\n")
        );
        assert_eq!(
            with("c = compile('1', 'f', 'eval', dont_inherit=True)\n").as_deref(),
            Some("c = __pysbx_compile__('1', 'f', 'eval', dont_inherit=True)\n")
        );
        assert_eq!(
            with("c = compile(source=s, filename=f, mode=m)\n").as_deref(),
            Some("c = __pysbx_compile__(source=s, filename=f, mode=m)\n")
        );
        assert_eq!(
            with("exec(code, g, l, closure=c)\n").as_deref(),
            Some("__pysbx_exec__(code, g, l, closure=c)\n")
        );
        // A parse-only `compile` is `ast.parse`'s, as before.
        assert_eq!(
            with("t = compile(s, f, 'exec', ast.PyCF_ONLY_AST)\n").as_deref(),
            Some("t = __pysbx_parse__(s, f, 'exec')\n")
        );
        // Not asked for, or not the builtin's call, or a string written in `exec`'s call (the
        // rules read it in place).
        assert_eq!(checked_by_the_guard("exec(code)\n", CheckedOptions::default()), None);
        for src in [
            "exec('x = 1')\n",
            "exec(b'x = 1')\n",
            "exec()\n",
            "exec(*a)\n",
            "exec(c, **k)\n",
            "exec(c, g, l, x)\n",
            "exec(c, globals=g)\n",
            "compile()\n",
            "compile(*a)\n",
            "re.compile(p)\n",
            "self.exec(c)\n",
            "def exec(c):\n    pass\nexec(c)\n",
            "from m import compile\ncompile(s, f, 'exec')\n",
            "from m import *\nexec(c)\n",
        ] {
            assert_eq!(with(src), None, "{src}");
        }
        assert!(!names_word("pattern = re.compile(p)\nrecompile(x)\n", "compile"));
        // `exec` kept to be called later, as a name or fetched from the builtins.
        assert_eq!(
            with("exec_ = getattr(builtins, \"exec\")\nrun = exec\nf = builtins.exec\n").as_deref(),
            Some("exec_ = __pysbx_exec__\nrun = __pysbx_exec__\nf = __pysbx_exec__\n")
        );
        assert_eq!(with("g = getattr(builtins, 'exec', None)\nh = other.exec\n"), None);
        assert_eq!(with("f = builtins.exec\n").as_deref(), Some("f = __pysbx_exec__\n"));
        // The attribute whatever the module binds to `exec`; the call form only where
        // `getattr` is the builtin's.
        assert_eq!(
            with("def exec(c):\n    pass\nf = builtins.exec\n").as_deref(),
            Some("def exec(c):\n    pass\nf = __pysbx_exec__\n")
        );
        assert_eq!(with("def getattr(o, n):\n    pass\ng = getattr(builtins, 'exec')\n"), None);
        assert_eq!(
            with("KNOWN = {compile, divmod}\n").as_deref(),
            Some("KNOWN = {__pysbx_compile__, divmod}\n")
        );
        // A method named `compile` (jinja2's `Environment`) is not seen from the functions
        // inside the class: there the name is the builtin's. In the class body itself (a
        // method's decorator or default included) it is the method.
        let method =
            "class E:\n    def compile(self, s):\n        return compile(s, 'f', 'exec')\n";
        assert_eq!(
            with(method).as_deref(),
            Some(
                "class E:\n    def compile(self, s):\n        return __pysbx_compile__(s, 'f', 'exec')\n"
            )
        );
        for src in [
            "class E:\n    def compile(self, s):\n        pass\n    c = compile(s, 'f', 'exec')\n",
            "class E:\n    def compile(self, s):\n        pass\n    @d(compile(s, 'f', 'exec'))\n    def g(self):\n        pass\n",
            "class E:\n    def compile(self, s):\n        pass\n    def g(self, c=compile(s, 'f', 'exec')):\n        pass\n",
            "class E:\n    def compile(self, s):\n        pass\ndef g(compile):\n    compile(s, 'f', 'exec')\n",
            "class E:\n    exec = print\n    x = [exec(c) for c in cs]\n",
        ] {
            assert_eq!(with(src), None, "{src}");
        }
        assert!(names_word("c = compile(s, f, m)\n", "compile"));
    }

    #[test]
    fn a_functions_internals_go_to_the_guard_where_the_policy_stubs_them() {
        let on = CheckedOptions { internals: true, ..CheckedOptions::default() };
        let with = |src: &str| checked_by_the_guard(src, on);
        assert_eq!(
            with("cells = getattr(item, \"__closure__\", None)\n").as_deref(),
            Some("cells = __pysbx_function_attr__(item, None, \"__closure__\")\n")
        );
        assert_eq!(
            with("g = f.__globals__\nc = f.__closure__[0].cell_contents\n").as_deref(),
            Some(
                "g = __pysbx_function_attr__(f, \"__globals__\")\n\
                 c = __pysbx_function_attr__(__pysbx_function_attr__(f, \"__closure__\")[0], \"cell_contents\")\n"
            )
        );
        assert_eq!(
            with("if cell.cell_contents is old:\n    cell.cell_contents = new\n").as_deref(),
            Some(
                "if __pysbx_function_attr__(cell, \"cell_contents\") is old:\n    \
                 __pysbx_set_cell__(cell, new)\n"
            )
        );
        assert_eq!(
            with("x = getattr(f, '__globals__')\n").as_deref(),
            Some("x = __pysbx_function_attr__(f, \"__globals__\")\n")
        );
        // Not asked for, or other spellings: left to the rules.
        assert_eq!(checked_by_the_guard("g = f.__globals__\n", CheckedOptions::default()), None);
        for src in [
            "a = b.cell_contents = c\n",
            "c.cell_contents += 1\n",
            "del c.cell_contents\n",
            "getattr(f, name)\n",
            "getattr(f, '__code__')\n",
            "getattr(f, *a)\n",
            "getattr(f, '__closure__', d=None)\n",
            "hasattr(f, '__closure__', 1)\n",
            "hasattr = 1\nhasattr(f, '__closure__')\n",
            "def getattr(o, n):\n    pass\ngetattr(f, '__closure__')\n",
        ] {
            assert_eq!(with(src), None, "{src}");
        }
    }

    #[test]
    fn a_code_objects_rename_goes_to_the_guard_where_the_policy_stubs_code() {
        let on = CheckedOptions { compile: true, ..CheckedOptions::default() };
        let with = |src: &str| checked_by_the_guard(src, on);
        assert_eq!(
            with("code = code.replace(co_name=location)\n").as_deref(),
            Some("code = __pysbx_code_rename__(code, co_name=location)\n")
        );
        assert_eq!(
            with("c = f.__code__.replace(\n    co_qualname=q,\n    co_firstlineno=n)\nx = 1\n")
                .as_deref(),
            Some(
                "c = __pysbx_code_rename__(f.__code__,\n co_qualname=q,\n co_firstlineno=n)\nx = 1\n"
            )
        );
        // Not asked for; another field, positions, unpacking, a string's `replace`: left as
        // written (the guard judges a code object made there as the caller's).
        assert_eq!(checked_by_the_guard("c.replace(co_name=n)\n", CheckedOptions::default()), None);
        for src in [
            "c.replace(co_name=n, co_consts=k)\n",
            "c.replace(co_code=b)\n",
            "c.replace(co_name=n, **more)\n",
            "c.replace(n, co_name=n)\n",
            "s.replace('co_name', 'x')\n",
            "c.rename(co_name=n)\n",
        ] {
            assert_eq!(with(src), None, "{src}");
        }
    }

    #[test]
    fn a_rewrite_keeps_every_line_where_it_was() {
        let on = CheckedOptions { eval: true, frames: true, ..CheckedOptions::default() };
        let src = "v = eval(\n    s,  # the text\n    {},\n)\nw = (sys._getframe(\n    1\n)\n    .f_globals)\n\
                   c = (x\n  .f_back)\nraise E\n";
        let out = checked_by_the_guard(src, on).unwrap_or_default();
        assert_eq!(
            out,
            "v = __pysbx_eval__(\ns,\n {}\n)\nw = (__pysbx_frame_globals__(\n1\n\n)\
             )\nc = (__pysbx_frame_attr__(x, \"f_back\"\n))\nraise E\n"
        );
        assert_eq!(out.lines().count(), src.lines().count());
        assert_eq!(
            out.lines().position(|l| l == "raise E"),
            src.lines().position(|l| l == "raise E")
        );
    }

    #[test]
    fn frames_go_to_the_guard_where_the_policy_stubs_them() {
        let on = CheckedOptions { frames: true, ..CheckedOptions::default() };
        let with = |src: &str| checked_by_the_guard(src, on);
        assert_eq!(
            with("n = inspect.currentframe().f_back.f_code.co_name\n").as_deref(),
            Some("n = __pysbx_frame_attr__(__pysbx_frame__(), \"f_back\").f_code.co_name\n")
        );
        assert_eq!(
            with("f = sys._getframe(depth + 1)\n").as_deref(),
            Some("f = __pysbx_frame__(depth + 1)\n")
        );
        assert_eq!(
            with("s = inspect.stack()\nt = inspect.stack(context=0)\nu = inspect.stack(2)\n")
                .as_deref(),
            Some("s = __pysbx_stack__()\nt = __pysbx_stack__(0)\nu = __pysbx_stack__(2)\n")
        );
        assert_eq!(
            with("v = tb.tb_frame.f_locals['x']\n").as_deref(),
            Some(
                "v = __pysbx_frame_attr__(__pysbx_frame_attr__(tb, \"tb_frame\"), \"f_locals\")['x']\n"
            )
        );
        assert_eq!(
            with("g = gen.gi_frame\nc = co.cr_frame\na = ag.ag_frame\n").as_deref(),
            Some(
                "g = __pysbx_frame_attr__(gen, \"gi_frame\")\nc = __pysbx_frame_attr__(co, \"cr_frame\")\n\
                 a = __pysbx_frame_attr__(ag, \"ag_frame\")\n"
            )
        );
        assert_eq!(
            with(
                "a = inspect.trace()\nb = inspect.getinnerframes(tb, context=2)\n\
                  c = inspect.getouterframes(f, 0)\n"
            )
            .as_deref(),
            Some(
                "a = __pysbx_trace__()\nb = __pysbx_inner_frames__(tb, 2)\n\
                 c = __pysbx_outer_frames__(f, 0)\n"
            )
        );
        // Imported by name, under a name bound nowhere else.
        assert_eq!(
            with(
                "from inspect import currentframe, getframeinfo\nfrom sys import _getframe as gf\n\
                  n = getframeinfo(currentframe()).lineno\nc = gf(1)\n"
            )
            .as_deref(),
            Some(
                "from inspect import currentframe, getframeinfo\nfrom sys import _getframe as gf\n\
                 n = getframeinfo(__pysbx_frame__()).lineno\nc = __pysbx_frame__(1)\n"
            )
        );
        // A caller's module globals keep their own, narrower rewrite.
        assert_eq!(
            with("g = sys._getframe(1).f_globals\n").as_deref(),
            Some("g = __pysbx_frame_globals__(1)\n")
        );
        // Not asked for: the rules decide.
        assert_eq!(
            checked_by_the_guard("f = inspect.currentframe()\n", CheckedOptions::default()),
            None
        );
        for src in [
            "f = currentframe()\n",
            "from inspect import currentframe\ncurrentframe = other\nf = currentframe()\n",
            "from inspect import currentframe\nfrom m import *\nf = currentframe()\n",
            "f = sys._getframe(depth=1)\n",
            "f = sys._getframe(*a)\n",
            "f = inspect.currentframe(1)\n",
            "s = inspect.stack(1, 2)\n",
            "s = inspect.stack(ctx=1)\n",
            "o = inspect.getouterframes(f, 1, 2)\n",
            "o = inspect.getouterframes(context=1)\n",
            "f = other._getframe(1)\n",
            "x.f_back = None\n",
            "del x.f_locals\n",
            "t = sys._current_frames()\n",
        ] {
            assert_eq!(with(src), None, "{src}");
        }
    }

    #[test]
    fn other_uses_are_left_to_the_rules() {
        for src in [
            "type.__subclasses__(object)\n",
            "f = cls.__subclasses__\n",
            "getattr(cls, '__subclasses__')()\n",
            "cls.__subclasses__(1)\n",
            "s = '__subclasses__()'\n",
            // Not Python: the gate reports the syntax error on the text as written.
            "x = (c.__subclasses__()\n",
        ] {
            assert_eq!(checked_by_the_guard(src, CheckedOptions::default()), None, "{src}");
        }
        assert_eq!(
            checked_by_the_guard(
                "a = c.__subclasses__\nb = c.__subclasses__()\n",
                CheckedOptions::default()
            )
            .as_deref(),
            Some("a = c.__subclasses__\nb = __pysbx_subclasses__(c)\n")
        );
    }
}

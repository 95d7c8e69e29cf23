//! The abstract values the engine computes for expressions: qualified names that an expression
//! may refer to, and constants it folds to.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use crate::glob::NameTable;
use smallvec::SmallVec;

/// A qualified name (`os.system`, `builtins.eval`), shared within one file's analysis.
pub(crate) type QName = Rc<str>;

/// The most alternatives a value set keeps; beyond that, new ones are dropped (names first kept).
pub(crate) const MAX_ALTERNATIVES: usize = 8;

/// Text that borrows from the syntax tree when it can, and is shared once bound to a name.
#[derive(Clone, Debug)]
pub(crate) enum Text<'a> {
    Borrowed(&'a str),
    /// Text written in the source that is not one literal's to borrow: the parts of an
    /// implicitly concatenated literal (`"ls -l " "/tmp"`) joined, or a literal a test compared
    /// a name with (`name == "os"` in a loop over `sys.modules`).
    Joined(Rc<str>),
    Owned(String),
    Shared(Rc<str>),
}

impl Text<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Borrowed(s) => s,
            Self::Joined(s) => s,
            Self::Owned(s) => s,
            Self::Shared(s) => s,
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            Self::Owned(s) => s,
            other => other.as_str().to_string(),
        }
    }
}

/// Bytes, with the same ownership states as [`Text`].
#[derive(Clone, Debug)]
pub(crate) enum Bin<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    Shared(Rc<[u8]>),
}

impl Bin<'_> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Borrowed(s) => s,
            Self::Owned(s) => s,
            Self::Shared(s) => s,
        }
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        match self {
            Self::Owned(v) => v,
            other => other.as_bytes().to_vec(),
        }
    }
}

/// Whether a constant sequence is a tuple or a list (lists are mutable, so never propagated
/// through names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SeqKind {
    Tuple,
    List,
}

/// A constant an expression folds to.
#[derive(Clone, Debug)]
pub(crate) enum Const<'a> {
    Str(Text<'a>),
    Bytes(Bin<'a>),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    Seq(SeqKind, Rc<[Const<'a>]>),
    /// A dict of constant keys and values, in insertion order, each key once (mutable, as a
    /// list is).
    Dict(Rc<[(Const<'a>, Const<'a>)]>),
    /// `itertools.cycle(items)`: the items repeated without end. Only `zip` reads it (with a
    /// finite sequence beside it); an iterator has a state, so a name never holds one.
    Cycle(Rc<[Const<'a>]>),
    /// An integer past 64 bits (see [`crate::bigint`]).
    Big(Rc<crate::bigint::BigInt>),
    /// A literal the folder does not model (a complex, `...`): still a literal.
    Opaque,
}

impl<'a> Const<'a> {
    /// Converts owned text to shared text so that clones are cheap.
    pub(crate) fn share(self) -> Self {
        match self {
            Self::Str(Text::Owned(s)) => Self::Str(Text::Shared(s.into())),
            Self::Bytes(Bin::Owned(b)) => Self::Bytes(Bin::Shared(b.into())),
            other => other,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The builtin class of the constant, by qualified name (`().__class__` is
    /// `builtins.tuple`).
    pub(crate) fn builtin_class(&self) -> Option<&'static str> {
        Some(match self {
            Self::Str(_) => "builtins.str",
            Self::Bytes(_) => "builtins.bytes",
            Self::Int(_) | Self::Big(_) => "builtins.int",
            Self::Float(_) => "builtins.float",
            Self::Bool(_) => "builtins.bool",
            Self::None => "builtins.NoneType",
            Self::Seq(SeqKind::Tuple, _) => "builtins.tuple",
            Self::Seq(SeqKind::List, _) => "builtins.list",
            Self::Dict(_) => "builtins.dict",
            Self::Cycle(_) | Self::Opaque => return None,
        })
    }

    /// Whether the constant is text the folder made (`"sy" + "stem"`, `"so"[::-1]`, a decoded
    /// payload), rather than a literal's as written: owned, or shared once bound to a name.
    pub(crate) fn is_made_text(&self) -> bool {
        matches!(self, Self::Str(Text::Owned(_) | Text::Shared(_)))
    }

    /// Python's truth value of the constant, where the folder knows it.
    pub(crate) fn truthy(&self) -> Option<bool> {
        match self {
            Self::Str(t) => Some(!t.as_str().is_empty()),
            Self::Bytes(b) => Some(!b.as_bytes().is_empty()),
            Self::Int(i) => Some(*i != 0),
            Self::Float(f) => Some(*f != 0.0),
            Self::Bool(b) => Some(*b),
            Self::None => Some(false),
            Self::Seq(_, items) => Some(!items.is_empty()),
            Self::Dict(items) => Some(!items.is_empty()),
            // Past 64 bits, never zero.
            Self::Big(_) => Some(true),
            Self::Cycle(_) | Self::Opaque => None,
        }
    }

    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            Self::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    pub(crate) fn is_text(&self) -> bool {
        matches!(self, Self::Str(_) | Self::Bytes(_))
    }

    /// Whether the constant is text, or a tuple holding text at its top level.
    pub(crate) fn holds_text(&self) -> bool {
        match self {
            Self::Str(_) | Self::Bytes(_) => true,
            Self::Seq(SeqKind::Tuple, items) => items.iter().any(Const::is_text),
            _ => false,
        }
    }

    /// Whether the constant is a list or a dict.
    pub(crate) fn is_mutable(&self) -> bool {
        matches!(self, Self::Seq(SeqKind::List, _) | Self::Dict(_))
    }

    /// Whether this is a dict whose keys and values are all strings (a table of names and
    /// paths).
    pub(crate) fn is_string_table(&self) -> bool {
        matches!(self, Self::Dict(items)
            if !items.is_empty()
                && items.iter().all(|(k, v)| k.as_str().is_some() && v.as_str().is_some()))
    }

    /// Whether this is a list whose items are all strings (an argument vector).
    pub(crate) fn is_string_list(&self) -> bool {
        matches!(self, Self::Seq(SeqKind::List, items)
            if !items.is_empty() && items.iter().all(|i| i.as_str().is_some()))
    }

    /// Whether a name may hold the constant: anything immutable, and a list or dict whose
    /// items are immutable (the walker follows every change made to it through the name, see
    /// `Walker::escape`). Not an iterator (`Cycle`), whose state changes as it is read.
    /// (A tuple is bound whatever it holds, as before lists were followed: looking through a
    /// large one at every binding would cost more than the rare tuple of lists is worth.)
    pub(crate) fn bindable(&self) -> bool {
        match self {
            Self::Seq(SeqKind::List, items) => items.iter().all(Const::is_frozen),
            Self::Dict(items) => items.iter().all(|(k, v)| k.is_frozen() && v.is_frozen()),
            Self::Cycle(_) => false,
            _ => true,
        }
    }

    /// Whether the constant is immutable all the way down (a tuple of scalars, not one holding
    /// a list): what can be shared by two names without one's changes showing in the other.
    pub(crate) fn is_frozen(&self) -> bool {
        match self {
            Self::Seq(SeqKind::Tuple, items) => items.iter().all(Const::is_frozen),
            Self::Seq(SeqKind::List, _) | Self::Dict(_) | Self::Cycle(_) => false,
            _ => true,
        }
    }

    /// Python's `==` between two constants used as dict keys (`1`, `1.0` and `True` are the
    /// same key); `None` when equality is not known (an opaque literal).
    pub(crate) fn key_eq(&self, other: &Const<'_>) -> Option<bool> {
        Some(match (self, other) {
            (Self::Opaque | Self::Big(_), _) | (_, Const::Opaque | Const::Big(_)) => return None,
            (Self::Str(a), Const::Str(b)) => a.as_str() == b.as_str(),
            (Self::Bytes(a), Const::Bytes(b)) => a.as_bytes() == b.as_bytes(),
            (Self::None, Const::None) => true,
            (Self::Seq(SeqKind::Tuple, a), Const::Seq(SeqKind::Tuple, b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for (x, y) in a.iter().zip(b.iter()) {
                    if !x.key_eq(y)? {
                        return Some(false);
                    }
                }
                true
            }
            (
                Self::Int(_) | Self::Bool(_) | Self::Float(_),
                Const::Int(_) | Const::Bool(_) | Const::Float(_),
            ) => {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "Python compares int and float by value"
                )]
                let num = |c: &Const<'_>| match c {
                    Const::Int(i) => (*i as f64, Some(*i)),
                    Const::Bool(b) => (f64::from(u8::from(*b)), Some(i64::from(*b))),
                    Const::Float(f) => (*f, None),
                    _ => (f64::NAN, None),
                };
                match (num(self), num(other)) {
                    ((_, Some(a)), (_, Some(b))) => a == b,
                    ((a, _), (b, _)) => a == b,
                }
            }
            _ => false,
        })
    }

    /// Whether the constant can be a dict key (hashable).
    pub(crate) fn hashable(&self) -> bool {
        match self {
            Self::Seq(SeqKind::Tuple, items) => items.iter().all(Const::hashable),
            Self::Seq(SeqKind::List, _)
            | Self::Dict(_)
            | Self::Cycle(_)
            | Self::Opaque
            | Self::Big(_) => false,
            _ => true,
        }
    }

    /// Equality of scalars, as the rule model compares them (`True` is not `1`).
    pub(crate) fn same_scalar(&self, other: &Const<'_>) -> bool {
        match (self, other) {
            (Self::Str(a), Const::Str(b)) => a.as_str() == b.as_str(),
            (Self::Bytes(a), Const::Bytes(b)) => a.as_bytes() == b.as_bytes(),
            (Self::Int(a), Const::Int(b)) => a == b,
            #[expect(
                clippy::cast_precision_loss,
                reason = "Python compares int and float by value"
            )]
            (Self::Int(a), Const::Float(b)) | (Self::Float(b), Const::Int(a)) => (*a as f64) == *b,
            (Self::Float(a), Const::Float(b)) => a == b,
            (Self::Bool(a), Const::Bool(b)) => a == b,
            (Self::None, Const::None) => true,
            _ => false,
        }
    }
}

/// One thing an expression may evaluate to.
#[derive(Clone, Debug)]
pub(crate) enum Value<'a> {
    /// Anything the engine does not model.
    Unknown,
    /// A module, or an object reached from one by attributes.
    Qual(QName),
    /// A constant (only stored in bindings; expressions carry constants separately).
    Const(Const<'a>),
    /// The module's globals dictionary (`globals()`).
    Globals,
    /// The file's own module object (`sys.modules[__name__]`, `importlib.import_module(
    /// __name__)`): its attributes are the module's globals, its `__dict__` is [`Value::Globals`].
    ThisModule,
    /// A tuple or list display whose elements refer to things (`[eval, exec]`).
    Seq(Rc<[ValueSet<'a>]>),
    /// `operator.attrgetter("a.b")`: calling it on `x` reaches `x.a.b`.
    Getter(QName),
    /// `operator.methodcaller("name", ...)`: calling it on `x` calls `x.name(...)`.
    Caller(QName),
    /// A dict display with constant string keys whose values refer to things
    /// (`{"run": os.system}`).
    Dict(Rc<[(Rc<str>, ValueSet<'a>)]>),
    /// `functools.partial(f, ...)`: calling it calls `f` with arguments the engine does not know.
    Partial(Rc<ValueSet<'a>>),
    /// `functools.partial(getattr, x)`: calling it with a name reaches `x.<name>`.
    AttrOf(Rc<ValueSet<'a>>),
    /// A function whose call gives a constant whatever its arguments (`lambda: "sys" + "tem"`).
    Gives(Rc<Const<'a>>),
    /// A function of the file whose call returns these values: a module it imports (`def m():
    /// import os; return os`), or what a followed call returned (`def fetch(u): return
    /// urlopen(u).read()`, for `derived_from`). Not itself a reference to them.
    Yields(Rc<ValueSet<'a>>),
    /// A function of the file whose call returns what a file at a path handed to one of its
    /// parameters holds, as the walk of its body found it (`def lines(p): for line in
    /// open(p): out.append(line)`, then `return out`): given by a call that hands that path
    /// (see [`ArgumentOrigin`]).
    YieldsAt(Rc<[ArgumentOrigin]>),
    /// What a call of the named function returned (`pickle.dumps(x)`), kept only when a rule
    /// tests `returned_by` (a round trip such as `pickle.loads(pickle.dumps(x))`).
    Returned(QName),
    /// Where the constant beside it in a name's binding came from: a call of the named
    /// function that folded (`code = b64decode("...")`), which a `derived_from` test names.
    /// Read back as [`Value::Returned`] beside the constant, as the call itself gives it.
    ConstFrom(QName),
    /// Something reached from what a call of the named function returned, by attributes,
    /// method calls, subscripts, unpacking or `with ... as` (`s.fileno()` and
    /// `conn, _ = s.accept()` after `s = socket.socket()`), kept for `derived_from` tests.
    From(QName),
    /// A class defined in the file with this base (`class P(subprocess.Popen): ...`): calling
    /// it calls the base (an instance of `P` is made by `Popen`'s machinery). Not a reference
    /// to the base, and its attributes are unknown.
    Subclass(QName),
    /// A class the file defines with a `class` statement that is undecorated or decorated only
    /// by the standard library's class-keeping decorators, by its class scope.
    /// `plain` when its decorators and metaclass (if any) are the standard library's that hand
    /// back the class they make and its bases are themselves plain classes, builtin classes or
    /// such bases of the standard library (see `walk::plain_base`): the class its statement
    /// made is what the name holds, so what hangs off it (`__subclasses__()`) is
    /// the program's own. Calling it makes an [`Value::Instance`]; reading an attribute gives
    /// what its body (or a base's) bound to that name.
    Class { scope: u32, plain: bool },
    /// An object made by calling a class of the file (by its class scope): its attributes are
    /// the class's, and what the class's methods stored on `self`.
    Instance(u32),
    /// A class attribute that gives these values when read through an instance or the class
    /// (a `property` whose getter returns a module).
    Descriptor(Rc<ValueSet<'a>>),
    /// A module spec, loader or entry point that names this object: what its `load()` or
    /// `load_module()`, or `importlib.util.module_from_spec` of it, gives.
    Loader(QName),
    /// `sys.modules` seen through one of its views (`values()`, `items()`, `keys()`):
    /// iterating it gives [`Value::AnyModule`]s and [`Value::AnyModuleName`]s.
    Loaded(LoadedView),
    /// One of the loaded modules, its name not known (a loop variable over
    /// `sys.modules.values()` before what it is compared with narrows it).
    AnyModule,
    /// One of the loaded modules' names (a loop variable over `sys.modules`).
    AnyModuleName,
    /// A file system path whose text is known although the call that made it does not fold
    /// (`os.path.join("/etc", "hosts")`, `Path("/etc", "hosts")`, `Path.home() / ".ssh"`),
    /// for the `matches` argument test: parts joined by `/`, a home directory read as `~`
    /// (`Path.home()`, `os.path.expanduser("~")`), `**` for a directory at any depth below
    /// a walked one and `*` for a name listed from a directory (see [`Value::Entries`]).
    Path(Rc<str>),
    /// What iterating a listing of a directory whose path text is known gives: a
    /// [`Value::Path`] of this text (`Path.home().rglob("*")` gives `~/**/*`,
    /// `os.listdir("/")` gives `*`).
    Entries(Rc<str>),
    /// `os.walk(top)` of a directory whose path text is known: its items are
    /// `(top/**, names, names)`, each name `*`.
    Walk(Rc<str>),
}

/// An origin a function's returned value carries when a call hands one of its parameters a
/// path of a known text (see [`Value::YieldsAt`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArgumentOrigin {
    /// The path's text, with `/` for Windows' separator.
    pub(crate) path: Rc<str>,
    /// What the returned value carries then (`file.~/.aws/credentials`).
    pub(crate) origin: QName,
}

/// Which of `sys.modules`' views a [`Value::Loaded`] iterates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoadedView {
    Keys,
    Values,
    Items,
}

impl Value<'_> {
    /// Whether the value is a list or dict constant (see [`Const::is_mutable`]).
    pub(crate) fn is_mutable_const(&self) -> bool {
        matches!(self, Value::Const(c) if c.is_mutable())
    }

    /// Whether the value may be a module or an object reached from one (see
    /// [`ValueSet::refers`]).
    pub(crate) fn refers(&self) -> bool {
        match self {
            Value::Qual(_)
            | Value::Globals
            | Value::ThisModule
            | Value::Getter(_)
            | Value::Caller(_) => true,
            Value::Seq(items) => items.iter().any(ValueSet::refers),
            Value::Dict(items) => items.iter().any(|(_, v)| v.refers()),
            Value::Partial(inner) | Value::AttrOf(inner) => inner.refers(),
            Value::Unknown
            | Value::Const(_)
            | Value::Returned(_)
            | Value::ConstFrom(_)
            | Value::From(_)
            | Value::Subclass(_)
            | Value::Class { .. }
            | Value::Instance(_)
            | Value::Descriptor(_)
            | Value::Loader(_)
            | Value::Loaded(_)
            | Value::AnyModule
            | Value::AnyModuleName
            | Value::Gives(_)
            | Value::Yields(_)
            | Value::YieldsAt(_)
            | Value::Path(_)
            | Value::Entries(_)
            | Value::Walk(_) => false,
        }
    }

    /// Whether the value is worth remembering as a class attribute although it refers to
    /// nothing itself: what calling it, reading it through an object (a descriptor) or
    /// loading it may give. (A class of the file is not: nested classes are common, and
    /// keeping them made every attribute read in their outer class a lookup.)
    pub(crate) fn kept(&self) -> bool {
        self.refers()
            || matches!(
                self,
                Value::Yields(_)
                    | Value::YieldsAt(_)
                    | Value::Instance(_)
                    | Value::Descriptor(_)
                    | Value::Loader(_)
                    | Value::Loaded(_)
            )
    }

    /// Whether [`ValueSet::passed_on`] may find anything in this value: a cheap test made
    /// before the lookups it takes.
    pub(crate) fn may_carry(&self) -> bool {
        matches!(
            self,
            Value::From(_)
                | Value::Returned(_)
                | Value::ConstFrom(_)
                | Value::Qual(_)
                | Value::Seq(_)
                | Value::Dict(_)
        )
    }

    /// What is reached from this value for `derived_from`, when it is a call result followed
    /// (see [`ValueSet::derived`]).
    pub(crate) fn derived<'b>(&self, origins: &NameTable) -> Option<Value<'b>> {
        match self {
            Value::From(q) => Some(Value::From(q.clone())),
            Value::Returned(q) | Value::ConstFrom(q) if origins.matches(q) => {
                Some(Value::From(q.clone()))
            }
            _ => None,
        }
    }
}

/// The alternatives an expression or a name may stand for. Biased toward flagging: a name
/// bound to `os` on any path keeps `os` among its alternatives.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueSet<'a> {
    alts: SmallVec<[Value<'a>; 1]>,
    /// The name may also be unbound here (look further out: enclosing scopes, builtins).
    pub(crate) unbound: bool,
}

impl<'a> ValueSet<'a> {
    pub(crate) fn unknown() -> Self {
        let mut alts = SmallVec::new();
        alts.push(Value::Unknown);
        Self { alts, unbound: false }
    }

    /// No value, possibly unbound (a deleted or not yet bound name).
    pub(crate) fn unbound() -> Self {
        Self { alts: SmallVec::new(), unbound: true }
    }

    pub(crate) fn one(value: Value<'a>) -> Self {
        let mut alts = SmallVec::new();
        alts.push(value);
        Self { alts, unbound: false }
    }

    pub(crate) fn qual(name: QName) -> Self {
        Self::one(Value::Qual(name))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.alts.is_empty()
    }

    pub(crate) fn alts(&self) -> &[Value<'a>] {
        &self.alts
    }

    /// Adds an alternative unless an equal one is present or the set is full (a full set
    /// still makes room for a qualified name by dropping a non-name alternative).
    pub(crate) fn push(&mut self, value: Value<'a>) {
        let dup = self.alts.iter().any(|v| match (v, &value) {
            (Value::Unknown, Value::Unknown)
            | (Value::Globals, Value::Globals)
            | (Value::ThisModule, Value::ThisModule)
            | (Value::AnyModule, Value::AnyModule)
            | (Value::AnyModuleName, Value::AnyModuleName) => true,
            (Value::Class { scope: a, .. }, Value::Class { scope: b, .. })
            | (Value::Instance(a), Value::Instance(b)) => a == b,
            (Value::Loaded(a), Value::Loaded(b)) => a == b,
            (Value::Loader(a), Value::Loader(b)) => a == b,
            (Value::Descriptor(a), Value::Descriptor(b)) => Rc::ptr_eq(a, b),
            (Value::Qual(a), Value::Qual(b))
            | (Value::Getter(a), Value::Getter(b))
            | (Value::Caller(a), Value::Caller(b))
            | (Value::Returned(a), Value::Returned(b))
            | (Value::ConstFrom(a), Value::ConstFrom(b))
            | (Value::From(a), Value::From(b))
            | (Value::Subclass(a), Value::Subclass(b))
            | (Value::Path(a), Value::Path(b))
            | (Value::Entries(a), Value::Entries(b))
            | (Value::Walk(a), Value::Walk(b)) => a == b,
            (Value::Const(a), Value::Const(b)) => a.same_scalar(b),
            (Value::Seq(a), Value::Seq(b)) => Rc::ptr_eq(a, b),
            (Value::Dict(a), Value::Dict(b)) => Rc::ptr_eq(a, b),
            (Value::Partial(a), Value::Partial(b)) => Rc::ptr_eq(a, b),
            (Value::AttrOf(a), Value::AttrOf(b)) => Rc::ptr_eq(a, b),
            (Value::Gives(a), Value::Gives(b)) => Rc::ptr_eq(a, b),
            (Value::Yields(a), Value::Yields(b)) => Rc::ptr_eq(a, b),
            (Value::YieldsAt(a), Value::YieldsAt(b)) => Rc::ptr_eq(a, b),
            _ => false,
        });
        if dup {
            return;
        }
        if self.alts.len() >= MAX_ALTERNATIVES {
            if !matches!(value, Value::Qual(_)) {
                return;
            }
            match self.alts.iter().position(|v| !matches!(v, Value::Qual(_))) {
                Some(i) => {
                    self.alts.remove(i);
                }
                None => return,
            }
        }
        self.alts.push(value);
    }

    pub(crate) fn union(&mut self, other: &ValueSet<'a>) {
        for v in &other.alts {
            self.push(v.clone());
        }
        self.unbound |= other.unbound;
    }

    pub(crate) fn quals(&self) -> impl Iterator<Item = &QName> {
        self.alts.iter().filter_map(|v| match v {
            Value::Qual(q) => Some(q),
            _ => None,
        })
    }

    /// What is reached from this set by an attribute, a call of it, a subscript or unpacking,
    /// as far as `derived_from` tests follow it: the origin of every call result among the
    /// alternatives that is one of `origins` (empty when there is none).
    pub(crate) fn derived(&self, origins: &NameTable) -> Self {
        let mut out = Self::default();
        for v in &self.alts {
            if let Some(d) = v.derived(origins) {
                out.push(d);
            }
        }
        out
    }

    /// What a copy, an encoding or a text made of this set still carries, for `derived_from`
    /// tests (`dict(os.environ)`, `json.dumps(env)`, `f"{env}"`): what [`ValueSet::derived`]
    /// gives, and an object one of `origins` names itself (`os.environ`, which no call made).
    /// The items of a tuple, list or dict display are looked into (`"%s" % (env,)`), one level
    /// deep.
    pub(crate) fn passed_on(&self, origins: &NameTable) -> Self {
        self.passed_on_within(origins, 1)
    }

    fn passed_on_within(&self, origins: &NameTable, depth: u8) -> Self {
        let mut out = self.derived(origins);
        for v in &self.alts {
            match v {
                Value::Qual(q) if origins.matches(q) => out.push(Value::From(q.clone())),
                Value::Seq(items) if depth > 0 => {
                    for item in items.iter() {
                        out.union(&item.passed_on_within(origins, depth - 1));
                    }
                }
                Value::Dict(entries) if depth > 0 => {
                    for (_, item) in entries.iter() {
                        out.union(&item.passed_on_within(origins, depth - 1));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The alternatives that refer to something, were reached from a call result, are path
    /// texts (`self.roaming = os.getenv("APPDATA")`, read by another method) or are otherwise
    /// [`Value::kept`] but for objects of the file's classes (what is worth keeping on an
    /// attribute: `self.helper = Helper()` is common, and a module reached through a helper
    /// object stored on another is not followed); constants and unknowns left out.
    pub(crate) fn referring(&self) -> Self {
        let mut out = Self::default();
        for v in &self.alts {
            if matches!(v, Value::From(_) | Value::Returned(_) | Value::Path(_))
                || (v.kept() && !matches!(v, Value::Instance(_)))
            {
                out.push(v.clone());
            }
        }
        out
    }

    /// Calling a class defined on a base calls the base: its [`Value::Subclass`] alternatives
    /// become the base's name.
    pub(crate) fn instantiate_subclasses(&mut self) {
        for v in &mut self.alts {
            if let Value::Subclass(q) = v {
                *v = Value::Qual(q.clone());
            }
        }
    }

    /// Whether the set holds anything beyond `Unknown` (worth remembering across scopes).
    pub(crate) fn is_interesting(&self) -> bool {
        self.alts.iter().any(|v| !matches!(v, Value::Unknown))
    }

    /// Whether the set surely or possibly stands for the running interpreter's path
    /// (`sys.executable`, `sys._base_executable`, under whatever name they were imported).
    pub(crate) fn is_interpreter(&self) -> bool {
        self.quals().any(|q| matches!(&**q, "sys.executable" | "sys._base_executable"))
    }

    /// Whether the set may refer to a module or an object reached from one (constants do not
    /// count): what makes a binding worth reading the file again for.
    pub(crate) fn refers(&self) -> bool {
        self.alts.iter().any(Value::refers)
    }

    /// Whether the set carries what a followed call returned ([`Value::From`]), itself or as
    /// an item of a display it holds: data `derived_from` tests follow (a host name, the
    /// environment), which a binding made from a function into a scope already read carries
    /// there too.
    pub(crate) fn carries_derived(&self) -> bool {
        self.alts.iter().any(|v| match v {
            Value::From(_) => true,
            Value::Seq(items) => {
                items.iter().any(|i| i.alts.iter().any(|v| matches!(v, Value::From(_))))
            }
            Value::Dict(entries) => {
                entries.iter().any(|(_, i)| i.alts.iter().any(|v| matches!(v, Value::From(_))))
            }
            _ => false,
        })
    }

    /// Whether any alternative is [`Value::kept`].
    pub(crate) fn kept(&self) -> bool {
        self.alts.iter().any(Value::kept)
    }

    /// Whether the set is surely bound and every one of its alternatives (at least one) is
    /// `test`'s kind.
    pub(crate) fn surely(&self, test: impl Fn(&Value<'a>) -> bool) -> bool {
        !self.unbound && !self.alts.is_empty() && self.alts.iter().all(test)
    }

    /// Whether the file's own module object (`sys.modules[__name__]`) is among the values.
    pub(crate) fn may_be_this_module(&self) -> bool {
        self.alts.iter().any(|v| matches!(v, Value::ThisModule))
    }

    /// Whether the set is two or more constants and surely bound: a name that holds one of a
    /// few known values (`for name in ("a", "b")`), which is no more computed than a literal.
    pub(crate) fn constant_choices(&self) -> bool {
        !self.unbound
            && self.alts.len() > 1
            && self.alts.iter().all(|v| matches!(v, Value::Const(_)))
    }

    /// Whether the set holds some constants and something not known, nothing else: a name
    /// over a sequence of more constants than a set keeps (see `Walker::elements`).
    pub(crate) fn constants_beside_unknown(&self) -> bool {
        !self.unbound
            && self.alts.iter().any(|v| matches!(v, Value::Const(_)))
            && self.alts.iter().any(|v| matches!(v, Value::Unknown))
            && self.alts.iter().all(|v| matches!(v, Value::Const(_) | Value::Unknown))
    }

    /// The set with its list and dict constants made unknown: what a name holds once the
    /// list may have changed out of sight, or where it is read as an alias.
    pub(crate) fn without_mutables(&self) -> Self {
        if !self.alts.iter().any(Value::is_mutable_const) {
            return self.clone();
        }
        let mut out = Self { alts: SmallVec::new(), unbound: self.unbound };
        for v in &self.alts {
            if v.is_mutable_const() {
                out.push(Value::Unknown);
            } else {
                out.push(v.clone());
            }
        }
        out
    }

    /// The constant, when the set is exactly one constant and surely bound.
    pub(crate) fn single_const(&self) -> Option<&Const<'a>> {
        match self.alts.as_slice() {
            // A constant, or one a followed call folded to, with where it came from.
            [Value::Const(c), rest @ ..]
                if !self.unbound && rest.iter().all(|v| matches!(v, Value::ConstFrom(_))) =>
            {
                Some(c)
            }
            _ => None,
        }
    }

    /// What [`Value::ConstFrom`] alternatives say of the constant beside them, as the call
    /// that folded gives it ([`Value::Returned`]).
    pub(crate) fn const_origins(&self) -> Self {
        let mut out = Self::default();
        for v in &self.alts {
            if let Value::ConstFrom(q) = v {
                out.push(Value::Returned(q.clone()));
            }
        }
        out
    }
}

/// Shares qualified names within one file so that attribute chains allocate once per name.
#[derive(Default)]
pub(crate) struct Interner {
    names: FxHashSet<Rc<str>>,
    scratch: String,
    /// `builtins.<name>` by the builtin's index (see `crate::builtins::index`).
    builtins: Vec<Option<QName>>,
}

/// Longer qualified names are not built (an attribute chain of any length stays linear).
pub(crate) const MAX_QUAL_LEN: usize = 256;

impl Interner {
    /// An interner with room for `expected` names.
    pub(crate) fn with_capacity(expected: usize) -> Self {
        Self {
            names: FxHashSet::with_capacity_and_hasher(expected, Default::default()),
            ..Self::default()
        }
    }

    pub(crate) fn intern(&mut self, name: &str) -> QName {
        if let Some(q) = self.names.get(name) {
            return q.clone();
        }
        let q: Rc<str> = name.into();
        self.names.insert(q.clone());
        q
    }

    /// `builtins.<name>` for the builtin at `index` (`name` is its name).
    pub(crate) fn builtin(&mut self, index: usize, name: &str) -> QName {
        if let Some(Some(q)) = self.builtins.get(index) {
            return q.clone();
        }
        let q = self.join("builtins", name).unwrap_or_else(|| self.intern("builtins"));
        if self.builtins.len() <= index {
            self.builtins.resize(index + 1, None);
        }
        self.builtins[index] = Some(q.clone());
        q
    }

    /// `base.attr`, interned; `None` when it would exceed [`MAX_QUAL_LEN`]. A module that other
    /// modules import and so hand out as an attribute is itself (`shutil.os` is `os`).
    pub(crate) fn join(&mut self, base: &str, attr: &str) -> Option<QName> {
        if let Some(module) = reexported_module(attr) {
            return Some(self.intern(module));
        }
        if base.len() + attr.len() + 1 > MAX_QUAL_LEN {
            return None;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.push_str(base);
        scratch.push('.');
        scratch.push_str(attr);
        // `pip._vendor.requests`, `six.moves.urllib`: the module under its own name (looked
        // at only after a base that may rename: this runs at every attribute read).
        let q = if crate::modules::may_rename_after(base) {
            match crate::modules::canonical(&scratch) {
                std::borrow::Cow::Borrowed(same) => self.intern(same),
                std::borrow::Cow::Owned(other) => self.intern(&other),
            }
        } else {
            self.intern(&scratch)
        };
        self.scratch = scratch;
        Some(q)
    }
}

/// The module an attribute of that name on another module is, for the modules that reach
/// the process, code execution or the interpreter and that the standard library (and most
/// packages) import at their top: `shutil.os`, `logging.os`, `os.path.os`, `tempfile._os`,
/// `platform.subprocess`, `asyncio.subprocess.subprocess` and `from subprocess import os` are
/// the modules themselves. Names are left alone where a package commonly has a submodule of
/// its own by that name (`pandas.io.pickle`, `myapp.code`), or a class does (`socket.socket`).
fn reexported_module(attr: &str) -> Option<&'static str> {
    Some(match attr {
        "os" | "_os" => "os",
        "sys" | "_sys" => "sys",
        "subprocess" | "_subprocess" => "subprocess",
        "builtins" | "_builtins" | "__builtin__" => "builtins",
        "posix" | "_posix" => "posix",
        "nt" | "_nt" => "nt",
        "importlib" | "_importlib" => "importlib",
        "ctypes" => "ctypes",
        "pty" => "pty",
        "shutil" | "_shutil" => "shutil",
        "runpy" => "runpy",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_data_is_carried_by_itself_or_as_an_item_of_a_display() {
        let mut i = Interner::default();
        let mut host = ValueSet::default();
        host.push(Value::From(i.intern("socket.gethostname")));
        assert!(host.carries_derived());
        let mut dict = ValueSet::default();
        dict.push(Value::Dict(Rc::from(vec![(Rc::from("h"), host.clone())])));
        assert!(dict.carries_derived());
        let mut list = ValueSet::default();
        list.push(Value::Seq(Rc::from(vec![host])));
        assert!(list.carries_derived());
        assert!(!ValueSet::qual(i.intern("os")).carries_derived());
        assert!(!ValueSet::unknown().carries_derived());
    }

    #[test]
    fn value_set_dedups_and_caps_keeping_names() {
        let mut set = ValueSet::default();
        let mut i = Interner::default();
        for _ in 0..3 {
            set.push(Value::Unknown);
        }
        assert_eq!(set.alts().len(), 1);
        for n in 0..MAX_ALTERNATIVES + 4 {
            set.push(Value::Const(Const::Int(i64::try_from(n).unwrap())));
        }
        assert_eq!(set.alts().len(), MAX_ALTERNATIVES);
        set.push(Value::Qual(i.intern("os")));
        assert!(set.quals().count() == 1);
        assert_eq!(set.alts().len(), MAX_ALTERNATIVES);
    }

    #[test]
    fn scalar_equality_keeps_bool_apart_from_int() {
        assert!(!Const::Bool(true).same_scalar(&Const::Int(1)));
        assert!(Const::Int(1).same_scalar(&Const::Float(1.0)));
        assert!(Const::Str(Text::Borrowed("a")).same_scalar(&Const::Str(Text::Owned("a".into()))));
    }

    #[test]
    fn interner_shares_and_caps() {
        let mut i = Interner::default();
        let a = i.join("os", "system").unwrap();
        let b = i.intern("os.system");
        assert!(Rc::ptr_eq(&a, &b));
        let long = "x".repeat(MAX_QUAL_LEN);
        assert!(i.join(&long, "y").is_none());
    }
}

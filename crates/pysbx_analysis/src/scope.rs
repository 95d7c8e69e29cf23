//! Scopes and bindings: Python's name resolution (module, class, function, lambda and
//! comprehension scopes; `global` and `nonlocal`; builtins), flow-insensitive where it must be
//! and biased toward flagging.
//!
//! A binding in straight-line code of a scope replaces the name's value (`import os` then
//! `os = None`: `os.system` no longer resolves). A binding inside a branch, loop body or `try`
//! adds an alternative instead, so a name bound to `os` on any path keeps resolving to `os`.
//! Function and lambda bodies run after their enclosing scope has been read to its end and see
//! every value an enclosing name ever had.

use std::hash::Hasher;

use hashbrown::HashTable;
use ruff_python_ast::name::Name;
use rustc_hash::FxHasher;
use smallvec::SmallVec;

use crate::builtins;
use crate::value::{Const, Interner, MAX_ALTERNATIVES, QName, Value, ValueSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    /// A function or lambda.
    Function,
    Comprehension,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decl {
    Local,
    Global,
    Nonlocal,
}

#[derive(Debug)]
struct Slot<'a> {
    /// What the name holds at the current point of the scope's body.
    cur: ValueSet<'a>,
    /// Everything the name was ever bound to in the scope (what later code, such as a
    /// function body run after the scope, may see).
    ever: ValueSet<'a>,
    decl: Decl,
}

impl Slot<'_> {
    fn unbound(decl: Decl) -> Self {
        let empty = ValueSet::unbound();
        Self { cur: empty.clone(), ever: empty, decl }
    }
}

/// A name's slot in one scope, an entry of the file's [`Slots`].
#[derive(Debug)]
struct Entry<'a> {
    scope: u32,
    name: Name,
    slot: Slot<'a>,
}

/// Every scope's slots of one file in one table, keyed by scope and name.
///
/// One table rather than one per scope: a file has thousands of small scopes (every
/// function, lambda and comprehension), and a table of its own for each was allocated and
/// grown (rehashed) binding by binding. A name's hash is computed once and combined with each
/// scope's number, so a lookup that climbs several scopes hashes the name once.
#[derive(Debug, Default)]
struct Slots<'a> {
    table: HashTable<Entry<'a>>,
    /// The names each scope has a slot for, by scope number: what every name of a scope at
    /// once visits ([`Slots::for_scope`]) without a pass over the whole file's table. Made at
    /// the first such visit (most files make none) and kept up to date from then on.
    by_scope: Option<Vec<Vec<Name>>>,
}

/// The hash of a name, before it is combined with a scope ([`Slots::hash`]).
#[derive(Clone, Copy)]
struct NameHash(u64);

impl NameHash {
    fn of(name: &str) -> Self {
        let mut h = FxHasher::default();
        h.write(name.as_bytes());
        Self(h.finish())
    }
}

impl<'a> Slots<'a> {
    fn hash(name: NameHash, scope: u32) -> u64 {
        // An odd multiplier spreads the scope over every bit (the table uses the top bits as
        // tags and the low bits as the index).
        (name.0 ^ (u64::from(scope) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(26)
    }

    fn rehash(e: &Entry<'_>) -> u64 {
        Self::hash(NameHash::of(e.name.as_str()), e.scope)
    }

    fn get(&self, scope: u32, name: &str, h: NameHash) -> Option<&Slot<'a>> {
        self.table
            .find(Self::hash(h, scope), |e| e.scope == scope && e.name.as_str() == name)
            .map(|e| &e.slot)
    }

    fn get_mut(&mut self, scope: u32, name: &str) -> Option<&mut Slot<'a>> {
        let h = Self::hash(NameHash::of(name), scope);
        self.table.find_mut(h, |e| e.scope == scope && e.name.as_str() == name).map(|e| &mut e.slot)
    }

    /// The slot of `name` in `scope`, made unbound with `decl` if there is none.
    fn entry(&mut self, scope: u32, name: &Name, h: NameHash, decl: Decl) -> &mut Slot<'a> {
        let entry = self.table.entry(
            Self::hash(h, scope),
            |e| e.scope == scope && e.name == *name,
            Self::rehash,
        );
        let by_scope = &mut self.by_scope;
        &mut entry
            .or_insert_with(|| {
                if let Some(index) = by_scope {
                    Self::index_name(index, scope, name);
                }
                Entry { scope, name: name.clone(), slot: Slot::unbound(decl) }
            })
            .into_mut()
            .slot
    }

    fn index_name(index: &mut Vec<Vec<Name>>, scope: u32, name: &Name) {
        let at = scope as usize;
        if index.len() <= at {
            index.resize_with(at + 1, Vec::new);
        }
        index[at].push(name.clone());
    }

    /// Calls `f` with each slot of `scope` (every name of a scope at once).
    fn for_scope(&mut self, scope: u32, mut f: impl FnMut(&Name, &mut Slot<'a>)) {
        let Self { table, by_scope } = self;
        let index = by_scope.get_or_insert_with(|| {
            let mut index = Vec::new();
            for e in table.iter() {
                Self::index_name(&mut index, e.scope, &e.name);
            }
            index
        });
        for name in index.get(scope as usize).into_iter().flatten() {
            let h = Self::hash(NameHash::of(name.as_str()), scope);
            if let Some(e) = table.find_mut(h, |e| e.scope == scope && e.name == *name) {
                f(name, &mut e.slot);
            }
        }
    }
}

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    parent: Option<u32>,
    /// Modules imported with `from m import *`.
    stars: Vec<QName>,
    /// How many branches (if, loop, try, match) enclose the current statement.
    branch: u32,
    /// The body has been read to its end.
    finished: bool,
    /// Any binding of the scope may be removed or replaced at a time the walker cannot place
    /// (a function run later clears the module's namespace): every name may be unbound.
    unstable: bool,
    /// A binding worth keeping ([`ValueSet::kept`]) was made in this (class) scope: its
    /// attributes are worth looking up (see [`Scopes::class_attribute`]).
    refers: bool,
    /// The classes of the file among a class scope's bases, by their scopes.
    bases: Vec<u32>,
    /// The bases of a class scope defined elsewhere whose objects' attributes some rule names
    /// (`setuptools.command.install.install` when a rule names
    /// `setuptools.command.*().spawn`), by their qualified names.
    outer_bases: Vec<QName>,
    /// The bases of the file's classes that derive from this class (a mixin) together with
    /// other bases: its methods run as theirs (`class I(_Hook, install)` runs `_Hook`'s
    /// methods as an install command's).
    adopted: Vec<QName>,
    /// Something worth keeping was stored on an attribute in this class's methods (see
    /// `Walker::add_attr_slot`).
    stored: bool,
    /// A class scope deriving from an exception of the builtins (directly or through classes
    /// of the file): calling it makes an exception, whose arguments are its message.
    exception: bool,
}

/// A binding made to a scope after that scope was read (through `global` or `nonlocal` in a
/// function): the file is read again with it known from the start.
pub(crate) type LateWrite<'a> = (u32, Name, ValueSet<'a>);

/// All scopes of one file. Scope 0 is the module.
#[derive(Debug, Default)]
pub(crate) struct Scopes<'a> {
    list: Vec<Scope>,
    slots: Slots<'a>,
    late: Vec<LateWrite<'a>>,
    seeds: Vec<LateWrite<'a>>,
}

pub(crate) const MODULE: u32 = 0;

/// The name a late write uses for "every name of the scope" (no identifier is `*`).
const EVERY_NAME: &str = "*";

impl<'a> Scopes<'a> {
    /// Scopes with bindings known ahead (late writes of an earlier reading).
    /// `expected_slots`: about how many names the file binds, so that the table is made at
    /// its size rather than grown (and rehashed) binding by binding.
    pub(crate) fn with_seeds(seeds: Vec<LateWrite<'a>>, expected_slots: usize) -> Self {
        let slots = Slots { table: HashTable::with_capacity(expected_slots), by_scope: None };
        let mut s = Self { seeds, slots, ..Self::default() };
        s.push(ScopeKind::Module, None);
        s
    }

    pub(crate) fn push(&mut self, kind: ScopeKind, parent: Option<u32>) -> u32 {
        let id = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        let mut scope = Scope {
            kind,
            parent,
            stars: Vec::new(),
            branch: 0,
            finished: false,
            unstable: false,
            refers: false,
            bases: Vec::new(),
            outer_bases: Vec::new(),
            adopted: Vec::new(),
            stored: false,
            exception: false,
        };
        for (sid, name, vals) in &self.seeds {
            if *sid == id && name.as_str() == EVERY_NAME {
                scope.unstable = true;
            } else if *sid == id {
                let h = NameHash::of(name.as_str());
                let slot = self.slots.entry(id, name, h, Decl::Local);
                slot.cur.union(vals);
                slot.ever.union(vals);
                // A class attribute a method's body gave (see `Self::add_to`).
                scope.refers |= kind == ScopeKind::Class && vals.kept();
            }
        }
        self.list.push(scope);
        id
    }

    pub(crate) fn finish(&mut self, id: u32) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.finished = true;
        }
    }

    pub(crate) fn kind(&self, id: u32) -> ScopeKind {
        self.list.get(id as usize).map_or(ScopeKind::Module, |s| s.kind)
    }

    pub(crate) fn parent(&self, id: u32) -> Option<u32> {
        self.list.get(id as usize).and_then(|s| s.parent)
    }

    pub(crate) fn enter_branch(&mut self, id: u32) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.branch += 1;
        }
    }

    pub(crate) fn leave_branch(&mut self, id: u32) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.branch = s.branch.saturating_sub(1);
        }
    }

    pub(crate) fn add_star(&mut self, id: u32, module: QName) {
        if let Some(s) = self.list.get_mut(id as usize)
            && s.stars.len() < 8
            && !s.stars.contains(&module)
        {
            s.stars.push(module);
        }
    }

    pub(crate) fn take_late(&mut self) -> Vec<LateWrite<'a>> {
        std::mem::take(&mut self.late)
    }

    pub(crate) fn declare_global(&mut self, id: u32, name: &Name) {
        self.declare(id, name, Decl::Global);
    }

    pub(crate) fn declare_nonlocal(&mut self, id: u32, name: &Name) {
        self.declare(id, name, Decl::Nonlocal);
    }

    fn declare(&mut self, id: u32, name: &Name, decl: Decl) {
        if id == MODULE {
            return;
        }
        if id as usize >= self.list.len() {
            return;
        }
        self.slots.entry(id, name, NameHash::of(name.as_str()), decl).decl = decl;
    }

    /// The scope a binding of `name` made in scope `id` lands in.
    fn target(&self, id: u32, name: &str, h: NameHash) -> u32 {
        let Some(scope) = self.list.get(id as usize) else { return MODULE };
        match self.slots.get(id, name, h).map(|s| s.decl) {
            Some(Decl::Global) => MODULE,
            Some(Decl::Nonlocal) => {
                let mut cur = scope.parent;
                let mut nearest = None;
                while let Some(p) = cur {
                    let Some(s) = self.list.get(p as usize) else { break };
                    if s.kind == ScopeKind::Function {
                        nearest.get_or_insert(p);
                        if self.slots.get(p, name, h).is_some_and(|slot| slot.decl == Decl::Local) {
                            return p;
                        }
                    }
                    cur = s.parent;
                }
                nearest.unwrap_or(id)
            }
            _ => id,
        }
    }

    /// What `name` holds now in scope `id` itself, where a binding there would replace it
    /// (the scope is in no branch and the name is its own): `Some(None)` when it has no binding
    /// yet, `None` where a binding would only add to what it holds.
    pub(crate) fn replaceable(&self, id: u32, name: &Name) -> Option<Option<ValueSet<'a>>> {
        let h = NameHash::of(name.as_str());
        let scope = self.list.get(id as usize)?;
        if scope.branch != 0 || self.target(id, name, h) != id {
            return None;
        }
        Some(self.slots.get(id, name, h).map(|slot| slot.cur.clone()))
    }

    /// Binds `name` in scope `id`.
    pub(crate) fn bind(&mut self, id: u32, name: &Name, vals: ValueSet<'a>) {
        self.bind_as(id, name, vals, false);
    }

    /// Binds `name` in scope `id` to what it held grown in place (`path += "\\leveldb"`). In
    /// a branch, where a binding adds to what the name held, the grown values come first when
    /// both do not fit: the rest of the branch reads them (`path += "\\Local Storage"` in the
    /// body of a loop over a table of more than eight paths), and what the name held before
    /// is kept as far as it fits.
    pub(crate) fn bind_grown(&mut self, id: u32, name: &Name, vals: ValueSet<'a>) {
        self.bind_as(id, name, vals, true);
    }

    fn bind_as(&mut self, id: u32, name: &Name, vals: ValueSet<'a>, grown: bool) {
        let h = NameHash::of(name.as_str());
        let target = self.target(id, name, h);
        let Some(scope) = self.list.get_mut(target as usize) else { return };
        let strong = target == id && scope.branch == 0;
        if scope.kind == ScopeKind::Class && !scope.refers {
            // A class attribute holding text (`parts = ("https://disc", "ord.com/...")`) is
            // read back through the class or its instances too, where it folds.
            scope.refers = vals.kept() || vals.single_const().is_some_and(Const::holds_text);
        }
        if scope.finished && (vals.refers() || vals.carries_derived()) {
            self.late.push((target, name.clone(), vals.clone()));
        }
        let unstable = scope.unstable;
        let slot = self.slots.entry(target, name, h, Decl::Local);
        slot.ever.union(&vals);
        if strong {
            slot.cur = vals;
            slot.cur.unbound = unstable;
            slot.ever.unbound = unstable;
            // What a function run at an unknown time writes here (a late write of an earlier
            // reading) may be there after this binding too.
            for (sid, seeded, late) in &self.seeds {
                if *sid == target && seeded == name {
                    slot.cur.union(late);
                    slot.ever.union(late);
                }
            }
        } else if grown && slot.cur.alts().len() + vals.alts().len() > MAX_ALTERNATIVES {
            let held = std::mem::replace(&mut slot.cur, vals);
            slot.cur.union(&held);
        } else {
            slot.cur.union(&vals);
        }
    }

    /// Makes `name`, a local of scope `id`, hold `vals` for the body of an `if` whose test
    /// says so (`if name == ".env":`), whatever branch the walk is in; gives back what it held,
    /// for [`Self::widen`] after the body. `None` when the name is not a local of `id`.
    pub(crate) fn narrow(
        &mut self,
        id: u32,
        name: &str,
        vals: ValueSet<'a>,
    ) -> Option<ValueSet<'a>> {
        let slot = self.slots.get_mut(id, name)?;
        if slot.decl != Decl::Local {
            return None;
        }
        Some(std::mem::replace(&mut slot.cur, vals))
    }

    /// Undoes [`Self::narrow`] after the `if`'s body: the name holds what it held before, and
    /// also whatever the body bound it to (`narrowed` held `kept` alternatives; a body that
    /// bound the name adds to them, as a branch does).
    pub(crate) fn widen(&mut self, id: u32, name: &str, before: ValueSet<'a>, kept: usize) {
        let Some(slot) = self.slots.get_mut(id, name) else { return };
        if slot.cur.alts().len() == kept {
            slot.cur = before;
        } else {
            slot.cur.union(&before);
        }
    }

    /// Adds `vals` to what `name` holds in scope `id`, whatever the scope being read: the
    /// object a name of an enclosing scope (or the module) holds was changed in place from a
    /// function (`info["host"] = ...` in a helper the module calls). A scope already read
    /// gets it as a late write, so that the file is read again with it known.
    pub(crate) fn add_to(&mut self, id: u32, name: &Name, vals: &ValueSet<'a>) {
        let h = NameHash::of(name.as_str());
        let Some(scope) = self.list.get_mut(id as usize) else { return };
        if scope.finished {
            self.late.push((id, name.clone(), vals.clone()));
        }
        // A method's own value given late (what it returns, see `Walker::note_walked_returns`)
        // is a class attribute worth reading, as `Self::bind` judges one.
        scope.refers |= scope.kind == ScopeKind::Class && vals.kept();
        let slot = self.slots.entry(id, name, h, Decl::Local);
        slot.cur.union(vals);
        slot.ever.union(vals);
    }

    /// `del name` in scope `id`.
    pub(crate) fn delete(&mut self, id: u32, name: &Name) {
        let h = NameHash::of(name.as_str());
        let target = self.target(id, name, h);
        let Some(scope) = self.list.get_mut(target as usize) else { return };
        let strong = target == id && scope.branch == 0;
        if scope.finished {
            self.late.push((target, name.clone(), ValueSet::unbound()));
        }
        let slot = self.slots.entry(target, name, h, Decl::Local);
        slot.ever.unbound = true;
        if strong {
            slot.cur = ValueSet::unbound();
        } else {
            slot.cur.unbound = true;
        }
    }

    /// The module's namespace changed under a name without an assignment the walker can
    /// follow (`del globals()["exec"]`, `globals().pop("exec")`): the name may now be unbound
    /// there, so a load also takes the star imports and builtins.
    pub(crate) fn weaken_module(&mut self, name: &str) {
        let Some(module) = self.list.first_mut() else { return };
        if module.finished {
            self.late.push((MODULE, Name::new(name), ValueSet::unbound()));
        }
        if let Some(slot) = self.slots.get_mut(MODULE, name) {
            slot.cur.unbound = true;
            slot.ever.unbound = true;
        }
    }

    /// Every name bound so far in scope `id` may have been replaced or removed
    /// (`from builtins import *`, `globals().clear()`, `del globals()[name]`).
    pub(crate) fn weaken_all(&mut self, id: u32) {
        if let Some(scope) = self.list.get_mut(id as usize) {
            if scope.finished {
                self.late.push((id, Name::new(EVERY_NAME), ValueSet::unbound()));
            }
            self.slots.for_scope(id, |_, slot| {
                if slot.decl == Decl::Local {
                    slot.cur.unbound = true;
                    slot.ever.unbound = true;
                }
            });
        }
    }

    /// `from module import *` after names were bound in scope `id`: each may now be the
    /// module's attribute of that name.
    pub(crate) fn star_over_bound(&mut self, id: u32, module: &QName, interner: &mut Interner) {
        if (id as usize) < self.list.len() {
            self.slots.for_scope(id, |name, slot| {
                if slot.decl == Decl::Local
                    && let Some(q) = interner.join(module, name)
                {
                    slot.cur.push(Value::Qual(q.clone()));
                    slot.ever.push(Value::Qual(q));
                }
            });
        }
    }

    /// Resolves a load of `name` in scope `id`: the innermost binding, then enclosing function
    /// scopes (class bodies are invisible to nested scopes), the module, star imports and
    /// builtins. A name that may be unbound in a scope also takes the outer alternatives.
    /// Whether code in scope `from` sees what scope `outer` binds: `outer` is `from` or one
    /// of its enclosing scopes, and, with `name`, no scope in between binds `name` itself or
    /// declares it `global` or `nonlocal` (a parameter called like a function of the file).
    pub(crate) fn sees(&self, from: u32, outer: u32, name: Option<&str>) -> bool {
        let h = name.map(NameHash::of);
        let mut at = Some(from);
        while let Some(s) = at {
            if s == outer {
                return true;
            }
            if let (Some(name), Some(h)) = (name, h)
                && self.slots.get(s, name, h).is_some()
            {
                return false;
            }
            at = self.parent(s);
        }
        false
    }

    pub(crate) fn lookup(&self, id: u32, name: &str, interner: &mut Interner) -> ValueSet<'a> {
        let mut out = ValueSet::default();
        let h = NameHash::of(name);
        let mut cur = Some(id);
        let mut first = true;
        while let Some(i) = cur {
            let Some(scope) = self.list.get(i as usize) else { break };
            let visible = scope.kind != ScopeKind::Class || first;
            if visible && let Some(slot) = self.slots.get(i, name, h) {
                match slot.decl {
                    Decl::Global => {
                        cur = Some(MODULE);
                        first = false;
                        continue;
                    }
                    Decl::Nonlocal => {
                        cur = scope.parent;
                        first = false;
                        continue;
                    }
                    Decl::Local => {
                        let vals = if first || !scope.finished { &slot.cur } else { &slot.ever };
                        out.union(vals);
                        // A function's (or comprehension's) local never falls through to the
                        // enclosing scopes or the builtins, even where it may be unbound:
                        // Python raises UnboundLocalError there. `except E as exec:` or
                        // `for eval in ...` inside a function is not the builtin.
                        let local_only =
                            matches!(scope.kind, ScopeKind::Function | ScopeKind::Comprehension);
                        if local_only || (!vals.unbound && !vals.is_empty()) {
                            out.unbound = false;
                            return out;
                        }
                    }
                }
            }
            if scope.kind == ScopeKind::Module {
                break;
            }
            cur = scope.parent;
            first = false;
        }
        out.unbound = false;
        if let Some(module) = self.list.first() {
            for star in &module.stars {
                if let Some(q) = interner.join(star, name) {
                    out.push(Value::Qual(q));
                }
            }
        }
        if name == "__builtins__" {
            out.push(Value::Qual(interner.intern("builtins")));
        } else if name == "__file__" {
            // The module's own file, which the import system binds (see `crate::paths`).
            out.push(Value::Path(std::rc::Rc::from(crate::paths::MODULE_FILE)));
        } else if let Some(index) = builtins::index(name) {
            out.push(Value::Qual(interner.builtin(index, name)));
        }
        if out.is_empty() {
            out.push(Value::Unknown);
        }
        out
    }

    /// Everything `name` was bound to in the body of class scope `id` (its class attribute),
    /// when that is worth keeping ([`ValueSet::kept`], or one constant holding text);
    /// `None` otherwise.
    pub(crate) fn class_attribute(&self, id: u32, name: &str) -> Option<&ValueSet<'a>> {
        let scope = self.list.get(id as usize)?;
        if scope.kind != ScopeKind::Class || !scope.refers {
            return None;
        }
        self.slots
            .get(id, name, NameHash::of(name))
            .map(|s| &s.ever)
            .filter(|v| v.kept() || v.single_const().is_some_and(Const::holds_text))
    }

    /// Records the classes of the file among class scope `id`'s bases.
    pub(crate) fn set_bases(&mut self, id: u32, bases: Vec<u32>) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.bases = bases;
        }
    }

    /// Records the bases of class scope `id` defined elsewhere whose objects' attributes some
    /// rule names.
    pub(crate) fn set_outer_bases(&mut self, id: u32, bases: Vec<QName>) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.outer_bases = bases;
        }
    }

    /// The bases of class scope `id` defined elsewhere whose objects' attributes some rule
    /// names.
    pub(crate) fn outer_bases(&self, id: u32) -> &[QName] {
        self.list.get(id as usize).map_or(&[], |s| &s.outer_bases)
    }

    /// Records that a class of the file derives from class scope `id` with these bases
    /// beside it (at most 16 are kept).
    pub(crate) fn adopt(&mut self, id: u32, bases: &[QName]) {
        if let Some(s) = self.list.get_mut(id as usize) {
            for b in bases {
                if s.adopted.len() < 16 && !s.adopted.contains(b) {
                    s.adopted.push(b.clone());
                }
            }
        }
    }

    /// The bases of the classes that derive from class scope `id` (see [`Self::adopt`]).
    pub(crate) fn adopted(&self, id: u32) -> &[QName] {
        self.list.get(id as usize).map_or(&[], |s| &s.adopted)
    }

    /// Whether class scope `id`'s body binds `name` at all (a method, an attribute), whatever
    /// it holds.
    pub(crate) fn binds(&self, id: u32, name: &str) -> bool {
        self.slots.get(id, name, NameHash::of(name)).is_some()
    }

    /// Records that class scope `id` derives from an exception of the builtins.
    pub(crate) fn mark_exception(&mut self, id: u32) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.exception = true;
        }
    }

    /// Whether class scope `id` derives from an exception of the builtins.
    pub(crate) fn is_exception(&self, id: u32) -> bool {
        self.list.get(id as usize).is_some_and(|s| s.exception)
    }

    /// Records that something worth keeping was stored on an attribute in scope `id`'s
    /// methods.
    pub(crate) fn mark_stored(&mut self, id: u32) {
        if let Some(s) = self.list.get_mut(id as usize) {
            s.stored = true;
        }
    }

    /// Whether something was stored on an attribute in class scope `id`'s methods.
    pub(crate) fn stored(&self, id: u32) -> bool {
        self.list.get(id as usize).is_some_and(|s| s.stored)
    }

    /// Whether reading an attribute of class scope `id` (or of its objects) may find anything
    /// known: a class attribute worth keeping, a store in its methods, or a base of the file.
    pub(crate) fn has_members(&self, id: u32) -> bool {
        self.list.get(id as usize).is_some_and(|s| s.refers || s.stored || !s.bases.is_empty())
    }

    /// The classes of the file among class scope `id`'s bases.
    pub(crate) fn bases(&self, id: u32) -> &[u32] {
        self.list.get(id as usize).map_or(&[], |s| &s.bases)
    }

    /// Class scope `id` and the classes of the file it derives from, nearest first, at most
    /// eight (a class's bases are defined before it, so there is no cycle; the cap bounds a
    /// deep hierarchy).
    pub(crate) fn class_chain(&self, id: u32) -> SmallVec<[u32; 4]> {
        let mut chain: SmallVec<[u32; 4]> = SmallVec::new();
        chain.push(id);
        let mut i = 0;
        while i < chain.len() && chain.len() < 8 {
            if let Some(s) = self.list.get(chain[i] as usize) {
                for b in &s.bases {
                    if chain.len() < 8 && !chain.contains(b) {
                        chain.push(*b);
                    }
                }
            }
            i += 1;
        }
        chain
    }

    /// The scope whose binding a load of `name` in scope `id` reads first (as [`Self::lookup`]
    /// climbs), when one binds it; `None` for a global of no scope, a builtin or a star import.
    pub(crate) fn owner(&self, id: u32, name: &str) -> Option<u32> {
        let h = NameHash::of(name);
        let mut cur = Some(id);
        let mut first = true;
        while let Some(i) = cur {
            let scope = self.list.get(i as usize)?;
            let visible = scope.kind != ScopeKind::Class || first;
            if visible && let Some(slot) = self.slots.get(i, name, h) {
                match slot.decl {
                    Decl::Global => {
                        cur = Some(MODULE);
                        first = false;
                        continue;
                    }
                    Decl::Nonlocal => {
                        cur = scope.parent;
                        first = false;
                        continue;
                    }
                    Decl::Local => return Some(i),
                }
            }
            if scope.kind == ScopeKind::Module {
                return None;
            }
            cur = scope.parent;
            first = false;
        }
        None
    }

    /// A list or dict `name` holds in scope `id` may have changed in ways not followed: its
    /// constant alternatives of those kinds become unknown.
    pub(crate) fn drop_mutable(&mut self, id: u32, name: &str) {
        if let Some(slot) = self.slots.get_mut(id, name)
            && slot.cur.alts().iter().any(crate::value::Value::is_mutable_const)
        {
            slot.cur = slot.cur.without_mutables();
        }
    }

    /// What the module's namespace holds under `name` (`globals()[name]`,
    /// `getattr(sys.modules[__name__], name)`): its binding, and where the module may not bind
    /// it, what its star imports put there (`from builtins import *` puts `eval`).
    pub(crate) fn module_entry(&self, name: &str, interner: &mut Interner) -> ValueSet<'a> {
        let slot = self.slots.get(MODULE, name, NameHash::of(name));
        let mut out = match slot {
            Some(_) => self.module_value(name),
            None => ValueSet::default(),
        };
        let may_be_unbound = slot.is_none_or(|s| s.cur.unbound || s.ever.unbound);
        if may_be_unbound && let Some(module) = self.list.first() {
            for star in &module.stars {
                if let Some(q) = interner.join(star, name) {
                    out.push(Value::Qual(q));
                }
            }
        }
        if out.is_empty() { ValueSet::unknown() } else { out }
    }

    /// What the module binds to `name`: its binding only.
    pub(crate) fn module_value(&self, name: &str) -> ValueSet<'a> {
        let slot = self.slots.get(MODULE, name, NameHash::of(name));
        match slot {
            Some(slot) => {
                let finished = self.list.first().is_some_and(|m| m.finished);
                let mut v = if finished { slot.ever.clone() } else { slot.cur.clone() };
                // A list or dict reached through the namespace is an alias the walker does
                // not follow.
                v = v.without_mutables();
                v.unbound = false;
                if v.is_empty() { ValueSet::unknown() } else { v }
            }
            None => ValueSet::unknown(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quals(v: &ValueSet<'_>) -> Vec<String> {
        let mut q: Vec<String> = v.quals().map(ToString::to_string).collect();
        q.sort();
        q
    }

    #[test]
    fn straight_line_rebinding_replaces_and_branches_add() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        let os = Name::new("os");
        s.bind(MODULE, &os, ValueSet::qual(i.intern("os")));
        s.bind(MODULE, &os, ValueSet::unknown());
        assert!(quals(&s.lookup(MODULE, "os", &mut i)).is_empty());
        s.enter_branch(MODULE);
        s.bind(MODULE, &os, ValueSet::qual(i.intern("os")));
        s.leave_branch(MODULE);
        assert_eq!(quals(&s.lookup(MODULE, "os", &mut i)), vec!["os"]);
    }

    #[test]
    fn a_name_grown_in_a_branch_keeps_the_grown_values_first() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        let table: Vec<QName> = (0..MAX_ALTERNATIVES).map(|n| i.intern(&format!("m{n}"))).collect();
        let grown: Vec<QName> = (0..2).map(|n| i.intern(&format!("g{n}"))).collect();
        let set = |qs: &[QName]| {
            let mut v = ValueSet::default();
            for q in qs {
                v.push(Value::Path(q.clone()));
            }
            v
        };
        let path = Name::new("path");
        s.bind(MODULE, &path, set(&table));
        s.enter_branch(MODULE);
        // A plain binding in the branch adds what fits; one grown in place puts its own first.
        s.bind(MODULE, &Name::new("other"), set(&table));
        s.bind(MODULE, &Name::new("other"), set(&grown));
        s.bind_grown(MODULE, &path, set(&grown));
        s.leave_branch(MODULE);
        let paths = |v: ValueSet<'_>| -> Vec<String> {
            v.alts()
                .iter()
                .filter_map(|a| match a {
                    Value::Path(q) => Some(q.to_string()),
                    _ => None,
                })
                .collect()
        };
        let held = paths(s.lookup(MODULE, "path", &mut i));
        assert_eq!(held.len(), MAX_ALTERNATIVES);
        assert_eq!(&held[..2], ["g0", "g1"]);
        assert!(held[2..].iter().all(|p| p.starts_with('m')), "{held:?}");
        let other = paths(s.lookup(MODULE, "other", &mut i));
        assert!(other.iter().all(|p| p.starts_with('m')), "{other:?}");
    }

    #[test]
    fn builtins_unless_shadowed_and_class_scope_invisible() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        assert_eq!(quals(&s.lookup(MODULE, "eval", &mut i)), vec!["builtins.eval"]);
        let class = s.push(ScopeKind::Class, Some(MODULE));
        s.bind(class, &Name::new("eval"), ValueSet::unknown());
        assert!(quals(&s.lookup(class, "eval", &mut i)).is_empty());
        let method = s.push(ScopeKind::Function, Some(class));
        assert_eq!(quals(&s.lookup(method, "eval", &mut i)), vec!["builtins.eval"]);
    }

    #[test]
    fn conditional_binding_keeps_builtin_alternative() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        s.enter_branch(MODULE);
        s.bind(MODULE, &Name::new("eval"), ValueSet::unknown());
        s.leave_branch(MODULE);
        assert_eq!(quals(&s.lookup(MODULE, "eval", &mut i)), vec!["builtins.eval"]);
    }

    #[test]
    fn a_container_filled_from_a_function_is_the_binding_that_holds_it() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        let info = Name::new("info");
        s.bind(MODULE, &info, ValueSet::unknown());
        let class = s.push(ScopeKind::Class, Some(MODULE));
        s.bind(class, &info, ValueSet::unknown());
        let method = s.push(ScopeKind::Function, Some(class));
        // A class body's names are not seen from its methods: the module's is.
        assert_eq!(s.owner(method, "info"), Some(MODULE));
        assert_eq!(s.owner(class, "info"), Some(class));
        assert_eq!(s.owner(method, "print"), None);
        let f = s.push(ScopeKind::Function, Some(MODULE));
        let local = Name::new("local");
        s.declare_global(f, &local);
        // Declared but not yet bound anywhere: no scope holds it.
        assert_eq!(s.owner(f, "local"), None);
        s.bind(f, &local, ValueSet::unknown());
        assert_eq!(s.owner(f, "local"), Some(MODULE));
        s.finish(MODULE);
        let mut host = ValueSet::default();
        host.push(Value::From(i.intern("socket.gethostname")));
        s.add_to(MODULE, &info, &host);
        // Added to what the module's name holds, and recorded for a second reading.
        let now = s.lookup(f, "info", &mut i);
        assert!(
            now.alts().iter().any(|v| matches!(v, Value::From(q) if &**q == "socket.gethostname"))
        );
        let late = s.take_late();
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].0, MODULE);
        assert_eq!(late[0].1, info);
    }

    #[test]
    fn global_declaration_writes_the_module_and_records_late_writes() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        let f = s.push(ScopeKind::Function, Some(MODULE));
        s.finish(MODULE);
        let o = Name::new("o");
        s.declare_global(f, &o);
        s.bind(f, &o, ValueSet::qual(i.intern("os")));
        assert_eq!(quals(&s.lookup(f, "o", &mut i)), vec!["os"]);
        let late = s.take_late();
        assert_eq!(late.len(), 1);
        let mut again = Scopes::with_seeds(late, 0);
        assert_eq!(quals(&again.lookup(MODULE, "o", &mut i)), vec!["os"]);
        again.bind(MODULE, &Name::new("x"), ValueSet::unknown());
    }

    #[test]
    fn nonlocal_binds_the_enclosing_function() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        let outer = s.push(ScopeKind::Function, Some(MODULE));
        let x = Name::new("x");
        s.bind(outer, &x, ValueSet::unknown());
        let inner = s.push(ScopeKind::Function, Some(outer));
        s.declare_nonlocal(inner, &x);
        s.bind(inner, &x, ValueSet::qual(i.intern("os")));
        assert_eq!(quals(&s.lookup(outer, "x", &mut i)), vec!["os"]);
        assert!(quals(&s.lookup(MODULE, "x", &mut i)).is_empty());
    }

    #[test]
    fn star_imports_resolve_unbound_names() {
        let mut i = Interner::default();
        let mut s = Scopes::with_seeds(Vec::new(), 0);
        s.add_star(MODULE, i.intern("os"));
        assert_eq!(quals(&s.lookup(MODULE, "system", &mut i)), vec!["os.system"]);
    }
}

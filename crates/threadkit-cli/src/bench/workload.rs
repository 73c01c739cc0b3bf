//! What a workload is: named implementations of the same work, each returning a checksum so
//! the harness can prove they all did the same thing.

/// One implementation of a workload: runs `ops` operations, returns a checksum.
pub(crate) struct Case {
    pub(crate) implementation: &'static str,
    pub(crate) run: Box<dyn Fn(u64) -> u64>,
}

impl Case {
    pub(crate) fn new(implementation: &'static str, run: impl Fn(u64) -> u64 + 'static) -> Case {
        Case {
            implementation,
            run: Box::new(run),
        }
    }
}

/// A named workload: threadkit's implementation first, then its peers.
pub(crate) struct Workload {
    pub(crate) name: &'static str,
    pub(crate) about: &'static str,
    pub(crate) threads: usize,
    /// Operations per round in a full run (`--quick` divides it).
    pub(crate) ops: u64,
    /// The workload's name in `python/bench.py`, when CPython can run it.
    pub(crate) python: Option<&'static str>,
    pub(crate) cases: Vec<Case>,
    /// Run after the workload's rounds: frees what its untimed warm-up run set up.
    pub(crate) teardown: Option<fn()>,
}

impl Workload {
    pub(crate) fn new(name: &'static str, about: &'static str, threads: usize, ops: u64) -> Self {
        Workload {
            name,
            about,
            threads,
            ops,
            python: None,
            cases: Vec::new(),
            teardown: None,
        }
    }

    pub(crate) fn case(
        mut self,
        implementation: &'static str,
        run: impl Fn(u64) -> u64 + 'static,
    ) -> Self {
        self.cases.push(Case::new(implementation, run));
        self
    }

    pub(crate) fn teardown(mut self, teardown: fn()) -> Self {
        self.teardown = Some(teardown);
        self
    }

    pub(crate) fn python(mut self, name: &'static str) -> Self {
        self.python = Some(name);
        self
    }
}

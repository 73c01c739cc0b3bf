//! A parked thread registered with its stop token, so a stop wakes exactly it.

use super::{current::current, lock, StopToken, Stopped};

/// The registration of one park (key and anchor) with the thread's token; removed when
/// dropped, under the token's lock, so a stop never wakes an anchor that is gone.
pub(crate) struct Registration {
    token: StopToken,
    entry: (usize, usize),
}

/// Registers a park on `key` by the thread whose anchor is `anchor` with the thread's token:
/// `Ok(None)` if the thread has no token, `Err(Stopped)` if its stop was already requested.
pub(crate) fn park_registration(
    key: usize,
    anchor: usize,
) -> Result<Option<Registration>, Stopped> {
    let Some(token) = current() else {
        return Ok(None);
    };
    {
        let mut hooks = lock(&token.inner.hooks);
        // Read under the lock the stop drains the parked list under: either the stop sees
        // this entry, or this sees the flag.
        if token.is_stopped() {
            return Err(Stopped);
        }
        hooks.parked.push((key, anchor));
    }
    Ok(Some(Registration {
        token,
        entry: (key, anchor),
    }))
}

impl Registration {
    /// Whether the stop was requested (read by the park's validation, under the queue lock).
    #[inline]
    pub(crate) fn is_stopped(&self) -> bool {
        self.token.is_stopped()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut hooks = lock(&self.token.inner.hooks);
        if let Some(at) = hooks.parked.iter().position(|e| *e == self.entry) {
            hooks.parked.swap_remove(at);
        }
    }
}

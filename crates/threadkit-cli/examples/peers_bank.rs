//! The `bank` example of `crates/threadkit/examples`, written with the Rust peers
//! (parking_lot's `Mutex` and `Condvar`, std threads), to compare length and shape.
//!
//! Run: `cargo run -p threadkit-cli --example peers_bank`

use parking_lot::{Condvar, Mutex};
use std::sync::Arc;
use std::time::Duration;

struct Account {
    balance: Mutex<u64>,
    funded: Condvar,
}

struct Bank {
    accounts: Vec<Account>,
}

impl Bank {
    fn new(balances: &[u64]) -> Self {
        let accounts = balances
            .iter()
            .map(|&b| Account {
                balance: Mutex::new(b),
                funded: Condvar::new(),
            })
            .collect();
        Bank { accounts }
    }

    fn deposit(&self, to: usize, amount: u64) {
        let account = &self.accounts[to];
        *account.balance.lock() += amount;
        account.funded.notify_all();
    }

    /// Waits up to `patience` for the balance to cover `amount`; `false` if it never did.
    fn withdraw(&self, from: usize, amount: u64, patience: Duration) -> bool {
        let account = &self.accounts[from];
        let mut balance = account.balance.lock();
        let waited = account
            .funded
            .wait_while_for(&mut balance, |b| *b < amount, patience);
        if waited.timed_out() && *balance < amount {
            return false;
        }
        *balance -= amount;
        true
    }

    /// Moves `amount` if `from` has it; both locks are taken lowest index first.
    fn transfer(&self, from: usize, to: usize, amount: u64) -> bool {
        let (first, second) = (from.min(to), from.max(to));
        let mut a = self.accounts[first].balance.lock();
        let mut b = self.accounts[second].balance.lock();
        let (src, dst) = if from == first {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        if **src < amount {
            return false;
        }
        **src -= amount;
        **dst += amount;
        drop((a, b));
        self.accounts[to].funded.notify_all();
        true
    }

    fn total(&self) -> u64 {
        self.accounts.iter().map(|a| *a.balance.lock()).sum()
    }
}

fn main() {
    let bank = Arc::new(Bank::new(&[100, 100, 100, 0]));
    // Account 3 starts empty: this withdrawal waits until the transfers fund it.
    let b = Arc::clone(&bank);
    let saver = std::thread::spawn(move || b.withdraw(3, 50, Duration::from_secs(60)));
    let tellers: Vec<_> = (0..4)
        .map(|t| {
            let bank = Arc::clone(&bank);
            std::thread::spawn(move || {
                for i in 0..1000 {
                    // Opposite directions on purpose: the lock order keeps them safe.
                    let (from, to) = if (t + i) % 2 == 0 { (0, 1) } else { (1, 0) };
                    bank.transfer(from, to, 1);
                }
                bank.transfer(2, 3, 25);
            })
        })
        .collect();
    for t in tellers {
        t.join().unwrap();
    }
    assert!(saver.join().unwrap(), "the withdrawal was funded");
    bank.deposit(0, 50);
    println!(
        "total after 4,004 transfers, a withdrawal and a deposit: {}",
        bank.total()
    );
    assert_eq!(bank.total(), 300 - 50 + 50);
    assert_eq!(*bank.accounts[3].balance.lock(), 100 - 50);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}

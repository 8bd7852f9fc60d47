//! Money as integer cents, and its formatting.

use std::ops::Add;

use serde::{Deserialize, Serialize};

/// An amount in cents.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[sqlx(transparent)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn times(self, quantity: u32) -> Money {
        Money(self.0 * i64::from(quantity))
    }

    /// `pct` percent of the amount, rounded half up.
    pub fn percent(self, pct: u32) -> Money {
        Money((self.0 * i64::from(pct) + 50) / 100)
    }
}

impl Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

/// `1234` cents in EUR → `"12.34 EUR"`.
pub fn format_money(amount: Money, currency: &str) -> String {
    let sign = if amount.0 < 0 { "-" } else { "" };
    let cents = amount.0.abs();
    format!("{sign}{}.{:02} {currency}", cents / 100, cents % 100)
}

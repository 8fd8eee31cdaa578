//! Analytics over one snapshot of an option chain: the implied-volatility smile per expiry,
//! the at-the-money term structure, put/call volume and open-interest ratios, max pain per
//! expiry, and open-interest changes between two snapshots.
//!
//! Strikes are exact decimals ([`Strike`], thousandths) so that grouping by strike never
//! depends on float rounding, and max pain is computed in exact integer arithmetic.
//! Expirations are days since the epoch, as in the quotes ([`DateDays`]).

use super::bsm::OptionKind;
use finstream_schemas::events::{DateDays, Strike};
use std::collections::BTreeMap;

/// One listed contract in a chain snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainContract {
    pub kind: OptionKind,
    pub strike: Strike,
    pub expiration: DateDays,
    /// `None` where none could be computed (no quote, or a price outside the bounds);
    /// non-finite or non-positive values are ignored like `None`.
    pub implied_volatility: Option<f64>,
    /// Contracts traded in the session.
    pub volume: i64,
    pub open_interest: i64,
}

/// What identifies a contract within one underlying's chain; orders by expiration, then
/// strike, then calls before puts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContractKey {
    pub expiration: DateDays,
    pub strike: Strike,
    pub kind: OptionKind,
}

impl ChainContract {
    pub fn key(&self) -> ContractKey {
        ContractKey {
            expiration: self.expiration,
            strike: self.strike,
            kind: self.kind,
        }
    }

    fn usable_iv(&self) -> Option<f64> {
        self.implied_volatility
            .filter(|iv| iv.is_finite() && *iv > 0.0)
    }
}

/// One point of a smile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmilePoint {
    pub strike: Strike,
    pub implied_volatility: f64,
}

/// The call and put implied volatilities listed at one expiry and strike.
#[derive(Debug, Default, Clone, Copy)]
struct StrikePair {
    call: Option<f64>,
    put: Option<f64>,
}

impl StrikePair {
    /// Both sides' mean where both exist, else the one that does.
    fn mean(&self) -> Option<f64> {
        match (self.call, self.put) {
            (Some(c), Some(p)) => Some(0.5 * (c + p)),
            (c, p) => c.or(p),
        }
    }
}

/// Implied volatilities by expiry, then strike (ascending).
fn by_expiry_and_strike(
    contracts: &[ChainContract],
) -> BTreeMap<DateDays, BTreeMap<Strike, StrikePair>> {
    let mut table: BTreeMap<DateDays, BTreeMap<Strike, StrikePair>> = BTreeMap::new();
    for c in contracts {
        let Some(iv) = c.usable_iv() else { continue };
        let pair = table
            .entry(c.expiration)
            .or_default()
            .entry(c.strike)
            .or_default();
        match c.kind {
            OptionKind::Call => pair.call = Some(iv),
            OptionKind::Put => pair.put = Some(iv),
        }
    }
    table
}

/// The smile of each expiry: strike → implied volatility, strikes ascending.
///
/// At each strike the out-of-the-money side relative to `spot` is used (puts below the
/// spot, calls above), the market convention since out-of-the-money quotes are the liquid
/// ones; at a strike equal to the spot, the mean of both. Where the out-of-the-money side
/// has no implied volatility the other side's is used. Strikes with neither are left out.
pub fn smiles(contracts: &[ChainContract], spot: f64) -> BTreeMap<DateDays, Vec<SmilePoint>> {
    by_expiry_and_strike(contracts)
        .into_iter()
        .map(|(expiration, strikes)| {
            let points = strikes
                .into_iter()
                .filter_map(|(strike, pair)| {
                    let k = strike.as_f64();
                    let iv = if k < spot {
                        pair.put.or(pair.call)
                    } else if k > spot {
                        pair.call.or(pair.put)
                    } else {
                        pair.mean()
                    }?;
                    Some(SmilePoint {
                        strike,
                        implied_volatility: iv,
                    })
                })
                .collect();
            (expiration, points)
        })
        .collect()
}

/// The at-the-money implied volatility of one expiry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermPoint {
    pub expiration: DateDays,
    /// The listed strike nearest the spot among those with an implied volatility (the
    /// lower one on a tie).
    pub atm_strike: Strike,
    /// The mean of the call's and the put's implied volatility at that strike where both
    /// exist (it cancels much of the bid/ask and dividend noise), else the one that does.
    pub atm_implied_volatility: f64,
}

/// At-the-money implied volatility per expiry, expirations ascending.
///
/// At the money means nearest the spot, not the forward: the chain carries no rates or
/// dividends, and over listed strike spacing the two rarely pick different strikes for
/// near expiries. Callers who have forwards can pass each expiry's contracts with its
/// forward as `spot`.
pub fn term_structure(contracts: &[ChainContract], spot: f64) -> Vec<TermPoint> {
    by_expiry_and_strike(contracts)
        .into_iter()
        .filter_map(|(expiration, strikes)| {
            // Strikes ascend, so `min_by` keeps the lower strike on a tie.
            let (strike, pair) = strikes.into_iter().min_by(|(a, _), (b, _)| {
                let da = (a.as_f64() - spot).abs();
                let db = (b.as_f64() - spot).abs();
                da.total_cmp(&db)
            })?;
            Some(TermPoint {
                expiration,
                atm_strike: strike,
                atm_implied_volatility: pair.mean()?,
            })
        })
        .collect()
}

/// Put/call ratios over the contracts given (pass one expiry's contracts for a per-expiry
/// ratio).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PutCallRatios {
    /// Put volume / call volume; `None` when no call traded.
    pub volume: Option<f64>,
    /// Put open interest / call open interest; `None` when calls have none.
    pub open_interest: Option<f64>,
}

pub fn put_call_ratios(contracts: &[ChainContract]) -> PutCallRatios {
    let (mut put_volume, mut call_volume, mut put_oi, mut call_oi) = (0i128, 0i128, 0i128, 0i128);
    for c in contracts {
        let (volume, oi) = match c.kind {
            OptionKind::Call => (&mut call_volume, &mut call_oi),
            OptionKind::Put => (&mut put_volume, &mut put_oi),
        };
        *volume += i128::from(c.volume);
        *oi += i128::from(c.open_interest);
    }
    let ratio = |puts: i128, calls: i128| (calls != 0).then(|| puts as f64 / calls as f64);
    PutCallRatios {
        volume: ratio(put_volume, call_volume),
        open_interest: ratio(put_oi, call_oi),
    }
}

/// The settlement price at which option holders of one expiry collect the least.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaxPain {
    pub expiration: DateDays,
    pub strike: Strike,
    /// What holders collect if the underlying settles at `strike`: the sum over contracts
    /// of open interest x intrinsic value, in underlying price units (multiply by the
    /// contract multiplier, usually 100, for currency).
    pub payout: f64,
}

/// Max pain per expiry, expirations ascending: the listed strike (of that expiry)
/// minimising the intrinsic value paid to all open contracts if the underlying settled
/// there, the lowest such strike on a tie.
///
/// Only listed strikes are candidates (between two strikes the payout is linear, so the
/// minimum over all prices is at a strike anyway). Expiries without open interest are left
/// out. Computed exactly in thousandths; O(strikes x contracts) per expiry.
pub fn max_pain(contracts: &[ChainContract]) -> Vec<MaxPain> {
    let mut by_expiry: BTreeMap<DateDays, Vec<&ChainContract>> = BTreeMap::new();
    for c in contracts {
        by_expiry.entry(c.expiration).or_default().push(c);
    }
    by_expiry
        .into_iter()
        .filter(|(_, listed)| listed.iter().any(|c| c.open_interest != 0))
        .filter_map(|(expiration, listed)| {
            let mut strikes: Vec<Strike> = listed.iter().map(|c| c.strike).collect();
            strikes.sort_unstable();
            strikes.dedup();
            let payout_at = |settle: Strike| -> i128 {
                listed
                    .iter()
                    .map(|c| {
                        let intrinsic = match c.kind {
                            OptionKind::Call => settle.thousandths - c.strike.thousandths,
                            OptionKind::Put => c.strike.thousandths - settle.thousandths,
                        }
                        .max(0);
                        i128::from(c.open_interest) * i128::from(intrinsic)
                    })
                    .sum()
            };
            // Strikes ascend and `min_by_key` keeps the first minimum: the lowest strike.
            let (strike, payout) = strikes
                .into_iter()
                .map(|s| (s, payout_at(s)))
                .min_by_key(|&(_, payout)| payout)?;
            Some(MaxPain {
                expiration,
                strike,
                payout: payout as f64 / 1000.0,
            })
        })
        .collect()
}

/// Open interest per contract, to keep as the previous snapshot for
/// [`open_interest_changes`]. A contract listed twice counts with its last entry.
pub fn open_interest_snapshot(contracts: &[ChainContract]) -> BTreeMap<ContractKey, i64> {
    contracts
        .iter()
        .map(|c| (c.key(), c.open_interest))
        .collect()
}

/// How one contract's open interest moved between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenInterestChange {
    pub contract: ContractKey,
    /// `None` for a contract new in this snapshot.
    pub previous: Option<i64>,
    /// `None` for a contract gone from this snapshot (expired or delisted).
    pub current: Option<i64>,
}

impl OpenInterestChange {
    /// Current minus previous, a missing side counting as 0.
    pub fn change(&self) -> i64 {
        self.current.unwrap_or(0) - self.previous.unwrap_or(0)
    }
}

/// The contracts whose open interest differs from `previous` (a snapshot from
/// [`open_interest_snapshot`]), including new and vanished contracts, ordered by contract.
/// Unchanged contracts are left out.
pub fn open_interest_changes(
    previous: &BTreeMap<ContractKey, i64>,
    current: &[ChainContract],
) -> Vec<OpenInterestChange> {
    let current = open_interest_snapshot(current);
    let mut changes: Vec<OpenInterestChange> = current
        .iter()
        .filter_map(|(key, &now)| {
            let before = previous.get(key).copied();
            (before != Some(now)).then_some(OpenInterestChange {
                contract: *key,
                previous: before,
                current: Some(now),
            })
        })
        .collect();
    changes.extend(
        previous
            .iter()
            .filter(|(key, _)| !current.contains_key(key))
            .map(|(key, &before)| OpenInterestChange {
                contract: *key,
                previous: Some(before),
                current: None,
            }),
    );
    changes.sort_unstable_by_key(|c| c.contract);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUNE: DateDays = 20_000;
    const JULY: DateDays = 20_030;

    fn strike(price: f64) -> Strike {
        Strike::from_f64(price)
    }

    fn contract(
        expiration: DateDays,
        kind: OptionKind,
        k: f64,
        iv: Option<f64>,
        volume: i64,
        open_interest: i64,
    ) -> ChainContract {
        ChainContract {
            kind,
            strike: strike(k),
            expiration,
            implied_volatility: iv,
            volume,
            open_interest,
        }
    }

    use OptionKind::{Call, Put};

    fn chain() -> Vec<ChainContract> {
        vec![
            contract(JUNE, Call, 90.0, Some(0.30), 10, 100),
            contract(JUNE, Put, 90.0, Some(0.28), 40, 200),
            contract(JUNE, Call, 100.0, Some(0.25), 80, 10),
            contract(JUNE, Put, 100.0, Some(0.27), 60, 0),
            contract(JUNE, Call, 110.0, Some(0.22), 30, 300),
            contract(JUNE, Put, 110.0, None, 0, 50),
            contract(JUNE, Call, 120.0, Some(f64::NAN), 0, 0),
            contract(JULY, Call, 95.0, Some(0.30), 5, 7),
            contract(JULY, Put, 95.0, Some(0.32), 5, 3),
            contract(JULY, Call, 105.0, Some(0.20), 10, 0),
        ]
    }

    #[test]
    fn smile_uses_the_out_of_the_money_side() {
        let smiles = smiles(&chain(), 100.0);
        let june: Vec<(f64, f64)> = smiles[&JUNE]
            .iter()
            .map(|p| (p.strike.as_f64(), p.implied_volatility))
            .collect();
        // 90: the put (below spot); 100: mean of 0.25 and 0.27; 110: the call; 120: no
        // usable IV.
        assert_eq!(june, vec![(90.0, 0.28), (100.0, 0.26), (110.0, 0.22)]);
        let july: Vec<(f64, f64)> = smiles[&JULY]
            .iter()
            .map(|p| (p.strike.as_f64(), p.implied_volatility))
            .collect();
        assert_eq!(july, vec![(95.0, 0.32), (105.0, 0.20)]);
    }

    #[test]
    fn smile_falls_back_to_the_other_side() {
        let only_call_below = [contract(JUNE, Call, 90.0, Some(0.3), 0, 0)];
        assert_eq!(
            smiles(&only_call_below, 100.0)[&JUNE][0].implied_volatility,
            0.3
        );
        assert!(smiles(&[], 100.0).is_empty());
    }

    #[test]
    fn term_structure_takes_the_strike_nearest_spot() {
        let term = term_structure(&chain(), 100.0);
        assert_eq!(term.len(), 2);
        assert_eq!(
            (term[0].expiration, term[0].atm_strike),
            (JUNE, strike(100.0))
        );
        assert!((term[0].atm_implied_volatility - 0.26).abs() < 1e-15);
        // July: 95 and 105 are equally near 100; the lower wins, mean of 0.30 and 0.32.
        assert_eq!(
            (term[1].expiration, term[1].atm_strike),
            (JULY, strike(95.0))
        );
        assert!((term[1].atm_implied_volatility - 0.31).abs() < 1e-15);
        // Spot 104: July's 105 is nearer; only the call has an IV.
        let term = term_structure(&chain(), 104.0);
        assert_eq!(
            (term[1].atm_strike, term[1].atm_implied_volatility),
            (strike(105.0), 0.20)
        );
    }

    #[test]
    fn put_call_ratios_sum_over_contracts() {
        let r = put_call_ratios(&chain());
        // Puts: volume 40 + 60 + 0 + 5 = 105, OI 200 + 0 + 50 + 3 = 253.
        // Calls: volume 10 + 80 + 30 + 0 + 5 + 10 = 135, OI 100 + 10 + 300 + 0 + 7 + 0 = 417.
        assert_eq!(r.volume, Some(105.0 / 135.0));
        assert_eq!(r.open_interest, Some(253.0 / 417.0));
        let puts_only = [contract(JUNE, Put, 90.0, None, 5, 5)];
        assert_eq!(
            put_call_ratios(&puts_only),
            PutCallRatios {
                volume: None,
                open_interest: None
            }
        );
    }

    #[test]
    fn max_pain_minimises_the_payout() {
        // Calls: 95 x 100, 100 x 10, 105 x 300; puts: 95 x 200, 105 x 50.
        //   settle 95:  calls 0;                      puts 50 x 10 = 500          → 500
        //   settle 100: calls 100 x 5 = 500;          puts 50 x 5 = 250           → 750
        //   settle 105: calls 100 x 10 + 10 x 5 = 1050; puts 0                    → 1050
        let listed = [
            contract(JUNE, Call, 95.0, None, 0, 100),
            contract(JUNE, Call, 100.0, None, 0, 10),
            contract(JUNE, Call, 105.0, None, 0, 300),
            contract(JUNE, Put, 95.0, None, 0, 200),
            contract(JUNE, Put, 105.0, None, 0, 50),
            // An expiry without open interest has no max pain.
            contract(JULY, Call, 100.0, None, 9, 0),
        ];
        assert_eq!(
            max_pain(&listed),
            vec![MaxPain {
                expiration: JUNE,
                strike: strike(95.0),
                payout: 500.0
            }]
        );
    }

    #[test]
    fn max_pain_symmetric_chain_and_ties() {
        // Calls 90/100/110 x 10/20/30, puts x 30/20/10: payouts 400, 200, 400.
        let mut listed = Vec::new();
        for (k, call_oi, put_oi) in [(90.0, 10, 30), (100.0, 20, 20), (110.0, 30, 10)] {
            listed.push(contract(JUNE, Call, k, None, 0, call_oi));
            listed.push(contract(JUNE, Put, k, None, 0, put_oi));
        }
        let mp = max_pain(&listed);
        assert_eq!((mp[0].strike, mp[0].payout), (strike(100.0), 200.0));
        // One call at 100 and one put at 110: settling at 100 pays the put 10, at 110
        // the call 10; the lower strike wins the tie.
        let tie = [
            contract(JUNE, Call, 100.0, None, 0, 1),
            contract(JUNE, Put, 110.0, None, 0, 1),
        ];
        assert_eq!(max_pain(&tie)[0].strike, strike(100.0));
        // Fractional strikes stay exact: three puts at 7.5 and a call at 2.5 pay 5 x 3 = 15
        // settling at 2.5 and 5 x 1 = 5 settling at 7.5.
        let fractional = [
            contract(JUNE, Put, 7.5, None, 0, 3),
            contract(JUNE, Call, 2.5, None, 0, 1),
        ];
        let mp = max_pain(&fractional);
        assert_eq!((mp[0].strike, mp[0].payout), (strike(7.5), 5.0));
    }

    #[test]
    fn open_interest_changes_report_moves_arrivals_and_departures() {
        let before = [
            contract(JUNE, Call, 100.0, None, 0, 500),
            contract(JUNE, Put, 100.0, None, 0, 300),
            contract(JUNE, Put, 90.0, None, 0, 40),
        ];
        let after = [
            contract(JUNE, Call, 100.0, None, 0, 650),
            contract(JUNE, Put, 100.0, None, 0, 300),
            contract(JULY, Call, 110.0, None, 0, 25),
        ];
        let changes = open_interest_changes(&open_interest_snapshot(&before), &after);
        let summary: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.contract.expiration,
                    c.contract.strike.as_f64(),
                    c.contract.kind,
                    c.previous,
                    c.current,
                    c.change(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (JUNE, 90.0, Put, Some(40), None, -40),
                (JUNE, 100.0, Call, Some(500), Some(650), 150),
                (JULY, 110.0, Call, None, Some(25), 25),
            ]
        );
        assert!(open_interest_changes(&open_interest_snapshot(&after), &after).is_empty());
    }
}

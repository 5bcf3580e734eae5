//! The CIDR side of [`MatchIndex`](super::MatchIndex): which indicator networks contain an
//! observed address (or network), for `ISSUBSET`.
//!
//! A prefix trie cut into levels: one hash map per prefix length (masked address → indicators),
//! probed from the shortest prefix up to the observed value's own. Probing a large map costs a
//! cache miss, and a stream's addresses mostly match nothing, so each level is guarded by a
//! presence bitmap read first: levels shorter than [`FILTER_BITS`] have one over their whole
//! prefix (2^prefix bits); the longer levels share one over the first [`FILTER_BITS`] bits. A
//! miss then costs a few bit tests in at most 2^FILTER_BITS / 4 bytes (2 MiB) per address width.

use super::Ids;
use crate::eval::net::Network;
use std::collections::HashMap;

/// The prefix bits a presence bitmap covers at most: 2^24 bits is 2 MiB.
const FILTER_BITS: u32 = 24;

/// A fixed-size set of bits.
#[derive(Debug)]
struct Bitmap(Vec<u64>);

impl Bitmap {
    fn new(bits: u32) -> Bitmap {
        Bitmap(vec![0; (1usize << bits).div_ceil(64)])
    }
    fn set(&mut self, at: usize) {
        self.0[at / 64] |= 1 << (at % 64);
    }
    fn get(&self, at: usize) -> bool {
        self.0[at / 64] & (1 << (at % 64)) != 0
    }
}

/// The first `bits` bits of a `width`-bit address.
fn top(address: u128, width: u32, bits: u32) -> usize {
    if bits == 0 { 0 } else { (address >> (width - bits)) as usize }
}

/// The networks of one prefix length.
#[derive(Debug)]
struct Level {
    prefix: u32,
    /// Which prefixes are present, for prefixes shorter than [`FILTER_BITS`].
    present: Option<Bitmap>,
    networks: HashMap<u128, Ids, foldhash::fast::RandomState>,
}

/// The networks of one address width (32 or 128 bits).
#[derive(Debug)]
struct Width {
    width: u32,
    /// By prefix length, shortest first.
    levels: Vec<Level>,
    /// The first [`FILTER_BITS`] bits of every network at least that long.
    long_present: Option<Bitmap>,
}

/// Networks by width, then prefix length, then masked address.
#[derive(Debug, Default)]
pub(super) struct NetworkTable {
    widths: Vec<Width>,
    /// Every indicator with a network here, in build order: evaluated in full when an observed
    /// value is not an address, since the evaluator then fails with that error.
    pub(super) indicators: Vec<u32>,
}

impl NetworkTable {
    pub(super) fn insert(&mut self, network: Network, indicator: u32) {
        if self.indicators.last() != Some(&indicator) {
            self.indicators.push(indicator);
        }
        let position = match self.widths.iter().position(|w| w.width == network.width) {
            Some(position) => position,
            None => {
                self.widths.push(Width { width: network.width, levels: Vec::new(), long_present: None });
                self.widths.len() - 1
            }
        };
        let width = &mut self.widths[position];
        let masked = network.masked(network.prefix);
        if network.prefix >= FILTER_BITS {
            width.long_present.get_or_insert_with(|| Bitmap::new(FILTER_BITS)).set(top(
                masked,
                width.width,
                FILTER_BITS,
            ));
        }
        let level = match width.levels.binary_search_by_key(&network.prefix, |l| l.prefix) {
            Ok(at) => &mut width.levels[at],
            Err(at) => {
                let present = (network.prefix < FILTER_BITS).then(|| Bitmap::new(network.prefix));
                let level = Level { prefix: network.prefix, present, networks: HashMap::default() };
                width.levels.insert(at, level);
                &mut width.levels[at]
            }
        };
        if let Some(present) = &mut level.present {
            present.set(top(masked, width.width, network.prefix));
        }
        level.networks.entry(masked).or_default().push(indicator);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// Appends the indicators whose networks contain `inner`.
    pub(super) fn containing(&self, inner: Network, out: &mut Vec<u32>) {
        let Some(width) = self.widths.iter().find(|w| w.width == inner.width) else { return };
        let mut long_checked = false;
        for level in width.levels.iter().take_while(|l| l.prefix <= inner.prefix) {
            let masked = inner.masked(level.prefix);
            match &level.present {
                Some(present) if !present.get(top(masked, width.width, level.prefix)) => continue,
                Some(_) => {}
                None if !long_checked => {
                    long_checked = true;
                    let long = width.long_present.as_ref().expect("a long level sets the bitmap");
                    if !long.get(top(masked, width.width, FILTER_BITS)) {
                        return;
                    }
                }
                None => {}
            }
            if let Some(found) = level.networks.get(&masked) {
                out.extend_from_slice(found.as_slice());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::net::parse_network;

    #[test]
    fn containing_agrees_with_containment() {
        let networks =
            ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "0.0.0.0/1", "2001:db8::/32"];
        let mut table = NetworkTable::default();
        for (i, text) in networks.iter().enumerate() {
            table.insert(parse_network(text, true).unwrap(), i as u32);
        }
        for inner in
            ["10.1.2.3", "10.1.2.4", "10.1.9.9", "10.2.0.0/16", "11.0.0.1", "200.0.0.1", "2001:db8::1"]
        {
            let mut got = Vec::new();
            table.containing(parse_network(inner, false).unwrap(), &mut got);
            got.sort_unstable();
            let expected: Vec<u32> = (0..networks.len() as u32)
                .filter(|&i| crate::eval::net::contained_in(inner, networks[i as usize]).unwrap())
                .collect();
            assert_eq!(got, expected, "{inner}");
        }
    }
}

//! Deterministic random streams: every draw derives from (seed, step, agent,
//! purpose) and nothing else.
//!
//! Each purpose has its own ChaCha8 key, derived from the master seed with
//! SplitMix64. Within a key, the 64-bit ChaCha stream id is the agent (a firm
//! id, a citizen index, a region, a pair of firms…) and the step selects a
//! disjoint window of 2^20 blocks of the stream. So the numbers an agent draws
//! for a purpose at a step do not depend on which thread runs it, in which
//! order agents are visited, or how many draws other agents made. ChaCha is
//! specified bit for bit, so the streams are portable across platforms and
//! releases (unlike `StdRng`/`SmallRng`).

use std::convert::Infallible;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_core::TryRng;

/// What a random draw is for. Each purpose is an independent family of
/// streams; adding a purpose never changes the draws of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Geography of the territory (uses the territory seed, not the run seed).
    Territory,
    /// Initial firms.
    InitFirms,
    /// Initial citizens.
    InitCitizens,
    /// Research organisations' profiles.
    InitResearch,
    /// Firm growth shocks and stochastic rounding of targets.
    Growth,
    /// Innovation events.
    Innovation,
    /// Partner search (candidates, tie decisions) and research links of a firm.
    PartnerSearch,
    /// Renewal of an existing tie (agent = the pair).
    TieRenewal,
    /// Scheduling of events and their attendees (agent = organiser).
    Events,
    /// Meetings of a firm at the events it attends.
    EventMeetings,
    /// A firm's turnover: exit hazards, relocation, which employees a
    /// shrinking firm lets go, spin-offs.
    Turnover,
    /// Entrants replacing retirees and labour-force growth.
    Demography,
    /// Screening uniforms of citizens' start-up decisions (agent = block of
    /// [`SCREEN_BLOCK`] citizens, one uniform each).
    StartupScreen,
    /// Sector of a citizen's start-up, once decided.
    Startup,
    /// A citizen's job applications.
    JobSearch,
    /// Profile and productivity of a new firm (agent = new firm id).
    NewFirm,
    /// Cluster policy: creation and dissolution (agent = region × sector).
    ClusterPolicy,
    /// Joining a cluster organisation (agent = firm).
    ClusterMembership,
    /// Relocation target of a plant.
    Relocation,
    /// A firm's search for receivers of its by-products.
    SymbiosisSearch,
    /// Life events of an exchange (agent = exchange id).
    Exchange,
    /// Screening uniforms of citizens' participation (agent = block).
    ParticipationScreen,
    /// Tiers-lieux of a region (agent = region).
    TiersLieux,
    /// Acquisition of an independent firm or a group (agent = firm, or
    /// group with bit 40 set).
    Acquisition,
    /// Region of a new plant (agent = new firm id).
    PlantSite,
    /// Applications to instruments' calls and dissolutions of their
    /// organisations (agent = instrument × cell, or organisation).
    Instruments,
    /// Collaborative projects of an organisation (agent = organisation).
    Projects,
}

const N_PURPOSES: usize = Purpose::Projects as usize + 1;

/// Agents per block of screening uniforms: one ChaCha refill (64 words)
/// gives one 64-bit uniform to each of 32 agents.
pub const SCREEN_BLOCK: usize = 32;

/// The key schedule of a run.
#[derive(Debug, Clone)]
pub struct Streams {
    keys: [[u32; 8]; N_PURPOSES],
}

/// Words of a ChaCha block.
const BLOCK_WORDS: usize = 16;

/// "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// A ChaCha8 stream that computes its 64-byte blocks one at a time, when
/// first needed. It yields exactly the words of `rand_chacha::ChaCha8Rng`
/// with the same key, stream and word position (a test checks it), but an
/// agent that draws a few numbers costs one block instead of the four that
/// `ChaCha8Rng` computes at once: most streams of a step are short.
#[derive(Clone)]
pub struct Stream {
    key: [u32; 8],
    /// Block counter of the next block to compute.
    block: u64,
    nonce: u64,
    buf: [u32; BLOCK_WORDS],
    /// Next unread word of `buf` (`BLOCK_WORDS`: compute the next block).
    index: usize,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

#[inline(always)]
fn add4(a: [u32; 4], b: [u32; 4]) -> [u32; 4] {
    std::array::from_fn(|k| a[k].wrapping_add(b[k]))
}

#[inline(always)]
fn xor_rotl(a: [u32; 4], b: [u32; 4], r: u32) -> [u32; 4] {
    std::array::from_fn(|k| (a[k] ^ b[k]).rotate_left(r))
}

#[inline(always)]
fn quarter_rounds(
    mut a: [u32; 4],
    mut b: [u32; 4],
    mut c: [u32; 4],
    mut d: [u32; 4],
) -> [[u32; 4]; 4] {
    a = add4(a, b);
    d = xor_rotl(d, a, 16);
    c = add4(c, d);
    b = xor_rotl(b, c, 12);
    a = add4(a, b);
    d = xor_rotl(d, a, 8);
    c = add4(c, d);
    b = xor_rotl(b, c, 7);
    [a, b, c, d]
}

impl Stream {
    /// The stream `nonce` of `key`, positioned at word `word`.
    fn new(key: [u32; 8], nonce: u64, word: u64) -> Self {
        let mut s = Self {
            key,
            block: word / BLOCK_WORDS as u64,
            nonce,
            buf: [0; BLOCK_WORDS],
            index: BLOCK_WORDS,
        };
        let skip = (word % BLOCK_WORDS as u64) as usize;
        if skip > 0 {
            s.refill();
            s.index = skip;
        }
        s
    }

    /// Compute block `self.block` into the buffer (ChaCha with 8 rounds,
    /// 64-bit block counter in words 12–13, 64-bit nonce in words 14–15),
    /// row by row so the compiler can keep each row in one vector.
    #[inline]
    fn refill(&mut self) {
        let k = &self.key;
        let a0 = SIGMA;
        let b0 = [k[0], k[1], k[2], k[3]];
        let c0 = [k[4], k[5], k[6], k[7]];
        let d0 = [
            self.block as u32,
            (self.block >> 32) as u32,
            self.nonce as u32,
            (self.nonce >> 32) as u32,
        ];
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for _ in 0..4 {
            // Column round.
            [a, b, c, d] = quarter_rounds(a, b, c, d);
            // Diagonal round: rotate rows 1–3 so diagonals line up.
            b = [b[1], b[2], b[3], b[0]];
            c = [c[2], c[3], c[0], c[1]];
            d = [d[3], d[0], d[1], d[2]];
            [a, b, c, d] = quarter_rounds(a, b, c, d);
            b = [b[3], b[0], b[1], b[2]];
            c = [c[2], c[3], c[0], c[1]];
            d = [d[1], d[2], d[3], d[0]];
        }
        let rows = [add4(a, a0), add4(b, b0), add4(c, c0), add4(d, d0)];
        for (r, row) in rows.iter().enumerate() {
            self.buf[4 * r..4 * r + 4].copy_from_slice(row);
        }
        self.block = self.block.wrapping_add(1);
        self.index = 0;
    }

    #[inline]
    fn next_word(&mut self) -> u32 {
        if self.index >= BLOCK_WORDS {
            self.refill();
        }
        let w = self.buf[self.index];
        self.index += 1;
        w
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.next_word())
    }

    /// Low word first, across block boundaries, as `ChaCha8Rng` does.
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = u64::from(self.next_word());
        let hi = u64::from(self.next_word());
        Ok((hi << 32) | lo)
    }

    /// Whole words, little-endian; a final partial word is consumed.
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

fn key_words(key: &[u8; 32]) -> [u32; 8] {
    std::array::from_fn(|k| {
        u32::from_le_bytes([key[4 * k], key[4 * k + 1], key[4 * k + 2], key[4 * k + 3]])
    })
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A ChaCha key derived with SplitMix64 from a seed and a domain (a purpose,
/// or one of the sweep domains below); distinct domains give independent keys.
pub fn derived_key(seed: u64, domain: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    let mut state = seed ^ domain.wrapping_mul(0xD1B5_4A32_D192_ED03);
    for chunk in key.chunks_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

/// Domain of the seeds of a sweep's runs (far from the purposes' small numbers).
pub const DOMAIN_RUN_SEEDS: u64 = 0x5357_4545_5000_0001;
/// Domain of the draws of `random` and `lhs` designs.
pub const DOMAIN_DESIGN: u64 = 0x5357_4545_5000_0002;

/// The ChaCha8 stream `stream` of the key derived from (`seed`, `domain`).
pub fn keyed_stream(seed: u64, domain: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::from_seed(derived_key(seed, domain));
    r.set_stream(stream);
    r
}

/// Seed of run (`point`, `replicate`) of a sweep with master seed `master`:
/// the first 63 bits drawn from stream `point` at block `replicate`, so it
/// depends on nothing else (not on timing, workers or shards).
pub fn run_seed(master: u64, point: u64, replicate: u64) -> u64 {
    let mut r = keyed_stream(master, DOMAIN_RUN_SEEDS, point);
    // One 64-byte block (16 words) per replicate.
    r.set_word_pos(u128::from(replicate) << 4);
    r.random::<u64>() >> 1
}

impl Streams {
    /// Derive one key per purpose from a master seed.
    pub fn new(seed: u64) -> Self {
        let keys = std::array::from_fn(|p| key_words(&derived_key(seed, p as u64)));
        Self { keys }
    }

    /// The stream of `agent` for `purpose` at `step`: ChaCha8 stream
    /// `agent` of the purpose's key from word `step · 2^24`.
    #[inline]
    pub fn rng(&self, purpose: Purpose, step: u32, agent: u64) -> Stream {
        Stream::new(self.keys[purpose as usize], agent, u64::from(step) << 24)
    }
}

impl Streams {
    /// One uniform in [0, 1) for each of the [`SCREEN_BLOCK`] agents of
    /// block `block` (agents `block·32 … block·32 + 31`). Agent `a` always
    /// gets slot `a % 32` of block `a / 32`, so its draw depends only on
    /// (seed, step, agent, purpose), while a whole block costs one refill.
    /// Used to screen frequent, rarely positive decisions; an agent that
    /// needs more draws then opens its own stream.
    pub fn screening(&self, purpose: Purpose, step: u32, block: u64) -> [f64; SCREEN_BLOCK] {
        let mut r = self.rng(purpose, step, block);
        std::array::from_fn(|_| r.random::<f64>())
    }
}

/// Agent id of an unordered pair of 32-bit ids.
#[inline]
pub fn pair_id(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two coordinates (seed, purpose, step, agent) share a stream, edge
    /// values included: the last step a `u32` holds, agents beyond 32 bits
    /// (pair ids), and seeds next to the purposes' small numbers, which the
    /// key derivation mixes with them.
    #[test]
    fn no_two_coordinates_share_a_stream() {
        let purposes = [
            Purpose::Territory,
            Purpose::InitFirms,
            Purpose::Growth,
            Purpose::TieRenewal,
            Purpose::Exchange,
            Purpose::TiersLieux,
        ];
        let steps = [0, 1, 2, 75, 300, u32::MAX];
        let agents: std::collections::BTreeSet<u64> = [
            0,
            1,
            2,
            31,
            32,
            u64::from(u32::MAX),
            pair_id(1, 2),
            pair_id(2, 3),
            pair_id(u32::MAX - 1, u32::MAX),
            u64::MAX,
        ]
        .into();
        let seeds = [0, 1, 2, 5, 42, u64::MAX];
        let mut first_words = std::collections::BTreeMap::new();
        for seed in seeds {
            let s = Streams::new(seed);
            for p in purposes {
                for step in steps {
                    for &agent in &agents {
                        let mut r = s.rng(p, step, agent);
                        let words = (r.random::<u64>(), r.random::<u64>());
                        let at = (seed, p as u8, step, agent);
                        if let Some(other) = first_words.insert(words, at) {
                            panic!("{other:?} and {at:?} share a stream");
                        }
                    }
                }
            }
        }
        assert_eq!(
            first_words.len(),
            seeds.len() * purposes.len() * steps.len() * agents.len()
        );
        // Distinct unordered pairs have distinct ids, whatever the order.
        assert_eq!(pair_id(5, 3), pair_id(3, 5));
        let ids: std::collections::BTreeSet<u64> = (0..40u32)
            .flat_map(|a| (0..40u32).map(move |b| pair_id(a, b)))
            .collect();
        assert_eq!(ids.len(), 40 * 41 / 2);
    }

    /// `Stream` yields the words of `rand_chacha`'s ChaCha8 for the same
    /// key, stream and position, whatever mix of widths is drawn.
    #[test]
    fn stream_matches_rand_chacha() {
        for (seed, nonce, word) in [
            (1u64, 0u64, 0u64),
            (42, 7, 3 << 24),
            (9, u64::MAX, 5),
            (3, 1 << 40, (77 << 24) + 15),
            (5, 12345, u64::from(u32::MAX) * 16 + 3),
        ] {
            let key = derived_key(seed, 4);
            let mut reference = ChaCha8Rng::from_seed(key);
            reference.set_stream(nonce);
            reference.set_word_pos(u128::from(word));
            let mut ours = Stream::new(key_words(&key), nonce, word);
            for k in 0..300u32 {
                match k % 5 {
                    0 | 3 => assert_eq!(ours.random::<u64>(), reference.random::<u64>()),
                    1 => assert_eq!(ours.random::<u32>(), reference.random::<u32>()),
                    2 => assert_eq!(ours.random::<f64>(), reference.random::<f64>()),
                    _ => {
                        let (mut a, mut b) = ([0u8; 7], [0u8; 7]);
                        rand::Rng::fill_bytes(&mut ours, &mut a);
                        rand::Rng::fill_bytes(&mut reference, &mut b);
                        assert_eq!(a, b);
                    }
                }
            }
        }
    }

    const PINNED: u64 = 2_476_368_500_639_106_130;

    #[test]
    fn known_value_is_portable() {
        // Pins the derivation: a change here changes every published result.
        let v = Streams::new(42).rng(Purpose::Growth, 1, 2).random::<u64>();
        assert_eq!(v, PINNED, "the stream derivation changed: {v}");
    }
}

//! Benchmarks of the simulation step and of its hot kernels.
//!
//! Run with `cargo bench --bench step` (about 2–3 minutes on two cores).
//!
//! # `step` group: cost of one step against the number of agents
//!
//! For `firms` in {10 000, 20 000, 50 000, 100 000}, with `citizens = 10 × firms`
//! and the default territory (40 regions, so density grows with the size),
//! the benchmark measures the wall time of `Model::step` in a representative
//! state: the years 1990–2009 of the clusters regime, when cluster
//! organisations, cooperation ties and events all exist.
//!
//! `Model` is not `Clone` and `step` mutates it, so the state cannot be
//! snapshotted and restored. Instead each size keeps one model alive across
//! criterion's calls and times steps with `iter_custom`:
//!
//! * a model is built from the defaults plus the size overrides and advanced
//!   through 1950–1989 (40 yearly steps) *outside* the timed part;
//! * every iteration times exactly one call to `step` (including dropping its
//!   output), and nothing else;
//! * when the next step would be 2010 (end of the window), the model is
//!   rebuilt and advanced to 1990 again, untimed. A run is deterministic
//!   (fixed seed), so every pass replays the same 20 steps.
//!
//! One criterion iteration is therefore one step somewhere in 1990–2009, and
//! the reported time is the mean cost of a step over that window. The cost
//! drifts from year to year (the network grows), so the spread between
//! samples partly reflects which years a sample covered, not only noise.
//! Sampling is `Flat` (equal iterations per sample) because steps are long.
//! Throughput is `firms + citizens` elements, so criterion also reports
//! agents per second. Phases run on rayon's global pool (all cores).
//!
//! After each size, the mean time per step of each phase over all timed steps
//! (from `Model::timings`) is printed to stderr, to spot phases that scale
//! worse than linearly.
//!
//! # `kernels` group: hot per-pair / per-agent functions
//!
//! Each iteration evaluates a kernel on a batch of 1 024 precomputed inputs
//! (throughput in elements = inputs), or opens one random stream and draws
//! from it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use proxima::Model;
use proxima::scenario::{parse_override, resolve_str};
use proxima::state::proximity::{Kernel, knowledge_gain};
use proxima::state::timings::Timings;
use proxima::util::rng::{Purpose, Streams};
use rand::RngExt;

const SIZES: [u64; 4] = [10_000, 20_000, 50_000, 100_000];
const CITIZENS_PER_FIRM: u64 = 10;
/// First and last-plus-one year of the timed window.
const WINDOW: (i64, i64) = (1990, 2010);

fn build(firms: u64) -> Model {
    let overrides = [
        format!("population.firms={firms}"),
        format!("population.citizens={}", firms * CITIZENS_PER_FIRM),
    ]
    .iter()
    .map(|s| parse_override(s).expect("valid override"))
    .collect::<Vec<_>>();
    let resolved = resolve_str("bench", "", &overrides).expect("valid scenario");
    Model::new(resolved.scenario).expect("model builds")
}

/// Calendar year of the next step.
fn next_year(m: &Model) -> i64 {
    let r = &m.scenario.run;
    r.start_year + i64::from(m.steps_done()) / r.steps_per_year
}

/// A model of `firms` firms advanced (untimed) to the start of the window.
fn fresh(firms: u64) -> Model {
    let mut m = build(firms);
    while next_year(&m) < WINDOW.0 {
        m.step().expect("step");
    }
    m
}

const N_PHASES: usize = 10;

fn phases(t: &Timings) -> [f64; N_PHASES] {
    t.phases().map(|(_, secs)| secs)
}

fn phase_names() -> [&'static str; N_PHASES] {
    Timings::default().phases().map(|(name, _)| name)
}

/// One model per size, kept across criterion's calls.
struct Stepper {
    firms: u64,
    model: Model,
    /// Phase seconds summed over the timed steps only.
    phase_secs: [f64; N_PHASES],
    steps_timed: u64,
}

impl Stepper {
    fn new(firms: u64) -> Self {
        Self {
            firms,
            model: fresh(firms),
            phase_secs: [0.0; N_PHASES],
            steps_timed: 0,
        }
    }

    /// Time `iters` single steps within the window; rebuilds are untimed.
    fn run(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            if self.model.is_done() || next_year(&self.model) >= WINDOW.1 {
                self.model = fresh(self.firms);
            }
            let before = phases(self.model.timings());
            let start = Instant::now();
            black_box(self.model.step().expect("step"));
            total += start.elapsed();
            let after = phases(self.model.timings());
            for (acc, (a, b)) in self.phase_secs.iter_mut().zip(after.iter().zip(before)) {
                *acc += a - b;
            }
            self.steps_timed += 1;
        }
        total
    }

    fn report(&self) {
        let n = self.steps_timed.max(1) as f64;
        let parts: Vec<String> = phase_names()
            .iter()
            .zip(self.phase_secs)
            .map(|(name, s)| format!("{name} {:.2}", s / n * 1e3))
            .collect();
        eprintln!(
            "phases, ms/step, firms={} over {} steps: {}",
            self.firms,
            self.steps_timed,
            parts.join(", ")
        );
    }
}

fn bench_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    for firms in SIZES {
        let agents = firms + firms * CITIZENS_PER_FIRM;
        group.throughput(Throughput::Elements(agents));
        let mut stepper = Stepper::new(firms);
        group.bench_function(BenchmarkId::new("1990-2009", firms), |b| {
            b.iter_custom(|iters| stepper.run(iters));
        });
        stepper.report();
    }
    group.finish();
}

const BATCH: usize = 1024;

/// Deterministic pseudo-random inputs in [0, 1).
fn inputs(n: usize, salt: u64) -> Vec<f64> {
    let mut r = Streams::new(salt).rng(Purpose::Growth, 0, 0);
    (0..n).map(|_| r.random::<f64>()).collect()
}

fn bench_kernels(c: &mut Criterion) {
    let scenario = proxima::Scenario::default();
    let kernel = Kernel::at(&scenario.proximity, &scenario.regimes.clusters, 2000.0);
    let g = inputs(BATCH, 1);
    let o = inputs(BATCH, 2);
    let cc = inputs(BATCH, 3);
    let streams = Streams::new(42);

    let mut group = c.benchmark_group("kernels");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));

    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("tie_probability", |b| {
        b.iter(|| {
            let k = black_box(&kernel);
            let mut sum = 0.0;
            for i in 0..BATCH {
                sum += k.tie_probability(g[i], o[i], cc[i]);
            }
            sum
        });
    });
    group.bench_function("geographic", |b| {
        b.iter(|| {
            let k = black_box(&kernel);
            g.iter().map(|&d| k.geographic(d * 200.0)).sum::<f64>()
        });
    });
    group.bench_function("knowledge_gain", |b| {
        b.iter(|| {
            let c_max = black_box(0.8);
            cc.iter().map(|&c| knowledge_gain(c, c_max)).sum::<f64>()
        });
    });

    group.throughput(Throughput::Elements(1));
    let mut agent = 0u64;
    group.bench_function("rng_open_and_draw", |b| {
        b.iter(|| {
            agent = agent.wrapping_add(1);
            let mut r = black_box(&streams).rng(Purpose::PartnerSearch, 45, agent);
            r.random::<f64>()
        });
    });
    group.throughput(Throughput::Elements(
        proxima::util::rng::SCREEN_BLOCK as u64,
    ));
    let mut block = 0u64;
    group.bench_function("screening_block", |b| {
        b.iter(|| {
            block = block.wrapping_add(1);
            black_box(&streams).screening(Purpose::StartupScreen, 45, block)
        });
    });
    group.finish();
}

criterion_group!(benches, bench_step, bench_kernels);
criterion_main!(benches);

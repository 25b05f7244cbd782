//! A chain split into slices (`Chain::with_first_sample`, one per native thread in `ptheta bench`)
//! or into pieces (`Chain::restore_at`, handed to the page's Web Workers) gives, side by side,
//! exactly the samples of the whole chain, at every step.

use ptheta::chain::{Chain, ChainOptions};
use ptheta::diffusion::{Schedule, Variance};
use ptheta::model::Denoiser;

fn chain(samples: usize, first: usize) -> Chain<Denoiser> {
    chain_with(samples, first, false)
}

fn chain_with(samples: usize, first: usize, keep_history: bool) -> Chain<Denoiser> {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/weights/moons-epsilon.safetensors"
    ))
    .unwrap();
    let model = Denoiser::from_safetensors(&bytes).unwrap();
    let schedule = Schedule::respaced(model.config.schedule, model.config.timesteps, 12).unwrap();
    let options = ChainOptions {
        variance: Variance::FixedSmall,
        steps: 12,
        samples,
        seed: 7,
        keep_history,
    };
    Chain::new(model, schedule, &options)
        .unwrap()
        .with_first_sample(first)
        .unwrap()
}

#[test]
fn slices_side_by_side_are_the_whole_chain() {
    let mut whole = chain(37, 0);
    // 17 is not a multiple of the fused forward's tile of 16: the tiles fall differently
    let mut slices = [chain(17, 0), chain(3, 17), chain(17, 20)];
    loop {
        let joined: Vec<f32> = slices.iter().flat_map(|s| s.positions().to_vec()).collect();
        assert_eq!(joined, whole.positions(), "at t = {}", whole.t());
        if whole.is_done() {
            break;
        }
        whole.step().unwrap();
        for s in &mut slices {
            s.step().unwrap();
        }
    }
    // and after reset, the same x_T again
    slices[1].reset();
    whole.reset();
    assert_eq!(slices[1].positions(), &whole.positions()[34..40]);
}

#[test]
fn a_slice_starts_only_at_x_t_and_within_u32() {
    let mut c = chain(4, 0);
    c.step().unwrap();
    assert!(c.with_first_sample(1).is_err());
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/weights/moons-epsilon.safetensors"
    ))
    .unwrap();
    let model = Denoiser::from_safetensors(&bytes).unwrap();
    let schedule = Schedule::respaced(model.config.schedule, model.config.timesteps, 2).unwrap();
    let options = ChainOptions {
        variance: Variance::FixedSmall,
        steps: 2,
        samples: 2,
        seed: 0,
        keep_history: false,
    };
    assert!(Chain::new(model, schedule, &options)
        .unwrap()
        .with_first_sample(u32::MAX as usize)
        .is_err());
}

/// What the page does with its workers: each slice is put at the page chain's state, runs a burst,
/// and the page chain adopts the states. The result, history included, is the chain's own.
#[test]
fn a_chain_adopting_its_slices_states_is_the_chain_stepped_itself() {
    let mut own = chain_with(37, 0, true);
    let mut page = chain_with(37, 0, true);
    let mut slices = [chain(20, 0), chain(17, 20)];
    let dim = page.dim();
    // bursts of 5, 1 and the rest, with a step back in between: a slice never assumes where it was
    for (burst, back) in [(5, false), (1, true), (12, false)] {
        if back {
            page.step_back().unwrap();
            own.step_back().unwrap();
        }
        let t = page.t();
        let runs: Vec<Vec<Vec<f32>>> = slices
            .iter_mut()
            .scan(0, |first, s| {
                let n = s.samples() * dim;
                let x = &page.positions()[*first..*first + n];
                s.restore_at(*first / dim, t, x).unwrap();
                *first += n;
                let mut states = Vec::new();
                for _ in 0..burst.min(t) {
                    s.step().unwrap();
                    states.push(s.positions().to_vec());
                }
                Some(states)
            })
            .collect();
        let states: Vec<f32> = (0..runs[0].len())
            .flat_map(|k| runs.iter().flat_map(move |r| r[k].iter().copied()))
            .collect();
        page.adopt(&states).unwrap();
        for _ in 0..burst.min(t) {
            own.step().unwrap();
        }
        assert_eq!(page.t(), own.t());
        assert_eq!(page.positions(), own.positions(), "at t = {}", own.t());
    }
    assert!(page.is_done());
    // the history came with the states: stepping back retraces the chain's own path
    for _ in 0..4 {
        page.step_back().unwrap();
        own.step_back().unwrap();
        assert_eq!(page.positions(), own.positions(), "back at t = {}", own.t());
    }
}

#[test]
fn adopt_refuses_what_does_not_fit() {
    let mut page = chain_with(4, 0, true);
    let len = page.positions().len();
    // not whole states, and more states than steps left
    assert!(page.adopt(&vec![0.0; len + 1]).is_err());
    assert!(page.adopt(&vec![0.0; len * 13]).is_err());
    assert_eq!(page.t(), 12, "a refused adoption changes nothing");
}

#[test]
fn slice_sizes_cover_the_samples_once_the_first_ones_larger() {
    use ptheta::chain::slice_sizes;
    assert_eq!(slice_sizes(1024, 3), [342, 341, 341]);
    assert_eq!(slice_sizes(37, 4), [10, 9, 9, 9]);
    // never more slices than samples, never none
    assert_eq!(slice_sizes(2, 8), [1, 1]);
    assert_eq!(slice_sizes(5, 0), [5]);
    for (n, k) in [(1, 1), (17, 16), (16384, 7), (999, 2)] {
        let s = slice_sizes(n, k);
        assert_eq!(s.iter().sum::<usize>(), n);
        assert!(s.windows(2).all(|w| w[0] == w[1] || w[0] == w[1] + 1), "{s:?}");
    }
}

/// What the page's workers do since they share a burst's pieces: a worker's chain is handed any
/// piece of the samples (`restore_at`), in whatever order the workers free up, and the states put
/// back together are the chain's own.
#[test]
fn pieces_run_by_any_worker_in_any_order_are_the_whole_chain() {
    let mut own = chain_with(37, 0, true);
    let mut page = chain_with(37, 0, true);
    let mut workers = [chain(37, 0), chain(37, 0)];
    let dim = page.dim();
    // 17 and 7 are not multiples of the fused forward's tile of 16
    let pieces = [(0, 10), (10, 3), (13, 17), (30, 7)];
    for (round, burst) in [5, 1, 12].into_iter().enumerate() {
        let t = page.t();
        let steps = burst.min(t);
        let len = page.positions().len();
        let mut states = vec![f32::NAN; steps * len];
        // each round hands the pieces out in another order, to the workers in turn
        let mut order: Vec<usize> = (0..pieces.len()).collect();
        order.rotate_left(round);
        if round == 1 {
            order.reverse();
        }
        for (turn, &p) in order.iter().enumerate() {
            let (first, samples) = pieces[p];
            let w = &mut workers[turn % 2];
            w.restore_at(first, t, &page.positions()[first * dim..(first + samples) * dim])
                .unwrap();
            assert_eq!(w.samples(), samples);
            for k in 0..steps {
                w.step().unwrap();
                states[k * len + first * dim..k * len + (first + samples) * dim].copy_from_slice(w.positions());
            }
        }
        page.adopt(&states).unwrap();
        for _ in 0..steps {
            own.step().unwrap();
        }
        assert_eq!(page.positions(), own.positions(), "at t = {}", own.t());
    }
    assert!(page.is_done());
}

#[test]
fn restore_at_refuses_what_is_not_a_piece() {
    let mut worker = chain(4, 0);
    let dim = worker.dim();
    // no samples, part of a sample, past the last sample index there is, a t beyond S
    assert!(worker.restore_at(0, 3, &[]).is_err());
    assert!(worker.restore_at(0, 3, &vec![0.0; 2 * dim + 1]).is_err());
    assert!(worker.restore_at(u32::MAX as usize, 3, &vec![0.0; dim]).is_err());
    assert!(worker.restore_at(0, 13, &vec![0.0; dim]).is_err());
    assert_eq!(
        (worker.t(), worker.samples()),
        (12, 4),
        "a refused piece changes nothing"
    );
    // a chain with history is the page's own, never a worker's
    assert!(chain_with(4, 0, true).restore_at(0, 3, &vec![0.0; dim]).is_err());
    assert!(worker.restore_at(9, 3, &vec![0.0; 3 * dim]).is_ok());
    assert_eq!((worker.t(), worker.samples()), (3, 3));
}

#[test]
fn piece_sizes_give_each_worker_an_equal_count_of_pieces_not_too_small() {
    use ptheta::chain::{piece_sizes, MIN_PIECE_SAMPLES, PIECES_PER_WORKER};
    assert_eq!(piece_sizes(1024, 2), [128; 8]);
    assert_eq!(piece_sizes(16384, 2), [1024; 16]);
    assert_eq!(piece_sizes(1024, 3), [171, 171, 171, 171, 170, 170]);
    // too few samples for more than one piece a worker
    assert_eq!(piece_sizes(300, 3), [100, 100, 100]);
    assert_eq!(piece_sizes(2, 8), [1, 1]);
    for (n, w) in [(1, 1), (999, 2), (4096, 3), (16384, 16), (8192, 1)] {
        let p = piece_sizes(n, w);
        assert_eq!(p.iter().sum::<usize>(), n);
        assert!(
            p.len().is_multiple_of(w.min(n)) && p.len() <= w * PIECES_PER_WORKER,
            "{n}, {w}: {p:?}"
        );
        assert!(
            p.len() == w.min(n) || p.iter().all(|&s| s >= MIN_PIECE_SAMPLES),
            "{n}, {w}: {p:?}"
        );
    }
}

#[test]
fn weighted_slices_follow_the_workers_speeds_within_bounds() {
    use ptheta::chain::{slice_sizes, weighted_slice_sizes};
    assert_eq!(weighted_slice_sizes(1000, &[1.0, 1.0]), [500, 500]);
    assert_eq!(weighted_slice_sizes(1000, &[3.0, 1.0]), [750, 250]);
    assert_eq!(weighted_slice_sizes(1024, &[2.0, 1.0, 1.0]), [512, 256, 256]);
    // a worker far slower still gets a quarter of the fastest one's share (of what is left once
    // each has its one sample: 998 · 0.2 = 199.6, so 1 + 199, and the larger remainder's 1)
    assert_eq!(weighted_slice_sizes(1000, &[100.0, 1.0]), [799, 201]);
    // nothing measured yet, or nonsense: equal slices
    for speeds in [[0.0, 1.0], [f64::NAN, 1.0], [f64::INFINITY, 1.0], [-1.0, 2.0]] {
        assert_eq!(weighted_slice_sizes(1001, &speeds), slice_sizes(1001, 2), "{speeds:?}");
    }
    // fewer samples than workers: one each, the extra workers idle; none at all: one slice
    assert_eq!(weighted_slice_sizes(2, &[1.0, 5.0, 9.0]), [1, 1]);
    assert_eq!(weighted_slice_sizes(7, &[]), [7]);
    for (n, speeds) in [
        (4097, vec![0.3, 0.7, 1.1]),
        (16384, vec![1.0, 1e-9]),
        (5, vec![9.0, 1.0, 1.0, 1.0, 1.0]),
    ] {
        let s = weighted_slice_sizes(n, &speeds);
        assert_eq!(s.iter().sum::<usize>(), n, "{s:?}");
        assert!(s.iter().all(|&k| k >= 1), "{s:?}");
    }
}

//! A chain split into slices (`Chain::with_first_sample`, one per Web Worker in the page) gives,
//! side by side, exactly the samples of the whole chain, at every step.

use ptheta::chain::{Chain, ChainOptions};
use ptheta::diffusion::{Schedule, Variance};
use ptheta::model::Denoiser;

fn chain(samples: usize, first: usize) -> Chain<Denoiser> {
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
        keep_history: false,
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

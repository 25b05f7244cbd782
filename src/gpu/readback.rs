//! Copying a GPU buffer range back to the CPU. The only place buffers are mapped, so the number of
//! mappings can be counted (the animation loop must cause none).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::Gpu;

/// A one-shot slot the map callback fills and the reader awaits. On the web the callback runs
/// from the JS event loop, so the reader must yield rather than spin.
struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

struct Receiver<T>(Arc<Mutex<Slot<T>>>);

impl<T> Future for Receiver<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.lock().unwrap();
        match slot.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Counts every buffer mapping made through [`read`].
#[derive(Clone, Default)]
pub struct MapCounter(Arc<AtomicU64>);

impl MapCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Copies `size` bytes at `offset` of `src` (which needs COPY_SRC) into a fresh staging buffer and
/// returns them. The staging buffer is per read, so overlapping reads cannot collide; reads are
/// not per step, so this allocates nothing in the animation loop. A read that maps after the
/// device reported an error or was lost is refused with the reason: whatever the failed work left
/// in `src` (zeros, where a pipeline never ran) is not a result.
pub fn read(
    gpu: &Gpu,
    src: &wgpu::Buffer,
    offset: u64,
    size: u64,
    counter: &MapCounter,
) -> impl Future<Output = Result<Vec<u8>, String>> + 'static {
    let (device, queue) = (&gpu.device, &gpu.queue);
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("ptheta readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("ptheta readback"),
    });
    encoder.copy_buffer_to_buffer(src, offset, &staging, 0, size);
    queue.submit([encoder.finish()]);
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
    }));
    let filler = slot.clone();
    counter.0.fetch_add(1, Ordering::Relaxed);
    staging.slice(..).map_async(wgpu::MapMode::Read, move |result| {
        let mut s = filler.lock().unwrap();
        s.value = Some(result.map_err(|e| format!("reading back from the GPU failed: {e}")));
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let polled = device
        .poll(wgpu::PollType::wait_indefinitely())
        .map(|_| ())
        .map_err(|e| format!("waiting for the GPU failed: {e}"));
    #[cfg(target_arch = "wasm32")]
    let polled: Result<(), String> = Ok(());
    let gpu = gpu.clone();
    async move {
        polled?;
        Receiver(slot).await?;
        let bytes = staging
            .slice(..)
            .get_mapped_range()
            .map_err(|e| format!("reading back from the GPU failed: {e}"))?
            .to_vec();
        staging.unmap();
        match gpu.failure() {
            Some(failure) => Err(failure),
            None => Ok(bytes),
        }
    }
}

/// Little-endian f32s from bytes.
pub fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

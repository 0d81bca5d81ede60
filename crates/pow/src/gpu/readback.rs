//! Copying a result buffer back to the CPU. `map_async` reports through a callback;
//! natively `Device::poll` runs that callback before returning, in the browser the
//! event loop does, so the same small future serves both.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::GpuError;

/// Maps `buffer` (MAP_READ, already filled by submitted work) and returns its bytes.
pub(super) async fn read(
    device: &wgpu::Device,
    buffer: &wgpu::Buffer,
) -> Result<Vec<u8>, GpuError> {
    let slot = Arc::new(Mutex::new(Slot::default()));
    let sender = slot.clone();
    buffer
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |result| {
            let mut slot = sender.lock().unwrap_or_else(|e| e.into_inner());
            slot.result = Some(result.map_err(|e| GpuError::Readback(e.to_string())));
            if let Some(waker) = slot.waker.take() {
                waker.wake();
            }
        });
    #[cfg(not(target_arch = "wasm32"))]
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::DeviceLost(e.to_string()))?;
    #[cfg(target_arch = "wasm32")]
    let _ = device;
    Mapped(slot).await?;
    let bytes = buffer
        .slice(..)
        .get_mapped_range()
        .map_err(|e| GpuError::Readback(e.to_string()))?
        .to_vec();
    buffer.unmap();
    Ok(bytes)
}

#[derive(Default)]
struct Slot {
    result: Option<Result<(), GpuError>>,
    waker: Option<Waker>,
}

/// Resolves once the map callback has run.
struct Mapped(Arc<Mutex<Slot>>);

impl Future for Mapped {
    type Output = Result<(), GpuError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

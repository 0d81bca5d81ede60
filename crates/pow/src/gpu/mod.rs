//! The proof-of-work engines as WGSL compute shaders, driven through wgpu: Vulkan
//! natively (lavapipe where there is no GPU), WebGPU in the browser.
//!
//! Everything is async because WebGPU is: the browser only hands results back from
//! its event loop. Native callers block on the futures (e.g. with `pollster`). Each
//! call is one bounded batch, so a miner checks its stop flag and reports the tries
//! between calls; nothing here owns a thread or a clock.

mod readback;
mod sha256d;
mod tensority;

pub use sha256d::{Sha256dGpu, Sha256dHit};
pub use tensority::TensorityGpu;

/// Why the GPU path could not run. Every variant says what a learner can do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GpuError {
    /// No adapter at all: no GPU, no software rasteriser, or WebGPU disabled.
    #[error("no GPU adapter found ({0}); the CPU engines still work")]
    NoAdapter(String),
    /// The adapter exists but would not give us a device with the limits we need.
    #[error("the GPU adapter refused a device: {0}")]
    NoDevice(String),
    /// The device went away (driver reset, tab in the background too long, ...).
    #[error("the GPU device was lost: {0}")]
    DeviceLost(String),
    /// Results could not be read back from GPU memory.
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
    /// The caller asked for more work in one batch than the engine was sized for.
    #[error("a batch of {requested} is larger than this engine's capacity of {capacity}")]
    BatchTooLarge {
        /// What the call asked for.
        requested: usize,
        /// What the engine was built for.
        capacity: usize,
    },
}

/// How the shaders multiply packed int8 vectors. Both give the same bits; the choice
/// is made when a pipeline is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotProduct {
    /// WGSL's `dot4I8Packed` (`packed_4x8_integer_dot_product`): one instruction on
    /// GPUs with DP4A-style integer dot products.
    Packed4x8,
    /// Sign-extend the four bytes and multiply in i32: runs on any adapter.
    Unpacked,
}

impl DotProduct {
    /// The WGSL helper `dot4(a, b)` the Tensority shader calls.
    fn wgsl(self) -> &'static str {
        match self {
            Self::Packed4x8 => "fn dot4(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); }\n",
            Self::Unpacked => concat!(
                "fn bytes(v: u32) -> vec4<i32> {\n",
                "    let s = bitcast<i32>(v);\n",
                "    return vec4<i32>((s << 24u) >> 24u, (s << 16u) >> 24u, (s << 8u) >> 24u, s >> 24u);\n",
                "}\n",
                "fn dot4(a: u32, b: u32) -> i32 { return dot(bytes(a), bytes(b)); }\n",
            ),
        }
    }
}

/// An adapter, its device and queue: open once, then build engines on it.
#[derive(Clone, Debug)]
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    packed_dot: bool,
}

impl GpuContext {
    /// Opens the default adapter (`WGPU_BACKEND` and friends are honoured natively).
    pub async fn new() -> Result<Self, GpuError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let packed_dot = instance
            .wgsl_language_features()
            .contains(wgpu::WgslLanguageFeatures::Packed4x8IntegerDotProduct);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("chainlab pow"),
                required_limits: required_limits(&adapter.limits()),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoDevice(e.to_string()))?;
        Ok(Self {
            device,
            queue,
            info: adapter.get_info(),
            packed_dot,
        })
    }

    /// The adapter's name as the driver reports it ("llvmpipe", "SwiftShader", ...).
    pub fn adapter_name(&self) -> &str {
        &self.info.name
    }

    /// The graphics API underneath ("vulkan", "webgpu", ...).
    pub fn backend(&self) -> String {
        self.info.backend.to_string()
    }

    /// Whether WGSL's `dot4I8Packed` is available. Natively wgpu always accepts it (it
    /// lowers to an integer dot-product instruction where the driver has one and to
    /// plain arithmetic otherwise); in a browser it depends on the browser.
    pub fn has_packed_dot(&self) -> bool {
        self.packed_dot
    }

    /// The dot-product variant engines use unless told otherwise.
    pub fn best_dot_product(&self) -> DotProduct {
        if self.packed_dot {
            DotProduct::Packed4x8
        } else {
            DotProduct::Unpacked
        }
    }

    fn storage_buffer(&self, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage: wgpu::BufferUsages::STORAGE | usage,
            mapped_at_creation: false,
        })
    }
}

/// The downlevel limits, raised to hold the 16 MiB Tensority cache in one binding.
fn required_limits(adapter: &wgpu::Limits) -> wgpu::Limits {
    let cache_bytes = tensority::CACHE_BYTES;
    wgpu::Limits {
        max_storage_buffer_binding_size: adapter.max_storage_buffer_binding_size.max(cache_bytes),
        max_buffer_size: adapter.max_buffer_size.max(cache_bytes),
        ..wgpu::Limits::downlevel_defaults()
    }
}

/// A bind-group layout entry for a storage buffer seen by compute shaders.
fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A bind-group entry covering a whole buffer.
fn whole(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

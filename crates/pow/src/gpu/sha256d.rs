//! SHA-256d nonce search on the GPU. The CPU compresses the header's first block once
//! (the midstate) and the shader does the remaining two compressions per nonce.

use crate::sha256d::Midstate;
use crate::{HEADER_LEN, HashTarget};

use super::{GpuContext, GpuError, readback, storage_entry, whole};

/// Nonces one invocation tries (`NONCES_PER_INVOCATION` in the shader).
const NONCES_PER_INVOCATION: u32 = 16;
/// Invocations per workgroup (`@workgroup_size` in the shader).
const WORKGROUP: u32 = 64;
/// Most nonces one call may cover: WebGPU allows 65,535 workgroups per dimension.
pub const MAX_BATCH: u32 = 65_535 * WORKGROUP * NONCES_PER_INVOCATION;
/// Bytes of the `Job` uniform.
const JOB_BYTES: u64 = 96;
/// Bytes of the `Result` buffer: lowest nonce, hit flag, tries.
const RESULT_BYTES: u64 = 12;

/// What one batch found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sha256dHit {
    /// The lowest nonce in the batch whose hash meets the target, if any.
    pub nonce: Option<u32>,
    /// Nonces the shader actually hashed (invocations past a hit stop early).
    pub tried: u64,
}

/// The SHA-256d search pipeline on one device.
#[derive(Debug)]
pub struct Sha256dGpu {
    context: GpuContext,
    pipeline: wgpu::ComputePipeline,
    job: wgpu::Buffer,
    result: wgpu::Buffer,
    staging: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

impl Sha256dGpu {
    /// Compiles the shader and allocates the (tiny) buffers.
    pub fn new(context: &GpuContext) -> Self {
        let device = &context.device;
        let module = device.create_shader_module(wgpu::include_wgsl!("sha256d.wgsl"));
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("sha256d"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                storage_entry(1, false),
            ],
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("sha256d search"),
            layout: Some(
                &device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some("sha256d"),
                    bind_group_layouts: &[Some(&layout)],
                    immediate_size: 0,
                }),
            ),
            module: &module,
            entry_point: Some("search"),
            compilation_options: Default::default(),
            cache: None,
        });
        let job = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sha256d job"),
            size: JOB_BYTES,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let result = context.storage_buffer(
            "sha256d result",
            RESULT_BYTES,
            wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
        );
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sha256d readback"),
            size: RESULT_BYTES,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("sha256d"),
            layout: &layout,
            entries: &[whole(0, &job), whole(1, &result)],
        });
        Self {
            context: context.clone(),
            pipeline,
            job,
            result,
            staging,
            bind_group,
        }
    }

    /// Hashes up to `count` nonces from `start` (never past 2^32 - 1, at most
    /// [`MAX_BATCH`]) and returns the lowest one meeting `target`. The nonce field of
    /// `header` is ignored.
    pub async fn sha256d_batch(
        &self,
        header: &[u8; HEADER_LEN],
        start: u32,
        count: u32,
        target: &HashTarget,
    ) -> Result<Sha256dHit, GpuError> {
        if count > MAX_BATCH {
            return Err(GpuError::BatchTooLarge {
                requested: count as usize,
                capacity: MAX_BATCH as usize,
            });
        }
        let room = (1u64 << 32) - u64::from(start);
        let count = u64::from(count).min(room) as u32;
        let midstate = Midstate::new(header);
        let mut job = [0u32; (JOB_BYTES / 4) as usize];
        job[..8].copy_from_slice(midstate.state());
        job[8..11].copy_from_slice(&midstate.tail_words());
        job[12] = start;
        job[13] = count;
        for (word, bytes) in job[16..]
            .iter_mut()
            .zip(target.to_le_bytes().chunks_exact(4))
        {
            *word = u32::from_le_bytes(bytes.try_into().expect("four bytes"));
        }
        let queue = &self.context.queue;
        queue.write_buffer(&self.job, 0, bytemuck::cast_slice(&job));
        queue.write_buffer(&self.result, 0, bytemuck::cast_slice(&[u32::MAX, 0, 0]));
        let mut encoder = self
            .context
            .device
            .create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            let per_group = WORKGROUP * NONCES_PER_INVOCATION;
            pass.dispatch_workgroups(count.div_ceil(per_group), 1, 1);
        }
        encoder.copy_buffer_to_buffer(&self.result, 0, &self.staging, 0, RESULT_BYTES);
        queue.submit([encoder.finish()]);
        let bytes = readback::read(&self.context.device, &self.staging).await?;
        let words: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes(w.try_into().expect("four bytes")))
            .collect();
        Ok(Sha256dHit {
            nonce: (words[1] != 0).then_some(words[0]),
            tried: u64::from(words[2]),
        })
    }
}

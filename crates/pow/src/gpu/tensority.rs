//! Tensority on the GPU. The 16 MiB cache is uploaded once per seed; a batch of
//! hashes is 64 dispatches of the tiled product shader (each advances every lane of
//! every hash by one product, ping-ponging between two buffers), one dispatch of the
//! fold shader, and the final SHA3 of 256 bytes per hash on the CPU.

use sha3::{Digest, Sha3_256};
use wgpu::util::DeviceExt;

use crate::sha256d::Midstate;
use crate::tensority::Cache;
use crate::tensority::cache::{DIM, MATRICES, MATRIX_LEN};
use crate::tensority::finish::{LANES, PRODUCTS_PER_LANE, index_sequence};
use crate::tensority::reference::identity;
use crate::{HEADER_LEN, HashTarget, Solution};

use super::{DotProduct, GpuContext, GpuError, readback, storage_entry, whole};

/// Bytes of the whole cache: 256 matrices of 256×256 int8.
pub(super) const CACHE_BYTES: u64 = (MATRICES * MATRIX_LEN) as u64;
/// Bytes of one packed lane matrix.
const MATRIX_BYTES: u64 = MATRIX_LEN as u64;
/// Distance between the per-step uniforms: WebGPU's minimum uniform offset alignment.
const STEP_STRIDE: u64 = 256;
/// Output tile side of the product shader.
const TILE: u32 = 64;
/// Bytes the fold leaves per hash: 64 words for the final SHA3.
const FOLDED_BYTES: u64 = 256;

/// One seed's cache on a device, with buffers for up to `capacity` hashes per batch.
#[derive(Debug)]
pub struct TensorityGpu {
    context: GpuContext,
    seed: [u8; 32],
    capacity: usize,
    product: wgpu::ComputePipeline,
    fold: wgpu::ComputePipeline,
    identities: wgpu::Buffer,
    indices: wgpu::Buffer,
    ping: wgpu::Buffer,
    pong: wgpu::Buffer,
    folded: wgpu::Buffer,
    /// Ping to pong and pong to ping.
    steps: [wgpu::BindGroup; 2],
    fold_group: wgpu::BindGroup,
}

impl TensorityGpu {
    /// Uploads `cache` and builds the pipelines with the given dot product. Each batch
    /// holds up to `capacity` hashes (4 lanes and 512 KiB of lane buffers per hash).
    pub fn new(context: &GpuContext, cache: &Cache, capacity: usize, dot: DotProduct) -> Self {
        let device = &context.device;
        let instances = (capacity * LANES) as u64;
        let bytes: Vec<u8> = (0..=255u8)
            .flat_map(|m| cache.matrix(m).iter().map(|&v| v as u8))
            .collect();
        let cache_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("tensority cache"),
            contents: &bytes,
            usage: wgpu::BufferUsages::STORAGE,
        });
        let identity: Vec<u8> = identity().iter().map(|&v| v as u8).collect();
        let identities = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("tensority identities"),
            contents: &identity.repeat(instances as usize),
            usage: wgpu::BufferUsages::COPY_SRC,
        });
        let step_records: Vec<u8> = (0..PRODUCTS_PER_LANE as u32)
            .flat_map(|step| {
                let mut record = [0u8; STEP_STRIDE as usize];
                record[..4].copy_from_slice(&step.to_le_bytes());
                record
            })
            .collect();
        let step_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("tensority steps"),
            contents: &step_records,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let lanes_usage = wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC;
        let ping = context.storage_buffer("lanes ping", instances * MATRIX_BYTES, lanes_usage);
        let pong = context.storage_buffer("lanes pong", instances * MATRIX_BYTES, lanes_usage);
        let indices = context.storage_buffer(
            "tensority indices",
            instances * PRODUCTS_PER_LANE as u64 * 4,
            wgpu::BufferUsages::COPY_DST,
        );
        let folded = context.storage_buffer(
            "tensority folded",
            capacity as u64 * FOLDED_BYTES,
            wgpu::BufferUsages::COPY_SRC,
        );
        let product = product_pipeline(device, dot);
        let fold = fold_pipeline(device);
        let step_group = |from: &wgpu::Buffer, to: &wgpu::Buffer| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("tensority step"),
                layout: &product.get_bind_group_layout(0),
                entries: &[
                    whole(0, &cache_buffer),
                    whole(1, &indices),
                    whole(2, from),
                    whole(3, to),
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &step_buffer,
                            offset: 0,
                            size: wgpu::BufferSize::new(4),
                        }),
                    },
                ],
            })
        };
        let steps = [step_group(&ping, &pong), step_group(&pong, &ping)];
        let fold_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("tensority fold"),
            layout: &fold.get_bind_group_layout(0),
            entries: &[whole(0, &ping), whole(1, &folded)],
        });
        Self {
            context: context.clone(),
            seed: *cache.seed(),
            capacity,
            product,
            fold,
            identities,
            indices,
            ping,
            pong,
            folded,
            steps,
            fold_group,
        }
    }

    /// The seed whose cache is on the device.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// Hashes per batch this engine was sized for.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Tensority(H, seed) for each header hash, in order.
    pub async fn tensority_batch(
        &self,
        header_hashes: &[[u8; 32]],
    ) -> Result<Vec<[u8; 32]>, GpuError> {
        self.check_capacity(header_hashes.len() * LANES)?;
        let sequences: Vec<[u8; 32]> = header_hashes
            .iter()
            .flat_map(|h| (0..LANES).map(|k| index_sequence(h, k)))
            .collect();
        let mut encoder = self.run_products(&sequences, PRODUCTS_PER_LANE);
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.fold);
            pass.set_bind_group(0, &self.fold_group, &[]);
            pass.dispatch_workgroups(header_hashes.len() as u32, 1, 1);
        }
        let bytes = header_hashes.len() as u64 * FOLDED_BYTES;
        let words = self.submit_and_read(encoder, &self.folded, bytes).await?;
        Ok(words
            .chunks_exact(FOLDED_BYTES as usize)
            .map(|w| Sha3_256::digest(w).into())
            .collect())
    }

    /// The lowest nonce in `start..start + count` whose Tensority hash meets `target`
    /// (H is the header's SHA-256d block hash, as in `TensorityEngine`). `count` is at
    /// most the capacity; every nonce in the range is hashed.
    pub async fn tensority_search(
        &self,
        header: &[u8; HEADER_LEN],
        start: u32,
        count: u32,
        target: &HashTarget,
    ) -> Result<Option<Solution>, GpuError> {
        let room = (1u64 << 32) - u64::from(start);
        let count = u64::from(count).min(room) as u32;
        let midstate = Midstate::new(header);
        let nonces: Vec<u32> = (0..count).map(|offset| start + offset).collect();
        let header_hashes: Vec<[u8; 32]> = nonces.iter().map(|&n| midstate.hash(n)).collect();
        let hashes = self.tensority_batch(&header_hashes).await?;
        Ok(nonces
            .into_iter()
            .zip(hashes)
            .find(|(_, hash)| target.is_met_by(hash))
            .map(|(nonce, hash)| Solution { nonce, hash }))
    }

    /// The first `products` products of one lane per index sequence, as int8
    /// row-major matrices: the hash's inner loop on its own, for checking the shader
    /// against the CPU kernels far faster than whole hashes allow.
    pub async fn lanes(
        &self,
        sequences: &[[u8; 32]],
        products: usize,
    ) -> Result<Vec<Vec<i8>>, GpuError> {
        self.check_capacity(sequences.len())?;
        let products = products.min(PRODUCTS_PER_LANE);
        let encoder = self.run_products(sequences, products);
        let result = if products.is_multiple_of(2) {
            &self.ping
        } else {
            &self.pong
        };
        let bytes = self
            .submit_and_read(encoder, result, sequences.len() as u64 * MATRIX_BYTES)
            .await?;
        Ok(bytes
            .chunks_exact(MATRIX_LEN)
            .map(|m| m.iter().map(|&v| v as i8).collect())
            .collect())
    }

    fn check_capacity(&self, instances: usize) -> Result<(), GpuError> {
        let capacity = self.capacity * LANES;
        if instances > capacity {
            return Err(GpuError::BatchTooLarge {
                requested: instances,
                capacity,
            });
        }
        Ok(())
    }

    /// Records: identities into `ping`, then `products` steps for every sequence.
    /// After an even number of steps the lanes are in `ping`, otherwise in `pong`.
    fn run_products(&self, sequences: &[[u8; 32]], products: usize) -> wgpu::CommandEncoder {
        let words: Vec<u32> = sequences
            .iter()
            .flat_map(|q| q.iter().chain(q).map(|&m| u32::from(m)))
            .collect();
        self.context
            .queue
            .write_buffer(&self.indices, 0, bytemuck::cast_slice(&words));
        let instances = sequences.len() as u32;
        let mut encoder = self
            .context
            .device
            .create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(
            &self.identities,
            0,
            &self.ping,
            0,
            u64::from(instances) * MATRIX_BYTES,
        );
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.product);
            let tiles = DIM as u32 / TILE;
            for step in 0..products {
                let offset = (step as u64 * STEP_STRIDE) as u32;
                pass.set_bind_group(0, &self.steps[step % 2], &[offset]);
                pass.dispatch_workgroups(tiles, tiles, instances);
            }
        }
        encoder
    }

    async fn submit_and_read(
        &self,
        mut encoder: wgpu::CommandEncoder,
        source: &wgpu::Buffer,
        bytes: u64,
    ) -> Result<Vec<u8>, GpuError> {
        let staging = self.context.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("tensority readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(source, 0, &staging, 0, bytes);
        self.context.queue.submit([encoder.finish()]);
        readback::read(&self.context.device, &staging).await
    }
}

fn product_pipeline(device: &wgpu::Device, dot: DotProduct) -> wgpu::ComputePipeline {
    let source = format!("{}{}", dot.wgsl(), include_str!("tensority.wgsl"));
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("tensority product"),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("tensority product"),
        entries: &[
            storage_entry(0, true),
            storage_entry(1, true),
            storage_entry(2, true),
            storage_entry(3, false),
            wgpu::BindGroupLayoutEntry {
                binding: 4,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: wgpu::BufferSize::new(4),
                },
                count: None,
            },
        ],
    });
    compute_pipeline(device, &module, &layout, "product")
}

fn fold_pipeline(device: &wgpu::Device) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::include_wgsl!("fold.wgsl"));
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("tensority fold"),
        entries: &[storage_entry(0, true), storage_entry(1, false)],
    });
    compute_pipeline(device, &module, &layout, "fold")
}

fn compute_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    entry: &str,
) -> wgpu::ComputePipeline {
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: Some(
            &device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(entry),
                bind_group_layouts: &[Some(layout)],
                immediate_size: 0,
            }),
        ),
        module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

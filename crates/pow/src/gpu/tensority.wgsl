// Tensority's hot path: one step of every lane in the batch, A_out = g(A_in · Bᵀ)
// with B = cache matrix indices[instance][step]. Matrices hold int8 packed four to a
// little-endian u32, 64 words per row, so byte k of word w is column 4w + k.
//
// `dot4(a, b)` (the packed int8 dot product) is prepended on the host: either WGSL's
// `dot4I8Packed` or an exact unpack-and-multiply fallback.
//
// Tiling: a 16x16 workgroup owns a 64x64 output tile; each invocation four rows by
// four columns (one output word per row). The inner dimension goes through shared
// memory 64 int8 (16 words) at a time; every loaded word feeds four dot products.

struct Step {
    index: u32,
}

@group(0) @binding(0) var<storage, read> cache: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> a_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> a_out: array<u32>;
@group(0) @binding(4) var<uniform> step: Step;

const WORDS_PER_ROW: u32 = 64u;
const WORDS_PER_MATRIX: u32 = 16384u;
const STEPS: u32 = 64u;
const TILE: u32 = 64u;
const CHUNK: u32 = 16u;
// One word of padding per tile row keeps neighbouring rows in different banks.
const STRIDE: u32 = 17u;

var<workgroup> a_tile: array<u32, 1088>;
var<workgroup> b_tile: array<u32, 1088>;

// g: add the two low bytes of the accumulator, keep 8 bits (only acc mod 2^16 counts).
fn reduce(acc: i32) -> u32 {
    let u = bitcast<u32>(acc);
    return ((u & 0xffu) + ((u >> 8u) & 0xffu)) & 0xffu;
}

fn pack(acc: vec4<i32>) -> u32 {
    return reduce(acc.x) | (reduce(acc.y) << 8u) | (reduce(acc.z) << 16u) | (reduce(acc.w) << 24u);
}

@compute @workgroup_size(16, 16)
fn product(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) flat: u32,
) {
    let instance = group.z;
    let row0 = group.y * TILE;
    let col0 = group.x * TILE;
    let a_base = instance * WORDS_PER_MATRIX + row0 * WORDS_PER_ROW;
    let b_base = indices[instance * STEPS + step.index] * WORDS_PER_MATRIX + col0 * WORDS_PER_ROW;
    var acc: array<vec4<i32>, 4>;
    for (var k0 = 0u; k0 < WORDS_PER_ROW; k0 += CHUNK) {
        for (var q = 0u; q < 4u; q++) {
            let id = flat + q * 256u;
            let r = id / CHUNK;
            let k = id % CHUNK;
            a_tile[r * STRIDE + k] = a_in[a_base + r * WORDS_PER_ROW + k0 + k];
            b_tile[r * STRIDE + k] = cache[b_base + r * WORDS_PER_ROW + k0 + k];
        }
        workgroupBarrier();
        for (var k = 0u; k < CHUNK; k++) {
            let b = vec4<u32>(
                b_tile[(local.x * 4u) * STRIDE + k],
                b_tile[(local.x * 4u + 1u) * STRIDE + k],
                b_tile[(local.x * 4u + 2u) * STRIDE + k],
                b_tile[(local.x * 4u + 3u) * STRIDE + k],
            );
            for (var i = 0u; i < 4u; i++) {
                let a = a_tile[(local.y * 4u + i) * STRIDE + k];
                acc[i] += vec4<i32>(dot4(a, b.x), dot4(a, b.y), dot4(a, b.z), dot4(a, b.w));
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let row = row0 + local.y * 4u + i;
        a_out[instance * WORDS_PER_MATRIX + row * WORDS_PER_ROW + group.x * 16u + local.x] = pack(acc[i]);
    }
}

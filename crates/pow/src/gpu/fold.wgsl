// Combine, pack and FNV-fold each hash's four lanes (Tensority spec §3.3-3.5), so
// only 256 bytes per hash come back for the final SHA3. Lanes are packed int8 as in
// tensority.wgsl; hash h owns lane matrices 4h..4h+3.

const WORDS_PER_ROW: u32 = 64u;
const WORDS_PER_MATRIX: u32 = 16384u;

// Bytewise a + b mod 256 in all four bytes of a word at once.
fn add_bytes(a: u32, b: u32) -> u32 {
    return ((a & 0x7f7f7f7fu) + (b & 0x7f7f7f7fu)) ^ ((a ^ b) & 0x80808080u);
}

fn fnv(a: u32, b: u32) -> u32 {
    return (a * 0x01000193u) ^ b;
}

@group(0) @binding(0) var<storage, read> lanes: array<u32>;
@group(0) @binding(1) var<storage, read_write> folded: array<u32>;

// One workgroup per hash. Invocation j owns packed column j (bytes of columns j,
// j+64, j+128, j+192); the row fold never mixes columns, so each invocation folds
// its own 256 words.
@compute @workgroup_size(64)
fn fold(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let j = local.x;
    let base = group.x * 4u * WORDS_PER_MATRIX;
    var w: array<u32, 256>;
    for (var r = 0u; r < 256u; r++) {
        var packed = 0u;
        for (var q = 0u; q < 4u; q++) {
            let column = j + 64u * q;
            let word = base + r * WORDS_PER_ROW + column / 4u;
            var sum = lanes[word];
            for (var lane = 1u; lane < 4u; lane++) {
                sum = add_bytes(sum, lanes[word + lane * WORDS_PER_MATRIX]);
            }
            packed |= ((sum >> (8u * (column % 4u))) & 0xffu) << (8u * q);
        }
        w[r] = packed;
    }
    for (var half = 128u; half > 0u; half /= 2u) {
        for (var r = 0u; r < half; r++) {
            w[r] = fnv(w[r], w[r + half]);
        }
    }
    folded[group.x * 64u + j] = w[0];
}

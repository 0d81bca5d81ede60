// SHA-256d nonce search over an 80-byte header whose first 64 bytes were compressed
// on the CPU (the midstate). Each invocation tries NONCES_PER_INVOCATION consecutive
// nonces, stops early once a lower nonce has already hit, and keeps the lowest hit
// with atomicMin, so the answer does not depend on scheduling.

struct Job {
    midstate: array<vec4<u32>, 2>,
    // Words 0..2 of the second block (big-endian); w is unused.
    tail: vec4<u32>,
    start: u32,
    count: u32,
    // The target as eight little-endian words, word 7 most significant.
    bound: array<vec4<u32>, 2>,
}

struct Result {
    lowest: atomic<u32>,
    hit: atomic<u32>,
    tried: atomic<u32>,
}

@group(0) @binding(0) var<uniform> job: Job;
@group(0) @binding(1) var<storage, read_write> result: Result;

const NONCES_PER_INVOCATION: u32 = 16u;

const K = array<u32, 64>(
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
);

const IV = array<u32, 8>(
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
);

fn rotr(x: u32, n: u32) -> u32 {
    return (x >> n) | (x << (32u - n));
}

fn swap(x: u32) -> u32 {
    return (x >> 24u) | ((x >> 8u) & 0xff00u) | ((x << 8u) & 0xff0000u) | (x << 24u);
}

fn compress(state: array<u32, 8>, block: array<u32, 16>) -> array<u32, 8> {
    var w: array<u32, 64>;
    for (var i = 0u; i < 16u; i++) {
        w[i] = block[i];
    }
    for (var i = 16u; i < 64u; i++) {
        let s0 = rotr(w[i - 15u], 7u) ^ rotr(w[i - 15u], 18u) ^ (w[i - 15u] >> 3u);
        let s1 = rotr(w[i - 2u], 17u) ^ rotr(w[i - 2u], 19u) ^ (w[i - 2u] >> 10u);
        w[i] = w[i - 16u] + s0 + w[i - 7u] + s1;
    }
    var s = state;
    for (var i = 0u; i < 64u; i++) {
        let e = s[4];
        let a = s[0];
        let t1 = s[7] + (rotr(e, 6u) ^ rotr(e, 11u) ^ rotr(e, 25u)) + ((e & s[5]) ^ (~e & s[6])) + K[i] + w[i];
        let t2 = (rotr(a, 2u) ^ rotr(a, 13u) ^ rotr(a, 22u)) + ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
        s[7] = s[6];
        s[6] = s[5];
        s[5] = s[4];
        s[4] = s[3] + t1;
        s[3] = s[2];
        s[2] = s[1];
        s[1] = s[0];
        s[0] = t1 + t2;
    }
    var out: array<u32, 8>;
    for (var i = 0u; i < 8u; i++) {
        out[i] = state[i] + s[i];
    }
    return out;
}

// The digest's bytes read as a little-endian number: word i is bytes 4i..4i+4, so it
// is the byte-swapped state word. Compared from the most significant word down.
fn meets_target(state: array<u32, 8>) -> bool {
    for (var i = 7; i >= 0; i--) {
        let h = swap(state[i]);
        let t = job.bound[i / 4][i % 4];
        if (h != t) {
            return h < t;
        }
    }
    return true;
}

fn sha256d(nonce: u32) -> array<u32, 8> {
    let mid = array<u32, 8>(
        job.midstate[0].x, job.midstate[0].y, job.midstate[0].z, job.midstate[0].w,
        job.midstate[1].x, job.midstate[1].y, job.midstate[1].z, job.midstate[1].w,
    );
    let second = array<u32, 16>(
        job.tail.x, job.tail.y, job.tail.z, swap(nonce), 0x80000000u,
        0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 640u,
    );
    let first = compress(mid, second);
    let digest = array<u32, 16>(
        first[0], first[1], first[2], first[3], first[4], first[5], first[6], first[7],
        0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u, 256u,
    );
    return compress(IV, digest);
}

@compute @workgroup_size(64)
fn search(@builtin(global_invocation_id) id: vec3<u32>) {
    let first = id.x * NONCES_PER_INVOCATION;
    var tried = 0u;
    for (var k = 0u; k < NONCES_PER_INVOCATION; k++) {
        let offset = first + k;
        if (offset >= job.count) {
            break;
        }
        let nonce = job.start + offset;
        if (atomicLoad(&result.hit) != 0u && atomicLoad(&result.lowest) < nonce) {
            break;
        }
        tried++;
        if (meets_target(sha256d(nonce))) {
            atomicMin(&result.lowest, nonce);
            atomicMax(&result.hit, 1u);
            break;
        }
    }
    if (tried != 0u) {
        atomicAdd(&result.tried, tried);
    }
}

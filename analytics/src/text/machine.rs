//! The two places the encoder talks to the machine directly: glibc's allocator, and the
//! CPU's vector width.
//!
//! Keeps the memory the encoder frees for its next batch (glibc only).
//!
//! A batch of 32 chunks allocates tensors of 12-100 MB. glibc serves blocks that large
//! with a fresh `mmap` and returns them with `munmap`, so every layer of every batch
//! faulted its pages in again: `perf` put a quarter of the embedding time in the kernel
//! (page faults, zeroing pages, unmapping). Raising the mmap and trim thresholds keeps
//! freed blocks in the heap for reuse; `cargo bench --bench embed` went from 7.6 to 11.4
//! chunks/s with this alone. The cost: the process keeps its peak heap (about a batch's
//! working set) instead of giving it back between batches. So it is set by the first
//! batch of more than one text (`Embedder::embed`), not when the model loads: a gateway
//! that only embeds search queries keeps glibc's defaults.

#![allow(unsafe_code)]

use super::kernels;

/// Sets glibc's thresholds once per process; elsewhere it does nothing.
pub(crate) fn keep_freed_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            // 1 GiB: above any tensor the encoder makes. A glibc that refuses a value
            // keeps its default, which is slower but correct.
            const ONE_GIB: libc::c_int = 1 << 30;
            // SAFETY: mallopt only changes allocator parameters; glibc serialises it
            // against allocation, and both parameters accept any non-negative value.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, ONE_GIB);
                libc::mallopt(libc::M_TRIM_THRESHOLD, ONE_GIB);
            }
        }
    });
}

/// The kernels' loops are plain Rust that the compiler vectorises; built for the x86-64
/// baseline they get 4-lane SSE2. These run them compiled for AVX2 (8 lanes) when the CPU
/// has it, and as built elsewhere.
pub(crate) fn softmax_rows(
    part: &mut [f32],
    first: usize,
    len: usize,
    per_text: usize,
    lengths: &[usize],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { softmax_rows_avx2(part, first, len, per_text, lengths) };
    }
    kernels::softmax_rows(part, first, len, per_text, lengths)
}

pub(crate) fn bias_rows(part: &mut [f32], bias: &[f32], gelu: bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { bias_rows_avx2(part, bias, gelu) };
    }
    kernels::bias_rows(part, bias, gelu)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn softmax_rows_avx2(
    part: &mut [f32],
    first: usize,
    len: usize,
    per_text: usize,
    lengths: &[usize],
) {
    kernels::softmax_rows(part, first, len, per_text, lengths)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn bias_rows_avx2(part: &mut [f32], bias: &[f32], gelu: bool) {
    kernels::bias_rows(part, bias, gelu)
}

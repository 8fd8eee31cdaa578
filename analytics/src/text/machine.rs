//! The three places the encoder talks to the machine directly: glibc's allocator, the
//! CPU's vector width, and the matrix-product kernels of the `gemm` crate.
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

/// A read-only matrix view: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// `rows` by `cols`, stored row by row.
    pub(crate) fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// `rows` by `cols`, the transpose of a `cols` by `rows` matrix stored row by row.
    pub(crate) fn transposed(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, 1, rows)
    }

    /// Any layout. Panics if an element would fall outside `data`: the views are made by
    /// the encoder from its own buffers, so that is a bug, never bad input.
    pub(crate) fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        assert!(
            rows == 0
                || cols == 0
                || (rows - 1) * row_stride + (cols - 1) * col_stride < data.len(),
            "a {rows}x{cols} view with strides ({row_stride}, {col_stride}) overruns {} floats",
            data.len()
        );
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }
}

/// Threads the encoder's products and passes use: rayon's pool, which `gemm` uses too.
pub(crate) fn threads() -> usize {
    rayon::current_num_threads()
}

/// `dst = a b` (or `dst += a b` when `accumulate`), where `dst` is stored row by row
/// with rows `dst_stride` apart, on up to `threads` of rayon's threads.
///
/// `gemm` is the crate candle's CPU backend calls; called directly, the product can
/// accumulate onto a bias already in `dst` and read its operands in place through
/// strides. Its AVX-512 kernels are on (the `x86-v4` feature in Cargo.toml).
pub(crate) fn matmul(
    dst: &mut [f32],
    dst_stride: usize,
    a: Matrix<'_>,
    b: Matrix<'_>,
    accumulate: bool,
    threads: usize,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "inner dimensions differ");
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        n <= dst_stride && (m - 1) * dst_stride + n <= dst.len(),
        "a {m}x{n} product does not fit {} floats with rows {dst_stride} apart",
        dst.len()
    );
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    let stride = |s: usize| s as isize;
    // SAFETY: the asserts above and in `Matrix::strided` keep every element that gemm
    // reads or writes inside its slice; `dst` is borrowed mutably, so nothing else
    // aliases it. gemm computes dst := alpha*dst + beta*a*b, reading dst only when asked.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            stride(dst_stride),
            accumulate,
            a.data.as_ptr(),
            stride(a.col_stride),
            stride(a.row_stride),
            b.data.as_ptr(),
            stride(b.col_stride),
            stride(b.row_stride),
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// The kernels' loops are plain Rust that the compiler vectorises; built for the x86-64
/// baseline they get 4-lane SSE2. These run them compiled for AVX-512 (16 lanes) or AVX2
/// with FMA (8 lanes) when the CPU has it, and as built elsewhere.
macro_rules! widest {
    ($(fn $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        pub(crate) fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) {
                    kernels::$name($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) {
                    kernels::$name($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F, checked just above.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            kernels::$name($($arg),*)
        }
    )*};
}

widest! {
    fn softmax_rows(part: &mut [f32], len: usize);
    fn start_rows(part: &mut [f32], bias: &[f32], residual: Option<&[f32]>);
    fn gelu_in_place(part: &mut [f32]);
    fn layer_norm_rows(part: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a b` by the definition, for views of any layout.
    fn naive(a: Matrix<'_>, b: Matrix<'_>) -> Vec<f32> {
        let at = |m: &Matrix<'_>, i: usize, j: usize| m.data[i * m.row_stride + j * m.col_stride];
        let mut out = vec![0f32; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                out[i * b.cols + j] = (0..a.cols).map(|k| at(&a, i, k) * at(&b, k, j)).sum();
            }
        }
        out
    }

    fn numbers(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect()
    }

    #[test]
    fn products_through_strides_match_the_definition() {
        // a: 37x19 stored row by row; b: the transpose of a 23x19 matrix (a weight as
        // stored); both larger than one microkernel tile, odd sizes for the edges.
        let a_data = numbers(37 * 19, 1.0);
        let b_data = numbers(23 * 19, 2.0);
        let a = Matrix::rows(&a_data, 37, 19);
        let b = Matrix::transposed(&b_data, 19, 23);
        let want = naive(a, b);
        for threads in [1, 2] {
            let mut got = vec![f32::NAN; 37 * 23];
            matmul(&mut got, 23, a, b, false, threads);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{g} != {w}");
            }
        }
        // Accumulating adds onto what is there.
        let mut got = vec![1.5f32; 37 * 23];
        matmul(&mut got, 23, a, b, true, 2);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - (w + 1.5)).abs() < 1e-4, "{g} != {w} + 1.5");
        }
    }

    #[test]
    fn a_product_writes_only_its_columns_of_a_wider_destination() {
        // As attention writes one head's columns of the context: 5 rows of 4 columns,
        // at column 3 of rows 10 wide, reading b's rows 6 apart.
        let a_data = numbers(5 * 7, 3.0);
        let b_data = numbers(7 * 6, 4.0);
        let a = Matrix::rows(&a_data, 5, 7);
        let b = Matrix::strided(&b_data, 7, 4, 6, 1);
        let want = naive(a, b);
        let mut dst = [9.0f32; 5 * 10];
        matmul(&mut dst[3..], 10, a, b, false, 1);
        for (i, row) in dst.chunks(10).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                if (3..7).contains(&j) {
                    assert!((x - want[i * 4 + j - 3]).abs() < 1e-4);
                } else {
                    assert_eq!(x, 9.0, "row {i} column {j} was written");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "overruns")]
    fn a_view_past_its_slice_is_refused() {
        let data = [0f32; 10];
        let _ = Matrix::strided(&data, 3, 4, 4, 1);
    }

    #[test]
    fn the_dispatched_kernels_compute_what_the_plain_ones_do() {
        let gamma = numbers(48, 5.0);
        let beta = numbers(48, 6.0);
        let mut plain = numbers(48 * 3, 7.0);
        let mut fast = plain.clone();
        kernels::layer_norm_rows(&mut plain, &gamma, &beta, 1e-12);
        layer_norm_rows(&mut fast, &gamma, &beta, 1e-12);
        let mut plain_g = numbers(100, 8.0);
        let mut fast_g = plain_g.clone();
        kernels::gelu_in_place(&mut plain_g);
        gelu_in_place(&mut fast_g);
        for (p, f) in plain.iter().zip(&fast).chain(plain_g.iter().zip(&fast_g)) {
            assert!((p - f).abs() < 1e-5, "{p} != {f}");
        }
    }
}

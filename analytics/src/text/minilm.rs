//! The BERT encoder of all-MiniLM-L6-v2, arranged for CPU inference.
//!
//! It computes what Hugging Face's `BertModel` computes (post-norm layers, exact GELU,
//! absolute positions) for each text on its own, but works on a batch's tokens packed
//! end to end: no padding is stored or computed. Everything but attention works row by
//! row, so it runs over all the batch's tokens at once; attention runs text by text
//! over that text's rows.
//!
//! candle only loads the weights. The forward pass is plain `f32` buffers, matrix
//! products from the `gemm` crate (what candle itself calls) and the element-wise
//! kernels of `kernels.rs`. Profiling candle's own BERT, then this model on candle
//! tensors, showed what that buys:
//! - a bias (and the residual) is written into the output before the product, which
//!   then accumulates onto it: no pass adds a bias or a residual, and no output buffer
//!   is zeroed first;
//! - query, key and value are one product against their stacked weights, and the
//!   query's weights carry the 1/sqrt(head size) scale;
//! - attention reads each head's query, key and value in place from that product, and
//!   writes its context in place: no transposes or copies, no mask;
//! - attention products are small (a text's length by 32): they run one text per thread
//!   instead of splitting each small product across threads.

use super::machine::{self, Matrix};
use candle_core::{Result, Tensor, bail};
use candle_nn::VarBuilder;
use rayon::prelude::*;

/// The parts of the model's `config.json` the encoder uses.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: String,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
}

/// Rows per parallel task in the element-wise passes.
const ROWS_PER_TASK: usize = 64;

fn floats(t: &Tensor) -> Result<Vec<f32>> {
    t.flatten_all()?.to_vec1()
}

/// `y = x W^T + b` with `W` stored `[out, in]`, as in the checkpoint.
#[derive(Debug)]
struct Dense {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inp: usize,
    out: usize,
}

impl Dense {
    fn load(vb: VarBuilder, out: usize, inp: usize) -> Result<Self> {
        Ok(Self {
            weight: floats(&vb.get((out, inp), "weight")?)?,
            bias: vb.get(out, "bias")?.to_vec1()?,
            inp,
            out,
        })
    }

    /// `x [rows, in]` to `[rows, out]`, plus `residual [rows, out]` when given.
    fn forward(&self, x: &[f32], residual: Option<&[f32]>) -> Vec<f32> {
        let rows = x.len() / self.inp;
        let mut y = vec![0f32; rows * self.out];
        // The product accumulates onto the bias (and the residual) written first.
        y.par_chunks_mut(ROWS_PER_TASK * self.out)
            .enumerate()
            .for_each(|(t, part)| {
                let start = t * ROWS_PER_TASK * self.out;
                let res = residual.map(|r| &r[start..start + part.len()]);
                machine::start_rows(part, &self.bias, res);
            });
        machine::matmul(
            &mut y,
            self.out,
            Matrix::rows(x, rows, self.inp),
            // W^T: element (i, j) is W[j][i].
            Matrix::transposed(&self.weight, self.inp, self.out),
            true,
            machine::threads(),
        );
        y
    }
}

#[derive(Debug)]
struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            gamma: vb.get(size, "weight")?.to_vec1()?,
            beta: vb.get(size, "bias")?.to_vec1()?,
            eps: eps as f32,
        })
    }

    fn apply(&self, x: &mut [f32]) {
        let width = self.gamma.len();
        x.par_chunks_mut(ROWS_PER_TASK * width)
            .for_each(|part| machine::layer_norm_rows(part, &self.gamma, &self.beta, self.eps));
    }
}

#[derive(Debug)]
struct Layer {
    qkv: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
    output_norm: Norm,
}

impl Layer {
    fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        let h = c.hidden_size;
        let head = h / c.num_attention_heads;
        let scale = 1.0 / (head as f64).sqrt();
        let attention = vb.pp("attention");
        let own = attention.pp("self");
        let part = |name: &str| -> Result<(Tensor, Tensor)> {
            let vb = own.pp(name);
            Ok((vb.get((h, h), "weight")?, vb.get(h, "bias")?))
        };
        let (qw, qb) = part("query")?;
        let (kw, kb) = part("key")?;
        let (vw, vb_) = part("value")?;
        let qkv = Dense {
            weight: floats(&Tensor::cat(&[&(qw * scale)?, &kw, &vw], 0)?)?,
            bias: Tensor::cat(&[&(qb * scale)?, &kb, &vb_], 0)?.to_vec1()?,
            inp: h,
            out: 3 * h,
        };
        Ok(Self {
            qkv,
            attention_out: Dense::load(attention.pp("output").pp("dense"), h, h)?,
            attention_norm: Norm::load(
                attention.pp("output").pp("LayerNorm"),
                h,
                c.layer_norm_eps,
            )?,
            intermediate: Dense::load(vb.pp("intermediate").pp("dense"), c.intermediate_size, h)?,
            output: Dense::load(vb.pp("output").pp("dense"), h, c.intermediate_size)?,
            output_norm: Norm::load(vb.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
        })
    }

    /// `x [tokens, hidden]`, the texts' rows end to end, to the same shape.
    fn forward(&self, x: &[f32], texts: &[usize], heads: usize) -> Vec<f32> {
        let hidden = self.attention_out.out;
        let qkv = self.qkv.forward(x, None);
        let context = attend(&qkv, texts, heads, hidden);
        let mut attended = self.attention_out.forward(&context, Some(x));
        self.attention_norm.apply(&mut attended);
        let mut inner = self.intermediate.forward(&attended, None);
        let width = self.intermediate.out;
        inner
            .par_chunks_mut(ROWS_PER_TASK * width)
            .for_each(machine::gelu_in_place);
        let mut out = self.output.forward(&inner, Some(&attended));
        self.output_norm.apply(&mut out);
        out
    }
}

/// Self-attention of each text over its own rows. `qkv [tokens, 3 * hidden]` holds each
/// token's query, key and value side by side, each split into `heads` heads; the result
/// is each token's context `[tokens, hidden]`, heads side by side.
fn attend(qkv: &[f32], texts: &[usize], heads: usize, hidden: usize) -> Vec<f32> {
    let head = hidden / heads;
    let stride = 3 * hidden;
    let mut context = vec![0f32; qkv.len() / 3];
    // Each text owns a contiguous run of rows of `context`: one task per text.
    let mut parts = Vec::with_capacity(texts.len());
    let mut rest = context.as_mut_slice();
    let mut first = 0;
    for &len in texts {
        let (part, tail) = rest.split_at_mut(len * hidden);
        parts.push((first, len, part));
        rest = tail;
        first += len;
    }
    parts
        .into_par_iter()
        .for_each_init(Vec::new, |scores, (first, len, out)| {
            let rows = &qkv[first * stride..(first + len) * stride];
            scores.clear();
            scores.resize(len * len, 0.0);
            for h in 0..heads {
                let q = &rows[h * head..];
                let k = &rows[hidden + h * head..];
                let v = &rows[2 * hidden + h * head..];
                // scores = q k^T, [len, len]
                machine::matmul(
                    scores,
                    len,
                    Matrix::strided(q, len, head, stride, 1),
                    Matrix::strided(k, head, len, 1, stride),
                    false,
                    1,
                );
                machine::softmax_rows(scores, len);
                // this head's columns of the context = scores v
                machine::matmul(
                    &mut out[h * head..],
                    hidden,
                    Matrix::rows(scores, len, len),
                    Matrix::strided(v, len, head, stride, 1),
                    false,
                    1,
                );
            }
        });
    context
}

/// The encoder: token ids in, one vector per token out.
#[derive(Debug)]
pub struct MiniLm {
    /// `[vocab, hidden]`.
    words: Vec<f32>,
    /// `[max_len, hidden]`, with token type 0's embedding added (every input is a single
    /// segment).
    positions: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    heads: usize,
    hidden: usize,
    vocab: usize,
    max_len: usize,
}

impl MiniLm {
    /// Loads the weights of a Hugging Face `BertModel` (names with or without `bert.`).
    pub fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        if c.hidden_act != "gelu" {
            bail!(
                "hidden_act {:?} is not supported (only BERT's exact \"gelu\")",
                c.hidden_act
            );
        }
        if c.num_attention_heads == 0 || !c.hidden_size.is_multiple_of(c.num_attention_heads) {
            bail!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                c.hidden_size,
                c.num_attention_heads
            );
        }
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let e = vb.pp("embeddings");
        let h = c.hidden_size;
        let layers = (0..c.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), c))
            .collect::<Result<Vec<_>>>()?;
        let segment = e
            .get((c.type_vocab_size, h), "token_type_embeddings.weight")?
            .narrow(0, 0, 1)?;
        let positions = e
            .get((c.max_position_embeddings, h), "position_embeddings.weight")?
            .broadcast_add(&segment)?;
        Ok(Self {
            words: floats(&e.get((c.vocab_size, h), "word_embeddings.weight")?)?,
            positions: floats(&positions)?,
            embedding_norm: Norm::load(e.pp("LayerNorm"), h, c.layer_norm_eps)?,
            layers,
            heads: c.num_attention_heads,
            hidden: h,
            vocab: c.vocab_size,
            max_len: c.max_position_embeddings,
        })
    }

    /// Width of a token's vector.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// The token ids of each text, to one row of `hidden` numbers per token: the texts'
    /// rows end to end, in the order given.
    pub fn forward(&self, texts: &[Vec<u32>]) -> Result<Vec<f32>> {
        let h = self.hidden;
        let lengths: Vec<usize> = texts.iter().map(Vec::len).collect();
        if let Some(&len) = lengths.iter().find(|&&l| l > self.max_len) {
            bail!("{len} tokens is more than the model's {}", self.max_len);
        }
        let mut x = Vec::with_capacity(lengths.iter().sum::<usize>() * h);
        for ids in texts {
            for (position, &id) in ids.iter().enumerate() {
                let id = id as usize;
                if id >= self.vocab {
                    bail!("token id {id} is outside the vocabulary of {}", self.vocab);
                }
                let word = &self.words[id * h..(id + 1) * h];
                let place = &self.positions[position * h..(position + 1) * h];
                x.extend(word.iter().zip(place).map(|(w, p)| w + p));
            }
        }
        self.embedding_norm.apply(&mut x);
        for layer in &self.layers {
            x = layer.forward(&x, &lengths, self.heads);
        }
        Ok(x)
    }
}

/// Mean of each text's token vectors, scaled to unit length (sentence-transformers'
/// mean pooling and normalisation). `hidden` holds the texts' rows end to end.
pub fn mean_pool_normalized(hidden: &[f32], width: usize, lengths: &[usize]) -> Vec<Vec<f32>> {
    let mut first = 0;
    lengths
        .iter()
        .map(|&len| {
            let rows = &hidden[first * width..(first + len) * width];
            first += len;
            let mut mean = vec![0f32; width];
            for row in rows.chunks_exact(width) {
                for (m, x) in mean.iter_mut().zip(row) {
                    *m += x;
                }
            }
            let count = len.max(1) as f32;
            mean.iter_mut().for_each(|m| *m /= count);
            let norm = mean.iter().map(|m| m * m).sum::<f32>().sqrt().max(1e-12);
            mean.iter_mut().for_each(|m| *m /= norm);
            mean
        })
        .collect()
}

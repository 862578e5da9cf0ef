"""Lazy access to PyTorch and the small pieces every torch learner shares.

Nothing here imports torch at module import: :func:`require_torch` does, on
first use, with an error that says how to install it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?|mps)$")


def torch_available() -> bool:
    """Whether PyTorch can be imported (checked without importing it)."""
    if "torch" in sys.modules:
        return sys.modules["torch"] is not None
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def require_torch() -> Any:
    """The ``torch`` module, or an ImportError that says how to get it."""
    try:
        import torch
    except ImportError as e:  # pragma: no cover - exercised only without torch
        raise ImportError(
            "streamlearn.nn needs PyTorch, which is not installed. Install it with "
            "`pip install 'streamlearn[deep]'` (or `pip install torch`)."
        ) from e
    return torch


def valid_device(spec: Any) -> bool:
    return isinstance(spec, str) and bool(_DEVICE.match(spec))


def resolve_device(spec: str) -> Any:
    """``"auto"``: CUDA when available, else CPU; otherwise the named device."""
    torch = require_torch()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(spec)


def use_threads(n: int | None) -> None:
    """Set torch's (process-wide) intra-op thread count to ``n`` when it differs."""
    if n is not None:
        torch = require_torch()
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)


@contextmanager
def rng_scope(state: Any) -> Iterator[list[Any]]:
    """Run with the global CPU generator set to ``state``; yields ``[new_state]`` afterwards.

    Module initialisation, dropout and noise draw from torch's global
    generator; swapping a learner's own state in and out keeps them
    reproducible per learner without disturbing the caller's generator.
    """
    torch = require_torch()
    saved = torch.get_rng_state()
    torch.set_rng_state(state)
    box = [state]
    try:
        yield box
    finally:
        box[0] = torch.get_rng_state()
        torch.set_rng_state(saved)


@contextmanager
def quiet_rng() -> Iterator[None]:
    """Run without touching any generator state (a fixed seed inside, restored after)."""
    torch = require_torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield

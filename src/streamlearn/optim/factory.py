"""Build an optimiser from a learner's ``optimizer`` string and settings.

>>> from streamlearn.optim import make_optimizer
>>> make_optimizer("adam", lr=None, l1=0.0, l2=0.0, params={"beta1": 0.8})
Adam(lr=0.1, beta1=0.8, beta2=0.999, eps=1e-08)
>>> make_optimizer("ftrl", lr=0.2, l1=1.0, l2=0.5, params=None)
FTRLProximal(alpha=0.2, beta=1.0, l1=1.0, l2=0.5)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streamlearn.base.errors import InvalidParameterError
from streamlearn.optim.adam import Adam
from streamlearn.optim.base import Optimizer
from streamlearn.optim.ftrl import FTRLProximal
from streamlearn.optim.sgd import SGD

#: The learners' ``optimizer`` names.
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "ftrl": FTRLProximal}

#: Step size used when a learner's ``lr`` is None (River's defaults for each optimiser).
DEFAULT_LR = {"sgd": 0.01, "adam": 0.1, "ftrl": 0.05}

#: Settings a learner's ``optimizer_params`` may hold, per optimiser (the
#: step size and, for FTRL, ``l1``/``l2`` come from the learner's own parameters).
EXTRA_PARAMS = {"sgd": (), "adam": ("beta1", "beta2", "eps"), "ftrl": ("beta",)}


def make_optimizer(
    name: str,
    lr: float | None,
    l1: float,
    l2: float,
    params: Mapping[str, Any] | None,
    owner: str = "the learner",
) -> Optimizer:
    """The optimiser ``name`` with step size ``lr`` (None: its default) and extra ``params``.

    For ``"ftrl"``, ``lr`` is FTRL's ``alpha`` and ``l1``/``l2`` are its own
    penalties. Raises :class:`InvalidParameterError` for an unknown name or
    setting, or a value out of range.
    """
    if name not in OPTIMIZERS:
        raise InvalidParameterError(
            f"The 'optimizer' parameter of {owner} must be one of {', '.join(map(repr, OPTIMIZERS))}. "
            f"Got {name!r}."
        )
    extra = dict(params or {})
    allowed = EXTRA_PARAMS[name]
    unknown = [k for k in extra if k not in allowed]
    if unknown:
        raise InvalidParameterError(
            f"The 'optimizer_params' parameter of {owner} has unknown setting {unknown[0]!r} for "
            f"optimizer {name!r}. Allowed settings: {', '.join(allowed) or '(none)'}."
        )
    step = DEFAULT_LR[name] if lr is None else lr
    if name == "ftrl":
        return FTRLProximal(alpha=step, l1=l1, l2=l2, **extra)
    return OPTIMIZERS[name](lr=step, **extra)  # type: ignore[call-arg]

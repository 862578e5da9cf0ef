"""Parameter rules and test settings shared by the ready-made torch learners."""

from __future__ import annotations

from typing import Any

from streamlearn.base.params import NONE, Interval, OneOf, Rule, Satisfies

ACTIVATIONS = ("relu", "tanh", "gelu", "sigmoid", "leaky_relu", "elu")


def _widths(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return v >= 1
    return isinstance(v, (list, tuple)) and all(
        isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in v
    )


HIDDEN = Satisfies(_widths, "a positive int or a list of positive ints")
LAYERS = Interval(int, 0, None)
POSITIVE = Interval(int, 1, None)
ACTIVATION = OneOf(*ACTIVATIONS)
DROPOUT = Interval(float, 0, 1, open_high=True)
CELL = OneOf("lstm", "gru")

MLP_RULES: dict[str, Rule] = {
    "hidden": HIDDEN,
    "n_layers": LAYERS,
    "activation": ACTIVATION,
    "dropout": DROPOUT,
}
RNN_RULES: dict[str, Rule] = {
    "cell": CELL,
    "hidden": POSITIVE,
    "n_layers": POSITIVE,
    "dropout": DROPOUT,
    "bptt": NONE | POSITIVE,
}


def hidden_value(v: Any) -> Any:
    """A list of widths as the module takes it (lists and tuples alike)."""
    return list(v) if isinstance(v, (list, tuple)) else v


def available() -> bool:
    from streamlearn.nn._torch import torch_available

    return torch_available()

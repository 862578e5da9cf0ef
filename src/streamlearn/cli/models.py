"""``streamlearn models``: every registered learner with its parameters and defaults."""

from __future__ import annotations

import inspect
from typing import Any

from rich.console import Console
from rich.table import Table

from streamlearn.base.registry import registry


def describe() -> list[dict[str, Any]]:
    """One entry per learner: name, class, task and ``{parameter: default}``.

    >>> any(d["name"] == "gaussian_nb" for d in describe())
    True
    """
    out = []
    for name, cls in registry().items():
        sig = inspect.signature(cls)
        params = {
            p.name: (None if p.default is inspect.Parameter.empty else p.default)
            for p in sig.parameters.values()
            if p.name != "self"
        }
        task = cls.task if isinstance(cls.task, str) else "that of its last step"
        out.append({"name": name, "class": cls.__name__, "task": task, "params": params})
    return out


def run_models() -> int:
    table = Table(title="streamlearn models")
    for col in ("name", "class", "task", "parameters (defaults)"):
        table.add_column(col)
    for d in describe():
        params = ", ".join(f"{k}={v!r}" for k, v in d["params"].items())
        table.add_row(str(d["name"]), str(d["class"]), str(d["task"]), params)
    Console().print(table)
    return 0

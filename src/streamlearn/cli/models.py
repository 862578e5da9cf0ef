"""``streamlearn models``: every registered learner with its parameters and defaults."""

from __future__ import annotations

import inspect
import json
from typing import Any

from rich.console import Console

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


def run_models(as_json: bool = False) -> int:
    entries = describe()
    if as_json:
        print(json.dumps(entries, default=repr))
        return 0
    console = Console(soft_wrap=True)
    for d in entries:
        console.print(f"[bold]{d['name']}[/]  ({d['class']}, {d['task']})", highlight=False)
        params = ", ".join(f"{k}={v!r}" for k, v in d["params"].items())
        console.print(f"    {params or '(no parameters)'}", highlight=False, markup=False)
    return 0

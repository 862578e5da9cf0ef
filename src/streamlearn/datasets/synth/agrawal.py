"""Agrawal loan-applicant stream (Agrawal, Imielinski & Swami, 1993).

Nine features: ``salary`` U[20k, 150k); ``commission`` 0 when salary >= 75k,
else U[10k, 75k); ``age`` integer U{20..80}; ``elevel`` U{0..4}; ``car``
U{1..20}; ``zipcode`` U{0..8}; ``hvalue`` = (9 - zipcode) * 100k * U[0.5,
1.5); ``hyears`` U{1..30}; ``loan`` U[0, 500k). ``elevel``, ``car`` and
``zipcode`` are categorical, their categories registered in increasing
order (codes: elevel and zipcode = value, car = value - 1). The label is 1
("group B") or 0 ("group A") by one of the ten classification functions of
the paper (numbered 0-9 here; the definitions follow MOA's
``AgrawalGenerator``):

0. age < 40 or age >= 60 -> A.
1. age bands (<40, 40-59, >=60) with salary ranges [50k,100k], [75k,125k], [25k,75k] -> A.
2. age bands with elevel in {0,1}, {1,2,3}, {2,3,4} -> A.
3. age bands with elevel choosing between two salary ranges -> A.
4. age bands with salary choosing between two loan ranges -> A.
5. age bands with salary + commission ranges as in 1 -> A.
6. 2/3 (salary + commission) - loan/5 - 20k > 0 -> A.
7. 2/3 (salary + commission) - 5k elevel - 20k > 0 -> A.
8. 2/3 (salary + commission) - 5k elevel - loan/5 - 10k > 0 -> A.
9. 2/3 (salary + commission) - 5k elevel + equity/5 - 10k > 0 -> A, with
   equity = hvalue (hyears - 20) / 10 when hyears >= 20, else 0.

``perturbation`` p adds uniform noise of ±p times the range to salary,
commission (when > 0), age, hvalue, hyears and loan after labelling
(clipped to the range; age and hyears rounded), as MOA does.

Parameters
----------
n_rows
    Length of the stream.
function
    The initial classification function, 0-9.
perturbation
    Fraction of each numeric range used as noise (0: none).
drifts
    ``[(position, function, width), ...]`` (width 0: abrupt; > 0: gradual).
seed
    Same seed, same stream (independent of ``batch_size``).
batch_size
    Rows per batch.

>>> from streamlearn.datasets.synth import Agrawal
>>> x, y = next(iter(Agrawal(n_rows=1, seed=3).records()))
>>> y == int(40 <= x["age"] < 60)
True

References
----------
R. Agrawal, T. Imielinski, A. Swami. Database mining: a performance
perspective. IEEE Transactions on Knowledge and Data Engineering 5(6), 1993,
pp. 914-925. MOA, ``moa.streams.generators.AgrawalGenerator``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.datasets.synth.base import FEATURES, NOISE, Synthetic, concept_rows
from streamlearn.streams.dataset import Block

COLUMNS = ["salary", "commission", "age", "elevel", "car", "zipcode", "hvalue", "hyears", "loan"]


def _between(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (lo <= x) & (x <= hi)


def _bands(age: np.ndarray, young: np.ndarray, middle: np.ndarray, old: np.ndarray) -> np.ndarray:
    return np.where(age < 40, young, np.where(age < 60, middle, old))


def group_a(f: int, v: dict[str, np.ndarray]) -> np.ndarray:
    """Whether each row is in group A (label 0) under classification function ``f``."""
    salary, commission, age, elevel = v["salary"], v["commission"], v["age"], v["elevel"]
    hvalue, hyears, loan = v["hvalue"], v["hyears"], v["loan"]
    if f == 0:
        return (age < 40) | (age >= 60)
    if f == 1:
        return _bands(
            age, _between(salary, 50e3, 100e3), _between(salary, 75e3, 125e3), _between(salary, 25e3, 75e3)
        )
    if f == 2:
        return _bands(age, elevel <= 1, (elevel >= 1) & (elevel <= 3), elevel >= 2)
    if f == 3:
        return _bands(
            age,
            np.where(elevel <= 1, _between(salary, 25e3, 75e3), _between(salary, 50e3, 100e3)),
            np.where(
                (elevel >= 1) & (elevel <= 3), _between(salary, 50e3, 100e3), _between(salary, 75e3, 125e3)
            ),
            np.where(elevel >= 2, _between(salary, 50e3, 100e3), _between(salary, 25e3, 75e3)),
        )
    if f == 4:
        return _bands(
            age,
            np.where(
                _between(salary, 50e3, 100e3), _between(loan, 100e3, 300e3), _between(loan, 200e3, 400e3)
            ),
            np.where(
                _between(salary, 75e3, 125e3), _between(loan, 200e3, 400e3), _between(loan, 300e3, 500e3)
            ),
            np.where(
                _between(salary, 25e3, 75e3), _between(loan, 300e3, 500e3), _between(loan, 100e3, 300e3)
            ),
        )
    total = salary + commission
    if f == 5:
        return _bands(
            age, _between(total, 50e3, 100e3), _between(total, 75e3, 125e3), _between(total, 25e3, 75e3)
        )
    if f == 6:
        return 2.0 * total / 3.0 - loan / 5.0 - 20e3 > 0
    if f == 7:
        return 2.0 * total / 3.0 - 5e3 * elevel - 20e3 > 0
    if f == 8:
        return 2.0 * total / 3.0 - 5e3 * elevel - loan / 5.0 - 10e3 > 0
    equity = np.where(hyears >= 20, hvalue * (hyears - 20.0) / 10.0, 0.0)
    return 2.0 * total / 3.0 - 5e3 * elevel + equity / 5.0 - 10e3 > 0


class Agrawal(Synthetic):
    """Agrawal loan-applicant stream with ten classification functions."""

    _rules: ClassVar[dict[str, Rule]] = {"perturbation": Interval(float, 0.0, 1.0)}
    n_concepts = 10
    short_name = "agrawal"

    def __init__(
        self,
        n_rows: int = 100_000,
        function: int = 0,
        perturbation: float = 0.0,
        drifts: Iterable[Sequence[int]] | None = None,
        seed: int = 42,
        batch_size: int = 1000,
    ):
        self.function = function
        self.perturbation = perturbation
        super().__init__(n_rows, seed, function, drifts, batch_size)

    def _make_schema(self) -> Schema:
        kinds = {"elevel": CAT, "car": CAT, "zipcode": CAT}
        return Schema(
            [(c, kinds.get(c, NUM)) for c in COLUMNS],
            categories={"elevel": list(range(5)), "car": list(range(1, 21)), "zipcode": list(range(9))},
        )

    def _chunk(self, start: int, n: int, concepts: np.ndarray, k: int, state: dict[str, Any]) -> Block:
        rng = self.rng(k, FEATURES)
        u = rng.random((n, 6))
        ints = rng.integers(0, 2**31, size=(n, 5))
        salary = 20e3 + 130e3 * u[:, 0]
        commission = np.where(salary >= 75e3, 0.0, 10e3 + 65e3 * u[:, 1])
        age = 20 + ints[:, 0] % 61
        elevel = ints[:, 1] % 5
        car = 1 + ints[:, 2] % 20
        zipcode = ints[:, 3] % 9
        hvalue = (9.0 - zipcode) * 100e3 * (0.5 + u[:, 2])
        hyears = 1 + ints[:, 4] % 30
        loan = 500e3 * u[:, 3]
        v = {
            "salary": salary,
            "commission": commission,
            "age": age.astype(np.float64),
            "elevel": elevel,
            "hvalue": hvalue,
            "hyears": hyears.astype(np.float64),
            "loan": loan,
        }
        y = np.empty(n, dtype=np.int64)
        for f, rows in concept_rows(concepts):
            y[rows] = ~group_a(f, {key: a[rows] for key, a in v.items()})
        p = self.perturbation
        if p > 0:
            noise = self.rng(k, NOISE).random((n, 6)) * 2.0 - 1.0
            salary = np.clip(salary + 130e3 * p * noise[:, 0], 20e3, 150e3)
            commission = np.where(
                commission > 0, np.clip(commission + 65e3 * p * noise[:, 1], 10e3, 75e3), 0.0
            )
            age = np.clip(np.round(age + 60 * p * noise[:, 2]), 20, 80)
            base = (9.0 - zipcode) * 100e3
            hvalue = np.clip(hvalue + base * p * noise[:, 3], 0.5 * base, 1.5 * base)
            hyears = np.clip(np.round(hyears + 29 * p * noise[:, 4]), 1, 30)
            loan = np.clip(loan + 500e3 * p * noise[:, 5], 0.0, 500e3)
        X = np.column_stack([salary, commission, age, elevel, car - 1, zipcode, hvalue, hyears, loan]).astype(
            np.float64
        )
        return X, y

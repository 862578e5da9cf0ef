"""FTRL-Proximal: follow the (proximally) regularised leader.

Per weight, with gradient ``g`` (McMahan et al. 2013, algorithm 1)::

    sigma = (sqrt(n + g**2) - sqrt(n)) / alpha
    z <- z + g - sigma * w
    n <- n + g**2
    w  = 0                                                    if |z| <= l1
       = -(z - sign(z) * l1) / ((beta + sqrt(n)) / alpha + l2)  otherwise

The weight is recomputed from ``z`` and ``n`` right after each update, so a
prediction always uses the closed form of the current state (as the paper's
lazy evaluation does). L1 gives exact zeros. State per weight: ``z``, ``n``.

Unlike River's ``FTRLProximal`` (which computes the weight from ``z`` and
``n`` *before* folding in the new gradient and leaves a weight unchanged when
``|z| <= l1``), this follows the paper exactly.

>>> import numpy as np
>>> from streamlearn.optim import FTRLProximal
>>> opt = FTRLProximal(alpha=0.5, beta=1.0, l1=0.5, l2=0.0)
>>> w = np.zeros(2)
>>> state = opt.init_state(w.shape)
>>> opt.step(w, np.array([0.25, -2.0]), state)
1
>>> w  # the first gradient is within l1: exact zero
array([0.  , 0.25])

References
----------
McMahan, H.B., Holt, G., Sculley, D., et al., 2013. Ad click prediction: a
view from the trenches. KDD, pp.1222-1230.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from streamlearn.base.params import Interval, Rule
from streamlearn.optim import kernels
from streamlearn.optim.base import Optimizer


class FTRLProximal(Optimizer):
    """FTRL-Proximal optimiser with L1 and L2 penalties.

    Parameters
    ----------
    alpha
        Learning-rate scale (River's default: 0.05).
    beta
        Learning-rate smoothing (River's default: 1.0).
    l1
        L1 penalty: weights whose ``|z| <= l1`` are exactly 0.
    l2
        L2 penalty (River's ``FTRLProximal`` defaults to 1.0; the learners
        pass their own ``l2``, default 0).
    """

    name = "ftrl"
    kind = kernels.FTRL
    n_slots = 2
    _param_rules: ClassVar[dict[str, Rule]] = {
        "alpha": Interval(float, 0, None, open_low=True),
        "beta": Interval(float, 0, None),
        "l1": Interval(float, 0, None),
        "l2": Interval(float, 0, None),
    }

    def __init__(self, alpha: float = 0.05, beta: float = 1.0, l1: float = 0.0, l2: float = 1.0):
        self.alpha = alpha
        self.beta = beta
        self.l1 = l1
        self.l2 = l2
        self._validate_params()

    def hyper(self) -> np.ndarray:
        return np.array([self.alpha, self.beta, self.l1, self.l2], dtype=np.float64)

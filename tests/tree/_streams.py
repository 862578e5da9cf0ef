"""Test streams shared by the tree and ensemble tests."""

import numpy as np


def drifting_records(n=3000, seed=3, period=600):
    """Numeric and categorical features, 5% missing; the concept flips every `period` rows."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        f = rng.random(3)
        x = {"f0": f[0], "f1": f[1] * 10, "proto": ["tcp", "udp", "icmp"][int(rng.integers(3))]}
        if i >= n // 3:
            x["late"] = float(rng.random())
        for key in list(x):
            if rng.random() < 0.05:
                del x[key]
        phase = (i // period) % 3
        if phase == 0:
            y = "attack" if f[0] > 0.6 else "normal"
        elif phase == 1:
            y = "attack" if f[1] < 0.4 else "normal"
        else:
            y = "attack" if (f[0] > 0.5) != (x.get("proto") == "tcp") else "normal"
        if rng.random() < 0.05:
            y = "scan"
        rows.append(x)
        labels.append(y)
    return rows, labels

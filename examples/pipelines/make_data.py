"""Write the small synthetic network-flow streams the example pipelines read.

    python examples/pipelines/make_data.py        # rewrites examples/pipelines/data/*.jsonl

Each flow has an id, an event time, a protocol, a port, byte and packet
counts and a duration; ``attack`` is true for flows that look like a scan or
a flood (many packets, few bytes, odd ports), with 3% label noise. About 1%
of the lines are bad on purpose (malformed JSON, a text where a number
belongs, a missing label), to show the dead letters. The output is the same
on every run (seeded).

* ``flows.jsonl``: features and label in each record;
* ``flows_delayed.jsonl``: each flow without its label, and the label
  (``{"id": ..., "attack": ...}``) 200 records later, in the same stream;
* ``flows_features.jsonl`` + ``flows_labels.jsonl``: the same, as two streams.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

N = 2000
DELAY = 200
OUT = Path(__file__).parent / "data"


def flows(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    t = 1_735_689_600.0  # 2025-01-01T00:00:00Z
    for i in range(N):
        t += rng.expovariate(20.0)
        attack = rng.random() < 0.3
        proto = rng.choice(["tcp", "tcp", "udp", "icmp"])
        if attack:
            packets = rng.randint(50, 400)
            bytes_in = packets * rng.randint(40, 80)
            port = rng.choice([22, 23, 445, 3389, rng.randint(1024, 65535)])
            duration = round(rng.uniform(0.0, 0.5), 3)
        else:
            packets = rng.randint(2, 60)
            bytes_in = packets * rng.randint(200, 1400)
            port = rng.choice([80, 443, 53, 123, 443])
            duration = round(rng.uniform(0.1, 30.0), 3)
        if rng.random() < 0.03:
            attack = not attack
        out.append(
            {
                "id": i,
                "ts": round(t, 3),
                "proto": proto,
                "port": port,
                "packets": packets,
                "bytes": bytes_in,
                "duration": duration,
                "attack": attack,
            }
        )
    return out


def bad_line(i: int) -> str:
    kind = i % 3
    if kind == 0:
        return f'{{"id": {10_000 + i}, "proto": "tcp", "port": 80'  # malformed JSON
    if kind == 1:
        return json.dumps({"id": 10_000 + i, "proto": "tcp", "port": "http", "packets": 3, "attack": False})
    return json.dumps({"id": 10_000 + i, "proto": "udp", "port": 53, "packets": 2, "bytes": 90})  # no label


def main() -> None:
    OUT.mkdir(exist_ok=True)
    records = flows()
    lines = []
    for i, r in enumerate(records):
        lines.append(json.dumps(r))
        if i % 97 == 50:
            lines.append(bad_line(i))
    (OUT / "flows.jsonl").write_text("\n".join(lines) + "\n")
    delayed, features, labels = [], [], []
    for i, r in enumerate(records):
        x = {k: v for k, v in r.items() if k != "attack"}
        delayed.append(json.dumps(x))
        features.append(json.dumps(x))
        if i >= DELAY:
            old = records[i - DELAY]
            delayed.append(json.dumps({"id": old["id"], "attack": old["attack"]}))
        labels.append(json.dumps({"id": r["id"], "ts": r["ts"], "attack": r["attack"]}))
    for old in records[N - DELAY :]:
        delayed.append(json.dumps({"id": old["id"], "attack": old["attack"]}))
    (OUT / "flows_delayed.jsonl").write_text("\n".join(delayed) + "\n")
    (OUT / "flows_features.jsonl").write_text("\n".join(features) + "\n")
    (OUT / "flows_labels.jsonl").write_text("\n".join(labels) + "\n")


if __name__ == "__main__":
    main()

"""NSL-KDD network intrusion data (Tavallaee et al., 2009).

Files in ``$STREAMLEARN_DATA/nsl-kdd/``: ``KDDTrain+.txt.gz`` (125,973
rows), ``KDDTest+.txt`` (22,544) and ``KDDTest-21.txt`` (11,850); no header.
Columns 1-41 are the KDD'99 connection features named in :data:`FEATURES`
(``protocol_type``, ``service`` and ``flag`` categorical, the rest numeric),
column 42 the label (an attack name or ``normal``), column 43 the difficulty
level, which is dropped. Rows are read in file order.

Labels (``labels=``):

* ``"binary"`` (default): ``True`` for an attack, ``False`` for ``normal``
  (``y = label != "normal"``);
* ``"5class"``: ``"normal"``, ``"DoS"``, ``"Probe"``, ``"R2L"`` or ``"U2R"``
  by the usual KDD'99 grouping of attack names (:data:`ATTACK_CATEGORY`,
  which also covers the attacks found only in the test files); a name it
  does not know maps to ``"unknown"``;
* ``"raw"``: the attack name as written in the file.

Reference: M. Tavallaee, E. Bagheri, W. Lu, A. A. Ghorbani. A detailed
analysis of the KDD CUP 99 data set. IEEE CISDA 2009.

>>> import numpy as np
>>> attack_category(np.array(["normal", "neptune", "mscan", "worm", "xterm", "new"], dtype=object)).tolist()
['normal', 'DoS', 'Probe', 'R2L', 'U2R', 'unknown']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streamlearn.base.errors import InvalidParameterError
from streamlearn.datasets.base import data_file
from streamlearn.streams.csv_reader import read_csv
from streamlearn.streams.dataset import Dataset

FEATURES = [
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
    "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
    "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
    "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
    "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
    "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
    "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
    "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
]  # fmt: skip
CATEGORICAL = ["protocol_type", "service", "flag"]
NUMERIC = [f for f in FEATURES if f not in CATEGORICAL]

_CATEGORIES = {
    "DoS": "apache2 back land mailbomb neptune pod processtable smurf teardrop udpstorm",
    "Probe": "ipsweep mscan nmap portsweep saint satan",
    "R2L": (
        "ftp_write guess_passwd httptunnel imap multihop named phf sendmail snmpgetattack snmpguess "
        "spy warezclient warezmaster worm xlock xsnoop"
    ),
    "U2R": "buffer_overflow loadmodule perl ps rootkit sqlattack xterm",
}
#: Attack name -> category (``normal`` -> ``normal``).
ATTACK_CATEGORY: dict[str, str] = {"normal": "normal"} | {
    name: cat for cat, names in _CATEGORIES.items() for name in names.split()
}

SPLITS = {"train": "KDDTrain+.txt.gz", "test": "KDDTest+.txt", "test-21": "KDDTest-21.txt"}
LABELS = ("binary", "5class", "raw")


def is_attack(labels: np.ndarray) -> np.ndarray:
    """``True`` where the raw label is not ``"normal"``."""
    return np.asarray(labels != "normal", dtype=bool)


def attack_category(labels: np.ndarray) -> np.ndarray:
    """Raw labels to their category (``"unknown"`` for names not in :data:`ATTACK_CATEGORY`)."""
    values, inverse = np.unique(labels.astype(str), return_inverse=True)
    mapped = np.array([ATTACK_CATEGORY.get(v, "unknown") for v in values.tolist()], dtype=object)
    return mapped[inverse.reshape(-1)]


def label_view(ds: Dataset, labels: str) -> Dataset:
    """The dataset with its raw labels mapped as ``labels`` says (binary, 5class, raw)."""
    if labels == "binary":
        return ds.map_target(is_attack)
    if labels == "5class":
        return ds.map_target(attack_category)
    if labels == "raw":
        return ds
    raise InvalidParameterError(f"labels must be one of {', '.join(map(repr, LABELS))}. Got {labels!r}.")


def read_kdd(path: Path, name: str, labels: str, batch_size: int, header: bool) -> Dataset:
    """A file in the NSL-KDD layout (with or without header and difficulty column)."""
    names = [*FEATURES, "label"] if header else [*FEATURES, "label", "difficulty"]
    ds = read_csv(
        path,
        target="label",
        batch_size=batch_size,
        header=header,
        names=names,
        delimiter=",",
        categorical=[*CATEGORICAL, "label"],
        numeric=NUMERIC,
        drop=None if header else ["difficulty"],
        name=name,
    )
    return label_view(ds, labels)


def nsl_kdd(split: str = "train", labels: str = "binary", batch_size: int = 1000) -> Dataset:
    """NSL-KDD ``split`` ("train", "test" or "test-21") with ``labels`` "binary", "5class" or "raw"."""
    if split not in SPLITS:
        raise InvalidParameterError(f"split must be one of {', '.join(map(repr, SPLITS))}. Got {split!r}.")
    if labels not in LABELS:
        raise InvalidParameterError(f"labels must be one of {', '.join(map(repr, LABELS))}. Got {labels!r}.")
    name = "nsl-kdd" if split == "train" else f"nsl-kdd-{split}"
    return read_kdd(data_file("nsl-kdd", SPLITS[split]), name, labels, batch_size, header=False)

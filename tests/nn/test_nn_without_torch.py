"""Without torch: streamlearn and its registry work, the nn learners say what to install."""

import subprocess
import sys

SCRIPT = """
import sys
sys.modules["torch"] = None  # as if torch were not installed
import streamlearn
from streamlearn.base.registry import registry
names = registry()
assert "mlp_classifier" in names and "rnn_forecaster" in names
assert list(names["mlp_classifier"]._unit_test_params()) == []  # the check suite skips them
from streamlearn.nn import MLPClassifier
m = MLPClassifier(hidden=8)  # parameters are checked without torch
try:
    m.learn_one({"a": 1.0}, "x")
except ImportError as e:
    assert "pip install" in str(e), e
else:
    raise AssertionError("learning without torch did not raise ImportError")
print("ok")
"""


def test_streamlearn_works_without_torch():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_importing_the_registry_does_not_import_torch():
    code = (
        "import sys, streamlearn; streamlearn.registry(); import streamlearn.nn;print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"

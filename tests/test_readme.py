"""The Python example in the README runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(tmp_path)
    from streamlearn.datasets import data_dir

    try:
        data_dir()
    except Exception as e:  # the example reads Elec2 from the shared data folder
        pytest.skip(f"shared data not available: {e}")
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})

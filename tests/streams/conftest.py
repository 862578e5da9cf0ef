"""Fixtures for the reader tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def shared_data():
    """The shared data folder, or skip when it is not available."""
    from streamlearn.base.errors import DataError
    from streamlearn.datasets import data_dir

    try:
        return data_dir()
    except DataError as e:
        pytest.skip(f"shared data sets not available: {e}")

"""Shared fixtures: a scripted in-memory peer for unit tests, the real daemon for integration."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parents[1] / "testing"))

from harness import REPO, TestEnv  # noqa: E402


@pytest.fixture(scope="module")
def env():
    """fake-jira + ``jirad serve`` on a temp socket and config, for one test module."""
    with TestEnv() as e:
        yield e


@pytest.fixture(scope="session")
def openrpc_path() -> Path:
    return REPO / "protocol" / "openrpc.json"

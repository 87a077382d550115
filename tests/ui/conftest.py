"""UI fixtures: the app's database from the environment, and Streamlit caches cleared around each test."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine


def clear_streamlit_caches() -> None:
    """Forget the cached engine (disposing it) and every cached figure."""
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_engine(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The test's fresh migrated database, which the app under test opens through the environment.

    The app caches its engine per process, so caches are cleared before and after each test. A home
    and working directory of the test's own keep anyone's `secrets.toml` from leaving local mode.
    """
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    clear_streamlit_caches()
    yield engine
    clear_streamlit_caches()

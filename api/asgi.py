"""The ASGI application: the Streamlit UI and the HTTP API in one process.

`workbench serve` runs it; in production run it under plain uvicorn: `uvicorn api.asgi:app`.
"""

from pathlib import Path

import streamlit as st

from api.routes import api_routes

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"

app = st.App(APP_SCRIPT, routes=api_routes())

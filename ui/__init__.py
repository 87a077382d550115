"""Streamlit adapters: the cached engine, the signed-in actor, shared page components."""

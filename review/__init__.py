"""Domain layer of the review workbench: routing, queue, decisions, metrics, export.

Nothing in this package imports streamlit; pages, the HTTP API and the CLI call these functions.
"""

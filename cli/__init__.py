"""The `workbench` command line: the operator's tool, acting with the database's authority."""

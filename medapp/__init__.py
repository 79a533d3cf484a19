"""medapp: an explainable clinical AI workbench (demonstration models on public data)."""
__version__ = "0.3.0"  # the one version: pyproject.toml, `--version` and the API's /v2 (tests/test_cli.py)

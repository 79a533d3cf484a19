"""medapp: an explainable clinical AI workbench (demonstration models on public data)."""
__version__ = "0.1.0"

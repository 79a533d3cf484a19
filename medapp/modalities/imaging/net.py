"""The CNN used by both imaging models: small, batch-normalised, for 28x28 grey inputs.

Kept deliberately small (about 0.1 M parameters): with a few thousand 28x28 training images a
ResNet-18 mostly memorises, and a small net trains in minutes on two CPU cores.
"""
from __future__ import annotations

import torch
from torch import nn


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class SmallCNN(nn.Module):
    def __init__(self, n_classes: int = 2, width: int = 24, dropout: float = 0.3):
        super().__init__()
        self.features = nn.Sequential(
            _block(1, width), nn.MaxPool2d(2),  # 14x14
            _block(width, width * 2), nn.MaxPool2d(2),  # 7x7
            _block(width * 2, width * 4), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(width * 4, n_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features, used for the out-of-distribution score."""
        return torch.flatten(self.features(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

"""The CNN used by both imaging models: a compact, batch-normalised ResNet for one-channel images.

Kept deliberately small (about 0.3-0.7 M parameters): with a few thousand training images a
ResNet-18 mostly memorises, and a small net trains on two CPU cores.
"""
from __future__ import annotations

import torch
from torch import nn


class _Residual(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.skip = (nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
                     if stride != 1 or c_in != c_out else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.skip(x))


class CompactResNet(nn.Module):
    """A ResNet-style network for one-channel images of 128 px or more (about 0.7 M parameters at width 16).

    Each image is standardised to zero mean and unit spread first, so exposure and contrast
    differences between scanners matter less. Stem: stride-2 convolution and max-pool; then four
    stages of one residual block each (widths w, 2w, 4w, 8w), global average pooling, a linear head.
    """

    def __init__(self, n_classes: int = 2, width: int = 16, dropout: float = 0.2, lesion_head: bool = False):
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(1, w, 5, 2, 2, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2))
        self.stages = nn.Sequential(_Residual(w, w, 1), _Residual(w, 2 * w, 2), _Residual(2 * w, 4 * w, 2),
                                    _Residual(4 * w, 8 * w, 2))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(8 * w, n_classes))
        # Training aid where lesion outlines exist (BUSI): predict the lesion on the 8x8 grid of stage 3,
        # so the features the classifier pools are taught where the lesion is. Unused at inference.
        self.lesion = nn.Conv2d(4 * w, 1, 1) if lesion_head else None

    @staticmethod
    def standardise(x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True)
        return (x - mean) / (std + 0.05)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(self.standardise(x))).mean(dim=(2, 3))

    def forward_with_lesion(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits and 8x8 lesion logits (training with lesion outlines)."""
        h = self.stages[:3](self.stem(self.standardise(x)))
        return self.head(self.stages[3](h).mean(dim=(2, 3))), self.lesion(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class Ensemble(nn.Module):
    """Several networks trained alike from different random draws; their logits are averaged.

    One function of the image, so the explanation (expected gradients of its calibrated output) stays
    exact in total for the ensemble itself. Features for the out-of-distribution score are the first
    member's: its reference distribution is the one stored with the weights.
    """

    def __init__(self, members: list[CompactResNet]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.members[0].embed(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(0)


def member_prefixes(tensors: dict) -> list[str]:
    """Weight-file prefixes of the networks in a file: "net." alone, or "net." then "member1.", "member2.", ..."""
    prefixes = ["net."]
    while any(k.startswith(f"member{len(prefixes)}.") for k in tensors):
        prefixes.append(f"member{len(prefixes)}.")
    return prefixes

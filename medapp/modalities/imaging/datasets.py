"""The full-size training sets and their group-aware splits (training only; inference never imports this).

kermany_cxr224: several radiographs per patient, so images are grouped by patient (personN_bacteria /
personN_virus numbered per subtype, IM-xxxx, NORMAL2-IM-xxxx) and byte-identical files are joined to
one group; validation takes whole groups. busi: near-duplicate groups (near_duplicates.json) stay on one
side; the groups whose near-identical images carry different labels are left out of training and of
validation (their true label is unknown), and listed on the card.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .io import decode
from .preprocess import squash


@dataclass
class ImageSet:
    images: np.ndarray  # (n, size, size) float32 0..1, already preprocessed as at inference
    labels: np.ndarray  # (n,) int, index into the card's labels
    names: list[str]
    groups: np.ndarray  # (n,) int group id
    excluded: list[str] = field(default_factory=list)
    masks: list[np.ndarray] | None = None  # BUSI lesion masks at the image's own size (union of all masks)
    root: Path | None = None  # folder the names are relative to
    # Labels the validation split is stratified by (None: `labels`). BUSI: malignant (0) against the rest (1)
    # whatever the label set, so a 3-class model is validated on exactly the 2-class model's images.
    strata: np.ndarray | None = None


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _group_ids(keys: list[str], digests: list[str], extra_groups: list[list[int]] = ()) -> np.ndarray:
    uf = _UnionFind(len(keys))
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        uf.union(i, first.setdefault("k:" + k, i))
    for i, d in enumerate(digests):
        uf.union(i, first.setdefault("d:" + d, i))
    for members in extra_groups:
        for m in members[1:]:
            uf.union(members[0], m)
    roots = [uf.find(i) for i in range(len(keys))]
    remap = {r: j for j, r in enumerate(dict.fromkeys(roots))}
    return np.array([remap[r] for r in roots])


def kermany_patient(name: str) -> str:
    stem = Path(name).stem
    m = re.match(r"person(\d+)_(bacteria|virus)_", stem)
    if m:
        return f"person{m.group(1)}_{m.group(2)}"
    m = re.match(r"((?:NORMAL2-)?IM-\d+)-", stem)
    return m.group(1) if m else stem


def _preprocessed(path: Path, size: int) -> np.ndarray:
    x = decode(path.read_bytes(), path.name)[0]
    return np.clip(squash(np.asarray(x.grey, dtype=np.float64), size), 0, 1).astype(np.float32)


def load_kermany(root: Path, size: int, labels: tuple[str, ...], limit: int | None = None,
                 seed: int = 0) -> ImageSet:
    files = [(p, labels.index("normal" if p.parent.name == "NORMAL" else "pneumonia"))
             for p in sorted((root / "train").glob("*/*.jpeg"))]
    if not files:
        raise FileNotFoundError(f"no radiographs under {root / 'train'} (set --data to the shared data folder)")
    if limit:
        keep = np.random.default_rng(seed).permutation(len(files))[:limit]
        files = [files[i] for i in sorted(keep)]
    names = [f"{p.parent.name}/{p.name}" for p, _ in files]
    digests = [hashlib.md5(p.read_bytes()).hexdigest() for p, _ in files]
    images = np.stack([_preprocessed(p, size) for p, _ in files])
    groups = _group_ids([kermany_patient(n) for n in names], digests)
    return ImageSet(images, np.array([y for _, y in files]), names, groups, root=root / "train")


def busi_mask(root: Path, name: str) -> np.ndarray:
    """Union of the radiologists' lesion masks of one image (empty for normal images)."""
    stem = Path(name).with_suffix("")
    out = None
    for p in sorted((root / stem.parent).glob(f"{stem.name}_mask*.png")):
        from PIL import Image

        m = np.asarray(Image.open(p).convert("L")) > 127
        out = m if out is None else (out | m)
    return out


def load_busi(root: Path, size: int, labels: tuple[str, ...], positive: str, limit: int | None = None,
              seed: int = 0) -> ImageSet:
    """Malignant against the rest (normal and benign), or one label per class folder when `labels` names them."""
    meta = json.loads((root / "near_duplicates.json").read_text())
    conflicted = {n for g in meta.get("cross_label_groups", []) for n in g}
    rest = next(lab for lab in labels if lab != positive)
    files = []
    for cls in ("benign", "malignant", "normal"):
        for p in sorted((root / cls).glob("*.png")):
            if "_mask" in p.name:
                continue
            label = cls if cls in labels else (positive if cls == "malignant" else rest)
            files.append((p, f"{cls}/{p.name}", labels.index(label)))
    excluded = sorted(n for _, n, _ in files if n in conflicted)
    files = [f for f in files if f[1] not in conflicted]
    if limit:
        keep = np.random.default_rng(seed).permutation(len(files))[:limit]
        files = [files[i] for i in sorted(keep)]
    names = [n for _, n, _ in files]
    index = {n: i for i, n in enumerate(names)}
    dup = [[index[n] for n in g if n in index] for g in meta["near_duplicate_groups"]]
    digests = [hashlib.md5(p.read_bytes()).hexdigest() for p, _, _ in files]
    groups = _group_ids(names, digests, [g for g in dup if len(g) > 1])
    images = np.stack([_preprocessed(p, size) for p, _, _ in files])
    masks = [busi_mask(root, n) for n in names]
    strata = np.array([0 if n.startswith("malignant/") else 1 for n in names])
    return ImageSet(images, np.array([y for _, _, y in files]), names, groups, excluded, masks, root, strata)


def group_split(data: ImageSet, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation): about `fraction` of each class's groups go to validation."""
    rng = np.random.default_rng(seed)
    val_groups: set[int] = set()
    group_label = {}
    strata = data.labels if data.strata is None else data.strata
    for g in np.unique(data.groups):
        ys = strata[data.groups == g]
        group_label[g] = int(np.bincount(ys).argmax())
    for cls in sorted(set(group_label.values())):
        gs = np.array(sorted(g for g, y in group_label.items() if y == cls))
        rng.shuffle(gs)
        target = fraction * int((strata == cls).sum())
        taken = 0
        for g in gs:
            if taken >= target:
                break
            val_groups.add(int(g))
            taken += int((data.groups == g).sum())
    is_val = np.isin(data.groups, list(val_groups))
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)

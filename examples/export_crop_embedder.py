#!/usr/bin/python3
"""Export a small convolutional crop embedder to TorchScript, for `schedule`'s `embedding_model`.

Run with Debian's interpreter (python3-torch):

    /usr/bin/python3 examples/export_crop_embedder.py --output models/crops.pt
    /usr/bin/python3 examples/export_crop_embedder.py --dimension 32 --seed 1 --output tiny.pt \
        --reference out/   # also writes out/crops.f32 and out/embeddings.f32

The module's `forward(x)` takes a float tensor [N, 3, S, S] of RGB crops in [0, 1] (S is
`--input-size`, which `schedule`'s `embedding_input_size` must match) and returns [N, D]: two
strided convolutions with ReLU, a global average, a linear layer. Its weights are random (seeded):
it is a stand-in with the interface of a real appearance model (any TorchScript module with this
forward works), and the fixture of the parity tests. `--reference DIR` writes a random batch of
crops and the model's output for it as raw little-endian float32.
"""

import argparse
import os

import torch
from torch import nn


class CropEmbedder(nn.Module):
    def __init__(self, dimension: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.head = nn.Linear(16, dimension)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True)
    parser.add_argument("--dimension", type=int, default=16)
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference", help="folder for crops.f32 and embeddings.f32 (5 random crops)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = torch.jit.script(CropEmbedder(args.dimension).eval())
    model.save(args.output)
    if args.reference:
        crops = torch.rand(5, 3, args.input_size, args.input_size)
        with torch.no_grad():
            embeddings = model(crops)
        crops.numpy().astype("<f4").tofile(os.path.join(args.reference, "crops.f32"))
        embeddings.numpy().astype("<f4").tofile(os.path.join(args.reference, "embeddings.f32"))


if __name__ == "__main__":
    main()

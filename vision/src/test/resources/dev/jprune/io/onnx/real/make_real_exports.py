#!/usr/bin/python3
"""Writes the small real PyTorch exports RealExportsTest imports, with torch's output for a fixed input.

Run with Debian's Python and torch (1.13): /usr/bin/python3 make_real_exports.py  (from this folder, or pass the
output folder as the first argument). Deterministic: seeded weights and inputs, opset 17, weights inline.
For each model NAME it writes NAME.onnx, NAME.input.bin and NAME.output.bin (raw little-endian float32, C order)
and NAME.json (the input and output shapes).
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 17


def cbr(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Conv+BN+ReLU encoder, MaxPool, ConvTranspose up-sampling, skip concatenations, a 1x1 output conv."""

    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(cbr(3, 8), cbr(8, 8))
        self.enc2 = nn.Sequential(cbr(8, 16), cbr(16, 16))
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = cbr(16, 32)
        self.up2 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.dec2 = cbr(32, 16)
        self.up1 = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec1 = cbr(16, 8)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottleneck(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


class ChunkNet(nn.Module):
    """x.chunk(2, dim=1), a conv on each half, torch.cat, then a classifier."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.left = nn.Conv2d(8, 8, 3, padding=1)
        self.right = nn.Conv2d(8, 12, 1)
        self.mix = nn.Conv2d(20, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        a, b = F.relu(self.stem(x)).chunk(2, dim=1)
        y = torch.cat([F.relu(self.left(a)), F.relu(self.right(b))], dim=1)
        y = self.pool(F.relu(self.mix(y)))
        return self.fc(torch.flatten(y, 1))


class SplitNet(nn.Module):
    """torch.split with explicit sizes (an ONNX Split with a constant split input), crossed into torch.cat."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.a = nn.Conv2d(6, 8, 3, padding=1)
        self.b = nn.Conv2d(10, 8, 1)
        self.head = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        a, b = torch.split(F.relu(self.stem(x)), [6, 10], dim=1)
        return self.head(torch.cat([F.relu(self.b(b)), F.relu(self.a(a))], dim=1))


class SuperRes(nn.Module):
    """ESPCN-like, upscaling x4 in two PixelShuffle(2) stages (DepthToSpace CRD); the first one's input channels are
    prunable in blocks of four."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 8 * 4, 3, padding=1)
        self.shuffle1 = nn.PixelShuffle(2)
        self.conv3 = nn.Conv2d(8, 3 * 4, 3, padding=1)
        self.shuffle2 = nn.PixelShuffle(2)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.shuffle1(self.conv2(x)))
        return self.shuffle2(self.conv3(x))


class InterpNet(nn.Module):
    """F.interpolate (nearest and bilinear), GroupNorm, InstanceNorm, LeakyReLU and PReLU."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.gn = nn.GroupNorm(2, 8)
        self.act1 = nn.LeakyReLU(0.1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.inorm = nn.InstanceNorm2d(8, affine=True)
        self.act2 = nn.PReLU(8)
        self.conv3 = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x):
        x = self.act1(self.gn(self.conv1(x)))
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.act2(self.inorm(self.conv2(x)))
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        return self.conv3(x)


MODELS = [
    ("unet", UNet, (1, 3, 32, 32), torch.onnx.TrainingMode.PRESERVE),
    ("chunk", ChunkNet, (1, 3, 16, 16), torch.onnx.TrainingMode.EVAL),
    ("split", SplitNet, (1, 3, 12, 12), torch.onnx.TrainingMode.EVAL),
    ("superres", SuperRes, (1, 3, 8, 8), torch.onnx.TrainingMode.EVAL),
    ("interp", InterpNet, (1, 3, 8, 8), torch.onnx.TrainingMode.EVAL),
]


def perturb(model, gen):
    """Non-trivial affine parameters, running statistics and PReLU slopes (defaults are 0, 1 and 0.25)."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and m.weight is not None:
            m.weight.data = 1 + 0.3 * torch.randn(m.weight.shape, generator=gen)
            m.bias.data = 0.2 * torch.randn(m.bias.shape, generator=gen)
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.data = 0.1 * torch.randn(m.running_mean.shape, generator=gen)
            m.running_var.data = 0.5 + torch.rand(m.running_var.shape, generator=gen)
        if isinstance(m, nn.PReLU):
            m.weight.data = 0.25 + 0.2 * torch.randn(m.weight.shape, generator=gen)


def write_floats(path, t):
    with open(path, "wb") as f:
        f.write(t.detach().contiguous().numpy().astype("<f4").tobytes())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for i, (name, cls, shape, mode) in enumerate(MODELS):
        torch.manual_seed(1000 + i)
        gen = torch.Generator().manual_seed(2000 + i)
        model = cls().eval()
        perturb(model, gen)
        x = torch.rand(shape, generator=gen) * 2 - 1
        with torch.no_grad():
            y = model(x)
        torch.onnx.export(model, x, os.path.join(out, name + ".onnx"), opset_version=OPSET, training=mode,
                          do_constant_folding=True, input_names=["input"], output_names=["output"])
        write_floats(os.path.join(out, name + ".input.bin"), x)
        write_floats(os.path.join(out, name + ".output.bin"), y)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"input": list(shape), "output": list(y.shape), "opset": OPSET,
                       "torch": torch.__version__}, f, indent=1)
            f.write("\n")
        print(name, tuple(y.shape), os.path.getsize(os.path.join(out, name + ".onnx")), "bytes")


if __name__ == "__main__":
    main()

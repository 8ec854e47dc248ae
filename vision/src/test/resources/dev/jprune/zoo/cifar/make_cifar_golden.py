"""Golden figures for the zoo's CIFAR networks (resnet20, resnet56, cifar_vgg19), written to cifar_golden.json.

The three networks are defined here again in plain PyTorch, with the module names of Torch-Pruning's CIFAR models
(reproduce/engine/models/cifar/resnet_tiny.py, and the CIFAR vgg19_bn of RepDistiller's models/vgg.py):

  resnet{20,56}: depth 6n+2 of basic blocks (conv3x3-bn-relu-conv3x3-bn, + identity or 1x1 conv + bn downsample,
                 then a functional ReLU), filters 16/16/32/64, stem conv1/bn1/relu, layer1..3, AvgPool2d(8), fc
  cifar_vgg19:   block0..4 of conv3x3(bias)+bn+relu with the block's last ReLU dropped (applied functionally after
                 the block), pool0..2 max pools, pool3 only for 64x64 inputs, pool4 = AdaptiveAvgPool2d(1),
                 classifier = Linear(512, classes)

Each case is built, filled with the parity weights of shared/reference/PARITY.md (shared/tools/parity.py), and run
in eval mode on the parity input. Per case the JSON holds:
  model, input, classes, params (sum of parameter numel), state_dict ([key, shape] in order, buffers included),
  conv_linear_macs (per example, bias excluded, from forward hooks: conv out.numel()/N * in_ch/groups * kH*kW,
  linear out_features*in_features per example row), out_shape, out_head (first 8 logits), out_sum,
  parity_param_sum (sum of every parameter value after parity init, a check that the weights were filled).

Run with Debian's interpreter (torch 1.13):

  JPRUNE_SHARED=/path/to/shared /usr/bin/python3 make_cifar_golden.py

The shared folder is taken from JPRUNE_SHARED, else the repository's sibling ../shared.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, *[os.pardir] * 8))
SHARED = os.environ.get("JPRUNE_SHARED", os.path.join(ROOT, os.pardir, "shared"))
sys.path.insert(0, os.path.join(SHARED, "tools"))
import parity  # noqa: E402


class Block(nn.Module):
    """Basic residual block; the final ReLU is functional (no module of its own)."""

    def __init__(self, cin, cout, stride, project):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False),
                                        nn.BatchNorm2d(cout)) if project else None

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        skip = x if self.downsample is None else self.downsample(x)
        return F.relu(y + skip)


class TinyResNet(nn.Module):
    def __init__(self, depth, in_channels, classes):
        super().__init__()
        assert (depth - 2) % 6 == 0
        blocks = (depth - 2) // 6
        widths = [16, 16, 32, 64]
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        cin = widths[0]
        for s in range(3):
            cout = widths[s + 1]
            seq = []
            for i in range(blocks):
                stride = 2 if (s > 0 and i == 0) else 1
                seq.append(Block(cin, cout, stride, i == 0 and (stride != 1 or cin != cout)))
                cin = cout
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*seq))
        self.avgpool = nn.AvgPool2d(8)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(x)
        return self.fc(x.view(x.size(0), -1))


VGG19 = [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]]


class CifarVgg(nn.Module):
    def __init__(self, cfg, in_channels, classes):
        super().__init__()
        cin = in_channels
        for b, widths in enumerate(cfg):
            mods = []
            for w in widths:
                mods += [nn.Conv2d(cin, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
                cin = w
            setattr(self, "block%d" % b, nn.Sequential(*mods[:-1]))
        for p in range(4):
            setattr(self, "pool%d" % p, nn.MaxPool2d(2, 2))
        self.pool4 = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(cin, classes)

    def forward(self, x):
        size = x.shape[2]
        for b in range(5):
            x = F.relu(getattr(self, "block%d" % b)(x))
            if b < 3 or (b == 3 and size == 64):
                x = getattr(self, "pool%d" % b)(x)
        x = self.pool4(x)
        return self.classifier(x.view(x.size(0), -1))


def build(name, in_channels, classes):
    if name == "resnet20":
        return TinyResNet(20, in_channels, classes)
    if name == "resnet56":
        return TinyResNet(56, in_channels, classes)
    if name == "cifar_vgg19":
        return CifarVgg(VGG19, in_channels, classes)
    raise ValueError(name)


def conv_linear_macs(model, x):
    """MACs per example of every Conv2d and Linear, from forward hooks on the actual output shapes."""
    total = [0]

    def conv_hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1]
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * k

    def linear_hook(m, inp, out):
        rows = out.numel() // out.shape[-1] // out.shape[0]
        total[0] += rows * m.out_features * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return total[0]


CASES = [("resnet20", (1, 3, 32, 32), 10), ("resnet20", (1, 1, 32, 32), 10), ("resnet56", (1, 3, 32, 32), 100),
         ("cifar_vgg19", (1, 3, 32, 32), 10), ("cifar_vgg19", (1, 3, 64, 64), 10)]


def record(name, shape, classes):
    torch.manual_seed(0)
    model = build(name, shape[1], classes)
    parity.init(model)
    model.eval()
    x = parity.example_input(shape)
    macs = conv_linear_macs(model, x)
    with torch.no_grad():
        out = model(x)
    flat = out.flatten()
    return {
        "model": name,
        "input": list(shape),
        "classes": classes,
        "params": sum(p.numel() for p in model.parameters()),
        "state_dict": [[k, list(v.shape)] for k, v in model.state_dict().items()],
        "conv_linear_macs": macs,
        "out_shape": list(out.shape),
        "out_head": [float(v) for v in flat[:8]],
        "out_sum": float(flat.double().sum()),
        "parity_param_sum": float(sum(p.double().sum() for p in model.parameters())),
    }


def main():
    records = []
    for name, shape, classes in CASES:
        r = record(name, shape, classes)
        print("%-12s %-16s classes %3d: params %9d, state_dict %3d entries, conv/linear MACs %11d, "
              "parity param sum %.6f, out sum %.6f" % (name, shape, classes, r["params"], len(r["state_dict"]),
                                                       r["conv_linear_macs"], r["parity_param_sum"], r["out_sum"]))
        records.append(r)
    # parameter counts of the canonical 3-channel, 10-class builds (Torch-Pruning's CIFAR-10 benchmarks)
    counts = {}
    for name in ("resnet20", "resnet56", "cifar_vgg19"):
        counts[name] = sum(p.numel() for p in build(name, 3, 10).parameters())
        print("%-12s 3 channels, 10 classes: %d parameters" % (name, counts[name]))
    out = os.path.join(HERE, "cifar_golden.json")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:  # one case per line, so diffs stay readable
        f.write('{"torch": %s, "parity": "shared/tools/parity.py",\n' % json.dumps(torch.__version__))
        f.write(' "params_3ch_10cls": %s,\n "cases": [\n' % json.dumps(counts))
        f.write(",\n".join("  " + json.dumps(r) for r in records))
        f.write("\n]}\n")
    os.replace(tmp, out)
    print("wrote", out)


if __name__ == "__main__":
    main()

"""Writes efficientnet_v2_l_features.tsv: the output of features.4 (stem, the three FusedMBConv stages and the
first MBConv stage) of torchvision's efficientnet_v2_l with parity weights on the parity input (1, 3, 224, 224),
computed in float64: first 8 values, sum, sum of absolute values, max absolute value.
MobileTest compares with it because the network's logits are not reproducible at all under these weights (PyTorch's
own float32 and float64 logits differ by more than 100 %; see MobileTest). Run with Debian's python3 (torch 1.13,
torchvision 0.14.1): /usr/bin/python3 efficientnet_v2_l_features.py
"""
import os
import sys

import torch
import torchvision.models as models

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../../../../../../../shared/tools"))
import parity  # noqa: E402  (../shared/tools/parity.py beside the repository)

torch.set_num_threads(1)
model = parity.init(models.efficientnet_v2_l().eval()).double()
x = parity.example_input((1, 3, 224, 224)).double()
with torch.no_grad():
    y = model.features[:5](x)
flat = y.flatten()
row = ["features.4", ",".join(repr(v) for v in flat[:8].tolist()), repr(flat.sum().item()),
       repr(flat.abs().sum().item()), repr(flat.abs().max().item())]
with open(os.path.join(HERE, "efficientnet_v2_l_features.tsv"), "w") as f:
    f.write("# layer\tfirst 8 values\tsum\tsum of |x|\tmax |x| (float64, written by efficientnet_v2_l_features.py)\n")
    f.write("\t".join(row) + "\n")

"""Writes mobile_state_dicts.tsv: for each model of MobileTest, torchvision's state_dict as a key count and the
SHA-256 of its lines "key dims" (dims comma-separated, empty for a scalar), in state_dict order, for 1000 classes.
Run with Debian's python3 (torch 1.13, torchvision 0.14.1): /usr/bin/python3 mobile_state_dicts.py
"""
import hashlib
import os

import torchvision.models as models

NAMES = ["mobilenet_v3_large", "mobilenet_v3_small", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"] + \
    ["efficientnet_b%d" % i for i in range(8)] + ["efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"]

lines = ["# model\tentries\tsha256 of 'key dims' lines (written by mobile_state_dicts.py)"]
for name in NAMES:
    sd = getattr(models, name)().state_dict()
    text = "\n".join("%s %s" % (k, ",".join(str(d) for d in t.shape)) for k, t in sd.items())
    lines.append("%s\t%d\t%s" % (name, len(sd), hashlib.sha256(text.encode()).hexdigest()))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mobile_state_dicts.tsv")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")

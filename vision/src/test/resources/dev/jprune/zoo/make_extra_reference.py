"""Reference figures for zoo models beyond Torch-Pruning's records, made with torchvision itself.

1. extra_reference.jsonl: ShuffleNetV2, which Torch-Pruning could not run (its records failed). Each model is built
   with torchvision (0.14), filled with the parity weights of shared/reference/PARITY.md (shared/tools/parity.py),
   run in eval mode on the parity input; one JSON object per model:
     model, input, base_params (sum of parameter numel), out_shape, base_out_head (first 8 outputs), base_out_sum.
   There is no base_macs: Torch-Pruning's counter is not available here.

2. extra_state_dict_keys.jsonl: for every RegNet, ConvNeXt and ShuffleNetV2 model, the number of state_dict entries
   and the SHA-256 (hex) of the UTF-8 lines "key d0,d1,...\\n" in state_dict order (a scalar such as
   num_batches_tracked has an empty shape), so the Java side can check names, order and shapes exactly.

Run with Debian's interpreter, which has torch 1.13 and torchvision 0.14 (building regnet_y_128gf takes ~3 GB):

  /usr/bin/python3 vision/src/test/resources/dev/jprune/zoo/make_extra_reference.py

The shared folder is found as the repository's sibling (../shared), or from the environment variable JPRUNE_SHARED.
"""
import hashlib
import json
import os
import sys

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, *[os.pardir] * 7))
SHARED = os.environ.get("JPRUNE_SHARED", os.path.join(ROOT, os.pardir, "shared"))
sys.path.insert(0, os.path.join(SHARED, "tools"))
import parity  # noqa: E402

SHUFFLENETS = ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"]
REGNETS = ["regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf",
           "regnet_x_32gf", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf",
           "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf"]
CONVNEXTS = ["convnext_tiny", "convnext_small", "convnext_base", "convnext_large"]
INPUT = (1, 3, 224, 224)


def forward_record(name):
    model = getattr(torchvision.models, name)(weights=None)
    parity.init(model)
    model.eval()
    with torch.no_grad():
        out = model(parity.example_input(INPUT))
    flat = out.flatten()
    return {
        "model": name,
        "input": list(INPUT),
        "base_params": sum(p.numel() for p in model.parameters()),
        "out_shape": list(out.shape),
        "base_out_head": [float(v) for v in flat[:8]],
        "base_out_sum": float(flat.sum()),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }


def key_record(name):
    model = getattr(torchvision.models, name)(weights=None)
    lines = "".join(k + " " + ",".join(str(d) for d in v.shape) + "\n" for k, v in model.state_dict().items())
    return {
        "model": name,
        "entries": len(model.state_dict()),
        "sha256": hashlib.sha256(lines.encode("utf-8")).hexdigest(),
    }


def write(path, records):
    with open(path + ".tmp", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    os.replace(path + ".tmp", path)


def main():
    torch.set_num_threads(1)
    forward = []
    for name in SHUFFLENETS:
        forward.append(forward_record(name))
        print(name, forward[-1]["base_params"], forward[-1]["base_out_head"][:3], forward[-1]["base_out_sum"])
    write(os.path.join(HERE, "extra_reference.jsonl"), forward)
    keys = []
    for name in REGNETS + CONVNEXTS + SHUFFLENETS:
        keys.append(key_record(name))
        print(name, keys[-1]["entries"], keys[-1]["sha256"][:16])
    write(os.path.join(HERE, "extra_state_dict_keys.jsonl"), keys)


if __name__ == "__main__":
    main()

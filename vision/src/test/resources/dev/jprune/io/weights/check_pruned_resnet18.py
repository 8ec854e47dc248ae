"""Manual check (not run in CI) that a pruned ResNet-18 saved by jprune loads into PyTorch and computes the same.

    JPRUNE_EXPORT_DIR=/tmp/pruned mvn -B -pl vision -am test -Dtest=PrunedWeightsRoundTripTest \
        -Dsurefire.failIfNoSpecifiedTests=false
    /usr/bin/python3 check_pruned_resnet18.py /tmp/pruned

The Java test writes resnet18_pruned.safetensors (parity weights, then three groups pruned) and resnet18_pruned.json
(input shape and jprune's output on the parity input). This script reads the safetensors file with the pure-Python
reader below (no safetensors package needed), rebuilds torchvision's resnet18 with every Conv2d, BatchNorm2d and
Linear resized to the saved shapes, loads the weights with strict=True and compares the outputs within
1e-4 * max|ref| + 1e-5.
"""

import json
import os
import struct
import sys
import zlib

import torch
import torchvision
from torch import nn

DTYPES = {"F32": torch.float32, "F16": torch.float16, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, "header not padded to 8 bytes"
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    end = 0
    out = {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e_end = e["data_offsets"]
        assert b == end, "tensors must tile the data section"
        end = e_end
        buf = bytearray(raw[8 + n + b:8 + n + e_end])
        dtype = DTYPES[e["dtype"]]
        t = torch.frombuffer(buf, dtype=dtype) if buf else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"])
    assert 8 + n + end == len(raw), "bytes after the last tensor"
    return out, meta


def parity_input(shape):
    """PARITY.md: u(name, i) = mix(i * 2654435761 + crc32(name)) / 2^32 - 0.5; the input is 2 u("input", i)."""
    crc = zlib.crc32(b"input")
    count = 1
    for d in shape:
        count *= d
    vals = []
    for i in range(count):
        h = (i * 2654435761 + crc) & 0xFFFFFFFF
        h ^= h >> 16
        h = (h * 0x45D9F3B) & 0xFFFFFFFF
        h ^= h >> 16
        vals.append((h / 4294967296.0 - 0.5) * 2.0)
    return torch.tensor(vals, dtype=torch.float64).float().reshape(shape)


def resized(model, sd):
    """Replaces every Conv2d, BatchNorm2d and Linear by one of the saved size (torchvision names are the keys)."""
    for name, m in list(model.named_modules()):
        if isinstance(m, nn.Conv2d):
            w = sd[name + ".weight"]
            new = nn.Conv2d(w.shape[1] * m.groups, w.shape[0], m.kernel_size, m.stride, m.padding, m.dilation,
                            m.groups, bias=m.bias is not None)
        elif isinstance(m, nn.BatchNorm2d):
            new = nn.BatchNorm2d(sd[name + ".weight"].shape[0], m.eps, m.momentum)
        elif isinstance(m, nn.Linear):
            w = sd[name + ".weight"]
            new = nn.Linear(w.shape[1], w.shape[0], bias=m.bias is not None)
        else:
            continue
        parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
        setattr(parent, name.rpartition(".")[2], new)
    return model


def main(folder):
    sd, meta = read_safetensors(os.path.join(folder, "resnet18_pruned.safetensors"))
    with open(os.path.join(folder, "resnet18_pruned.json")) as f:
        ref = json.load(f)
    print("metadata", meta, "-", len(sd), "tensors; conv1.weight", tuple(sd["conv1.weight"].shape))
    model = resized(torchvision.models.resnet18(num_classes=ref["num_classes"]), sd)
    model.load_state_dict(sd, strict=True)
    model.eval()
    with torch.no_grad():
        y = model(parity_input(ref["input"])).flatten()
    expected = torch.tensor(ref["output"])
    diff = (y - expected).abs().max().item()
    tol = 1e-4 * expected.abs().max().item() + 1e-5
    print("max |torch - jprune| = %.3g (tolerance %.3g)" % (diff, tol))
    print("torch  ", [round(v, 5) for v in y[:6].tolist()])
    print("jprune ", [round(v, 5) for v in expected[:6].tolist()])
    if diff > tol:
        sys.exit("outputs differ")
    print("OK: PyTorch loads the pruned weights strictly and computes jprune's output")


if __name__ == "__main__":
    main(sys.argv[1])

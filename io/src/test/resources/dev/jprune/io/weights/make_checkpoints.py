"""Writes the checkpoint fixtures of dev.jprune.io.weights.StateDictsTest next to this script.

Run with Debian's PyTorch (1.13):   /usr/bin/python3 make_checkpoints.py

The model is a tiny CNN whose state_dict keys are those of the graph the Java test builds:

    conv1 Conv2d(1, 4, 3, padding=1) -> bn1 -> relu -> conv2 Conv2d(4, 6, 3, padding=1, bias=False) -> bn2 -> relu
    -> AdaptiveAvgPool2d(1) -> flatten -> fc Linear(6, 5)

Outputs (all small, about 60 KB together):

    tiny_f32.pth, tiny_f16.pth, tiny_bf16.pth, tiny_f64.pth    the state_dict in one float type (buffers stay int64)
    tiny_views.pth          float32, with fc.weight a transposed view, conv2.weight a permuted view and conv1.bias
                            a slice at storage offset 3 of a larger tensor (torch.save keeps views and storages)
    tiny_module_prefix.pth  keys prefixed with "module." as nn.DataParallel's state_dict has them
    tiny_wrapped_state_dict.pth   {"epoch": 3, "arch": "tiny", "state_dict": sd, "best_acc": 0.5}
    tiny_wrapped_model.pth        {"model": sd, "optimizer": {"lr": 0.1}}
    tiny_parameters.pth     {name: nn.Parameter} (pickled with torch._utils._rebuild_parameter)
    tiny_extra_entry.pth    the state_dict plus an entry that is not a tensor ("note": "hello")
    tiny_f32.safetensors, tiny_f16.safetensors, tiny_bf16.safetensors   written by hand below (struct + json)
    complex.pth             one complex64 tensor (an element type jprune does not read)
    malicious.pth           a torch-style zip whose data.pkl calls os.system on unpickling (GLOBAL posix system,
                            REDUCE); it only ever touches MARKER, and Python's pickle would run it, jprune must not
    expected.json           every tensor's values per float type (after conversion to float32), the int64 buffers,
                            a fixed input and the float32 model's eval-mode output on it
"""

import io
import json
import os
import pickle
import struct
import zipfile

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "/tmp/jprune-malicious-pickle-ran"


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(6)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def build_model():
    torch.manual_seed(20240611)
    m = Tiny()
    with torch.no_grad():
        for bn, tracked in ((m.bn1, 7), (m.bn2, 123456)):
            bn.weight.copy_(1 + 0.2 * torch.randn_like(bn.weight))
            bn.bias.copy_(0.1 * torch.randn_like(bn.bias))
            bn.running_mean.copy_(0.1 * torch.randn_like(bn.running_mean))
            bn.running_var.copy_(1 + torch.rand_like(bn.running_var))
            bn.num_batches_tracked.fill_(tracked)
    return m.eval()


def converted(sd, dtype):
    """Float tensors in another type; float64 also gets digits float32 cannot hold, so rounding is tested."""
    if dtype == torch.float64:
        return {k: (v.double() * (1 + 2.0 ** -30) if v.is_floating_point() else v) for k, v in sd.items()}
    return {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items()}


def as_views(sd):
    """The same values, stored as non-contiguous views and a view with a storage offset."""
    out = dict(sd)
    out["fc.weight"] = sd["fc.weight"].t().contiguous().t()                      # (5, 6), stride (1, 5)
    out["conv2.weight"] = sd["conv2.weight"].permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    big = torch.full((10,), -9.0)
    big[3:7] = sd["conv1.bias"]
    out["conv1.bias"] = big[3:7]                                                   # storage offset 3
    assert not out["fc.weight"].is_contiguous() and not out["conv2.weight"].is_contiguous()
    assert out["conv1.bias"].storage_offset() == 3
    for k in sd:
        assert torch.equal(out[k], sd[k]), k
    return out


SAFETENSORS_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
                     torch.int64: "I64"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)          # numpy has no bfloat16; the bits are what counts
    data = t.numpy().tobytes()
    assert len(data) == t.numel() * t.element_size()
    return data


def write_safetensors(path, sd):
    """The format by hand: u64 little-endian header size, JSON header padded with spaces to 8 bytes, data."""
    header = {"__metadata__": {"format": "pt"}}
    chunks, offset = [], 0
    for name, t in sd.items():
        data = tensor_bytes(t)
        header[name] = {"dtype": SAFETENSORS_DTYPE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """A pure-Python reader (the check the Java writer's files are held to as well)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    types = {v: k for k, v in SAFETENSORS_DTYPE.items()}
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        dtype = types[e["dtype"]]
        buf = bytearray(raw[8 + n + b:8 + n + end])
        if dtype == torch.bfloat16:
            t = torch.frombuffer(buf, dtype=torch.int16).view(torch.bfloat16) if buf else torch.empty(0, dtype=dtype)
        else:
            t = torch.frombuffer(buf, dtype=dtype) if buf else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"])
    return out


class RunsShell:
    """What an attacker pickles: unpickling it calls os.system."""

    def __reduce__(self):
        return os.system, ("touch " + MARKER,)


def write_malicious(path):
    payload = pickle.dumps({"conv1.weight": RunsShell()}, protocol=2)
    assert b"system" in payload
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in (("malicious/data.pkl", payload), ("malicious/version", b"3\n")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)   # fixed: same bytes each run


def values(t):
    return t.flatten().tolist()


def main():
    model = build_model()
    sd = model.state_dict()
    floats = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
              "float64": torch.float64}
    files = {"float32": ["tiny_f32.pth", "tiny_views.pth", "tiny_module_prefix.pth", "tiny_wrapped_state_dict.pth",
                         "tiny_wrapped_model.pth", "tiny_parameters.pth", "tiny_f32.safetensors"],
             # tiny_extra_entry.pth holds these values too, plus a key the model lacks (tested separately)
             "float16": ["tiny_f16.pth", "tiny_f16.safetensors"],
             "bfloat16": ["tiny_bf16.pth", "tiny_bf16.safetensors"],
             "float64": ["tiny_f64.pth"]}

    torch.save(sd, os.path.join(HERE, "tiny_f32.pth"))
    torch.save(converted(sd, torch.float16), os.path.join(HERE, "tiny_f16.pth"))
    torch.save(converted(sd, torch.bfloat16), os.path.join(HERE, "tiny_bf16.pth"))
    torch.save(converted(sd, torch.float64), os.path.join(HERE, "tiny_f64.pth"))
    torch.save(as_views(sd), os.path.join(HERE, "tiny_views.pth"))
    torch.save({"module." + k: v for k, v in sd.items()}, os.path.join(HERE, "tiny_module_prefix.pth"))
    torch.save({"epoch": 3, "arch": "tiny", "state_dict": sd, "best_acc": 0.5},
               os.path.join(HERE, "tiny_wrapped_state_dict.pth"))
    torch.save({"model": sd, "optimizer": {"lr": 0.1, "betas": (0.9, 0.999)}},
               os.path.join(HERE, "tiny_wrapped_model.pth"))
    torch.save({k: nn.Parameter(v, requires_grad=v.is_floating_point()) for k, v in sd.items()},
               os.path.join(HERE, "tiny_parameters.pth"))
    torch.save(dict(sd, note="hello"), os.path.join(HERE, "tiny_extra_entry.pth"))
    for name, dtype in (("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)):
        path = os.path.join(HERE, "tiny_%s.safetensors" % name)
        write_safetensors(path, converted(sd, dtype))
        back = read_safetensors(path)
        for k, v in converted(sd, dtype).items():
            assert torch.equal(back[k], v), (path, k)
    torch.save({"x": torch.zeros(2, dtype=torch.complex64)}, os.path.join(HERE, "complex.pth"))
    write_malicious(os.path.join(HERE, "malicious.pth"))

    torch.manual_seed(7)
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        y = model(x)
    expected = {
        "keys": list(sd.keys()),
        "shapes": {k: list(v.shape) for k, v in sd.items()},
        "int64": {k: values(v) for k, v in sd.items() if not v.is_floating_point()},
        "float": {fname: {"files": files[fname],
                          "values": {k: values(v.float()) for k, v in converted(sd, dtype).items()
                                     if v.is_floating_point()}}
                  for fname, dtype in floats.items()},
        "input": {"shape": list(x.shape), "values": values(x)},
        "output": {"shape": list(y.shape), "values": values(y)},
        "malicious_marker": MARKER,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

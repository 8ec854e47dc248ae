#!/usr/bin/python3
"""Golden values for TransformsTest and ImageFolderDatasetTest, from torch / torchvision / PIL.

Run with Debian's Python (torch 1.13, torchvision 0.14, Pillow 9.4):
    /usr/bin/python3 make_transform_golden.py
It writes transform_golden.json next to this script. The Java tests compare with a tolerance of 1e-6 (resize) and
exactly (crops, pads, PIL grayscale conversion).
"""
import base64
import io
import json
import os
import random

import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
from PIL import Image


def ramp(c, h, w):
    """A deterministic (c, h, w) input: value (k * 37 % 101) / 100 at flat index k, in [0, 1]."""
    n = c * h * w
    return torch.tensor([(k * 37 % 101) / 100.0 for k in range(n)], dtype=torch.float32).reshape(c, h, w)


def entry(name, x, y, **params):
    return {"name": name, "params": params, "input_shape": list(x.shape), "input": x.flatten().tolist(),
            "output_shape": list(y.shape), "output": y.flatten().tolist()}


def main():
    cases = []
    x = ramp(1, 5, 7)
    x3 = ramp(3, 6, 4)
    # Bilinear resize, align_corners=False, no antialias, as F.interpolate.
    for h, w in [(3, 4), (8, 11), (5, 7), (1, 1), (2, 13)]:
        y = F.interpolate(x[None], size=(h, w), mode="bilinear", align_corners=False, antialias=False)[0]
        cases.append(entry("resize_hw", x, y, h=h, w=w))
    y = F.interpolate(x3[None], size=(9, 3), mode="bilinear", align_corners=False, antialias=False)[0]
    cases.append(entry("resize_hw", x3, y, h=9, w=3))
    # Shorter side: torchvision's Resize(int) on a tensor (0.14: no antialias on tensors by default).
    for size in [6, 3, 4]:
        for inp in (x, x3):
            y = T.Resize(size, interpolation=T.InterpolationMode.BILINEAR)(inp)
            ref = F.interpolate(inp[None], size=tuple(y.shape[1:]), mode="bilinear", align_corners=False,
                                antialias=False)[0]
            assert torch.equal(y, ref), "torchvision Resize on tensors antialiased unexpectedly"
            cases.append(entry("resize_short", inp, y, size=size))
    # Centre crops, including ones larger than the image (zero padding) and odd differences (half-to-even).
    for h, w in [(3, 4), (4, 4), (5, 7), (2, 5), (7, 9), (6, 3), (8, 2)]:
        y = T.CenterCrop((h, w))(x)
        cases.append(entry("center_crop", x, y, h=h, w=w))
    # Constant padding (left, top, right, bottom).
    y = T.Pad((1, 2, 3, 0), fill=0.5)(x)
    cases.append(entry("pad", x, y, left=1, top=2, right=3, bottom=0, fill=0.5))
    # Normalize.
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    y = T.Normalize(mean, std)(x3)
    cases.append(entry("normalize", x3, y, mean=mean, std=std))
    # Grayscale of a tensor image.
    y = T.Grayscale(1)(x3)
    cases.append(entry("grayscale", x3, y))

    # PIL's RGB -> L conversion (used by ImageFolder with one channel), on deterministic RGB triples.
    rnd = random.Random(8)
    triples = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (1, 1, 1), (128, 128, 128)]
    triples += [(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(249)]
    im = Image.new("RGB", (16, 16))
    im.putdata(triples)
    gray = list(im.convert("L").getdata())

    # A JPEG encoded by Pillow (4:2:0, quality 90) and Pillow's own decoding of it, as RGB bytes row-major.
    w, h = 32, 24
    im = Image.new("RGB", (w, h))
    im.putdata([((x * 7 + rnd.randrange(40)) % 256, (y * 9 + rnd.randrange(30)) % 256, ((x + y) * 5) % 256)
                for y in range(h) for x in range(w)])
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=90)
    decoded = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    jpeg = {"width": w, "height": h, "file_base64": base64.b64encode(buf.getvalue()).decode("ascii"),
            "pil_rgb": list(decoded.tobytes())}

    out = {"torch": torch.__version__, "torchvision": torchvision.__version__,
           "pillow": Image.__version__ if hasattr(Image, "__version__") else "?",
           "cases": cases, "pil_jpeg": jpeg, "pil_rgb": [list(t) for t in triples], "pil_l": gray}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transform_golden.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print("wrote", path, len(cases), "cases")


if __name__ == "__main__":
    main()

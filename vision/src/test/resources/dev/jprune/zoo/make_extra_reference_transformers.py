"""Reference figures for the zoo's transformers that Torch-Pruning's reference lacks (Swin, Swin V2, MaxViT).

Torch-Pruning failed on these models (shared/reference/COVERAGE.md), so torchvision itself gives the figures: each
model is built with torchvision (weights=None), filled with the parity weights of shared/tools/parity.py (integer
buffers left as built; float buffers such as Swin V2's relative_coords_table are filled too, as parity.init does),
put in eval mode and run once without gradients on the parity input (1, 3, 224, 224). One JSON line per model:
  model, input, params (trainable elements), out_shape, base_out_head (first 8 logits), base_out_sum,
  state_dict_size and state_dict_sha256 (of the state_dict keys joined by newlines, in order),
  torch and torchvision versions, forward_s.
Usage (Debian's torch 1.13 and torchvision 0.14; parity.py is found in ../shared/tools beside the repository, or in
$JPRUNE_SHARED/tools):
  /usr/bin/python3 vision/src/test/resources/dev/jprune/zoo/make_extra_reference_transformers.py [model ...]
It rewrites extra_reference_transformers.jsonl beside this script (only the named models' lines when models are
given).
"""
import hashlib
import json
import os
import sys
import time

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, *[os.pardir] * 7))
sys.path.insert(0, os.path.join(ROOT, os.pardir, 'shared', 'tools'))
if 'JPRUNE_SHARED' in os.environ:
    sys.path.insert(0, os.path.join(os.environ['JPRUNE_SHARED'], 'tools'))
import parity  # noqa: E402

MODELS = ['swin_t', 'swin_s', 'swin_b', 'swin_v2_t', 'swin_v2_s', 'swin_v2_b', 'maxvit_t']
OUT = os.path.join(HERE, 'extra_reference_transformers.jsonl')


def record(name):
    torch.manual_seed(0)
    model = torchvision.models.get_model(name, weights=None)
    parity.init(model).eval()
    keys = list(model.state_dict().keys())
    shape = [1, 3, 224, 224]
    x = parity.example_input(tuple(shape))
    t0 = time.time()
    with torch.no_grad():
        y = model(x)
    rec = dict(model=name, input=shape,
               params=sum(p.numel() for p in model.parameters()),
               out_shape=list(y.shape),
               base_out_head=[float(v) for v in y.flatten()[:8]],
               base_out_sum=float(y.sum()),
               state_dict_size=len(keys),
               state_dict_sha256=hashlib.sha256('\n'.join(keys).encode()).hexdigest(),
               torch=torch.__version__, torchvision=torchvision.__version__,
               forward_s=round(time.time() - t0, 3))
    return rec


def main(names):
    old = {}
    if names and os.path.exists(OUT):
        with open(OUT) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    old[r['model']] = r
    for name in names or MODELS:
        old[name] = record(name)
        print(json.dumps({k: old[name][k] for k in ('model', 'params', 'base_out_sum', 'forward_s')}), flush=True)
    with open(OUT + '.tmp', 'w') as f:
        for name in MODELS:
            if name in old:
                f.write(json.dumps(old[name]) + '\n')
    os.replace(OUT + '.tmp', OUT)


if __name__ == '__main__':
    main(sys.argv[1:])

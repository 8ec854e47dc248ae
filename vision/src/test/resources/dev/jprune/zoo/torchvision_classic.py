"""Golden values for ClassicTest, from Debian's torchvision 0.14 / torch 1.13 (run with /usr/bin/python3).

Writes torchvision_classic.txt beside this file:
  keys MODEL COUNT CRC32           the state_dict keys of torchvision.models.get_model(MODEL, weights=None)
                                   (googlenet and inception_v3 with aux_logits=False): their number and the
                                   CRC-32 of the keys joined by newlines, in order
  transform_input MODEL N,C,H,W V1 .. V8
                                   the first 8 logits of MODEL with transform_input=True, parity weights
                                   (shared/tools/parity.py) on the parity input of that shape, eval mode
Usage: /usr/bin/python3 torchvision_classic.py PATH/TO/shared/tools
"""
import os
import sys
import zlib

import torch
import torchvision

sys.path.insert(0, sys.argv[1])
import parity  # noqa: E402

MODELS = ['alexnet', 'squeezenet1_0', 'squeezenet1_1', 'googlenet', 'inception_v3', 'densenet121', 'densenet161',
          'densenet169', 'densenet201', 'resnext50_32x4d', 'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet50_2',
          'wide_resnet101_2']
NO_AUX = dict(aux_logits=False, init_weights=False)


def main():
    lines = []
    for name in MODELS:
        kwargs = NO_AUX if name in ('googlenet', 'inception_v3') else {}
        keys = list(torchvision.models.get_model(name, weights=None, **kwargs).state_dict().keys())
        lines.append('keys %s %d %d' % (name, len(keys), zlib.crc32('\n'.join(keys).encode())))
    torch.set_num_threads(1)
    for name, shape in (('googlenet', (1, 3, 64, 64)), ('inception_v3', (1, 3, 80, 80))):
        m = torchvision.models.get_model(name, weights=None, transform_input=True, **NO_AUX)
        parity.init(m).eval()
        with torch.no_grad():
            y = m(parity.example_input(shape))
        head = ' '.join(repr(float(v)) for v in y.flatten()[:8])
        lines.append('transform_input %s %s %s' % (name, ','.join(map(str, shape)), head))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torchvision_classic.txt')
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()

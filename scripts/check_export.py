#!/usr/bin/python3
"""Load an exported final.safetensors (or a checkpoint .safetensors) into a nanoGPT-layout torch GPT and
print its loss on a text file, computed exactly as `npm run eval -- --weights W --data FILE` does
(non-overlapping windows of blockSize+1 tokens at offsets i*T, at most 256 windows), so the two numbers
can be compared.

Run by hand (Debian's python3-torch; not used by the tests):
  /usr/bin/python3 scripts/check_export.py runs/x/final.safetensors some.txt
  npm run eval -- --weights runs/x/final.safetensors --data some.txt
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import GPT  # noqa: E402  (the same reference model the fixtures come from)


def load_safetensors(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__')
    tensors = {}
    for name, t in header.items():
        assert t['dtype'] == 'F32', name
        a, b = t['data_offsets']
        arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype='<f4').reshape(t['shape'])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def read_text(path):
    """The characters the engine sees in a file (src/engine/data/text.ts): bytes decoded as strict UTF-8 with
    no newline translation (open()'s text mode would turn \\r\\n and \\r into \\n), a byte-order mark kept as
    U+FEFF ('utf-8', not 'utf-8-sig'); invalid bytes and NUL bytes refused as `npm run eval` refuses them."""
    raw = open(path, 'rb').read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        sys.exit(f'{path} is not UTF-8 text: invalid byte sequence at byte {e.start}')
    if b'\0' in raw:
        sys.exit(f'{path} is not text: NUL byte at byte {raw.index(0)} (binary data or UTF-16?)')
    return text


def main(weights, text_file, max_windows=256):
    sd, meta = load_safetensors(weights)
    cfg = json.loads(meta['config'])
    vocab = json.loads(meta['vocab'])
    model = GPT(cfg)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    # a checkpoint file also holds its optimizer and EMA state under ringlab. names: unexpected, ignored
    if 'checkpoint' in meta:
        unexpected = [k for k in unexpected if not k.startswith('ringlab.')]
    assert missing == ['lm_head.weight'] and not unexpected, (missing, unexpected)  # lm_head is tied to wte
    model.eval()
    index = {ch: i for i, ch in enumerate(vocab)}
    text = read_text(text_file)
    unknown = sorted({ch for ch in text if ch not in index})
    if unknown:
        sys.exit(f'{text_file}: characters outside the model vocabulary: {unknown[:10]}')
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    T = cfg['blockSize']
    count = min(max_windows, (len(ids) - 1) // T)
    total = 0.0
    with torch.no_grad():
        for i in range(0, count, 16):
            rows = range(i, min(count, i + 16))
            x = torch.stack([ids[r * T:r * T + T] for r in rows])
            y = torch.stack([ids[r * T + 1:r * T + T + 1] for r in rows])
            logits = model.logits(x)
            total += F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), reduction='sum').item()
    print(json.dumps({'loss': total / (count * T), 'windows': count, 'tokens': count * T}))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: check_export.py FINAL.safetensors TEXT_FILE')
    main(sys.argv[1], sys.argv[2])

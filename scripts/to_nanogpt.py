#!/usr/bin/env python3
"""ringlab -> nanoGPT: turn an export bundle (`npm run export`) into the files nanoGPT resumes from.

Run from nanoGPT's root (the directory with train.py and model.py), with no arguments:

    python /path/to/bundle/to_nanogpt.py

It reads the bundle next to this script (bundle.json, config/<name>.py, checkpoint.safetensors, data/)
and writes into the current directory:
    <out_dir>/ckpt.pt       {'model', 'optimizer', 'model_args', 'iter_num', 'best_val_loss', 'config'},
                            as train.py saves it and loads it with init_from = 'resume'
    data/<name>/meta.pkl    {'vocab_size', 'itos', 'stoi'}, as data/shakespeare_char/prepare.py writes it
    config/<name>.py, data/<name>/train.bin, val.bin    copied from the bundle (unless run inside it)
Then it checks the result with nanoGPT's own model.py: GPT loads the weights strictly, the AdamW of
GPT.configure_optimizers takes the optimizer state and gives every parameter its own moments, and the
validation loss on the windows `npm run eval` takes from the validation split is printed, to compare with
ringlab's (for brown and the tasks, `npm run eval --weights checkpoint.safetensors --data NAME` gives it).

Mapping (ringlab checkpoint -> ckpt.pt):
  model       the weights under nanoGPT's names, float32, nn.Linear [out, in] in both; lm_head.weight is
              transformer.wte.weight (tied). PyTorch < 2.0 has no scaled_dot_product_attention, so
              model.py registers a causal-mask buffer attn.bias per block and its strict load expects it.
  optimizer   torch AdamW state_dict over nanoGPT's two param groups: the 2-D weights (weight_decay)
              then the rest (0.0), each in named_parameters() order; exp_avg / exp_avg_sq are ringlab's
              m / v (the shards concatenated in order of lo), step is ringlab's t (applied updates).
              eps is not a train.py setting: it travels in the groups, which load_state_dict restores.
  iter_num    the checkpoint's step (optimizer steps done).
Needs torch and numpy only: the safetensors file is read by hand (u64 header length, JSON header, data),
and every tensor's SHA-256 recorded in the checkpoint is checked first.
"""
import hashlib
import json
import os
import pickle
import shutil
import struct
import sys

import numpy as np
import torch

BUNDLE = os.path.dirname(os.path.abspath(__file__))
FORMAT, VERSION = 'ringlab-nanogpt-bundle', 1
EVAL_WINDOWS = 256  # as `npm run eval`: up to 256 non-overlapping windows of the validation split
BLOCK_TENSORS = ('ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
                 'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias')


def fail(msg):
    print(f'to_nanogpt.py: {msg}', file=sys.stderr)
    sys.exit(2)


def read_safetensors(path):
    """(tensors: name -> float32 numpy array, metadata dict, sha256 per tensor) of an F32 safetensors file."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    data = memoryview(raw)[8 + n:]
    tensors, digests = {}, {}
    for name, e in header.items():
        if e['dtype'] != 'F32':
            fail(f'{path}: tensor {name} is {e["dtype"]}, not F32')
        a, b = e['data_offsets']
        tensors[name] = np.frombuffer(data[a:b], dtype='<f4').reshape(e['shape'])
        digests[name] = hashlib.sha256(data[a:b]).hexdigest()
    return tensors, meta, digests


def nanogpt_names(n_layer):
    """GPT.named_parameters() order (lm_head.weight is wte's Parameter, so it is listed once, as wte)."""
    names = ['transformer.wte.weight', 'transformer.wpe.weight']
    for i in range(n_layer):
        names += [f'transformer.h.{i}.{t}' for t in BLOCK_TENSORS]
    return names + ['transformer.ln_f.weight', 'transformer.ln_f.bias']


def read_config(path):
    """The globals a train.py config file sets (train.py execs it the same way)."""
    values = {}
    with open(path) as f:
        exec(f.read(), {}, values)
    return {k: v for k, v in values.items() if not k.startswith('_') and isinstance(v, (int, float, bool, str))}


def load_bundle():
    with open(os.path.join(BUNDLE, 'bundle.json')) as f:
        bundle = json.load(f)
    if bundle.get('format') != FORMAT or bundle.get('version') != VERSION:
        fail(f'{BUNDLE}/bundle.json is not a version {VERSION} ringlab bundle')
    tensors, meta, digests = read_safetensors(os.path.join(BUNDLE, bundle['checkpoint']))
    if 'checkpoint' not in meta:
        fail(f'{bundle["checkpoint"]} holds no training state')
    if hashlib.sha256(meta['checkpoint'].encode('utf-8')).hexdigest() != meta.get('checkpoint_sha256'):
        fail(f'{bundle["checkpoint"]}: the manifest does not match its SHA-256; the file is corrupt')
    manifest = json.loads(meta['checkpoint'])
    for e in manifest['tensors']:
        if digests.get(e['name']) != e['sha256']:
            fail(f'{bundle["checkpoint"]}: tensor {e["name"]} does not match its SHA-256; the file is corrupt')
    return bundle, manifest, tensors


def model_state(cfg, tensors, names):
    """ckpt['model']: nanoGPT's state_dict keys, lm_head tied, plus the mask buffers model.py has on torch < 2.0."""
    sd = {n: torch.from_numpy(tensors[n].copy()) for n in names}
    sd['lm_head.weight'] = sd['transformer.wte.weight']
    if not hasattr(torch.nn.functional, 'scaled_dot_product_attention'):
        T = cfg['blockSize']
        mask = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
        for i in range(cfg['nLayer']):
            sd[f'transformer.h.{i}.attn.bias'] = mask
    return sd


def flat_slices(manifest):
    """name -> slice of the flat parameter vector (ringlab's layout: the weight tensors in file order)."""
    out, at = {}, 0
    for e in manifest['tensors']:
        if e['name'].startswith('ringlab.'):
            continue
        size = int(np.prod(e['shape']))
        out[e['name']] = (slice(at, at + size), e['shape'])
        at += size
    return out


def optimizer_state(manifest, tensors, sd, names, config):
    """ckpt['optimizer']: a torch AdamW over nanoGPT's param groups, its state set from ringlab's m, v, t."""
    opt = manifest['optimizer']
    if opt['name'] != 'adamw':
        fail(f'the run trains with {opt["name"]}; nanoGPT trains with AdamW only')
    shards = range(len(opt['shards']))
    m = np.concatenate([tensors[f'ringlab.optim.m.{s}'] for s in shards])
    v = np.concatenate([tensors[f'ringlab.optim.v.{s}'] for s in shards])
    slices = flat_slices(manifest)
    params = {n: torch.nn.Parameter(sd[n]) for n in names}
    groups = [
        {'params': [params[n] for n in names if params[n].dim() >= 2], 'weight_decay': config['weight_decay']},
        {'params': [params[n] for n in names if params[n].dim() < 2], 'weight_decay': 0.0},
    ]
    adamw = torch.optim.AdamW(groups, lr=config['learning_rate'], betas=(config['beta1'], config['beta2']), eps=manifest['config']['eps'])
    if opt['t'] > 0:  # t = 0 (weights only): no state, exactly a new AdamW
        for n in names:
            sl, shape = slices[n]
            adamw.state[params[n]] = {
                'step': torch.tensor(float(opt['t'])),
                'exp_avg': torch.from_numpy(m[sl].reshape(shape).copy()),
                'exp_avg_sq': torch.from_numpy(v[sl].reshape(shape).copy()),
            }
    return adamw.state_dict(), m, v, slices


def copy_in(rel):
    """Copy a bundle file to the same relative path under the current directory (unless it is the same file)."""
    src, dst = os.path.join(BUNDLE, rel), rel
    if os.path.exists(dst) and os.path.samefile(src, dst):
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


def check_with_nanogpt(path, m, v, slices, dataset):
    """Load ckpt.pt as train.py does (torch.load, model.py's GPT, configure_optimizers) and evaluate."""
    sys.path.insert(0, os.getcwd())
    from model import GPT, GPTConfig  # nanoGPT's model.py
    ckpt = torch.load(path, map_location='cpu')
    args, cfg = ckpt['model_args'], ckpt['config']
    model = GPT(GPTConfig(**args))
    model.load_state_dict(ckpt['model'])  # strict, as train.py loads it
    optimizer = model.configure_optimizers(cfg['weight_decay'], cfg['learning_rate'], (cfg['beta1'], cfg['beta2']), 'cpu')
    optimizer.load_state_dict(ckpt['optimizer'])
    # load_state_dict matches parameters by position and checks only group sizes: check each name's moments
    for n, p in model.named_parameters():
        st = optimizer.state.get(p, {})
        if not st:
            continue
        sl, shape = slices[n]
        if not (torch.equal(st['exp_avg'], torch.from_numpy(m[sl].reshape(shape))) and torch.equal(st['exp_avg_sq'], torch.from_numpy(v[sl].reshape(shape)))):
            fail(f'the optimizer state of {n} did not land on {n} in nanoGPT\'s AdamW')
    val = np.fromfile(os.path.join('data', dataset, 'val.bin'), dtype=np.uint16).astype(np.int64)
    T = args['block_size']
    count = min(EVAL_WINDOWS, (len(val) - 1) // T)
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, count, 16):
            rows = range(i, min(i + 16, count))
            x = torch.stack([torch.from_numpy(val[r * T:r * T + T]) for r in rows])
            y = torch.stack([torch.from_numpy(val[r * T + 1:r * T + T + 1]) for r in rows])
            _, loss = model(x, y)
            total += loss.item() * y.numel()
    return total / (count * T), count


def main():
    if not (os.path.isfile('train.py') and os.path.isfile('model.py')):
        fail("run this from nanoGPT's root (the directory with train.py and model.py)")
    bundle, manifest, tensors = load_bundle()
    config = read_config(os.path.join(BUNDLE, bundle['config']))
    out_dir, dataset = config['out_dir'], config['dataset']
    cfg = manifest['config']
    vocab = json.loads(manifest['vocab'])
    with open(os.path.join(BUNDLE, 'data', dataset, 'vocab.json'), encoding='utf-8') as f:
        if json.load(f) != vocab:
            fail(f'data/{dataset}/vocab.json is not the checkpoint\'s vocabulary')
    names = nanogpt_names(cfg['nLayer'])
    if sorted(names) != sorted(flat_slices(manifest)):
        fail('the checkpoint\'s weights are not the nanoGPT GPT\'s parameters')
    sd = model_state(cfg, tensors, names)
    optimizer, m, v, slices = optimizer_state(manifest, tensors, sd, names, config)
    ckpt = {
        'model': sd,
        'optimizer': optimizer,
        'model_args': dict(n_layer=cfg['nLayer'], n_head=cfg['nHead'], n_embd=cfg['nEmbd'], block_size=cfg['blockSize'],
                           bias=True, vocab_size=len(vocab), dropout=0.0),
        'iter_num': manifest['step'],
        'best_val_loss': bundle['best_val_loss'],
        'config': config,
    }
    for rel in (bundle['config'], f'data/{dataset}/train.bin', f'data/{dataset}/val.bin'):
        copy_in(rel)
    os.makedirs(os.path.join('data', dataset), exist_ok=True)
    with open(os.path.join('data', dataset, 'meta.pkl'), 'wb') as f:
        pickle.dump({'vocab_size': len(vocab), 'itos': dict(enumerate(vocab)), 'stoi': {ch: i for i, ch in enumerate(vocab)}}, f)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, 'ckpt.pt')
    torch.save(ckpt, path)
    print(f'wrote {out_dir}/ckpt.pt (iter_num {ckpt["iter_num"]}, AdamW step {manifest["optimizer"]["t"]}) and data/{dataset}/meta.pkl '
          f'(vocab_size {len(vocab)}); copied {bundle["config"]} and data/{dataset}/train.bin, val.bin')
    loss, count = check_with_nanogpt(path, m, v, slices, dataset)
    print(f'nanoGPT GPT loads the weights strictly and its AdamW the state; validation loss at step {manifest["step"]}: '
          f'{loss:.4f} ({count} windows of val.bin, as npm run eval takes them)')


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Golden values for the engine tests, from PyTorch (Debian python3-torch 1.13, CPU, float32).

Run by hand: /usr/bin/python3 scripts/make_fixtures.py   (writes tests/fixtures/*.json; tests need no Python)

gpt-<name>.json: a nanoGPT-layout GPT written below in plain torch (bias on, dropout 0, LM head tied to wte),
its parameters, one batch, the mean cross-entropy loss, every parameter's gradient, and a few AdamW steps on
the same batch with nanoGPT's schedule (linear warmup lr*(it+1)/(warmup+1), then cosine to min_lr over
max_steps), global-norm clipping (clip_grad_norm_, grad_norm = norm before clipping) and weight decay on
2-D weights only (nanoGPT's param groups).

gradscaler.json: loss-scale and skip sequences of torch.cuda.amp.GradScaler with injected overflows.
GradScaler disables itself without CUDA, and in this torch build the kernels behind it
(torch._amp_foreach_non_finite_check_and_unscale_ and torch._amp_update_scale_) have no CPU implementation,
so this script follows their documented semantics step by step with torch tensors: gradients are multiplied
by inv_scale = 1/scale (float32), found_inf = any non-finite unscaled gradient; on found_inf the step is
skipped, scale *= backoff_factor and the growth tracker resets to 0; otherwise the tracker counts up and
when it reaches growth_interval, scale *= growth_factor and the tracker resets.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures')


class CausalSelfAttention(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.H = H

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        hs = C // self.H
        q = q.view(B, T, self.H, hs).transpose(1, 2)
        k = k.view(B, T, self.H, hs).transpose(1, 2)
        v = v.view(B, T, self.H, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C)
        self.gelu = nn.GELU()  # exact erf form
        self.c_proj = nn.Linear(4 * C, C)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C)
        self.attn = CausalSelfAttention(C, H)
        self.ln_2 = nn.LayerNorm(C)
        self.mlp = MLP(C)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        V, T, L, H, C = cfg['vocabSize'], cfg['blockSize'], cfg['nLayer'], cfg['nHead'], cfg['nEmbd']
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(V, C), wpe=nn.Embedding(T, C),
            h=nn.ModuleList([Block(C, H) for _ in range(L)]), ln_f=nn.LayerNorm(C)))
        self.lm_head = nn.Linear(C, V, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith('c_proj.weight'):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * L))

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def logits(self, idx):
        B, T = idx.size()
        pos = torch.arange(T, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))

    def forward(self, idx, targets):
        logits = self.logits(idx)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def f32(v):
    """The shortest decimal that reads back as the same float32 (keeps the JSON small; exact after fround)."""
    return float(str(np.float32(v)))


def flat(t):
    """float32 tensor values, row-major, as shortest round-trip decimals."""
    return [f32(v) for v in t.detach().reshape(-1).tolist()]


def get_lr(it, lr, warmup, max_steps, min_lr):
    """nanoGPT's schedule: linear warmup, then cosine from lr to min_lr at max_steps."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > max_steps:
        return min_lr
    ratio = (it - warmup) / (max_steps - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def make_gpt(name, cfg, B, T, seed, perturb):
    torch.manual_seed(seed)
    model = GPT(cfg)
    if perturb:
        # Larger weights and non-trivial biases / LayerNorm affine parameters, so attention is far from
        # uniform and a backward that ignored a bias or an LN weight would show up in the gradients.
        with torch.no_grad():
            for pn, p in model.named_parameters():
                if pn.endswith('ln_1.weight') or pn.endswith('ln_2.weight') or pn.endswith('ln_f.weight'):
                    p.copy_(1 + 0.2 * torch.randn_like(p))
                elif pn.endswith('bias'):
                    p.copy_(0.1 * torch.randn_like(p))
                else:
                    p.copy_(0.3 * torch.randn_like(p))
    V = cfg['vocabSize']
    ids = torch.randint(0, V, (B, T))
    targets = torch.randint(0, V, (B, T))
    params0 = {pn: flat(p) for pn, p in model.named_parameters()}
    with torch.no_grad():
        logits_last = flat(model.logits(ids)[:, -1, :])

    loss = model(ids, targets)
    loss.backward()
    grads = {pn: flat(p.grad) for pn, p in model.named_parameters()}
    loss0 = f32(loss.item())

    # AdamW trajectory on the same batch (nanoGPT grouping: decay on params with dim >= 2)
    opt_cfg = dict(lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1)
    sched = dict(warmup=2, max_steps=5, min_lr=1e-3)
    clip = 0.5
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': opt_cfg['weight_decay']},
                             {'params': no_decay, 'weight_decay': 0.0}],
                            lr=opt_cfg['lr'], betas=(opt_cfg['beta1'], opt_cfg['beta2']), eps=opt_cfg['eps'])
    steps = []
    for it in range(4):
        lr = get_lr(it, opt_cfg['lr'], sched['warmup'], sched['max_steps'], sched['min_lr'])
        for g in opt.param_groups:
            g['lr'] = lr
        opt.zero_grad(set_to_none=True)
        loss = model(ids, targets)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        steps.append(dict(lr=lr, loss=f32(loss.item()), grad_norm=f32(norm.item())))
    params_after = {pn: flat(p) for pn, p in model.named_parameters()}

    doc = dict(config=cfg, B=B, T=T, ids=flat(ids.float()), targets=flat(targets.float()),
               init='nanoGPT' if not perturb else 'perturbed', params=params0, loss=loss0, grads=grads,
               logits_last=logits_last,
               train=dict(optimizer=opt_cfg, schedule=sched, clip=clip, steps=steps, params_after=params_after))
    write(f'gpt-{name}.json', doc)
    print(f'gpt-{name}: {sum(len(v) for v in params0.values())} params, loss {loss0:.6f}, '
          f'grad norms {[round(s["grad_norm"], 4) for s in steps]}')


def make_gradscaler():
    opts = dict(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=3)
    overflow = [False, False, False, True, False, False, False, False, True, True, False, False, False, False]
    scale = torch.full((1,), opts['init_scale'], dtype=torch.float32)
    tracker = 0
    torch.manual_seed(0)
    seq = []
    for step, inject in enumerate(overflow):
        grads = torch.randn(8) * scale  # gradients of the scaled loss
        if inject:
            grads[step % 8] = float('inf') if step % 2 else float('nan')
        inv_scale = (1.0 / scale).float()
        unscaled = grads * inv_scale
        found_inf = bool((~torch.isfinite(unscaled)).any().item())
        before = float(scale.item())
        if found_inf:
            scale = scale * opts['backoff_factor']
            tracker = 0
        else:
            tracker += 1
            if tracker == opts['growth_interval']:
                scale = scale * opts['growth_factor']
                tracker = 0
        seq.append(dict(step=step, overflow=inject, scale=before, found_inf=found_inf, skipped=found_inf,
                        scale_after=float(scale.item()), growth_tracker=tracker))
    write('gradscaler.json', dict(options=opts, steps=seq))
    print('gradscaler:', [s['scale_after'] for s in seq])


def write(name, doc):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    make_gpt('tiny', dict(vocabSize=11, blockSize=4, nLayer=1, nHead=2, nEmbd=8), B=2, T=4, seed=1, perturb=False)
    make_gpt('small', dict(vocabSize=13, blockSize=6, nLayer=2, nHead=3, nEmbd=12), B=3, T=6, seed=2, perturb=True)
    make_gpt('short', dict(vocabSize=17, blockSize=8, nLayer=1, nHead=4, nEmbd=16), B=2, T=7, seed=3, perturb=True)
    make_gradscaler()

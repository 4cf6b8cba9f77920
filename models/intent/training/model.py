"""A small BERT-style encoder in plain PyTorch (pre-LayerNorm), with factorised GloVe-initialised token embeddings,
a mean-pooled classification head, an MLM head for pre-training and an ONNX export wrapper."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.h = h
        self.dh = h // heads
        self.scale = 1.0 / math.sqrt(h // heads)
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)
        self.ff1 = nn.Linear(h, ffn)
        self.ff2 = nn.Linear(ffn, h)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, add_mask):
        b, t = x.shape[0], x.shape[1]
        h, d = self.h, self.dh
        q, k, v = self.qkv(self.ln1(x)).split(h, dim=-1)
        q = q.reshape(b, t, self.heads, d).transpose(1, 2)
        k = k.reshape(b, t, self.heads, d).transpose(1, 2)
        v = v.reshape(b, t, self.heads, d).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-1, -2)) * self.scale + add_mask
        att = self.drop(torch.softmax(att, dim=-1))
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, h)
        x = x + self.drop(self.out(y))
        x = x + self.drop(self.ff2(F.gelu(self.ff1(self.ln2(x)))))
        return x


class Encoder(nn.Module):
    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, heads: int, ffn: int, max_len: int,
                 num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.word = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
        self.proj = nn.Linear(emb_dim, hidden, bias=False)
        self.pos = nn.Embedding(max_len, hidden)
        self.typ = nn.Embedding(2, hidden)
        self.ln_emb = nn.LayerNorm(hidden, eps=1e-12)
        self.drop = nn.Dropout(dropout)
        self.layers = nn.ModuleList([Layer(hidden, heads, ffn, dropout) for _ in range(layers)])
        self.ln_out = nn.LayerNorm(hidden, eps=1e-12)
        self.cls = nn.Linear(hidden, num_labels)
        # MLM head, tied to the (GloVe-space) input embeddings through the factorisation
        self.mlm_dense = nn.Linear(hidden, emb_dim)
        self.mlm_ln = nn.LayerNorm(emb_dim, eps=1e-12)
        self.mlm_bias = nn.Parameter(torch.zeros(vocab_size))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        nn.init.normal_(self.pos.weight, std=0.02)
        nn.init.normal_(self.typ.weight, std=0.02)
        nn.init.normal_(self.proj.weight, std=1.0 / math.sqrt(emb_dim))

    def hidden_states(self, ids, mask, types=None):
        b, t = ids.shape
        pos = torch.arange(t, device=ids.device).unsqueeze(0)
        if types is None:
            types = torch.zeros_like(ids)
        x = self.proj(self.word(ids)) + self.pos(pos) + self.typ(types)
        x = self.drop(self.ln_emb(x))
        add_mask = ((1.0 - mask.to(x.dtype)) * -10000.0)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, add_mask)
        return self.ln_out(x)

    @staticmethod
    def mean_pool(h, mask):
        m = mask.to(h.dtype).unsqueeze(-1)
        return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)

    def forward(self, ids, mask, types=None):
        h = self.hidden_states(ids, mask, types)
        pooled = self.mean_pool(h, mask)
        return self.cls(self.drop(pooled)), pooled, h

    def mlm_logits(self, h):
        z = self.mlm_ln(F.gelu(self.mlm_dense(h)))
        # scaled: GloVe-initialised rows have norms near 10, so unscaled dot products saturate the softmax
        return z @ self.word.weight.t() / math.sqrt(self.word.embedding_dim) + self.mlm_bias


class ExportWrapper(nn.Module):
    """ONNX graph: (input_ids, attention_mask, token_type_ids) -> (logits, last_hidden_state).

    With several members (a seed ensemble), logits are the mean of the members' logits and last_hidden_state is the
    members' hidden states concatenated on the feature axis (so mean pooling + normalising still gives one vector)."""

    def __init__(self, members: list[Encoder], emb_scale: list[float] | None = None):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, input_ids, attention_mask, token_type_ids):
        logits, states = [], []
        for m in self.members:
            h = m.hidden_states(input_ids, attention_mask, token_type_ids)
            pooled = m.mean_pool(h, attention_mask)
            logits.append(m.cls(pooled))
            states.append(h)
        if len(self.members) == 1:
            return logits[0], states[0]
        return torch.stack(logits, 0).mean(0), torch.cat(states, -1)

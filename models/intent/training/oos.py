"""Validation metrics and the out-of-scope decision: the out_of_scope class, a confidence threshold, a margin
threshold and the cosine similarity to the nearest in-scope training example, tuned for OOS recall subject to a
maximum false-alarm rate on in-scope messages. Mirrors server/nlu/out-of-scope-stage.ts."""
from __future__ import annotations

import numpy as np

OOS = "out_of_scope"


def softmax(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def macro_f1(y, p, n):
    f = []
    for c in range(n):
        tp = np.sum((p == c) & (y == c))
        fp = np.sum((p == c) & (y != c))
        fn = np.sum((p != c) & (y == c))
        if tp + fp + fn == 0:
            continue
        f.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f))


def signals(probs, oos_idx, nn_sim):
    order = np.argsort(-probs, 1)
    top = probs[np.arange(len(probs)), order[:, 0]]
    second = probs[np.arange(len(probs)), order[:, 1]]
    return {"argmax": order[:, 0], "conf": top, "margin": top - second, "is_oos_class": order[:, 0] == oos_idx,
            "nn": nn_sim}


def decide(sig, t):
    flag = sig["is_oos_class"].copy()
    if t.get("minConfidence") is not None:
        flag |= sig["conf"] < t["minConfidence"]
    if t.get("minMargin") is not None:
        flag |= sig["margin"] < t["minMargin"]
    if t.get("minNeighbourSimilarity") is not None and sig["nn"] is not None:
        flag |= sig["nn"] < t["minNeighbourSimilarity"]
    return flag


def rates(flag, is_oos):
    return {"oos_recall": float(flag[is_oos].mean()), "false_oos_rate": float(flag[~is_oos].mean()),
            "n_oos": int(is_oos.sum()), "n_in_scope": int((~is_oos).sum())}


def grid(sig, is_oos, max_fpr, kinds):
    cands = [{}]
    qs = np.linspace(0, 0.3, 31)
    ins = ~is_oos
    conf_vals = sorted(set(np.round(np.quantile(sig["conf"][ins], qs), 4))) if "conf" in kinds else [None]
    margin_vals = sorted(set(np.round(np.quantile(sig["margin"][ins], qs), 4))) if "margin" in kinds else [None]
    nn_vals = (sorted(set(np.round(np.quantile(sig["nn"][ins], qs), 4)))
               if ("nn" in kinds and sig["nn"] is not None) else [None])
    cands = [{"minConfidence": c, "minMargin": m, "minNeighbourSimilarity": k}
             for c in conf_vals for m in margin_vals for k in nn_vals]
    best, best_key = None, None
    for t in cands:
        r = rates(decide(sig, t), is_oos)
        if r["false_oos_rate"] > max_fpr:
            continue
        key = (r["oos_recall"], -r["false_oos_rate"])
        if best_key is None or key > best_key:
            best, best_key = t, key
    return best or {"minConfidence": None, "minMargin": None, "minNeighbourSimilarity": None}


def evaluate(labels, val_rows, val_logits, val_z, train_z, train_y, max_fpr=0.04, seed=7):
    n = len(labels)
    oos_idx = labels.index(OOS)
    y = np.array([labels.index(r["intent"]) for r in val_rows])
    src = np.array([r["source"] for r in val_rows])
    probs = softmax(val_logits)
    pred = probs.argmax(1)
    is_oos = y == oos_idx
    nn_sim = None
    if val_z is not None and train_z is not None:
        ins_train = train_z[train_y != oos_idx]
        nn_sim = np.max(val_z @ ins_train.T, 1)
    sig = signals(probs, oos_idx, nn_sim)
    b77 = src == "banking77"
    report = {
        "accuracy": float((pred == y).mean()),
        "banking77_accuracy": float((pred[b77] == y[b77]).mean()),
        "in_scope_accuracy": float((pred[~is_oos] == y[~is_oos]).mean()),
        "macro_f1": macro_f1(y, pred, n),
        "by_source_accuracy": {s: float((pred[src == s] == y[src == s]).mean()) for s in sorted(set(src))},
        "knn_dim": int(train_z.shape[1]) if train_z is not None else 0,
        "knn_count": int((train_y != oos_idx).sum()) if train_y is not None else 0,
    }
    variants = {
        "class_only": [],
        "class+confidence": ["conf"],
        "class+margin": ["margin"],
        "class+nearest_neighbour": ["nn"],
        "class+confidence+nearest_neighbour": ["conf", "nn"],
        "class+confidence+margin": ["conf", "margin"],
    }
    out = {}
    rng = np.random.default_rng(seed)
    halves = rng.random(len(y)) < 0.5
    for name, kinds in variants.items():
        if "nn" in kinds and nn_sim is None:
            continue
        t = grid(sig, is_oos, max_fpr, kinds)
        r = rates(decide(sig, t), is_oos)
        # honest estimate: tune on one half of validation, measure on the other, both ways (2-fold cross-fitting)
        cf = []
        for h in (halves, ~halves):
            sa = {k: (v[h] if v is not None and not isinstance(v, (int, float)) else v) for k, v in sig.items()}
            sb = {k: (v[~h] if v is not None and not isinstance(v, (int, float)) else v) for k, v in sig.items()}
            tt = grid(sa, is_oos[h], max_fpr, kinds)
            cf.append(rates(decide(sb, tt), is_oos[~h]))
        out[name] = {"thresholds": t, **r,
                     "cross_fitted_oos_recall": float(np.mean([c["oos_recall"] for c in cf])),
                     "cross_fitted_false_oos_rate": float(np.mean([c["false_oos_rate"] for c in cf]))}
    # choose by cross-fitted recall (ties: fewer signals), so the choice itself is not an over-fit. Recall is compared
    # in whole points: a gain of a message or two out of 891 does not pay for an extra signal, which flags more
    # in-scope messages (measured: class_only 98.1% recall at 1.0% false alarms vs + neighbour check 98.2% at 3.3%).
    best_name = max(out, key=lambda k: (round(out[k]["cross_fitted_oos_recall"], 2)
                                        - (0.01 if out[k]["cross_fitted_false_oos_rate"] > max_fpr + 0.01 else 0),
                                        -len(variants[k])))
    chosen = out[best_name]["thresholds"]
    flag = decide(sig, chosen)
    final = np.where(flag, oos_idx, np.where(sig["is_oos_class"], oos_idx, pred))
    generic = src == "clinc150_oos"
    domain = src == "clinc150_domain_oos"
    report["oos"] = {
        "variants": out, "chosen_variant": best_name, "chosen": chosen,
        "at_chosen": {**rates(flag, is_oos),
                      "generic_oos_recall": float(flag[generic].mean()) if generic.any() else None,
                      "domain_oos_recall": float(flag[domain].mean()) if domain.any() else None,
                      "banking77_false_oos_rate": float(flag[b77].mean()),
                      "cross_fitted_oos_recall": out[best_name]["cross_fitted_oos_recall"],
                      "cross_fitted_false_oos_rate": out[best_name]["cross_fitted_false_oos_rate"]},
    }
    # end-to-end figures after the out-of-scope stage (a wrongly flagged in-scope message counts as an error)
    report["with_oos_stage"] = {
        "accuracy": float((final == y).mean()),
        "banking77_accuracy": float((final[b77] == y[b77]).mean()),
        "macro_f1": macro_f1(y, final, n),
    }
    return report

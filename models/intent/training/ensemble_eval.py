"""Experiment: ensembling the transformer with the classical baseline (TF-IDF + logistic regression) on validation.
Usage: ensemble_eval.py <experiment name>   (needs .train-cache/baseline.json from baseline.py --out)."""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import build_splits  # noqa: E402
from oos import softmax  # noqa: E402

cache = Path(__file__).resolve().parents[1] / ".train-cache"
name = sys.argv[1]
s = build_splits()
labels, val = s["labels"], s["val"]
base = json.loads((cache / "baseline.json").read_text())
assert base["labels"] == labels, "label order differs"
pb = np.array(base["probs"])
pt = softmax(np.load(cache / "experiments" / f"{name}.val_logits.npy"))
y = np.array([labels.index(r["intent"]) for r in val])
b77 = np.array([r["source"] == "banking77" for r in val])
out = []
for w in np.linspace(0, 1, 11):
    p = w * pt + (1 - w) * pb
    pred = p.argmax(1)
    out.append({"transformer_weight": round(float(w), 1), "accuracy": round(float((pred == y).mean()), 4),
                "banking77_accuracy": round(float((pred[b77] == y[b77]).mean()), 4)})
print(json.dumps(out, indent=0))

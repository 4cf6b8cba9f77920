"""Classical baseline: TF-IDF (word 1-2-grams + char_wb 2-4-grams) + logistic regression (scikit-learn).

Used by `npm run bench:nlu` (same validation split, same run) and as an ensembling experiment in train.py.
Prints/writes per-example probabilities so the caller can compute the same metrics as for the transformer.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import build_splits  # noqa: E402


class TfidfLogReg:
    """Word + char n-gram TF-IDF features and a multinomial logistic regression."""

    def __init__(self, C: float = 20.0, seed: int = 0):
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2, lowercase=True)
        self.clf = LogisticRegression(C=C, max_iter=300, tol=1e-3, random_state=seed)

    def fit(self, texts, labels):
        X = hstack([self.word.fit_transform(texts), self.char.fit_transform(texts)]).tocsr()
        self.clf.fit(X, labels)
        return self

    def predict_proba(self, texts):
        X = hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()
        return self.clf.predict_proba(X)

    @property
    def classes_(self):
        return list(self.clf.classes_)

    def n_parameters(self) -> int:
        return int(self.clf.coef_.size + self.clf.intercept_.size)


def main():
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", help="write {labels, probs, fit_seconds, ...} JSON here")
    ap.add_argument("--C", type=float, default=20.0)
    ap.add_argument("--model-cache", help="pickle of the fitted baseline; reused when the training data and C match "
                                          "(fitting takes minutes; predictions and timings are always measured anew)")
    args = ap.parse_args()
    s = build_splits()
    tr, va = s["train"], s["val"]
    import hashlib
    import pickle

    key = hashlib.sha256(json.dumps([[r["text"], r["intent"]] for r in tr] + [args.C]).encode()).hexdigest()
    cached = Path(args.model_cache) if args.model_cache else None
    m = None
    fit_s = None
    if cached and cached.exists():
        blob = pickle.loads(cached.read_bytes())
        if blob.get("key") == key:
            m, fit_s = blob["model"], blob["fit_seconds"]
            print("baseline: reusing the cached fit (same training data)", file=sys.stderr)
    if m is None:
        t0 = time.time()
        m = TfidfLogReg(C=args.C).fit([r["text"] for r in tr], [r["intent"] for r in tr])
        fit_s = time.time() - t0
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps({"key": key, "model": m, "fit_seconds": fit_s}))
    texts = [r["text"] for r in va]
    t0 = time.time()
    P = m.predict_proba(texts)
    batch_s = time.time() - t0
    # single-message latency, as a user would see it, and throughput in batches of 32
    lat = []
    for t in texts[:300]:
        t1 = time.perf_counter()
        m.predict_proba([t])
        lat.append((time.perf_counter() - t1) * 1000)
    t1 = time.perf_counter()
    n32 = 0
    for k in range(0, min(len(texts), 640), 32):
        m.predict_proba(texts[k:k + 32])
        n32 += len(texts[k:k + 32])
    per_s_32 = n32 / (time.perf_counter() - t1)
    import resource
    pred = np.array(m.classes_)[P.argmax(1)]
    acc = float(np.mean(pred == np.array([r["intent"] for r in va])))
    print(json.dumps({"val_accuracy": acc, "fit_seconds": fit_s}), file=sys.stderr)
    if args.out:
        size = len(pickle.dumps(m))
        Path(args.out).write_text(json.dumps({
            "labels": m.classes_, "probs": np.round(P, 6).tolist(), "fit_seconds": fit_s,
            "batch_seconds": batch_s, "latency_ms": lat, "pickled_bytes": size, "n_parameters": m.n_parameters(),
            "throughput_batch32_per_s": per_s_32,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "val_intents": [r["intent"] for r in va], "val_sources": [r["source"] for r in va],
            "val_texts": texts,
        }))


if __name__ == "__main__":
    main()

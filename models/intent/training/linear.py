"""The served ensemble's linear member: TF-IDF word 1-2-grams + char_wb 2-4-grams (scikit-learn), the features cut to
the K most informative by chi-squared, then a multinomial logistic regression. Writes `tfidf-linear.json` (format
`moneta-tfidf-linear/1`: vectorizer settings, vocabularies, idf, intercepts, per-feature scales) and
`tfidf-linear.bin` (int8 weights, n_features x n_labels, feature-major), which `server/nlu/tfidf-linear-model.ts`
reads; plus `tfidf-linear-reference.json` (scikit-learn's feature rows and probabilities on fixture texts) for the
TypeScript parity test. Validation probabilities of the served (quantised) weights go to the training cache for
`ensemble.py`.

Usage: linear.py --out models/intent [--config JSON]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import chi2
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import build_splits  # noqa: E402
import sklearn  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULTS = dict(word_ngrams=[1, 2], word_min_df=1, char_ngrams=[2, 4], char_min_df=2, k_features=30000, C=20.0,
                max_iter=300, tol=1e-3, dtype="int8")
TOKEN_PATTERN = r"(?u)\b\w\w+\b"

# Fixture texts for the TypeScript parity test: accents, CJK, emoji, odd whitespace (Python's str.split() set
# differs from JS \s), underscores, digits, apostrophes, long words.
REFERENCE_TEXTS = [
    "I am still waiting on my card?", "how should I invest 10,000 euros for 15 years?", "my card got stuck in the ATM",
    "Héllo wörld — naïve café", "你好，我的卡在哪里", "🙂🙂🙂", "<b>my card</b> was <script>x</script>",
    "tab\tand\nnewline and \u200bzero width and \u00a0nbsp and \u2003em space", "ctrl\u0007chars\u001chere\u0085too",
    "snake_case_word and a_b c_d 3.5% x2", "don't won't can't I'm", "", "   ", "9000", "recieve my refnd plz!!!",
    "am I creditworthy?", "ΟΔΟΣ Σίσυφος İstanbul straße", "supercalifragilisticexpialidocious " * 3,
    "Why was I charged twice for my coffee at the café?", "top up via apple pay failed",
]


def fit(texts, y, cfg, log=print):
    """Returns (word vectorizer, char vectorizer, classifier), the vectorizers restricted to the chosen features."""
    kw = dict(sublinear_tf=True, lowercase=True)
    wv = TfidfVectorizer(ngram_range=tuple(cfg["word_ngrams"]), min_df=cfg["word_min_df"], token_pattern=TOKEN_PATTERN, **kw)
    cv = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(cfg["char_ngrams"]), min_df=cfg["char_min_df"], **kw)
    Xw, Xc = wv.fit_transform(texts), cv.fit_transform(texts)
    n_all = Xw.shape[1] + Xc.shape[1]
    if cfg["k_features"] and cfg["k_features"] < n_all:
        score, _ = chi2(hstack([Xw, Xc]).tocsr(), y)
        keep = np.argsort(-np.nan_to_num(score), kind="stable")[: cfg["k_features"]]
        nw = Xw.shape[1]
        wvoc, cvoc = wv.get_feature_names_out(), cv.get_feature_names_out()
        # A vectorizer given a vocabulary computes the same idf for those terms (df does not depend on the other
        # terms); the l2 norm is then over the kept features only, which is what the server computes.
        wv = TfidfVectorizer(ngram_range=tuple(cfg["word_ngrams"]), token_pattern=TOKEN_PATTERN,
                             vocabulary=sorted(wvoc[k] for k in keep if k < nw), **kw)
        cv = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(cfg["char_ngrams"]),
                             vocabulary=sorted(cvoc[k - nw] for k in keep if k >= nw), **kw)
        Xw, Xc = wv.fit_transform(texts), cv.fit_transform(texts)
    log(f"  linear: {n_all} features -> {Xw.shape[1]} word + {Xc.shape[1]} char")
    clf = LogisticRegression(C=cfg["C"], max_iter=cfg["max_iter"], tol=cfg["tol"], random_state=0)
    clf.fit(hstack([Xw, Xc]).tocsr(), y)
    return wv, cv, clf


def features(wv, cv, texts):
    return hstack([wv.transform(texts), cv.transform(texts)]).tocsr()


def quantise(W: np.ndarray, dtype: str):
    """W: n_labels x n_features. Returns (stored feature-major array, per-feature scales, dequantised W)."""
    Wt = W.T.astype(np.float64)  # n_features x n_labels
    if dtype == "int8":
        scales = np.abs(Wt).max(1) / 127.0
        scales[scales == 0] = 1.0
        q = np.clip(np.round(Wt / scales[:, None]), -127, 127).astype(np.int8)
        return q, scales, (q.astype(np.float64) * scales[:, None]).T
    if dtype == "float16":
        q = Wt.astype("<f2")
        return q, np.ones(len(Wt)), q.astype(np.float64).T
    q = Wt.astype("<f4")
    return q, np.ones(len(Wt)), q.astype(np.float64).T


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def served_proba(X, Wdq, b):
    return softmax(np.asarray(X @ Wdq.T) + b)


def vec_spec(v: TfidfVectorizer, analyzer: str):
    return {"analyzer": analyzer, "ngramRange": list(v.ngram_range), "lowercase": bool(v.lowercase),
            "sublinearTf": bool(v.sublinear_tf), "norm": v.norm, "smoothIdf": bool(v.smooth_idf),
            **({"tokenPattern": v.token_pattern} if analyzer == "word" else {}),
            "vocabulary": list(v.get_feature_names_out()), "idf": [float(x) for x in v.idf_]}


def export(out: Path, wv, cv, clf, labels, cfg, metrics):
    W, b = clf.coef_, clf.intercept_
    q, scales, Wdq = quantise(W, cfg["dtype"])
    q.tofile(out / "tfidf-linear.bin")
    spec = {
        "format": "moneta-tfidf-linear/1",
        "description": "TF-IDF word + char_wb n-grams (chi2-selected) and multinomial logistic regression, the linear "
                       "member of Moneta's intent ensemble (models/intent/training/linear.py).",
        "sklearn": sklearn.__version__, "config": cfg, "metrics": metrics,
        "labels": labels,
        "vectorizers": [vec_spec(wv, "word"), vec_spec(cv, "char_wb")],
        "weights": {"file": "tfidf-linear.bin", "dtype": cfg["dtype"], "shape": list(q.shape), "scaleAxis": "feature",
                    "scales": [float(s) for s in scales], "intercept": [float(x) for x in b]},
    }
    (out / "tfidf-linear.json").write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n")
    # reference rows for the TypeScript parity test (test/unit/server/nlu/tfidf-linear-model.test.ts)
    X = features(wv, cv, REFERENCE_TEXTS)
    P_sk = clf.predict_proba(X)
    P_served = served_proba(X, Wdq, b)
    refs = []
    for i, t in enumerate(REFERENCE_TEXTS):
        row = X.getrow(i)
        refs.append({"text": t, "cols": [int(c) for c in row.indices],
                     "values": [float(v) for v in row.data],
                     "sklearn_proba": [round(float(p), 8) for p in P_sk[i]],
                     "served_proba": [round(float(p), 8) for p in P_served[i]]})
    (out / "tfidf-linear-reference.json").write_text(json.dumps({"texts": refs}, ensure_ascii=False) + "\n")
    return Wdq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default=str(HERE.parent / ".train-cache"))
    ap.add_argument("--config", default="{}")
    ap.add_argument("--name", default="final")
    args = ap.parse_args()
    cfg = {**DEFAULTS, **json.loads(args.config)}
    t0 = time.time()
    s = build_splits()
    labels, tr, va = s["labels"], s["train"], s["val"]
    y = np.array([labels.index(r["intent"]) for r in tr])
    wv, cv, clf = fit([r["text"] for r in tr], y, cfg)
    assert list(clf.classes_) == list(range(len(labels))), "every label must occur in training"
    fit_s = time.time() - t0
    Xv = features(wv, cv, [r["text"] for r in va])
    yv = np.array([labels.index(r["intent"]) for r in va])
    b77 = np.array([r["source"] == "banking77" for r in va])
    P_full = clf.predict_proba(Xv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    metrics = {"accuracy_float": float((P_full.argmax(1) == yv).mean()),
               "banking77_accuracy_float": float((P_full.argmax(1) == yv)[b77].mean())}
    Wdq = export(out, wv, cv, clf, labels, cfg, metrics)
    P = served_proba(Xv, Wdq, clf.intercept_)
    metrics.update({"accuracy": float((P.argmax(1) == yv).mean()),
                    "banking77_accuracy": float((P.argmax(1) == yv)[b77].mean()),
                    "n_features": int(Xv.shape[1]), "fit_seconds": round(fit_s, 1)})
    # rewrite with the served-weights metrics included
    spec = json.loads((out / "tfidf-linear.json").read_text())
    spec["metrics"] = metrics
    (out / "tfidf-linear.json").write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n")
    cache = Path(args.cache) / "experiments"
    cache.mkdir(parents=True, exist_ok=True)
    np.save(cache / f"{args.name}.linear_val_proba.npy", P)
    print(json.dumps(metrics), file=sys.stderr)


if __name__ == "__main__":
    main()

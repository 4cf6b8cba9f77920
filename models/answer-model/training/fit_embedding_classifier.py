"""Fits the answer model's embedding passage classifier: a multinomial logistic regression over the served retrieval
embedder's query vectors, one class per passage, trained on the embeddings of each passage's title and alternate
questions (scripts/answer-model/export-kb-embeddings.ts). Knowledge-base content only, so the answer model fitted next
on the tuning questions sees out-of-sample probabilities.

C = 100 was chosen in the answer model's cross-validation on the tuning questions (right - 3 x wrong: C = 1 0.733,
C = 10 0.746, C = 100 0.758; without this classifier 0.715).

    python3 fit_embedding_classifier.py <kb-embeddings.json> <out dir>

Writes `passage-classifier-embedding.json` (labels, intercepts, embedder id, parity reference) and
`passage-classifier-embedding.bin` (float32 weights, passages x dimensions) for server/rag/embedding-passage-classifier.ts.
"""
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

C = 100.0


def main():
    data = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    labels = sorted({r['id'] for r in data['rows']})
    index = {l: i for i, l in enumerate(labels)}
    X = np.array([r['vector'] for r in data['rows']], dtype=np.float64)
    y = np.array([index[r['id']] for r in data['rows']])
    clf = LogisticRegression(C=C, max_iter=2000, random_state=0).fit(X, y)
    assert list(clf.classes_) == list(range(len(labels)))
    W = clf.coef_.astype('<f4')  # passages x dimensions, label-major
    W.tofile(out / 'passage-classifier-embedding.bin')
    ref_rows = X[:: max(1, len(X) // 6)][:6]
    # The served weights are float32: the reference is computed with them, as the server computes.
    z = ref_rows @ W.astype(np.float64).T + clf.intercept_
    z = np.exp(z - z.max(1, keepdims=True))
    ref_p = z / z.sum(1, keepdims=True)
    spec = {
        'format': 'moneta-embedding-linear/1',
        'description': "Multinomial logistic regression over the retrieval embedder's query vectors, one class per passage, "
                       "trained on the passages' titles and alternate questions (models/answer-model/training/fit_embedding_classifier.py).",
        'embedderModelId': data['embedderModelId'],
        'labels': labels,
        'dimension': int(X.shape[1]),
        'weights': {'file': 'passage-classifier-embedding.bin', 'dtype': 'float32'},
        'intercept': [float(b) for b in clf.intercept_],
        'reference': {'rows': ref_rows.tolist(), 'probabilities': ref_p.tolist()},
        'training': {'texts': len(y), 'passages': len(labels), 'C': C, 'trainingAccuracy': float((clf.predict(X) == y).mean())},
    }
    (out / 'passage-classifier-embedding.json').write_text(json.dumps(spec, separators=(',', ':')) + '\n')
    print(f"embedding classifier: {len(labels)} passages, {len(y)} texts, {X.shape[1]} dimensions, training accuracy {spec['training']['trainingAccuracy']:.3f}", file=sys.stderr)


if __name__ == '__main__':
    main()

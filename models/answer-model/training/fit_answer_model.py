"""Fits Moneta's answer model: gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier) over the served
retrieval path's candidate features (server/rag/answer-model.ts computes the same features and walks the exported
trees), giving P(this passage answers the message). Trees beat a logistic regression in cross-validation on the dev
data (right answers at <= 3% wrong: 0.834 vs 0.781): the signals interact (an NLU intent the passage declares means
more when the NLU is sure, a BM25-only match means little on a one-word question).

    python3 fit_answer_model.py <features.jsonl> <model.json> --reranker <modelId> --rerank-k 3 \
        --passage-classifier passage-classifier.json --embedding-classifier passage-classifier-embedding.json

Input rows come from scripts/answer-model/export-features.ts (TUNING data only: the dev half, both tuning-blind sets,
and CLINC150 messages unrelated to money). A candidate is labelled right when the question's original label or its
pooled assessment names it (knowledge/eval/pooled-assessment/README.md). The tree settings and the thresholds are chosen by 5-fold
cross-validation grouped by question, so every threshold is set on predictions for questions the fit did not see.
"""
import argparse
import datetime
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

FEATURES = [
    'score', 'dense', 'coverage', 'log_bm25', 'inv_rank_dense', 'inv_rank_bm25', 'in_intent_list', 'inv_position',
    'rerank', 'has_rerank', 'rerank_lead', 'nlu_p_passage', 'nlu_top_is_passage', 'nlu_confidence', 'nlu_out_of_scope',
    'nlu_knowledge_intent', 'dense_lead', 'coverage_lead', 'bm25_share', 'log_terms',
    'classifier_p', 'classifier_inv_rank', 'classifier_top', 'classifier_share_of_top',
    'embedding_classifier_p', 'embedding_classifier_inv_rank', 'embedding_classifier_top',
    'embedding_classifier_share_of_top',
]
# A wrong answer costs this many refusals: a customer misled by a confident wrong citation is worse off than one
# offered the closest topics and a person.
WRONG_COST = 3.0


def load(path):
    qs = [json.loads(l) for l in open(path) if l.strip()]
    X, y, g = [], [], []
    for qi, q in enumerate(qs):
        for c in q['candidates']:
            X.append(c['features'])
            y.append(c['label'])
            g.append(qi)
    return qs, np.array(X, dtype=float), np.array(y), np.array(g)


def decisions(qs, p, g):
    """Per message, as arrays: the first two candidates by probability (p1, p2), whether each is right (r1, r2),
    whether the message is answerable, whether it is a money question, and its question set."""
    p1, r1, p2, r2 = [], [], [], []
    for qi, q in enumerate(qs):
        idx = np.where(g == qi)[0]
        order = idx[np.argsort(-p[idx], kind='stable')]
        right = [q['candidates'][i - idx[0]]['id'] in q['relevant'] for i in order[:2]] + [False, False]
        p1.append(float(p[order[0]]) if len(order) else 0.0)
        p2.append(float(p[order[1]]) if len(order) > 1 else 0.0)
        r1.append(right[0])
        r2.append(right[1])
    return {
        'p1': np.array(p1), 'r1': np.array(r1), 'p2': np.array(p2), 'r2': np.array(r2),
        'ans': np.array([bool(q['relevant']) for q in qs]),
        'money': np.array([q['set'] != 'oos' for q in qs]), 'set': np.array([q['set'] for q in qs]),
    }


# "Do you mean …?" with the first two passages counts as right when one of them is, and the issue allows up to 10% of
# messages to be clarified. The fit allows 9% of the tuning money questions (the tuning-blind set, the closest in
# style to the blind sets, then clarifies about 10% in cross-validation; on 2026-12-08, before the second tuning set,
# 7% → 9% raised cross-validated right answers 0.880 → 0.905 at about the same wrong rate, 0.025 → 0.028).
MAX_CLARIFY = 0.09
# Closest topics (buttons under "I couldn't find a good answer" or "Could you say it another way?") are offered from
# the probability that at most this share of messages unrelated to money (CLINC150) reaches: a refused customer
# question then usually gets its right passage as a button (never a dead end), and small talk rarely gets banking
# topics. 10% since 2026-12-08 (5% before): with the larger, pooled-label tuning data the 5% point rose to p = 0.153
# and left 82 of 1,191 tuning money messages with no topic at all (the issue's "my transfr didnt go thru?? its been 3
# days" among them); at 10% (p = 0.065) about 56 are, and 200 instead of 188 of the 225 refused answerable questions get
# their right passage as a button. A stray small-talk message shown a few banking topics can ignore them; a customer left
# with "outside what I can help with" cannot.
MAX_NON_MONEY_WITH_TOPICS = 0.10


def simulate(dec, tau, csum, cmin, money=True, only=None):
    """Right (share of answerable), wrong and clarified (shares of all) for one set of thresholds, as the server decides:
    answer the first passage from `tau`; below it, clarify with the first two when p1 + p2 >= csum and p2 >= cmin."""
    sel = (dec['money'] == money) & (True if only is None else dec['set'] == only)
    if not sel.any():
        return 0.0, 0.0, 0.0
    p1, r1, p2, ans, r2 = (dec[k][sel] for k in ('p1', 'r1', 'p2', 'ans', 'r2'))
    answered = p1 >= tau
    clar = ~answered & (p1 + p2 >= csum) & (p2 >= cmin)
    right = (answered & ans & r1).sum() + (clar & ans & (r1 | r2)).sum()
    wrong = (answered & ~(ans & r1)).sum()
    return right / max(1, ans.sum()), wrong / len(p1), clar.sum() / len(p1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('features')
    ap.add_argument('out')
    ap.add_argument('--reranker', default=None)
    ap.add_argument('--rerank-k', type=int, default=5)
    ap.add_argument('--passage-classifier', default=None, help='file name of the passage classifier the features read')
    ap.add_argument('--embedding-classifier', default=None, help='file name of the embedding passage classifier the features read')
    ap.add_argument('--labels', default='original', choices=['original', 'pooled'], help='which labels the features file was exported with (recorded in the model)')
    ap.add_argument('--drop', default='', help='comma-separated features to zero (ablation)')
    args = ap.parse_args()
    qs, X, y, g = load(args.features)
    drop = [FEATURES.index(f) for f in args.drop.split(',') if f]
    X[:, drop] = 0.0
    print(f'{len(qs)} messages, {len(y)} candidates, {int(y.sum())} right candidates', file=sys.stderr)

    # Baseline in the same data: is the retriever's first candidate right?
    retriever_top1 = [bool(q['candidates']) and q['candidates'][0]['id'] in q['relevant'] for q in qs if q['relevant']]

    configs = [dict(max_depth=d, learning_rate=0.05, max_iter=it, min_samples_leaf=leaf, l2_regularization=1.0, random_state=0)
               for d in (2, 3) for it in (300,) for leaf in (20, 40)]
    # Per configuration: cross-validated probabilities, then the thresholds (answer; "Do you mean" with the first two)
    # that maximise right - WRONG_COST * wrong with at most MAX_CLARIFY of the money questions clarified.
    best = None
    for cfg in configs:
        p = np.zeros(len(y))
        for tr, te in GroupKFold(n_splits=5).split(X, y, g):
            m = HistGradientBoostingClassifier(**cfg).fit(X[tr], y[tr])
            p[te] = m.predict_proba(X[te])[:, 1]
        dec = decisions(qs, p, g)
        for tau in np.arange(0.4, 0.95, 0.02):
            for csum in np.arange(0.3, 1.5, 0.05):
                for cmin in (0.05, 0.1, 0.15, 0.2, 0.3):
                    r, w, c = simulate(dec, tau, csum, cmin, money=True)
                    _, wo, _ = simulate(dec, tau, csum, cmin, money=False)
                    if c > MAX_CLARIFY:
                        continue
                    utility = r - WRONG_COST * w - WRONG_COST * wo * 0.5
                    if best is None or utility > best[0]:
                        best = (utility, cfg, float(tau), float(csum), float(cmin), r, w, wo, c, dec)
    utility, cfg, tau, csum, cmin, right, wrong, oos_cited, clarified, dec = best
    non_money_p1 = dec['p1'][~dec['money']]
    near = float(np.quantile(non_money_p1, 1 - MAX_NON_MONEY_WITH_TOPICS)) if len(non_money_p1) else tau / 3
    near = round(min(tau / 3, max(0.05, near)), 3)
    refused = dec['ans'] & dec['money'] & (dec['p1'] < tau)
    topic_right = refused & (((dec['p1'] >= near) & dec['r1']) | ((dec['p2'] >= near) & dec['r2']))
    print(f'closest topics from p >= {near}: non-money messages with topics {np.mean(non_money_p1 >= near):.3f}; refused answerable questions offered their right passage {topic_right.sum()}/{refused.sum()}', file=sys.stderr)
    top1 = np.mean(dec['r1'][dec['ans']])
    btop1 = np.mean(retriever_top1)
    print(f'cross-validated: {cfg} answer >= {tau:.2f}, clarify p1+p2 >= {csum:.2f} and p2 >= {cmin}: right {right:.3f} wrong {wrong:.3f} clarified {clarified:.3f} non-money cited {oos_cited:.3f}; top-1 right {top1:.3f} (retriever order {btop1:.3f})', file=sys.stderr)
    for name in sorted({q['set'] for q in qs} - {'oos'}):
        r, w, c = simulate(dec, tau, csum, cmin, money=True, only=name)
        print(f'  {name}: right {r:.3f} wrong {w:.3f} clarified {c:.3f}', file=sys.stderr)

    m = HistGradientBoostingClassifier(**cfg).fit(X, y)
    trees = []
    for (predictor,) in m._predictors:  # noqa: one tree per iteration for a binary problem
        nodes = predictor.nodes
        trees.append([[int(n['feature_idx']), float(n['num_threshold']), int(n['left']), int(n['right']), float(n['value']), int(n['is_leaf']), int(n['missing_go_to_left'])] for n in nodes])
    # Parity reference: the served evaluator must reproduce scikit-learn's probabilities on these rows.
    ref_rows = X[:: max(1, len(X) // 40)][:40]
    model = {
        'name': 'moneta-answer-model',
        'version': datetime.date.today().isoformat(),
        'features': FEATURES,
        'baseline': float(np.ravel(m._baseline_prediction)[0]),
        'trees': trees,
        'thresholds': {
            'minScore': round(tau, 3),
            'rejectedMinScore': round(tau, 3),
            'overrideMinScore': round(tau, 3),
            'suggestMinScore': near,
            'nearMinScore': near,
            'clarifySum': round(csum, 3),
            'clarifyMinSecond': round(cmin, 3),
        },
        'rerankerModelId': args.reranker,
        'rerankK': args.rerank_k,
        **({'passageClassifier': args.passage_classifier} if args.passage_classifier else {}),
        **({'embeddingClassifier': args.embedding_classifier} if args.embedding_classifier else {}),
        'reference': {'rows': ref_rows.tolist(), 'probabilities': m.predict_proba(ref_rows)[:, 1].tolist()},
        'training': {
            'labels': args.labels,
            'messages': len(qs),
            'candidates': int(len(y)),
            'sets': sorted({q['set'] for q in qs}),
            'settings': cfg,
            'wrongCost': WRONG_COST,
            'crossValidated': {'right': round(right, 4), 'wrong': round(wrong, 4), 'clarified': round(clarified, 4), 'nonMoneyCited': round(oos_cited, 4), 'top1': round(float(top1), 4), 'retrieverTop1': round(float(btop1), 4)},
        },
    }
    with open(args.out, 'w') as f:
        json.dump(model, f)
        f.write('\n')


if __name__ == '__main__':
    main()

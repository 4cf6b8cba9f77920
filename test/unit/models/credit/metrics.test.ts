// Scoring metrics, cut-off search, Platt scaling, the logistic-regression baseline and stratified folds on small
// hand-checked examples.
import { describe, expect, it } from 'vitest';
import { applyPlatt, fitPlatt, sigmoid } from '../../../../models/credit/lib/calibration.ts';
import { fitLogisticRegression, logisticLogit } from '../../../../models/credit/lib/logistic-regression.ts';
import { brierScore, calibrationTable, costAt, costOptimalThreshold, ksStatistic, logLoss, rocAuc } from '../../../../models/credit/lib/metrics.ts';
import { mulberry32, normalSampler, stratifiedFolds } from '../../../../models/credit/lib/random.ts';

describe('credit metrics', () => {
  it('AUC counts correctly ordered pairs, ties as half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1])).toBe(1);
    expect(rocAuc([1, 0, 1, 0, 1], [0.3, 0.3, 0.9, 0.1, 0.3])).toBeCloseTo(5 / 6, 12);
  });

  it('KS is the largest gap between the cumulative score distributions', () => {
    expect(ksStatistic([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1])).toBe(1);
    // bads at 0.9, 0.3; goods at 0.5, 0.1: best split after 0.9 → 1/2 − 0 = 0.5
    expect(ksStatistic([1, 0, 1, 0], [0.9, 0.5, 0.3, 0.1])).toBeCloseTo(0.5, 12);
  });

  it('Brier and log loss match their definitions', () => {
    expect(brierScore([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
  });

  it('the calibration table bins by predicted probability and reports observed rates', () => {
    const probs = [0.1, 0.1, 0.2, 0.2, 0.8, 0.8, 0.9, 0.9];
    const labels = [0, 0, 0, 1, 1, 1, 1, 1];
    const table = calibrationTable(labels, probs, 2);
    expect(table).toHaveLength(2);
    expect(table[0]).toMatchObject({ count: 4, observedRate: 0.25 });
    expect(table[0]!.meanPredicted).toBeCloseTo(0.15, 12);
    expect(table[1]).toMatchObject({ count: 4, observedRate: 1 });
  });

  it('the cost-optimal cut-off minimises 5 × bad accepted + 1 × good rejected', () => {
    const labels = [1, 0, 0, 1, 0, 0, 0, 0];
    const probs = [0.9, 0.7, 0.6, 0.5, 0.3, 0.2, 0.15, 0.1];
    const choice = costOptimalThreshold(labels, probs, { badAccepted: 5, goodRejected: 1 });
    // Rejecting the top four costs 2 good rejections = 2/8; any other cut-off costs more.
    expect(choice.costPerApplicant).toBeCloseTo(2 / 8, 12);
    expect(choice.threshold).toBeGreaterThan(0.3);
    expect(choice.threshold).toBeLessThanOrEqual(0.5);
    expect(costAt(labels, probs, choice.threshold, { badAccepted: 5, goodRejected: 1 })).toBeCloseTo(2 / 8, 12);
    expect(choice.bayesThreshold).toBeCloseTo(1 / 6, 12);
  });
});

describe('Platt scaling', () => {
  it('recovers the slope and intercept of logistic data', () => {
    const uniform = mulberry32(3);
    const z: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const logit = uniform() * 8 - 4;
      z.push(logit);
      y.push(uniform() < sigmoid(0.5 * logit - 1) ? 1 : 0);
    }
    const cal = fitPlatt(z, y);
    expect(cal.a).toBeCloseTo(0.5, 1);
    expect(cal.b).toBeCloseTo(-1, 1);
    expect(applyPlatt(cal, 2)).toBeCloseTo(sigmoid(0), 1);
  });
});

describe('logistic regression baseline', () => {
  it('recovers the generating coefficients with a small penalty', () => {
    const uniform = mulberry32(5);
    const normal = normalSampler(uniform);
    const n = 5000;
    const d = 2;
    const x = new Float32Array(n * d);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 2] = normal();
      x[i * 2 + 1] = normal();
      y[i] = uniform() < sigmoid(1.5 * x[i * 2]! - 0.8 * x[i * 2 + 1]! + 0.3) ? 1 : 0;
    }
    const rows = Array.from({ length: n }, (_, i) => i);
    const model = fitLogisticRegression(x, y, d, rows, 1e-3);
    expect(model.weights[0]).toBeCloseTo(1.5, 0);
    expect(Math.abs(model.weights[0]! - 1.5)).toBeLessThan(0.15);
    expect(Math.abs(model.weights[1]! + 0.8)).toBeLessThan(0.1);
    expect(Math.abs(model.intercept - 0.3)).toBeLessThan(0.1);
    // A strong penalty shrinks the weights towards zero.
    const shrunk = fitLogisticRegression(x, y, d, rows, 1e4);
    expect(Math.abs(shrunk.weights[0]!)).toBeLessThan(Math.abs(model.weights[0]!) / 2);
    expect(logisticLogit(model, x, d, 0)).toBeCloseTo(model.weights[0]! * x[0]! + model.weights[1]! * x[1]! + model.intercept, 6);
  });
});

describe('stratified folds', () => {
  it('keeps the class balance in every fold and is reproducible', () => {
    const labels = Array.from({ length: 800 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const folds = stratifiedFolds(labels, 5, 7);
    for (let f = 0; f < 5; f++) {
      const members = labels.filter((_, i) => folds[i] === f);
      expect(members).toHaveLength(160);
      expect(members.filter((l) => l === 1)).toHaveLength(48);
    }
    expect(Array.from(stratifiedFolds(labels, 5, 7))).toEqual(Array.from(folds));
    expect(Array.from(stratifiedFolds(labels, 5, 8))).not.toEqual(Array.from(folds));
  });
});

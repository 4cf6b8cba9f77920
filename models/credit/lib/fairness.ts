/**
 * Approval rates across protected groups at a model's cut-off, and their ratios to the most-approved group (the
 * "four-fifths rule" of the US Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D), widely used as
 * a first screen for disparate impact in lending too). A ratio under 0.8 is flagged for review.
 */

/** Approval statistics of one group. */
export interface GroupApproval {
  group: string;
  count: number;
  approved: number;
  approvalRate: number;
  /** Observed default rate in the group (when labels are known). */
  defaultRate?: number;
  /** Approval rate ÷ the highest group approval rate for this attribute. */
  ratioToHighest: number;
  /** True when the ratio is under four-fifths. */
  flagged: boolean;
}

/** One protected attribute's breakdown. */
export interface AttributeFairness {
  attribute: string;
  groups: GroupApproval[];
  minRatio: number;
  flagged: boolean;
}

/** The four-fifths threshold. */
export const FOUR_FIFTHS = 0.8;

/**
 * Approval (probability below the cut-off) rates per group for each attribute; `groupsOf[i]` maps attribute → group
 * for row i. Groups labelled "unknown" are reported but not compared.
 */
export function approvalRatesByGroup(
  groupsOf: ReadonlyArray<Record<string, string>>,
  probabilities: ArrayLike<number>,
  threshold: number,
  labels?: ArrayLike<number>,
): AttributeFairness[] {
  const attributes = [...new Set(groupsOf.flatMap((g) => Object.keys(g)))];
  return attributes.map((attribute) => {
    const stats = new Map<string, { count: number; approved: number; defaults: number }>();
    groupsOf.forEach((g, i) => {
      const group = g[attribute];
      if (group === undefined) return;
      const s = stats.get(group) ?? { count: 0, approved: 0, defaults: 0 };
      s.count++;
      if (probabilities[i]! < threshold) s.approved++;
      if (labels) s.defaults += labels[i]!;
      stats.set(group, s);
    });
    const compared = [...stats.entries()].filter(([g]) => g !== 'unknown');
    const highest = Math.max(...compared.map(([, s]) => s.approved / s.count));
    const groups = [...stats.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, s]) => {
        const approvalRate = s.approved / s.count;
        const ratioToHighest = group === 'unknown' || highest === 0 ? Number.NaN : approvalRate / highest;
        return {
          group,
          count: s.count,
          approved: s.approved,
          approvalRate,
          ...(labels ? { defaultRate: s.defaults / s.count } : {}),
          ratioToHighest,
          flagged: ratioToHighest < FOUR_FIFTHS,
        };
      });
    const ratios = groups.map((g) => g.ratioToHighest).filter((r) => Number.isFinite(r));
    const minRatio = Math.min(...ratios);
    return { attribute, groups, minRatio, flagged: minRatio < FOUR_FIFTHS };
  });
}

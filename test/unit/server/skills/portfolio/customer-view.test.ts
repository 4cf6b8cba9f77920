/** The portfolio in the customer's terms (issue 12): asset groups, the outcome path, next steps, details, currency. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCmaFile, PortfolioAdvisor, type PortfolioSuggestion } from '../../../../../models/portfolio/advisor/suggest.ts';
import { loadConfig } from '../../../../../server/config/index.ts';
import { ADVISOR_UNIVERSE } from '../../../../../models/portfolio/advisor/universe.ts';
import { customerPortfolioText, customerPortfolioView, displayGroups, outcomePath } from '../../../../../server/skills/portfolio/customer-view.ts';
import { EXAMPLE_FUNDS, withRegionalFunds } from '../../../../../server/skills/portfolio/fund-region.ts';

let advisor: PortfolioAdvisor;
beforeAll(() => {
  advisor = new PortfolioAdvisor(loadCmaFile(loadConfig({}).portfolio.cmaPath)).warm();
});

describe('customerPortfolioView', () => {
  it('groups every score’s allocation into at most five asset groups that keep every fund and sum to the whole', () => {
    for (let score = 1; score <= 10; score++) {
      const s = advisor.suggest({ riskScore: score, amount: 20_000, currency: 'EUR', horizonYears: 15 });
      const groups = displayGroups(s.allocation);
      expect(groups.length).toBeLessThanOrEqual(5);
      expect(groups.map((g) => g.weight)).toEqual([...groups.map((g) => g.weight)].sort((a, b) => b - a));
      expect(groups.reduce((t, g) => t + g.weight, 0)).toBeCloseTo(1, 3);
      expect(groups.flatMap((g) => g.holdings).length).toBe(s.allocation.filter((a) => a.weight > 0).length);
      for (const g of groups) expect(['Stocks', 'Bonds', 'Cash', 'Real estate', 'Gold and commodities']).toContain(g.name);
    }
  });

  it('gives the outcome range year by year, from the amount today to the horizon’s range', () => {
    const s = advisor.suggest({ riskScore: 6, amount: 20_000, currency: 'EUR', horizonYears: 15 });
    const path = outcomePath(s);
    expect(path[0]).toEqual({ year: 0, p5: 20_000, p50: 20_000, p95: 20_000 });
    expect(path.at(-1)).toEqual({ year: 15, ...s.outcomes });
    expect(path.length).toBeLessThanOrEqual(14);
    for (const p of path) expect(p.p5).toBeLessThanOrEqual(p.p50);
    for (const p of path) expect(p.p50).toBeLessThanOrEqual(p.p95);
  });

  it('writes a concise text with the currency on every amount, the model version and a short disclaimer', () => {
    const s: PortfolioSuggestion = advisor.suggest({ riskScore: 4, amount: 20_000, currency: 'EUR', horizonYears: 15 });
    const answers = { goal: 'retirement', horizon_years: 15, loss_tolerance: '20', amount: { value: 20_000 } };
    const view = customerPortfolioView(s, answers);
    expect(view.headline).toMatch(/^Cautious mix, risk score 4 of 10: about \d+% \w+/);
    const text = customerPortfolioText(view, s);
    expect(text.split('\n')).toHaveLength(5);
    expect(text).toMatch(/^Examples of US-listed funds \(not a recommendation\): [A-Z]+ for /m);
    const amounts = text.match(/\d{1,3}(?:,\d{3})+/g) ?? [];
    expect(amounts.length).toBe(4);
    for (const n of amounts) expect(text).toContain(`EUR ${n}`);
    expect(text).toContain(`Model ${s.model} ${s.modelVersion}.`);
    expect(text).toMatch(/not financial advice/);
    // "Change amount or horizon" restarts the questionnaire with the other answers kept.
    expect(view.nextSteps.map((b) => b.title)).toEqual(['Change amount or horizon', "See how it's calculated", 'Talk to a person', 'Start again']);
    expect(JSON.parse(view.nextSteps[0]!.payload.slice('/portfolio_advice'.length))).toEqual({ goal: 'retirement', loss_tolerance: '20' });
    expect(view.universeNote).toMatch(/examples of US-listed funds for each asset class, not a recommendation/);
    expect(view.details.join(' ')).toMatch(/version/);
  });
});

describe('example funds by region (MONETA_FUND_REGION)', () => {
  it('names an example fund for every asset class of the universe, in every region, each ticker once', () => {
    for (const [region, funds] of Object.entries(EXAMPLE_FUNDS)) {
      expect(Object.keys(funds).sort(), region).toEqual(ADVISOR_UNIVERSE.map((a) => a.id).sort());
      const tickers = Object.values(funds).map((f) => f.ticker);
      expect(new Set(tickers).size, region).toBe(tickers.length);
    }
  });

  it('swaps the tickers for the region’s funds and keeps weights and figures; the card and the text say whose funds they are', () => {
    const us = advisor.suggest({ riskScore: 7, amount: 20_000, currency: 'EUR', horizonYears: 15, holdings: [{ ticker: 'VTI', value: 5_000 }] });
    const uk = withRegionalFunds(us, 'uk');
    expect(uk.fundRegion).toBe('uk');
    expect(uk.allocation.map((a) => a.weight)).toEqual(us.allocation.map((a) => a.weight));
    expect(uk.allocation.find((a) => a.assetClassId === 'us_total_market')).toMatchObject({ ticker: 'VUSA', estimatedWith: 'VTI' });
    for (const a of uk.allocation) expect(a.ticker).toBe(EXAMPLE_FUNDS.uk[a.assetClassId]!.ticker);
    expect(uk.rebalancing!.trades.map((t) => t.ticker)).toContain('VUSA');
    expect(uk.rebalancing!.trades.map((t) => t.ticker)).not.toContain('VTI');
    expect({ ...uk, allocation: undefined, guardrails: undefined, rebalancing: undefined, fundRegion: undefined, universeNote: undefined })
      .toEqual({ ...us, allocation: undefined, guardrails: undefined, rebalancing: undefined });
    const view = customerPortfolioView(uk);
    expect(view.universeNote).toMatch(/^Funds are examples of UK-listed funds for each asset class, not a recommendation: the estimates are for the asset class/);
    expect(view.displayGroups.flatMap((g) => g.holdings.map((h) => h.ticker))).toContain('VUSA');
    expect(customerPortfolioText(view, uk)).toMatch(/^Examples of UK-listed funds \(not a recommendation\): VUSA for US stocks/m);
    // The default region says the same of the US funds the estimates come from.
    expect(withRegionalFunds(us, 'us')).toMatchObject({ fundRegion: 'us', allocation: us.allocation, universeNote: expect.stringMatching(/examples of US-listed funds/) });
  });
});

/** The credit estimate in the customer's terms (issue 12): headline, euro amounts, reasons against what they compare. */
import { describe, expect, it } from 'vitest';
import { DM_PER_EURO } from '../../../../../models/credit/lib/datasets/german-credit.ts';
import type { CreditAssessmentResult } from '../../../../../server/skills/credit/credit-service.ts';
import { creditHeadline, customerCreditText, customerCreditView } from '../../../../../server/skills/credit/customer-view.ts';

const reference = { purpose: 'radio_tv', credit_amount: 2286, duration_months: 18, checking_account: 'none', savings: 'below_100', age: 33 };
const result = {
  model: 'german',
  modelVersion: '1.0.0+abc',
  probabilityOfDefault: 0.123,
  riskBand: 'medium',
  riskBandExplanation: '',
  bands: [
    { name: 'low', from: 0, to: 0.0875, description: '' },
    { name: 'medium', from: 0.0875, to: 0.175, description: '' },
    { name: 'high', from: 0.175, to: 1, description: '' },
  ],
  threshold: 0.175,
  reasons: [
    { feature: 'savings', effect: 'decreases_risk', text: 'model text', contribution: -0.02 },
    { feature: 'checking_account', effect: 'increases_risk', text: 'model text', contribution: 0.05 },
    { feature: 'credit_amount', effect: 'increases_risk', text: 'model text', contribution: 0.03 },
  ],
  explanation: { method: 'integrated-gradients', referenceProbability: 0.08, reference, completenessGap: 0, attributions: [] },
  disclaimer: 'long disclaimer',
  assumptions: [],
} as unknown as CreditAssessmentResult;

describe('customerCreditView', () => {
  it('reads like an adverse-action notice, in euros, each reason against what it is compared with', () => {
    const applicant = { ...reference, credit_amount: 5000 * DM_PER_EURO, checking_account: '200_or_more', savings: '1000_or_more' };
    const view = customerCreditView(result, applicant, { thresholdRule: 'where lending to someone who defaults costs five times as much' });
    expect(view.headline).toBe('Medium risk: about 12 in 100 similar loans ran into trouble');
    // Raised first, then lowered; the healthy balance that raised the estimate says what it is compared with.
    expect(view.customerReasons).toEqual([
      { feature: 'checking_account', effect: 'increases_risk', text: 'Checking account: about €100 or more, or salary paid in (most common in the data: no checking account)' },
      { feature: 'credit_amount', effect: 'increases_risk', text: 'Loan amount: €5,000 (typical: €1,169)' },
      { feature: 'savings', effect: 'decreases_risk', text: 'Savings: over about €500 (most common in the data: under about €50)' },
    ]);
    const text = customerCreditText(view, result.model, result.modelVersion);
    expect(text).toBe(
      [
        'Medium risk: about 12 in 100 similar loans ran into trouble.',
        'The main factors that kept your estimate from being lower:',
        '• Checking account: about €100 or more, or salary paid in (most common in the data: no checking account)',
        '• Loan amount: €5,000 (typical: €1,169)',
        'Factors in your favour:',
        '• Savings: over about €500 (most common in the data: under about €50)',
        'Next: adjust the loan, see how it is calculated, or talk to a person.',
        'Model german 1.0.0+abc. This is an estimate from historical data, not a credit decision.',
      ].join('\n'),
    );
    expect(view.details.join(' ')).toMatch(/low below 8\.8%, medium 8\.8% to 17\.5%, high from 17\.5%/);
    expect(view.details.join(' ')).toMatch(/starts at 17\.5%, where lending to someone who defaults costs five times as much/);
    expect(view.currency).toBe('EUR');
  });

  it('says "fewer than 1 in 100" rather than "about 0 in 100"', () => {
    expect(creditHeadline(0.004, 'low')).toBe('Low risk: fewer than 1 in 100 similar loans ran into trouble');
    expect(creditHeadline(0.5, 'high')).toBe('High risk: about 50 in 100 similar loans ran into trouble');
  });
});

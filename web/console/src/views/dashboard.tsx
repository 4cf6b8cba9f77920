/**
 * Analytics over a chosen period: volume per day, containment, fallback and out-of-scope rates, top intents, grouped
 * unanswered questions, thumbs-down passages, questionnaire funnels, hand-offs and agent response time. Every figure is
 * also text (`data-figure`), which the analytics test compares with its own SQL.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import type { AnalyticsReport } from '../../../../server/contracts/console-api.ts';
import { api, isoDay } from '../api.ts';
import { ChartCanvas } from './chart.tsx';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The dashboard view; the period lives in the URL hash (`#/dashboard?from=…&to=…`). */
export function DashboardView() {
  const initial = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [period, setPeriod] = useState({ from: initial.get('from') ?? isoDay(-29), to: initial.get('to') ?? isoDay() });
  const [report, setReport] = useState<AnalyticsReport | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    api<AnalyticsReport>(`analytics?from=${period.from}&to=${period.to}`).then(setReport, (e: Error) => setError(e.message));
  }, [period.from, period.to]);
  const volume = useMemo<ChartConfiguration | undefined>(
    () =>
      report && {
        type: 'bar',
        data: {
          labels: report.perDay.map((d) => d.day),
          datasets: [
            { label: 'Conversations', data: report.perDay.map((d) => d.conversations), backgroundColor: '#1f5fa8' },
            { label: 'Customer messages', data: report.perDay.map((d) => d.messages), backgroundColor: '#8fb3dd' },
            { label: 'Hand-offs', data: report.perDay.map((d) => d.handoffs), backgroundColor: '#b3541e' },
          ],
        },
      },
    [report],
  );
  const intents = useMemo<ChartConfiguration | undefined>(
    () =>
      report && {
        type: 'bar',
        data: { labels: report.topIntents.map((i) => i.intent), datasets: [{ label: 'Customer messages', data: report.topIntents.map((i) => i.count), backgroundColor: '#1f5fa8' }] },
        options: { indexAxis: 'y' },
      },
    [report],
  );
  const apply = (e: Event): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = { from: String(form.get('from')), to: String(form.get('to')) };
    history.replaceState(null, '', `#/dashboard?from=${next.from}&to=${next.to}`);
    setPeriod(next);
  };
  return (
    <section aria-labelledby="dash-title" class="dashboard">
      <h1 id="dash-title">Analytics</h1>
      <form class="filters" onSubmit={apply}>
        <label>
          From <input type="date" name="from" value={period.from} />
        </label>
        <label>
          To <input type="date" name="to" value={period.to} />
        </label>
        <button type="submit">Show</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {report && (
        <div data-ready="true">
          <dl class="kpis">
            <div>
              <dt>Conversations</dt>
              <dd data-figure="conversations">{report.totals.conversations}</dd>
            </div>
            <div>
              <dt>Customer messages</dt>
              <dd data-figure="messages">{report.totals.userMessages}</dd>
            </div>
            <div>
              <dt>Containment (no person needed)</dt>
              <dd data-figure="containment">{pct(report.containment)}</dd>
            </div>
            <div>
              <dt>Fallback rate</dt>
              <dd data-figure="fallback-rate">{pct(report.fallbackRate)}</dd>
            </div>
            <div>
              <dt>Out-of-scope rate</dt>
              <dd data-figure="oos-rate">{pct(report.outOfScopeRate)}</dd>
            </div>
            <div>
              <dt>Hand-offs</dt>
              <dd data-figure="handoffs">{report.totals.handoffs}</dd>
            </div>
            <div>
              <dt>Agent response (median)</dt>
              <dd data-figure="agent-median">{report.agentResponse.medianSeconds === null ? '—' : `${report.agentResponse.medianSeconds.toFixed(1)} s`}</dd>
            </div>
            <div>
              <dt>Hand-offs accepted by an agent</dt>
              <dd data-figure="agent-accepted">{report.agentResponse.accepted}</dd>
            </div>
          </dl>
          <h2>Per day</h2>
          {volume && <ChartCanvas config={volume} label="Conversations, customer messages and hand-offs per day (table below)" />}
          <details>
            <summary>Per-day table</summary>
            <table class="list" data-table="per-day">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Conversations</th>
                  <th scope="col">Messages</th>
                  <th scope="col">Hand-offs</th>
                </tr>
              </thead>
              <tbody>
                {report.perDay.map((d) => (
                  <tr key={d.day}>
                    <th scope="row">{d.day}</th>
                    <td>{d.conversations}</td>
                    <td>{d.messages}</td>
                    <td>{d.handoffs}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
          <div class="two">
            <div>
              <h2>Top intents</h2>
              {intents && <ChartCanvas config={intents} label="Top intents of customer messages (table below)" />}
              <table class="list" data-table="top-intents">
                <thead>
                  <tr>
                    <th scope="col">Intent</th>
                    <th scope="col">Messages</th>
                  </tr>
                </thead>
                <tbody>
                  {report.topIntents.map((i) => (
                    <tr key={i.intent}>
                      <th scope="row">{i.intent}</th>
                      <td>{i.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h2>Unanswered or refused questions</h2>
              <p>
                <span data-figure="unanswered-total">{report.unansweredTotal}</span> in total, grouped by meaning:
              </p>
              <table class="list" data-table="unanswered">
                <thead>
                  <tr>
                    <th scope="col">Question (examples)</th>
                    <th scope="col">Times</th>
                  </tr>
                </thead>
                <tbody>
                  {report.unanswered.map((g, i) => (
                    <tr key={i}>
                      <td>{g.examples.join(' · ')}</td>
                      <td>{g.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
          <div class="two">
            <div>
              <h2>Passages with most thumbs-down</h2>
              <table class="list" data-table="thumbs-down">
                <thead>
                  <tr>
                    <th scope="col">Passage</th>
                    <th scope="col">Thumbs down</th>
                  </tr>
                </thead>
                <tbody>
                  {report.thumbsDown.map((t) => (
                    <tr key={t.passageId}>
                      <th scope="row">{t.passageId}</th>
                      <td>{t.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h2>Questionnaire funnels</h2>
              <table class="list" data-table="funnels">
                <thead>
                  <tr>
                    <th scope="col">Form</th>
                    <th scope="col">Started</th>
                    <th scope="col">Completed</th>
                    <th scope="col">Cancelled</th>
                    <th scope="col">Where people stop</th>
                  </tr>
                </thead>
                <tbody>
                  {report.funnels.map((f) => (
                    <tr key={f.form}>
                      <th scope="row">{f.form}</th>
                      <td>{f.started}</td>
                      <td>{f.completed}</td>
                      <td>{f.cancelled}</td>
                      <td>{f.dropOff.slice(0, 3).map((d) => `${d.slot} (${d.count})`).join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

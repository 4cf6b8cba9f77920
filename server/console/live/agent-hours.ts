/** When the live hand-off desk is staffed: `always`, or day ranges with hours, e.g. `Mon-Fri 08:00-20:00, Sat 09:00-13:00`. */
import { ConfigError } from '../../errors.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A predicate over epoch ms (server local time). */
export type AgentHours = (at: number) => boolean;

/** Parses `MONETA_CONSOLE_AGENT_HOURS`; throws ConfigError naming it. */
export function parseAgentHours(spec: string): AgentHours {
  const text = spec.trim().toLowerCase();
  if (text === 'always' || text === '') return () => true;
  const rules = text.split(',').map((part) => {
    const m = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(part.trim());
    const from = m ? DAYS.indexOf(m[1]!) : -1;
    const to = m ? DAYS.indexOf(m[2] ?? m[1]!) : -1;
    if (!m || from < 0 || to < 0) throw new ConfigError(`MONETA_CONSOLE_AGENT_HOURS: "${part.trim()}" is not like "Mon-Fri 08:00-20:00" (or use "always").`);
    const start = Number(m[3]) * 60 + Number(m[4]);
    const end = Number(m[5]) * 60 + Number(m[6]);
    if (start >= end || end > 24 * 60) throw new ConfigError(`MONETA_CONSOLE_AGENT_HOURS: "${part.trim()}" must end after it starts, by 24:00.`);
    const days = new Set<number>();
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
    return { days, start, end };
  });
  return (at) => {
    const date = new Date(at);
    const minute = date.getHours() * 60 + date.getMinutes();
    return rules.some((r) => r.days.has(date.getDay()) && minute >= r.start && minute < r.end);
  };
}

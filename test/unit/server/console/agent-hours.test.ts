/** MONETA_CONSOLE_AGENT_HOURS: when the live hand-off desk is staffed. */
import { describe, expect, it } from 'vitest';
import { parseAgentHours } from '../../../../server/console/live/agent-hours.ts';

/** Local time on a known weekday: 2026-12-07 is a Monday. */
const at = (day: number, hh: number, mm = 0): number => new Date(2026, 11, 7 + day, hh, mm).getTime();

describe('parseAgentHours', () => {
  it('is always open with "always"', () => {
    expect(parseAgentHours('always')(at(6, 3))).toBe(true);
  });

  it('opens on the listed days and hours only', () => {
    const open = parseAgentHours('Mon-Fri 08:00-20:00, Sat 09:00-13:00');
    expect(open(at(0, 8))).toBe(true); // Monday 08:00
    expect(open(at(0, 7, 59))).toBe(false);
    expect(open(at(4, 19, 59))).toBe(true); // Friday
    expect(open(at(4, 20))).toBe(false);
    expect(open(at(5, 10))).toBe(true); // Saturday
    expect(open(at(5, 13))).toBe(false);
    expect(open(at(6, 10))).toBe(false); // Sunday
  });

  it('wraps day ranges over the week end', () => {
    const open = parseAgentHours('Fri-Mon 10:00-12:00');
    expect(open(at(6, 11))).toBe(true); // Sunday
    expect(open(at(1, 11))).toBe(false); // Tuesday
  });

  it.each(['weekdays', 'Mon-Fri 8-20', 'Mon-Fri 20:00-08:00', 'Xyz 08:00-10:00'])('refuses %s naming the variable', (spec) => {
    expect(() => parseAgentHours(spec)).toThrow(/MONETA_CONSOLE_AGENT_HOURS/);
  });
});

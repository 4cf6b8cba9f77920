/** The built widget (web/dist/widget.js) stays one self-contained script within its size budget (≤ 60 KB gzipped, issue 12). */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config/index.ts';

const dist = `${PROJECT_ROOT}/web/dist`;

describe('web/dist/widget.js', () => {
  it('is one self-contained classic script, under 60 KB gzipped', () => {
    // Other front ends (the staff console) build into their own sub-folders of web/dist; the widget is the one file.
    const files = readdirSync(dist, { withFileTypes: true }).filter((f) => f.isFile() && !f.name.endsWith('.map')).map((f) => f.name);
    expect(files, 'run `npm run build:web` first').toEqual(['widget.js']);
    const code = readFileSync(`${dist}/widget.js`, 'utf8');
    // No module syntax or loader calls: it must run from a plain <script> tag on any page.
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).not.toMatch(/\brequire\(["']/);
    expect(code).not.toContain('process.env');
    expect(code.startsWith('var MonetaWidget=')).toBe(true);
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`[widget] web/dist/widget.js: ${(Buffer.byteLength(code) / 1000).toFixed(1)} KB raw, ${(gz / 1000).toFixed(1)} KB gzipped`);
    expect(gz).toBeLessThanOrEqual(60_000);
  });
});

#!/usr/bin/env node
// The `moneta` command: runs the TypeScript CLI through tsx so `npx moneta …` works in a checkout without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');

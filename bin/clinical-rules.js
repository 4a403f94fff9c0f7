#!/usr/bin/env node
// Launcher for the clinical-rules CLI (core/rules/cli.ts). The CLI is TypeScript
// run through tsx, registered in this process so arguments, output and the exit
// code pass through untouched. Paths are resolved from this file, so it works
// from any working directory.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../core/rules/cli.ts', import.meta.url).href);

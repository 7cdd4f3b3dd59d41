#!/usr/bin/env node
// Thin launcher: everything lives in the compiled CLI (npm run build).
import { main } from "../dist/src/cli.js";

await main(process.argv.slice(2));

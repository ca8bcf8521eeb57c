#!/usr/bin/env node
// The `crowdtrain-pool-agent` bin: registers tsx so the TypeScript CLI runs as is.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");

/**
 * onnxruntime-node with its telemetry off (ort-telemetry-off.ts runs first: ES modules evaluate
 * their imports in order). Import the runtime from here, never from "onnxruntime-node" directly.
 */
import "./ort-telemetry-off.js";

// biome-ignore lint/style/noRestrictedImports: the one module that loads the runtime, after the switch above
export * from "onnxruntime-node";

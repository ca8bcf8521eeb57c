/**
 * ONNX Runtime 1.29+ sends telemetry to Microsoft (mobile.events.data.microsoft.com) from its Linux
 * builds, and keeps a device id and an event database under ~/.cache/Microsoft/DeveloperTools,
 * unless ORT_DISABLE_TELEMETRY is set when the library loads. Crowdtrain makes no outside
 * connection and keeps no such identifier: this module sets it, and `ml/ort.ts` imports it before
 * onnxruntime-node, so every process that loads the runtime through there has it off.
 */
process.env.ORT_DISABLE_TELEMETRY = "1";

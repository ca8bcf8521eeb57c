import type { Queue } from "bullmq";

/**
 * Waits until `queue` has `count` completed jobs. On timeout the error says what the queue holds instead,
 * with each failed job's reason, so a flaky wait explains itself.
 */
export async function waitForCompleted(queue: Queue, count: number, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { completed = 0 } = await queue.getJobCounts("completed");
    if (completed === count) return;
    if (Date.now() > deadline) {
      const counts = await queue.getJobCounts();
      const failed = await queue.getJobs(["failed"], 0, 20);
      const reasons = failed.map((job) => `${job.name} ${job.id}: ${job.failedReason}`).join("; ");
      throw new Error(
        `timed out waiting for ${what} (${count} completed jobs on ${queue.name}); the queue holds ${JSON.stringify(counts)}` +
          (reasons ? `; failed: ${reasons}` : ""),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

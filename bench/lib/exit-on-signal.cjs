// Preloaded (node -r) into a server profiled with --cpu-prof: remix-serve only closes its
// listener on SIGTERM and its open pools keep the process alive, but a profile is written
// only when the process exits, so exit shortly after the signal.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => setTimeout(() => process.exit(0), 200).unref());
}

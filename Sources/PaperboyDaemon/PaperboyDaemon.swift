// PaperboyDaemon: the long-running services of `paperboy run`, and nothing
// else; the only module that links Hummingbird, Prometheus and
// ServiceLifecycle.
//
// Owns: the service group (Daemon, DaemonRuntime, DaemonContext), the
// scheduler tick, the fetcher, the sender, the retention sweep, SIGHUP
// reload, sd_notify and the watchdog, the public HTTP endpoint (one-click
// unsubscribe) and the admin endpoint (/healthz, /metrics), the status they
// report, and the blocking-work pool that keeps SQLite and libcurl off the
// cooperative threads. Each service calls into PaperboyPipeline for the work.

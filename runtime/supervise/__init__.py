"""Container supervision without a daemon (DESIGN.md §3). Importing this package imports nothing else: the monitor
(``python -S -m runtime.supervise.monitor``) must stay lean.

restart    restart policies and Docker's backoff (pure)
health     healthcheck state machine, schedule, probe runner protocol + host runner
logs       json-file writer with rotation, entry codec;  logread: tail/since/until/copy/merge;  logfollow: -f
durations  Go durations, docker sizes
job        the monitor's file protocol (jobs, stop requests, states, pidfile, control lock)
holder     pipe holders, detached monitor start (ensure_monitor)
monitor    the monitor loop;  unit: one supervised container;  probes: probe threads;  hostproc: host starter
"""

"""The benchmark harness behind ``bench/run``: figures P1..P11 of issue 9, dockyard beside its anchors."""

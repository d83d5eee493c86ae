# tests/stress/local.mk - filled in by its owner

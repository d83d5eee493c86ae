# tests/fuzz/local.mk - filled in by its owner

# The real-kernel lab (user-mode-linux; regress/lab/README, lab.md): its
# tests boot the lab themselves and need root and the lab's packages
# (regress/lab/preflight names what is missing).
TESTS_LAB += $(sort $(wildcard regress/lab/t/*.t))

# The real-kernel lab (user-mode-linux; regress/lab/README): its
# tests boot the lab themselves and need root and the lab's packages
# (regress/lab/preflight names what is missing).
TESTS_LAB += $(sort $(wildcard regress/lab/t/*.t))

# A daemon for the lab only, built with PC_TEST_SECCOMP_TRIGGER: its engine
# calls a syscall its seccomp filter refuses when it is given a tunnel named
# seccomp-trigger (t/72-seccomp-kill). Never installed.
LAB_SECCOMP_BIN := regress/lab/pptpd-client-seccomp-trigger
regress/lab/engine-seccomp-trigger.o: pptpd-client/engine.c
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -DPC_TEST_SECCOMP_TRIGGER -c -o $@ $<
$(LAB_SECCOMP_BIN): $(filter-out pptpd-client/engine.o,$(DAEMON_OBJS)) regress/lab/engine-seccomp-trigger.o proto/libproto.a $(PRIV_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(filter-out pptpd-client/engine.o,$(DAEMON_OBJS)) regress/lab/engine-seccomp-trigger.o proto/libproto.a $(PRIV_LIBS) $(PKG_LIBS)
TEST_BUILD += $(LAB_SECCOMP_BIN)
CLEANFILES += $(LAB_SECCOMP_BIN) regress/lab/engine-seccomp-trigger.o regress/lab/engine-seccomp-trigger.d

# kpptpd: a PPTP server for the lab whose data path is the kernel's
# (AF_PPPOX sockets and pppd with our plugin), so that the lab can measure
# a client without pptpd's user-space GRE in the way. Never installed.
# Plain libc: compiled without the libraries' flags (libbsd's overlay).
LAB_KPPTPD := regress/lab/kpptpd
regress/lab/kpptpd.o: regress/lab/kpptpd.c
	$(CC) $(CFLAGS) -c -o $@ $<
$(LAB_KPPTPD): regress/lab/kpptpd.o
	$(CC) $(LDFLAGS) -o $@ regress/lab/kpptpd.o
TEST_BUILD += $(LAB_KPPTPD)
CLEANFILES += $(LAB_KPPTPD) regress/lab/kpptpd.o regress/lab/kpptpd.d
